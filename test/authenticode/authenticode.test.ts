/**
 * Authenticode image hash (src/authenticode): synthetic PE32 / PE32+ images against an
 * independent computation written out here from the layout the builder chose (and against
 * pesign when installed), malformed-input errors, and the real Debian shim / GRUB / kernel
 * against the digests recorded in test-vectors/ovmf/sb-esp (PCR 4 of that log always checked).
 */
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { authenticodeDigest, authenticodeDigests, authenticodeRanges } from '../../src/authenticode/authenticode.js'
import { parsePe } from '../../src/authenticode/pe.js'
import { pcr4Alternatives, pcr4PolicyRules, pcr4Role, predictPcr4 } from '../../src/authenticode/predict_pcr4.js'
import { validatePolicy } from '../../src/policy/validate.js'
import { AUTHENTICODE_ERROR_CODES } from '../../src/authenticode/error_codes.js'
import { isBootproofError } from '../../src/errors.js'
import { parseEventLog } from '../../src/eventlog/parse.js'
import { toHex } from '../../src/bytes/hex.js'
import { repoBytes } from '../helpers/corpus.js'
import { buildPe, E_LFANEW, pattern, type BuiltPe } from './pe_builder.js'

const hex = (b: Uint8Array) => toHex(b)

/**
 * Independent computation: the hashed stream spelled out from the builder's known layout
 * (checksum offset, cert-dir entry offset, SizeOfHeaders, section list), incremental node:crypto.
 */
function expectedDigest(pe: BuiltPe, sections: { pointerToRawData: number; sizeOfRawData: number }[], certSize: number, alg = 'sha256'): string {
  const f = pe.bytes
  const h = createHash(alg)
  h.update(f.subarray(0, pe.checksumOffset))
  if (pe.certDirEntryOffset !== undefined) {
    h.update(f.subarray(pe.checksumOffset + 4, pe.certDirEntryOffset))
    h.update(f.subarray(pe.certDirEntryOffset + 8, pe.sizeOfHeaders))
  } else h.update(f.subarray(pe.checksumOffset + 4, pe.sizeOfHeaders))
  let sum = pe.sizeOfHeaders
  // insertion sort by PointerToRawData, as EDK2 does (stable)
  const sorted: typeof sections = []
  for (const s of sections) {
    let i = sorted.length
    while (i > 0 && sorted[i - 1]!.pointerToRawData > s.pointerToRawData) i--
    sorted.splice(i, 0, s)
  }
  for (const s of sorted) {
    if (s.sizeOfRawData === 0) continue
    h.update(f.subarray(s.pointerToRawData, s.pointerToRawData + s.sizeOfRawData))
    sum += s.sizeOfRawData
  }
  if (f.length > sum + certSize) h.update(f.subarray(sum, f.length - certSize))
  return h.digest('hex')
}

function hasTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'pipe' })
    return true
  } catch {
    return false
  }
}
const PESIGN = hasTool('pesign')
if (!PESIGN) console.warn('\n[SKIPPED] pesign cross-checks: pesign is not installed\n')
const tmp = mkdtempSync(join(tmpdir(), 'bootproof-ac-'))
function pesignHash(bytes: Uint8Array): string {
  const p = join(tmp, `x${Math.random().toString(16).slice(2)}.efi`)
  writeFileSync(p, bytes)
  const out = execFileSync('pesign', ['-h', '-i', p], { encoding: 'utf8' })
  return /hash:\s*([0-9a-f]{64})/.exec(out)![1]!
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (e) {
    if (isBootproofError(e)) return e.code
    throw e
  }
  return undefined
}

