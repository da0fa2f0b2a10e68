/**
 * ASCII lines read at the byte level (src/ima/ascii_line.ts): names rebuilt from their printed
 * bytes, the per-list scratch buffer and template-name reuse, and field findings as a full
 * decode reports them.
 */
import { describe, expect, it } from 'vitest'
import { parseImaLog, replayImaLog } from '../../src/ima/index.js'
import { cat, dng, entry, H, hex, str, templateData, u32 } from './builder.js'

const enc = new TextEncoder()

/** An ASCII line for template data `td` of `template`, printed as `printed` (raw bytes). */
function line(template: string, td: Uint8Array, ...printed: (string | Uint8Array)[]): Uint8Array {
  return cat(`10 ${hex(H('sha1', td))} ${template}`, ...printed.flatMap((p) => [' ', p]), '\n')
}

describe('names are rebuilt from the bytes the kernel printed', () => {
  // ima_show_template_string prints a name with %s: its raw bytes, whatever their encoding.
  const latin1Name = cat('/srv/caf', Uint8Array.of(0xe9), '.txt')
  const digest = H('sha256', enc.encode('content'))

  it('ima-ng: a file name that is not valid UTF-8 verifies, with the template data of the binary entry', () => {
    const td = templateData([dng('sha256', digest), cat(latin1Name, Uint8Array.of(0))])
    const log = parseImaLog(line('ima-ng', td, `sha256:${hex(digest)}`, latin1Name))
    const e = log.entries[0]!
    expect(e.templateHashStatus).toBe('verified')
    expect(hex(e.templateData!)).toBe(hex(td))
    expect(log.findings).toEqual([])
    // The decoded name is text: the stray byte shows as U+FFFD.
    expect(e.filename).toBe('/srv/caf\ufffd.txt')
    // The binary list of the same entry has the same template data.
    const bin = parseImaLog(entry({ template: 'ima-ng', fields: [dng('sha256', digest), cat(latin1Name, Uint8Array.of(0))] }))
    expect(hex(bin.entries[0]!.templateData!)).toBe(hex(e.templateData!))
  })

  it('ima template: a name that is not valid UTF-8 verifies against d ‖ name padded to 256', () => {
    const d = H('sha1', latin1Name)
    const padded = new Uint8Array(256)
    padded.set(latin1Name)
    const bytes = cat(`10 ${hex(H('sha1', d, padded))} ima ${hex(d)} `, latin1Name, '\n')
    const e = parseImaLog(bytes).entries[0]!
    expect(e.templateHashStatus).toBe('verified')
    expect(hex(e.templateData!)).toBe(hex(cat(d, u32(latin1Name.length), latin1Name)))
    expect(e.rawFields.map((f) => [f.id, hex(f.data)])).toEqual([
      ['d', hex(d)],
      ['n', hex(latin1Name)],
    ])
  })

  it('a name that starts with a byte-order mark keeps it (only a line-leading one is dropped)', () => {
    const name = cat(Uint8Array.of(0xef, 0xbb, 0xbf), '/bom')
    const td = templateData([dng('sha256', digest), cat(name, Uint8Array.of(0))])
    const bytes = cat(Uint8Array.of(0xef, 0xbb, 0xbf), line('ima-ng', td, `sha256:${hex(digest)}`, name))
    const log = parseImaLog(bytes, { format: 'ima-ascii' })
    const e = log.entries[0]!
    expect(e.templateHashStatus).toBe('verified')
    expect(e.pcr).toBe(10)
    // Not dropped from the decoded name either: "\ufeff/bom" is not the file "/bom".
    expect(e.filename).toBe('\ufeff/bom')
    expect(e.rawFields[1]!.text).toBe('\ufeff/bom')
    // Same name in a binary list.
    const bin = parseImaLog(entry({ template: 'ima-ng', fields: [dng('sha256', digest), cat(name, Uint8Array.of(0))] }))
    expect(bin.entries[0]!.filename).toBe('\ufeff/bom')
  })
})

