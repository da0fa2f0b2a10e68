/**
 * Hand-built bad binary lists: every length is untrusted (2^32-1, remaining+1), a cut at every
 * byte of an entry, strings without NUL (GHSA-v2qp-xh5m-44mf), random corruption. Only
 * BootproofError ever escapes, with the exact code, offset and entry index; no large
 * allocation happens.
 */
import { describe, expect, it } from 'vitest'
import { BootproofError, isBootproofError } from '../../src/errors.js'
import { parseImaLog, replayImaLog, type ParseImaLogOptions } from '../../src/ima/index.js'
import { cat, dng, entry, H, hex, imaNg, str, u32 } from './builder.js'

interface Where {
  offset: number
  eventIndex?: number
  field?: string
}

function expectError(bytes: Uint8Array, code: string, where: Where, options?: ParseImaLogOptions): BootproofError {
  const before = process.memoryUsage().arrayBuffers
  const t0 = performance.now()
  let caught: unknown
  try {
    parseImaLog(bytes, options)
  } catch (e) {
    caught = e
  }
  expect(performance.now() - t0).toBeLessThan(200)
  expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * 1024 * 1024)
  expect(caught, 'parseImaLog must throw').toBeInstanceOf(BootproofError)
  const err = caught as BootproofError
  expect(err.code, err.message).toBe(code)
  expect(err.offset, `offset (${err.message})`).toBe(where.offset)
  if ('eventIndex' in where) expect(err.eventIndex, 'eventIndex').toBe(where.eventIndex)
  if (where.field !== undefined) expect(err.field).toBe(where.field)
  return err
}

/** Run the parser and replay; return the error code, or 'ok'. Anything but a BootproofError fails. */
function outcome(bytes: Uint8Array, options?: ParseImaLogOptions): string {
  try {
    const log = parseImaLog(bytes, options)
    replayImaLog(log, { extendBanks: { sha256: 'recompute', sha384: 'pad' } })
    return 'ok'
  } catch (e) {
    if (!isBootproofError(e)) throw e
    return e.code
  }
}

const E0 = imaNg('/usr/bin/true') // 4 + 20 + 4 + 6 + 4 + td
const E1 = imaNg('/etc/passwd')
// Entry layout offsets of E1 inside [E0, E1]:
const at1 = E0.length
const NAME_LEN = at1 + 24
const DATA_LEN = at1 + 34