describe('Authenticode digest of synthetic PE images', () => {
  const cases: { name: string; build: () => { pe: BuiltPe; sections: { pointerToRawData: number; sizeOfRawData: number }[]; certSize: number } }[] = [
    {
      name: 'PE32+ without a certificate table',
      build: () => {
        const pe = buildPe()
        return { pe, sections: [{ pointerToRawData: 0x200, sizeOfRawData: 0x400 }, { pointerToRawData: 0x600, sizeOfRawData: 0x200 }], certSize: 0 }
      },
    },
    {
      name: 'PE32+ with trailing data and a certificate table',
      build: () => {
        const pe = buildPe({ trailing: pattern('trailing', 37), certTable: pattern('cert', 120) })
        return { pe, sections: [{ pointerToRawData: 0x200, sizeOfRawData: 0x400 }, { pointerToRawData: 0x600, sizeOfRawData: 0x200 }], certSize: 120 }
      },
    },
    {
      name: 'PE32 (32-bit optional header) with a certificate table',
      build: () => {
        const pe = buildPe({ format: 'PE32', certTable: pattern('cert32', 64) })
        return { pe, sections: [{ pointerToRawData: 0x200, sizeOfRawData: 0x400 }, { pointerToRawData: 0x600, sizeOfRawData: 0x200 }], certSize: 64 }
      },
    },
    {
      name: 'sections out of file order, one empty, one overlapping another',
      build: () => {
        const sections = [
          { name: '.reloc', pointerToRawData: 0xa00, sizeOfRawData: 0x100 },
          { name: '.bss', pointerToRawData: 0, sizeOfRawData: 0 },
          { name: '.text', pointerToRawData: 0x400, sizeOfRawData: 0x400 },
          { name: '.alias', pointerToRawData: 0x500, sizeOfRawData: 0x200 }, // overlaps .text
        ]
        const pe = buildPe({ sections, sizeOfHeaders: 0x400, trailing: pattern('tail', 0x300), certTable: pattern('c', 16) })
        return { pe, sections, certSize: 16 }
      },
    },
    {
      name: 'NumberOfRvaAndSizes ≤ 4: no certificate directory entry, headers hashed after the checksum',
      build: () => {
        const pe = buildPe({ numberOfRvaAndSizes: 4, trailing: pattern('t4', 9) })
        return { pe, sections: [{ pointerToRawData: 0x200, sizeOfRawData: 0x400 }, { pointerToRawData: 0x600, sizeOfRawData: 0x200 }], certSize: 0 }
      },
    },
    {
      name: 'odd sizes: SizeOfHeaders and section sizes not aligned',
      build: () => {
        const sections = [
          { name: 'A', pointerToRawData: 0x1f3, sizeOfRawData: 0x65 },
          { name: 'B', pointerToRawData: 0x259, sizeOfRawData: 0x3 },
        ]
        const pe = buildPe({ sections, sizeOfHeaders: 0x1f3, trailing: pattern('odd', 5), certTable: pattern('oc', 24) })
        return { pe, sections, certSize: 24 }
      },
    },
  ]
  for (const c of cases) {
    it(c.name, () => {
      const { pe, sections, certSize } = c.build()
      const expected = expectedDigest(pe, sections, certSize)
      expect(hex(authenticodeDigest(pe.bytes))).toBe(expected)
      expect(authenticodeDigests(pe.bytes, ['sha256', 'sha1', 'sha384'])).toEqual({ sha256: expected, sha1: expectedDigest(pe, sections, certSize, 'sha1'), sha384: expectedDigest(pe, sections, certSize, 'sha384') })
      // pesign rejects images without a certificate directory entry and hashes overlapping sections differently.
      if (PESIGN && !/^(sections out of file order|NumberOfRvaAndSizes)/.test(c.name)) expect(pesignHash(pe.bytes)).toBe(expected)
    })
  }

  it('ignores the CheckSum, the certificate directory entry and the certificate table; covers everything else', () => {
    const base = buildPe({ trailing: pattern('t', 40), certTable: pattern('cert', 80) })
    const d0 = hex(authenticodeDigest(base.bytes))
    const mutate = (at: number) => {
      const b = base.bytes.slice()
      b[at]! ^= 0xff
      return hex(authenticodeDigest(b))
    }
    expect(mutate(base.checksumOffset + 2)).toBe(d0)
    expect(mutate(base.certOffset! + 10)).toBe(d0) // signature bytes
    expect(mutate(base.checksumOffset - 6)).not.toBe(d0) // SizeOfImage
    expect(mutate(base.certDirEntryOffset! + 8)).not.toBe(d0) // the next directory
    expect(mutate(0x300)).not.toBe(d0) // .text
    expect(mutate(base.certOffset! - 3)).not.toBe(d0) // trailing data
    const pe = parsePe(base.bytes)
    expect(pe.format).toBe('PE32+')
    expect(pe.certTable).toEqual({ offset: base.certOffset, size: 80 })
    expect(authenticodeRanges(pe).map((r) => r.what)).toEqual(['headers (before CheckSum)', 'headers (CheckSum to Certificate Table entry)', 'headers (after Certificate Table entry)', 'section .text', 'section .data', 'trailing data'])
  })

  it('an image without a DOS header (starting with "PE\\0\\0") is accepted, as by EDK2', () => {
    const full = buildPe({ minSize: 0x1000 })
    const bare = full.bytes.slice(E_LFANEW)
    // Section pointers now point 0x80 bytes later than intended, but stay inside the file.
    expect(() => authenticodeDigest(bare)).not.toThrow()
  })
})