describe('one scratch buffer and one template name per list', () => {
  it('a line longer than any before it (70 KB name) and short lines around it all verify', () => {
    const ng = (path: Uint8Array) => {
      const d = H('sha256', path)
      return line('ima-ng', templateData([dng('sha256', d), cat(path, Uint8Array.of(0))]), `sha256:${hex(d)}`, path)
    }
    const long = enc.encode('/' + 'x'.repeat(70000))
    const log = parseImaLog(cat(ng(enc.encode('/a')), ng(long), ng(enc.encode('/b')), ng(long.subarray(0, 3000))))
    expect(log.entries.map((e) => e.templateHashStatus)).toEqual(['verified', 'verified', 'verified', 'verified'])
    expect(log.entries[1]!.filename).toHaveLength(70001)
    expect(log.entries[2]!.filename).toBe('/b')
    expect(log.findings).toEqual([])
  })

  it('template names of the same length on alternate lines are told apart', () => {
    const d = H('sha256', enc.encode('x'))
    const sig = (p: string) => line('ima-sig', templateData([dng('sha256', d), str(p), Uint8Array.of(3, 2)]), `sha256:${hex(d)}`, p, '0302')
    const buf = (p: string) => line('ima-buf', templateData([dng('sha256', d), str(p), enc.encode('root=/')]), `sha256:${hex(d)}`, p, hex(enc.encode('root=/')))
    const log = parseImaLog(cat(sig('/a'), buf('kexec-cmdline'), sig('/b'), buf('x')))
    expect(log.entries.map((e) => [e.templateName, e.templateHashStatus, e.filename])).toEqual([
      ['ima-sig', 'verified', '/a'],
      ['ima-buf', 'verified', 'kexec-cmdline'],
      ['ima-sig', 'verified', '/b'],
      ['ima-buf', 'verified', 'x'],
    ])
    expect(hex(log.entries[1]!.fields.buf!)).toBe(hex(enc.encode('root=/')))
    expect(hex(log.entries[2]!.fields.sig!)).toBe('0302')
  })
})

describe('field findings as a full decode reports them', () => {
  const d = H('sha256', enc.encode('x'))
  const good = `sha256:${hex(d)}`
  const bad = `a:b:${hex(d)}` // "<type>:<alg>:" is d-ngv2's prefix, not d-ng's
  const fieldBytes = (t: string) => {
    const c = t.lastIndexOf(':')
    return cat(t.slice(0, c + 1), Uint8Array.of(0), H('sha256', enc.encode('x')))
  }
  const custom = (first: string, second: string) => line('d-ng|d-ng|n-ng', templateData([fieldBytes(first), fieldBytes(second), str('/f')]), first, second, '/f')
  const malformed = (bytes: Uint8Array) => parseImaLog(bytes).findings.filter((f) => f.code === 'IMA_FIELD_MALFORMED').map((f) => f.message)

  it('a repeated field id is decoded once: a malformed repeat after a decoded field is not reported', () => {
    expect(malformed(custom(good, bad))).toEqual([])
  })

  it('a malformed first field is reported, and the repeat is decoded in its place', () => {
    const bytes = custom(bad, good)
    expect(malformed(bytes)).toEqual(['entry 0: template field d-ng prefix "a:b" is not "<alg>:"; the field is not decoded'])
    const e = parseImaLog(bytes).entries[0]!
    expect(e.fileDigest).toEqual({ alg: 'sha256', digest: d })
    expect(e.templateHashStatus).toBe('verified')
  })

  it('both malformed: both reported', () => {
    expect(malformed(custom(bad, bad))).toHaveLength(2)
  })
})

describe('the replay reads pcr, violation and template hash from the line', () => {
  it('matches the values of the full decode (toJSON) for every entry', () => {
    const d = H('sha256', enc.encode('x'))
    const td = templateData([dng('sha256', d), str('/a')])
    const lines = cat(line('ima-ng', td, `sha256:${hex(d)}`, '/a'), ` 7 ${'0'.repeat(40)} ima-ng sha256:${hex(d)} /v\n`, `023 ${hex(H('sha1', td))} ima-ng sha256:${hex(d)} /a\r\n`)
    const log = parseImaLog(lines)
    for (const e of log.entries) {
      const full = JSON.parse(JSON.stringify(e)) as { pcr: number; violation: boolean; templateHash: Record<string, number> }
      expect([e.pcr, e.violation, hex(e.templateHash)]).toEqual([full.pcr, full.violation, hex(Uint8Array.from(Object.values(full.templateHash)))])
    }
    expect(log.entries.map((e) => [e.pcr, e.violation])).toEqual([
      [10, false],
      [7, true],
      [23, false],
    ])
    expect([...replayImaLog(log).banks.get('sha1')!.pcrs.keys()].sort((a, b) => a - b)).toEqual([7, 10, 23])
  })
})