describe('length fields', () => {
  it('template-name length 2^32-1 is a limit error at the length field', () => {
    const bad = cat(E0, E1.subarray(0, 24), u32(0xffffffff), E1.subarray(28))
    expectError(bad, 'ERR_EVENTLOG_LIMIT', { offset: NAME_LEN, eventIndex: 1, field: 'maxTemplateNameBytes' })
  })

  it('template-data length 2^32-1 is a limit error; with the limit lifted, a truncation error', () => {
    const bad = cat(E0, E1.subarray(0, 34), u32(0xffffffff), E1.subarray(38))
    expectError(bad, 'ERR_EVENTLOG_LIMIT', { offset: DATA_LEN, eventIndex: 1, field: 'maxTemplateDataBytes' })
    const e = expectError(bad, 'ERR_EVENTLOG_TRUNCATED', { offset: DATA_LEN + 4, eventIndex: 1, field: 'templateData' }, { limits: { maxTemplateDataBytes: 2 ** 32 } })
    expect(e.message).toMatch(/needs 4294967295 bytes/)
  })

  it('template-data length = remaining + 1 is a truncation error, also in truncatedTail: finding mode when it is not the tail', () => {
    const remaining = E1.length - 38
    const bad = cat(E0, E1.subarray(0, 34), u32(remaining + 1), E1.subarray(38))
    expectError(bad, 'ERR_EVENTLOG_TRUNCATED', { offset: DATA_LEN + 4, eventIndex: 1 })
    // With tail tolerance, this cut last entry becomes a finding and entry 0 still replays.
    const log = parseImaLog(bad, { truncatedTail: 'finding' })
    expect(log.entries).toHaveLength(1)
    expect(log.truncatedTail).toEqual({ offset: at1, bytes: E1.length })
  })

  it('template-data length = remaining exactly is fine', () => {
    expect(outcome(cat(E0, E1))).toBe('ok')
  })

  it('a field length of 2^32-1 inside the template data is ERR_EVENTDATA_TRUNCATED at the field', () => {
    const td = cat(u32(0xffffffff), 'x')
    const bad = cat(E0, u32(10), new Uint8Array(20), u32(6), 'ima-ng', u32(td.length), td)
    expectError(bad, 'ERR_EVENTDATA_TRUNCATED', { offset: at1 + 38 + 4, eventIndex: 1, field: 'd-ng' })
  })

  it('a field length of remaining+1 inside the template data', () => {
    const td = cat(u32(4), 'sha1', u32(6), '/abc')
    const bad = cat(E0, u32(10), new Uint8Array(20), u32(6), 'ima-ng', u32(td.length), td)
    expectError(bad, 'ERR_EVENTDATA_TRUNCATED', { offset: at1 + 38 + 12, eventIndex: 1, field: 'n-ng' })
  })

  it('ima template name length 2^32-1 and 256', () => {
    const e = entry({ template: 'ima', name: '/bin/sh' })
    for (const n of [0xffffffff, 256]) {
      const bad = cat(e.subarray(0, 51), u32(n), e.subarray(55))
      expectError(bad, 'ERR_EVENTLOG_LIMIT', { offset: 51, eventIndex: 0 })
    }
  })

  it('zero-length and non-printable template names are malformed (desynchronised framing)', () => {
    // Entry 0's header is what format detection reads, so corrupt entry 1.
    expectError(cat(E0, E1.subarray(0, 24), u32(0), E1.subarray(28)), 'ERR_EVENTLOG_MALFORMED', { offset: NAME_LEN, eventIndex: 1 })
    const e1 = E1.slice()
    e1[30] = 0x01
    expectError(cat(E0, e1), 'ERR_EVENTLOG_MALFORMED', { offset: at1 + 30, eventIndex: 1, field: 'templateName' })
  })

  it('maxEntries and maxListBytes', () => {
    expectError(cat(E0, E1), 'ERR_EVENTLOG_LIMIT', { offset: at1, eventIndex: 1 }, { limits: { maxEntries: 1 } })
    expectError(cat(E0, E1), 'ERR_EVENTLOG_LIMIT', { offset: 0 }, { limits: { maxListBytes: 10 } })
  })

  it('maxFields', () => {
    const td = cat(...Array.from({ length: 40 }, () => u32(0)))
    const bad = cat(u32(10), H('sha1', td), u32(7), 'unknown', u32(td.length), td)
    expectError(bad, 'ERR_EVENTDATA_LIMIT', { offset: 39 + 32 * 4, eventIndex: 0 })
  })
})

describe('a cut at every byte', () => {
  const list = cat(E0, E1)

  it('every prefix of a two-entry list: ok only at entry boundaries, else ERR_EVENTLOG_TRUNCATED (or EMPTY/FORMAT for tiny inputs)', () => {
    for (let n = 0; n <= list.length; n++) {
      const got = outcome(list.subarray(0, n))
      if (n === E0.length || n === list.length) expect(got, `cut at ${n}`).toBe('ok')
      else if (n === 0) expect(got).toBe('ERR_EVENTLOG_EMPTY')
      else expect(['ERR_EVENTLOG_TRUNCATED', 'ERR_EVENTLOG_FORMAT'], `cut at ${n}: ${got}`).toContain(got)
      // Once the first header is readable, the error is always a truncation.
      if (n > 34 && n !== E0.length && n !== list.length) expect(got, `cut at ${n}`).toBe('ERR_EVENTLOG_TRUNCATED')
    }
  })

  it('every prefix with truncatedTail: finding: the first entry survives a cut in the second; a cut first entry is still an error', () => {
    for (let n = 1; n <= list.length; n++) {
      const got = outcome(list.subarray(0, n), { truncatedTail: 'finding' })
      if (n >= E0.length) expect(got, `cut at ${n}`).toBe('ok')
      else expect(got, `cut at ${n}`).not.toBe('ok')
    }
  })

  it('every prefix of an ima-template list', () => {
    const l = cat(entry({ template: 'ima', name: 'boot_aggregate' }), entry({ template: 'ima', name: '/init' }))
    for (let n = 1; n < l.length; n++) {
      const got = outcome(l.subarray(0, n))
      if (n === 69) expect(got).toBe('ok')
      else expect(got.startsWith('ERR_'), `cut at ${n}`).toBe(true)
    }
  })
})