describe('malformed PE inputs throw typed BootproofErrors', () => {
  const good = buildPe({ certTable: pattern('cert', 64) })
  const edit = (fn: (b: Uint8Array, v: DataView) => void) => {
    const b = good.bytes.slice()
    fn(b, new DataView(b.buffer))
    return b
  }
  const cases: [string, Uint8Array, string][] = [
    ['empty input', new Uint8Array(0), 'ERR_PE_TRUNCATED'],
    ['truncated DOS header', good.bytes.subarray(0, 40), 'ERR_PE_TRUNCATED'],
    ['truncated COFF header', good.bytes.subarray(0, E_LFANEW + 10), 'ERR_PE_TRUNCATED'],
    ['truncated optional header', good.bytes.subarray(0, E_LFANEW + 24 + 50), 'ERR_PE_TRUNCATED'],
    ['not a PE image', new TextEncoder().encode('#!/bin/sh\necho this is not a PE image at all\n'.repeat(3)), 'ERR_PE_MALFORMED'],
    ['e_lfanew out of range', edit((_, v) => v.setUint32(0x3c, 0xfffffff0, true)), 'ERR_PE_MALFORMED'],
    ['e_lfanew just past the end', edit((b, v) => v.setUint32(0x3c, b.length - 2, true)), 'ERR_PE_MALFORMED'],
    ['bad PE signature', edit((b) => (b[E_LFANEW + 1] = 0x46)), 'ERR_PE_MALFORMED'],
    ['ROM optional header magic', edit((_, v) => v.setUint16(E_LFANEW + 24, 0x107, true)), 'ERR_PE_UNSUPPORTED'],
    ['TE image', edit((b) => ((b[0] = 0x56), (b[1] = 0x5a))), 'ERR_PE_UNSUPPORTED'],
    ['SizeOfOptionalHeader too small for its directories', edit((_, v) => v.setUint16(E_LFANEW + 20, 120, true)), 'ERR_PE_MALFORMED'],
    ['NumberOfRvaAndSizes > 16', edit((_, v) => v.setUint32(good.optionalHeaderOffset + 108, 0x7fffffff, true)), 'ERR_PE_MALFORMED'],
    ['SizeOfHeaders past the end of the file', edit((_, v) => v.setUint32(good.optionalHeaderOffset + 60, 0x10000000, true)), 'ERR_PE_MALFORMED'],
    ['SizeOfHeaders before the certificate directory entry', edit((_, v) => v.setUint32(good.optionalHeaderOffset + 60, 0x40, true)), 'ERR_PE_MALFORMED'],
    ['section table past EOF', edit((_, v) => v.setUint16(E_LFANEW + 6, 0xffff, true)), 'ERR_PE_SECTION_INVALID'],
    ['section table past EOF (file cut inside the table)', buildPe().bytes.subarray(0, good.sectionTableOffset + 50), 'ERR_PE_SECTION_INVALID'],
    ['section raw data past EOF', edit((_, v) => v.setUint32(good.sectionTableOffset + 16, 0x7fffffff, true)), 'ERR_PE_SECTION_INVALID'],
    ['section pointer past EOF', edit((_, v) => v.setUint32(good.sectionTableOffset + 20, 0xfffffff0, true)), 'ERR_PE_SECTION_INVALID'],
    ['certificate table pointing outside the file', edit((_, v) => v.setUint32(good.certDirEntryOffset!, 0xfffffff0, true)), 'ERR_PE_CERT_TABLE_INVALID'],
    ['certificate table size running past EOF', edit((_, v) => v.setUint32(good.certDirEntryOffset! + 4, 0xffffffff, true)), 'ERR_PE_CERT_TABLE_INVALID'],
    ['certificate table inside the headers', edit((_, v) => (v.setUint32(good.certDirEntryOffset!, 0x100, true), v.setUint32(good.certDirEntryOffset! + 4, 16, true))), 'ERR_PE_CERT_TABLE_INVALID'],
    ['certificate table not at the end of the file', edit((_, v) => v.setUint32(good.certDirEntryOffset! + 4, 32, true)), 'ERR_PE_CERT_TABLE_INVALID'],
  ]
  for (const [name, bytes, code] of cases) {
    it(`${name} → ${code}`, () => {
      expect(AUTHENTICODE_ERROR_CODES).toContain(code)
      expect(codeOf(() => authenticodeDigest(bytes))).toBe(code)
    })
  }

  it('certificate table overlapping hashed sections (FILE_SIZE < SUM + cert size) → ERR_PE_CERT_TABLE_INVALID', () => {
    // .b lies inside .a, so SUM (0x700) exceeds the 0x600 bytes before the 0x200-byte table.
    const sections = [
      { name: '.a', pointerToRawData: 0x200, sizeOfRawData: 0x400 },
      { name: '.b', pointerToRawData: 0x300, sizeOfRawData: 0x100 },
    ]
    const pe = buildPe({ sections, certTable: pattern('c', 0x200) })
    expect(codeOf(() => authenticodeDigest(pe.bytes))).toBe('ERR_PE_CERT_TABLE_INVALID')
  })

  it('errors carry the offset and field of the bad header value', () => {
    try {
      authenticodeDigest(edit((_, v) => v.setUint32(0x3c, 0xfffffff0, true)))
      expect.unreachable()
    } catch (e) {
      expect(isBootproofError(e)).toBe(true)
      expect((e as { offset?: number }).offset).toBe(0x3c)
      expect((e as { field?: string }).field).toBe('e_lfanew')
    }
  })

  it('random corruption never escapes as anything but a BootproofError', () => {
    const base = buildPe({ certTable: pattern('cert', 64), trailing: pattern('t', 20) })
    let seed = 7
    for (let i = 0; i < 400; i++) {
      const b = base.bytes.slice(0, i % 3 === 0 ? (seed % base.bytes.length) + 1 : base.bytes.length)
      for (let k = 0; k < 4; k++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
        const at = seed % Math.min(b.length, base.sectionTableOffset + 80)
        b[at] = seed >>> 24
      }
      try {
        authenticodeDigest(b)
      } catch (e) {
        expect(isBootproofError(e)).toBe(true)
      }
    }
  })
})

