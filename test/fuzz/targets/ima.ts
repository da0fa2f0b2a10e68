/**
 * Linux IMA measurement lists, binary and ASCII: parseImaLog then analyzeImaLog (replay, template
 * hashes). Seeds: the OVMF recordings, lists built with test/ima/builder.ts (every template,
 * violations, sha256 template hashes, big-endian), and the corpus IMA lists when present.
 */
import { BootproofError } from '../../../src/errors.js'
import { analyzeImaLog } from '../../../src/ima/replay.js'
import { parseImaLog } from '../../../src/ima/parse.js'
import { detectImaFormat } from '../../../src/ima/detect.js'
import { mutateBinary } from '../lib/binary.js'
import { walkImaBinary } from '../lib/ima_walker.js'
import { mutateText } from '../lib/json.js'
import type { Rng } from '../lib/prng.js'
import type { Family, Seed, SeedSet } from '../family.js'
import { bytes, CORPUS_NOTE, corpusFiles, ovmfDirs, short } from '../seeds.js'
import { cat, dng, entry, H, imaNg, renderAscii, str } from '../../ima/builder.js'

function builtBinary(): Seed<Uint8Array>[] {
  const enc = new TextEncoder()
  const mixed = cat(
    entry({ template: 'ima', name: 'boot_aggregate', d: H('sha1', enc.encode('x')) }),
    imaNg('/usr/bin/bash'),
    entry({ template: 'ima-sig', fields: [dng('sha256', H('sha256', enc.encode('a'))), str('/usr/lib/libc.so'), Uint8Array.of(3, 2, 4, 0, 0, 0, 0, 0, 1, 0)] }),
    entry({ template: 'ima-buf', fields: [dng('sha256', H('sha256', enc.encode('cmd'))), str('kexec-cmdline'), enc.encode('root=/dev/sda1')] }),
    imaNg('/etc/violation', { templateHash: new Uint8Array(20) }),
    entry({ template: 'ima-modsig', fields: [dng('sha256', H('sha256', enc.encode('m'))), str('/lib/modules/x.ko'), new Uint8Array(0), dng('sha256', H('sha256', enc.encode('m2'))), Uint8Array.of(1, 2, 3)] }),
  )
  return [
    { name: 'built:mixed-templates', value: mixed },
    { name: 'built:ima-ng-sha256-template-hash', value: cat(imaNg('/a', { alg: 'sha256' }), imaNg('/b', { alg: 'sha256' })) },
    { name: 'built:ima-ng-big-endian', value: cat(imaNg('/a', { le: false }), imaNg('/b', { le: false })) },
  ]
}

let cache: Promise<{ bin: Seed<Uint8Array>[]; ascii: Seed<Uint8Array>[] }> | undefined
function load(): Promise<{ bin: Seed<Uint8Array>[]; ascii: Seed<Uint8Array>[] }> {
  cache ??= (async () => {
    const bin: Seed<Uint8Array>[] = []
    const ascii: Seed<Uint8Array>[] = []
    const files = [
      ...ovmfDirs().flatMap((d) => [`${d}/ima_binary_runtime_measurements`, `${d}/ima_ascii_runtime_measurements`]),
      ...corpusFiles('logs'),
      ...corpusFiles('negative'),
    ]
    for (const f of files) {
      const b = bytes(f)
      const fmt = detectImaFormat(b)
      if (fmt === 'ima-binary') bin.push({ name: short(f), value: b })
      else if (fmt === 'ima-ascii') ascii.push({ name: short(f), value: b })
    }
    for (const s of builtBinary()) {
      bin.push(s)
      try {
        const log = parseImaLog(s.value)
        ascii.push({ name: `${s.name} (ascii)`, value: new TextEncoder().encode(log.entries.map(renderAscii).join('')) })
      } catch {
        /* a seed the parser refuses stays binary-only */
      }
    }
    return { bin, ascii }
  })()
  return cache
}

const TEMPLATES = ['ima', 'ima-ng', 'ima-sig', 'ima-buf', 'ima-modsig', 'ima-ngv2', 'ima-sigv2', 'evm-sig', 'unknown-template', '', 'ima-ng ima-ng']
const DIGEST_PREFIXES = ['sha1:', 'sha256:', 'sha384:', 'sha512:', 'sm3:', 'md5:', 'verity:sha256:', 'ima:sha256:', ':', 'sha256', 'SHA256:']