describe('strings and digests without NUL (GHSA-v2qp-xh5m-44mf)', () => {
  it('an n-ng without NUL ends at its length, not at a later NUL', () => {
    const td = cat(u32(26), dng('sha1', new Uint8Array(20)), u32(4), '/abc', u32(3), 'XYZ')
    const e = cat(u32(10), H('sha1', td), u32(7), 'ima-sig', u32(td.length), td)
    const log = parseImaLog(e)
    expect(log.entries[0]!.filename).toBe('/abc')
    expect(hex(log.entries[0]!.fields.sig!)).toBe(hex(new TextEncoder().encode('XYZ')))
    expect(log.entries[0]!.templateHashStatus).toBe('verified')
  })

  it('a d-ng without NUL is reported, not read past its end', () => {
    const td = cat(u32(8), 'sha1abcd', u32(3), str('/x'))
    const log = parseImaLog(cat(u32(10), H('sha1', td), u32(6), 'ima-ng', u32(td.length), td))
    expect(log.entries[0]!.fileDigest).toBeUndefined()
    expect(log.findings.map((f) => f.code)).toEqual(['IMA_FIELD_MALFORMED'])
  })

  it('an interior NUL in a name is reported: a C reader would see "/bin/ok"', () => {
    const td = cat(u32(26), dng('sha1', new Uint8Array(20)), u32(14), '/bin/ok\0/evil\0')
    const log = parseImaLog(cat(u32(10), H('sha1', td), u32(6), 'ima-ng', u32(td.length), td))
    expect(log.entries[0]!.filename).toBe('/bin/ok\0/evil')
    expect(log.findings.map((f) => f.code)).toEqual(['IMA_NAME_EMBEDDED_NUL'])
  })
})

describe('integrity findings', () => {
  it('an edited file name keeps the replay but fails the template hash', () => {
    const good = imaNg('/usr/bin/ssh')
    const bad = good.slice()
    bad[bad.length - 4] = 0x58 // '/usr/bin/sXh'
    const goodPcr = replayImaLog(parseImaLog(good)).banks.get('sha1')!.pcrs.get(10)!.value
    const log = parseImaLog(bad)
    expect(log.entries[0]!.templateHashStatus).toBe('mismatch')
    expect(log.findings).toHaveLength(1)
    expect(log.findings[0]).toMatchObject({ code: 'IMA_TEMPLATE_HASH_MISMATCH', severity: 'error', eventIndex: 0, offset: 0, bank: 'sha1' })
    expect(hex(replayImaLog(log).banks.get('sha1')!.pcrs.get(10)!.value)).toBe(hex(goodPcr))
  })

  it('a violation is extended as all-0xFF and reported as a warning', () => {
    const v = imaNg('/tmp/x', { templateHash: new Uint8Array(20) })
    const log = parseImaLog(v)
    expect(log.entries[0]!.violation).toBe(true)
    expect(log.findings).toMatchObject([{ code: 'IMA_VIOLATION', severity: 'warning', eventIndex: 0, pcr: 10 }])
    const res = replayImaLog(log, { extendBanks: { sha256: 'recompute', sha384: 'pad' } })
    expect(hex(res.banks.get('sha1')!.pcrs.get(10)!.value)).toBe(hex(H('sha1', new Uint8Array(20), new Uint8Array(20).fill(0xff))))
    expect(hex(res.banks.get('sha256')!.pcrs.get(10)!.value)).toBe(hex(H('sha256', new Uint8Array(32), new Uint8Array(32).fill(0xff))))
    expect(hex(res.banks.get('sha384')!.pcrs.get(10)!.value)).toBe(hex(H('sha384', new Uint8Array(48), new Uint8Array(48).fill(0xff))))
  })

  it('a PCR index above 23 is an error finding and is not replayed', () => {
    const log = parseImaLog(cat(E0, imaNg('/x', { pcr: 24 })), { endianness: 'le' })
    expect(log.findings.map((f) => f.code)).toEqual(['IMA_PCR_OUT_OF_RANGE'])
    expect([...replayImaLog(log).banks.get('sha1')!.pcrs.keys()]).toEqual([10])
  })

  it('an unknown template keeps its fields raw', () => {
    const td = cat(u32(3), 'abc', u32(0))
    const log = parseImaLog(cat(u32(10), H('sha1', td), u32(7), 'my-tmpl', u32(td.length), td))
    const e = log.entries[0]!
    expect(e.rawFields.map((f) => [f.id, hex(f.data)])).toEqual([
      ['#0', '616263'],
      ['#1', ''],
    ])
    expect(e.templateHashStatus).toBe('verified')
    expect(log.findings.map((f) => f.code)).toEqual(['IMA_UNKNOWN_TEMPLATE'])
  })

  it('a field-count mismatch is reported', () => {
    const td = cat(u32(26), dng('sha1', new Uint8Array(20)))
    const log = parseImaLog(cat(u32(10), H('sha1', td), u32(6), 'ima-ng', u32(td.length), td))
    expect(log.findings.map((f) => f.code)).toEqual(['IMA_TEMPLATE_FIELD_COUNT'])
  })
})

