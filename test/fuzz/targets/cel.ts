/**
 * Canonical Event Logs (CEL-TLV and CEL-JSON / systemd tpm2-measure.log): parseCel, then
 * verifyCelContent and replayCelLog, and the combination with a firmware log (authenticateLog
 * with `celLog` → stateFromEvidence). Seeds: the committed synthetic systemd log
 * (test-vectors/cel), a TLV rendering of it, and the corpus COS CEL-TLV when present.
 */
import { existsSync } from 'node:fs'
import { BootproofError } from '../../../src/errors.js'
import { authenticateLog } from '../../../src/attest/authenticate_log.js'
import { parseCel, replayCelLog, verifyCelContent } from '../../../src/cel/index.js'
import { parseEventLog } from '../../../src/eventlog/parse.js'
import { stateFromEvidence } from '../../../src/state/boot_state.js'
import { stateToJSON } from '../../../src/state/render.js'
import { emptyLayout, mutateBinary, type Field, type Layout } from '../lib/binary.js'
import { mutateText } from '../lib/json.js'
import type { Family, Seed, SeedSet } from '../family.js'
import { bytes, CORPUS_NOTE, corpusFiles, short, vec } from '../seeds.js'

/** TLV containers whose value is itself TLVs (TCG CEL §6: digests, cel, pcclient_std, ima_template; COS 0x50). */
const NESTED = new Set([3, 4, 5, 7, 0x50])

/** Best-effort CEL-TLV layout: each element's type byte and u32 BE length, values, nested containers. */
export function walkCelTlv(b: Uint8Array): Layout {
  const layout = emptyLayout()
  const walk = (start: number, end: number, depth: number) => {
    let at = start
    while (at + 5 <= end) {
      const len = ((b[at + 1]! << 24) | (b[at + 2]! << 16) | (b[at + 3]! << 8) | b[at + 4]!) >>> 0
      const vEnd = at + 5 + len
      if (vEnd > end) return
      layout.fields.push({ off: at, size: 1, le: false, kind: 'type' })
      const lenField: Field = { off: at + 1, size: 4, le: false, kind: 'len', remaining: end - at - 5 }
      layout.fields.push(lenField)
      if (depth === 0) layout.records.push({ start: at, end: vEnd })
      if (NESTED.has(b[at]!) && depth < 3) walk(at + 5, vEnd, depth + 1)
      else {
        layout.data.push({ start: at + 5, end: vEnd })
        layout.sized.push({ start: at + 5, end: vEnd, lenField })
      }
      at = vEnd
    }
  }
  walk(0, b.length, 0)
  return layout
}

const be32 = (n: number) => Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff)
const tlv = (t: number, v: Uint8Array) => Uint8Array.from([t, ...be32(v.length), ...v])

/** The systemd records again as CEL-TLV (recnum, pcr / nv_index, digests, a pcclient_std content). */
function tlvFromJson(json: Uint8Array): Uint8Array {
  const log = parseCel(json)
  const parts: number[] = []
  for (const r of log.records) {
    const reg = tlv(r.handle === 'nv_index' ? 2 : 1, be32(r.register))
    const digests = tlv(3, Uint8Array.from(r.digests.flatMap((d) => [...tlv(d.algId, d.digest)])))
    const text = new TextEncoder().encode(r.content.type === 'systemd' ? (r.content.string ?? '') : '')
    const content = tlv(5, Uint8Array.from([...tlv(0, Uint8Array.of(0x0d)), ...tlv(1, text)]))
    parts.push(...tlv(0, Uint8Array.of(r.index)), ...reg, ...digests, ...content)
  }
  return Uint8Array.from(parts)
}

let fwCache: ReturnType<typeof parseEventLog> | undefined
const firmware = () => (fwCache ??= parseEventLog(bytes(vec('cel/systemd-uki.synthetic.binary_bios_measurements'))))

export const celFamily: Family<Uint8Array> = {
  name: 'cel',
  description: 'CEL-TLV / CEL-JSON: parseCel → verifyCelContent + replayCelLog; with the synthetic firmware log: authenticateLog({celLog}) → stateFromEvidence',
  async seeds(): Promise<SeedSet<Uint8Array>> {
    const json = bytes(vec('cel/systemd-tpm2-measure.synthetic.log'))
    const seeds: Seed<Uint8Array>[] = [
      { name: 'cel/systemd-tpm2-measure.synthetic.log', value: json },
      { name: 'built:systemd-as-tlv', value: tlvFromJson(json) },
    ]
    // A real systemd-pcrextend log (recorded boot: test-vectors/uki/boot-cel-ovmf).
    const recorded = vec('uki/boot-cel-ovmf/tpm2-measure.log')
    if (existsSync(recorded)) seeds.push({ name: 'uki/boot-cel-ovmf/tpm2-measure.log', value: bytes(recorded) })
    for (const f of corpusFiles('logs')) if (/cel\.bin$/.test(f)) seeds.push({ name: short(f), value: bytes(f) })
    return { seeds, notes: [CORPUS_NOTE, `${seeds.length} seeds`] }
  },
  mutate(seed, rng, all) {
    const isJson = seed.value[0] === 0x1e || seed.value[0] === 0x7b || seed.value[0] === 0x5b
    if (isJson && rng.bool(0.8)) {
      let t = new TextDecoder().decode(seed.value)
      for (let i = rng.bool(0.6) ? 1 : rng.range(2, 4); i > 0; i--) t = mutateText(t, rng)
      return new TextEncoder().encode(t)
    }
    return mutateBinary(seed.value, { rng, walker: walkCelTlv, donors: all.map((s) => ({ name: s.name, bytes: s.value })), typeValues: [0, 1, 2, 3, 4, 5, 7, 8, 0x50, 0x6c, 0x04, 0x0b, 0x0c, 0x0d, 0x12, 0xff] })
  },
  run(input) {
    const log = parseCel(input)
    verifyCelContent(log)
    replayCelLog(log)
    try {
      const ev = authenticateLog(firmware(), { celLog: log })
      stateToJSON(stateFromEvidence(ev).state)
    } catch (e) {
      // A CEL of CC MRs cannot join a PC Client log: the only refusal allowed here.
      if (!(e instanceof BootproofError && e.code === 'ERR_CEL_REGISTER_KIND')) throw e
    }
  },
  size: (b) => b.length,
  toBytes: (b) => b,
}