/** Line- and field-aware mutation of `ascii_runtime_measurements`. */
export function mutateImaAscii(seed: Uint8Array, rng: Rng, donors: readonly Uint8Array[]): Uint8Array {
  const dec = (b: Uint8Array) => new TextDecoder('latin1').decode(b)
  let lines = dec(seed).split('\n')
  const n = rng.bool(0.6) ? 1 : rng.range(2, 4)
  for (let k = 0; k < n; k++) {
    const i = rng.int(lines.length)
    const fields = (lines[i] ?? '').split(' ')
    switch (rng.int(10)) {
      case 0:
        lines.splice(i, 1)
        break
      case 1:
        lines.splice(i, 0, ...Array.from({ length: rng.bool(0.9) ? 1 : rng.range(10, 2000) }, () => lines[i] ?? ''))
        break
      case 2: {
        const d = dec(rng.pick(donors)).split('\n')
        lines.splice(i, 0, rng.pick(d))
        break
      }
      case 3:
        fields[2] = rng.pick(TEMPLATES)
        lines[i] = fields.join(' ')
        break
      case 4: {
        // template hash: wrong length, non-hex, all zero
        fields[1] = rng.pick(['', '0'.repeat(40), '0'.repeat(64), 'f'.repeat(39), 'g'.repeat(40), (fields[1] ?? '') + '00', (fields[1] ?? '').slice(1)])
        lines[i] = fields.join(' ')
        break
      }
      case 5: {
        const f = fields[3] ?? ''
        const colon = f.lastIndexOf(':')
        fields[3] = rng.pick(DIGEST_PREFIXES) + (rng.bool(0.5) ? f.slice(colon + 1) : f.slice(colon + 1, rng.int(f.length)))
        lines[i] = fields.join(' ')
        break
      }
      case 6: {
        // path / extra fields: spaces, long, control chars, unicode
        const j = rng.range(4, Math.max(4, fields.length))
        fields.splice(j, 0, rng.pick(['a b', 'x'.repeat(rng.bool(0.8) ? 300 : 70000), '\t', '\u00e9', '\u0000', '', '00', 'zz']))
        lines[i] = fields.join(' ')
        break
      }
      case 7:
        fields[0] = rng.pick(['10', ' 9', '0', '-1', '4294967296', '99999999999999999999', 'a', '', '023'])
        lines[i] = fields.join(' ')
        break
      case 8:
        lines[i] = fields.slice(0, rng.int(fields.length)).join(' ')
        break
      default:
        lines = mutateText(lines.join('\n'), rng).split('\n')
    }
  }
  return new TextEncoder().encode(lines.join(rng.bool(0.05) ? '\r\n' : '\n'))
}

function imaFamily(kind: 'binary' | 'ascii'): Family<Uint8Array> {
  return {
    name: `ima-${kind}`,
    description: `IMA ${kind} measurement lists: parseImaLog (auto and format '${kind}') + analyzeImaLog`,
    async seeds(): Promise<SeedSet<Uint8Array>> {
      const s = await load()
      const seeds = kind === 'binary' ? s.bin : s.ascii
      return { seeds, notes: [CORPUS_NOTE, `${seeds.length} seeds`] }
    },
    mutate(seed, rng, all) {
      if (kind === 'ascii') return rng.bool(0.85) ? mutateImaAscii(seed.value, rng, all.map((s) => s.value)) : mutateBinary(seed.value, { rng, walker: () => ({ fields: [], records: [], data: [], sized: [] }), donors: [] }, 0)
      return mutateBinary(seed.value, { rng, walker: walkImaBinary, donors: all.map((s) => ({ name: s.name, bytes: s.value })), typeValues: [10, 0, 23, 24, 0xffffffff, 0x0a000000] })
    },
    run(input) {
      // both entry points: auto-detection and the forced format
      let err: unknown
      for (const opts of [{}, { format: `ima-${kind}` as const }]) {
        try {
          analyzeImaLog(parseImaLog(input, opts))
        } catch (e) {
          if (!(e instanceof BootproofError)) throw e
          err = e
        }
      }
      if (err) throw err
    },
    size: (b) => b.length,
    toBytes: (b) => b,
  }
}

export const imaFamilies = [imaFamily('binary'), imaFamily('ascii')]