describe('real Debian boot binaries and the recorded sb-esp log', () => {
  const meta = JSON.parse(new TextDecoder().decode(repoBytes('test-vectors/ovmf/sb-esp/meta.json'))) as { authenticode_sha256: Record<string, string> }
  const log = parseEventLog(repoBytes('test-vectors/ovmf/sb-esp/binary_bios_measurements'))
  const pcrs = JSON.parse(new TextDecoder().decode(repoBytes('test-vectors/ovmf/sb-esp/pcrs.json'))) as Record<string, Record<string, string>>

  it('the recorded Authenticode digests are the PCR 4 boot-application digests of the log (always runs)', () => {
    const apps = log.events.filter((e) => e.pcrIndex === 4 && e.typeName === 'EV_EFI_BOOT_SERVICES_APPLICATION').map((e) => toHex(e.digests.find((d) => d.bank === 'sha256')!.digest))
    const m = meta.authenticode_sha256
    expect(apps).toEqual([m['shimx64.efi.signed'], m['grubx64.efi.signed'], m['vmlinuz-6.1.0-56-amd64'], m['vmlinuz-6.1.0-56-amd64']])
  })

  const kernel = existsSync('/boot') ? readdirSync('/boot').find((f) => f === 'vmlinuz-6.1.0-56-amd64') : undefined
  const files: Record<string, string | undefined> = {
    'shimx64.efi.signed': '/usr/lib/shim/shimx64.efi.signed',
    'grubx64.efi.signed': '/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed',
    'vmlinuz-6.1.0-56-amd64': kernel ? `/boot/${kernel}` : undefined,
  }
  for (const [name, path] of Object.entries(files)) {
    const present = path !== undefined && existsSync(path)
    if (!present) console.warn(`\n[SKIPPED] Authenticode of ${name}: ${path ?? name} is not installed on this machine\n`)
    it.skipIf(!present)(`Authenticode SHA-256 of ${path ?? name} equals meta.json`, () => {
      const bytes = new Uint8Array(readFileSync(path!))
      const d = hex(authenticodeDigest(bytes))
      expect(d).toBe(meta.authenticode_sha256[name])
      if (PESIGN) expect(pesignHash(bytes)).toBe(d)
    })
  }
  const all = Object.values(files).every((p) => p !== undefined && existsSync(p))
  it.skipIf(!all)('predictPcr4 with the sb-esp log as template reproduces PCR 4 in every bank', () => {
    const bins = Object.entries(files).map(([name, p]) => ({ name, bytes: new Uint8Array(readFileSync(p!)) }))
    const p = predictPcr4(bins, { template: log, banks: ['sha256', 'sha1', 'sha384'] })
    expect(p.components.map((c) => c.role)).toEqual(['boot-loader', 'boot-loader', 'kernel'])
    expect(p.components.every((c) => c.signed)).toBe(true)
    expect(p.values).toEqual({ sha256: pcrs.sha256!['4'], sha1: pcrs.sha1!['4'], sha384: pcrs.sha384!['4'] })
    expect(p.allowlist.sha256).toEqual(Object.values(meta.authenticode_sha256))
  })
})