describe('formats', () => {
  it('big-endian lists (ppc64 / s390x without ima_canonical_fmt) are detected and parsed', () => {
    const be = cat(imaNg('/a', { le: false }), imaNg('/b', { le: false }), entry({ template: 'ima', name: '/c', le: false }))
    const le = cat(imaNg('/a'), imaNg('/b'), entry({ template: 'ima', name: '/c' }))
    const lb = parseImaLog(be)
    const ll = parseImaLog(le)
    expect(lb.endianness).toBe('be')
    expect(lb.entries.map((e) => [e.filename, e.templateHashStatus])).toEqual([
      ['/a', 'verified'],
      ['/b', 'verified'],
      ['/c', 'verified'],
    ])
    // The template data (and so the template hashes) differ by byte order; each replays its own.
    for (const l of [lb, ll]) {
      let pcr: Uint8Array = new Uint8Array(20)
      for (const e of l.entries) pcr = H('sha1', pcr, e.templateHash)
      expect(hex(replayImaLog(l).banks.get('sha1')!.pcrs.get(10)!.value)).toBe(hex(pcr))
    }
    expect(hex(lb.entries[0]!.templateHash)).not.toBe(hex(ll.entries[0]!.templateHash))
    expect(lb.entries[0]!.fileDigest).toEqual(ll.entries[0]!.fileDigest)
  })

  it('sha256 template hashes are detected from the header; templateHashAlg pins the bank', () => {
    const l = cat(imaNg('/a', { alg: 'sha256' }), imaNg('/b', { alg: 'sha256' }))
    const log = parseImaLog(l)
    expect(log.templateHashAlg).toBe('sha256')
    expect(log.entries.every((e) => e.templateHashStatus === 'verified')).toBe(true)
    // Read as sm3_256 the same bytes parse, but the hashes do not verify.
    const sm3 = parseImaLog(l, { templateHashAlg: 'sm3_256' })
    expect(sm3.templateHashAlg).toBe('sm3_256')
    expect(sm3.entries.every((e) => e.templateHashStatus === 'mismatch')).toBe(true)
    // Forced to the wrong size, the framing does not hold.
    expect(outcome(l, { templateHashAlg: 'sha1' })).toMatch(/^ERR_EVENTLOG_/)
  })

  it('empty input, junk and a firmware log are rejected', () => {
    expectError(new Uint8Array(0), 'ERR_EVENTLOG_EMPTY', { offset: 0 })
    expectError(new TextEncoder().encode('hello world\n'), 'ERR_EVENTLOG_FORMAT', { offset: 0 })
    expectError(cat(u32(0), u32(3), new Uint8Array(20), u32(33), 'Spec ID Event03\0', new Uint8Array(17)), 'ERR_EVENTLOG_FORMAT', { offset: 0 })
  })
})

describe('random corruption', () => {
  it('10,000 mutated lists: only BootproofError escapes', () => {
    const base = cat(imaNg('/usr/bin/a'), entry({ template: 'ima', name: '/b' }), entry({ template: 'ima-sig', fields: [dng('sha256', new Uint8Array(32)), str('/c'), new Uint8Array([3, 2, 1])] }), imaNg('/d', { templateHash: new Uint8Array(20) }))
    let seed = 12345
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    const codes = new Set<string>()
    for (let i = 0; i < 10000; i++) {
      const b = base.slice(0, base.length - rnd(8))
      for (let k = 0, n = 1 + rnd(4); k < n; k++) {
        const at = rnd(b.length)
        if (rnd(3) === 0) new DataView(b.buffer).setUint32(Math.min(at, b.length - 4), [0xffffffff, 0x7fffffff, rnd(300), 0][rnd(4)]!, true)
        else b[at] = rnd(256)
      }
      codes.add(outcome(b, { truncatedTail: rnd(2) ? 'finding' : 'error' }))
    }
    expect(codes.has('ok')).toBe(true)
    expect(codes.has('ERR_EVENTLOG_TRUNCATED')).toBe(true)
  })
})