describe('predictPcr4', () => {
  const log = parseEventLog(repoBytes('test-vectors/ovmf/sb-esp/binary_bios_measurements'))
  const bins = [
    { name: 'shimx64.efi', bytes: buildPe({ certTable: pattern('s', 64) }).bytes },
    { name: 'grubx64.efi', bytes: buildPe({ trailing: pattern('g', 3) }).bytes },
    { name: 'vmlinuz-7.0', bytes: buildPe({ format: 'PE32', trailing: pattern('k', 11) }).bytes },
  ]

  it('gives components, an allowlist and, with a template, the replayed PCR 4 value', () => {
    const p = predictPcr4(bins, { template: log })
    expect(p.pcr).toBe(4)
    expect(p.components.map((c) => [c.role, c.signed, c.format])).toEqual([['boot-loader', true, 'PE32+'], ['boot-loader', false, 'PE32+'], ['kernel', false, 'PE32']])
    expect(p.allowlist.sha256).toEqual(p.components.map((c) => c.sha256))
    // Independent replay of the substituted sequence.
    let pcr = Buffer.alloc(32)
    for (const e of p.sequence!) pcr = createHash('sha256').update(pcr).update(Buffer.from(e.digests.sha256!, 'hex')).digest()
    expect(p.values!.sha256).toBe(pcr.toString('hex'))
    expect(p.sequence!.filter((e) => e.component).map((e) => e.component)).toEqual(['shimx64.efi', 'grubx64.efi', 'vmlinuz-7.0', 'vmlinuz-7.0'])
    // Non-application events are the template's own.
    const action = p.sequence!.find((e) => e.typeName === 'EV_EFI_ACTION')!
    expect(action.digests.sha256).toBe(toHex(log.events[action.eventIndex]!.digests.find((d) => d.bank === 'sha256')!.digest))
  })

  it('merges predictions into alternatives', () => {
    const a = predictPcr4(bins, { template: log })
    const b = predictPcr4([bins[0]!, bins[1]!, { name: 'vmlinuz-7.1', bytes: buildPe({ trailing: pattern('k2', 11) }).bytes }], { template: log })
    const alt = pcr4Alternatives([a, b])
    expect(alt.allowlist.sha256).toHaveLength(4)
    expect(alt.values.sha256).toEqual([a.values!.sha256, b.values!.sha256])
  })

  it('emits policy v1 rules (a PCR 4 application allow-list and golden values) that validate', () => {
    const a = predictPcr4(bins, { template: log, banks: ['sha256', 'sha384'] })
    const b = predictPcr4([bins[0]!, bins[1]!, { name: 'vmlinuz-7.1', bytes: buildPe({ trailing: pattern('k2', 11) }).bytes }], { template: log, banks: ['sha256', 'sha384'] })
    const rules = pcr4PolicyRules([a, b])
    expect(rules.eventRules).toHaveLength(1)
    expect(rules.eventRules[0]).toMatchObject({ pcr: 4, match: 'set', eventTypes: ['EV_EFI_BOOT_SERVICES_APPLICATION'] })
    expect(rules.eventRules[0]!.alternatives!.map((x) => x.name)).toEqual(['shimx64.efi + grubx64.efi + vmlinuz-7.0', 'shimx64.efi + grubx64.efi + vmlinuz-7.1'])
    expect(rules.eventRules[0]!.alternatives![1]!.events[2]).toEqual({ description: 'vmlinuz-7.1', sha256: b.components[2]!.sha256, sha384: b.components[2]!.digests.sha384 })
    expect(rules.pcrValues.map((r) => [r.bank, r.alternatives])).toEqual([['sha256', [a.values!.sha256, b.values!.sha256]], ['sha384', [a.values!.sha384, b.values!.sha384]]])
    const policy = validatePolicy({ id: 'predicted-pcr4', version: 1, eventRules: rules.eventRules, pcrValues: rules.pcrValues })
    expect(policy.eventRules).toHaveLength(1)
  })

  it('rejects a binary count that does not match the template', () => {
    expect(codeOf(() => predictPcr4(bins.slice(0, 2), { template: log }))).toBe('ERR_INPUT_INVALID')
  })

  it('classifies roles from content and name', () => {
    const k = buildPe().bytes.slice()
    k.set([0x48, 0x64, 0x72, 0x53], 0x202) // bzImage "HdrS"
    expect(pcr4Role('whatever.efi', k)).toBe('kernel')
    expect(pcr4Role('\\EFI\\BOOT\\BOOTX64.EFI', buildPe().bytes)).toBe('boot-loader')
    expect(pcr4Role('fwupdx64.efi', buildPe().bytes)).toBe('boot-application')
  })
})
