import { describe, expect, it } from 'vitest'
import { parseCelJson, replayCelLog, detectCelFormat } from '../../src/cel/index.js'
import { BootproofError } from '../../src/errors.js'
import { defaultHashProvider } from '../../src/hash/provider.js'
import { toHex } from '../../src/bytes/hex.js'

const h = defaultHashProvider()
const enc = (s: string): Uint8Array => new TextEncoder().encode(s)
const sha = (s: string): string => toHex(h.digest('sha256', enc(s)))
/** A systemd tpm2-measure.log record (no recnum), as JSON-seq: RS, JSON, LF. */
function sd(word: string, extra: Record<string, unknown> = { pcr: 11 }): string {
  return '\u001e' + JSON.stringify({ ...extra, digests: [{ hashAlg: 'sha256', digest: sha(word) }], content_type: 'systemd', content: { string: word, eventType: 'phase' } }) + '\n'
}

function code(f: () => unknown): string | undefined {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(BootproofError)
    return (e as BootproofError).code
  }
  return undefined
}

describe('CEL-JSON parsing', () => {
  it('parses systemd JSON-seq records and replays PCR 11 and an NvPCR', () => {
    const text = sd('enter-initrd') + sd('leave-initrd') + sd('hello', { nv_index: 0x01d10200 })
    const b = enc(text)
    expect(detectCelFormat(b)).toBe('cel-json')
    const log = parseCelJson(b)
    expect(log.records.map((r) => [r.handle, r.register])).toEqual([['pcr', 11], ['pcr', 11], ['nv_index', 0x01d10200]])
    expect(log.records[0]!.content).toMatchObject({ type: 'systemd', string: 'enter-initrd', eventType: 'phase' })
    const r = replayCelLog(log)
    let v: Uint8Array = new Uint8Array(32)
    for (const w of ['enter-initrd', 'leave-initrd']) v = h.digest2('sha256', v, h.digest('sha256', enc(w)))
    expect(toHex(r.banks.get('sha256')!.pcrs.get(11)!.value)).toBe(toHex(v))
    const nv = h.digest2('sha256', new Uint8Array(32), h.digest('sha256', enc('hello')))
    expect(toHex(r.nvpcrs.banks.get('sha256')!.pcrs.get(0x01d10200)!.value)).toBe(toHex(nv))
    const cmp = replayCelLog(log, { expected: { sha256: { 11: toHex(v), 12: '00'.repeat(32) } } })
    expect(cmp.ok).toBe(true)
    const bad = replayCelLog(log, { expected: { sha256: { 11: '00'.repeat(32) } } })
    expect(bad.findings.map((f) => f.code)).toEqual(['PCR_MISMATCH'])
  })

  it('parses JSON lines with recnums, and keeps unknown content types raw with a finding', () => {
    const line = (n: number, ct: string): string => JSON.stringify({ recnum: n, pcr: 9, digests: [{ hashAlg: 'sha256', digest: sha(String(n)) }], content_type: ct, content: { event_type: 13 } })
    const log = parseCelJson(enc([line(0, 'pcclient_std'), line(1, 'vendor_x'), ''].join('\n')))
    expect(log.records.map((r) => r.recnum)).toEqual([0, 1])
    expect(log.records[0]!.content).toMatchObject({ type: 'pcclient_std', eventType: 13 })
    expect(log.findings.map((f) => f.code)).toEqual(['EVENT_TYPE_UNKNOWN'])
  })

  it('rejects duplicate recnums, bad digests, bad members and truncation with their codes', () => {
    const rec = (o: Record<string, unknown>): string => JSON.stringify({ pcr: 8, digests: [{ hashAlg: 'sha256', digest: sha('x') }], content_type: 'systemd', content: {}, ...o })
    const two = (a: Record<string, unknown>, b: Record<string, unknown>): Uint8Array => enc(rec(a) + '\n' + rec(b) + '\n')
    expect(code(() => parseCelJson(two({ recnum: 3 }, { recnum: 3 })))).toBe('ERR_CEL_RECNUM_DUPLICATE')
    expect(code(() => parseCelJson(two({ recnum: 3 }, { recnum: 2 })))).toBe('ERR_CEL_RECNUM_ORDER')
    expect(code(() => parseCelJson(two({ recnum: 0 }, {})))).toBe('ERR_CEL_RECNUM_ORDER')
    expect(code(() => parseCelJson(enc(rec({ digests: [] }))))).toBe('ERR_CEL_DIGEST_INVALID')
    expect(code(() => parseCelJson(enc(rec({ digests: [{ hashAlg: 'sha256', digest: 'ab' }] }))))).toBe('ERR_CEL_DIGEST_INVALID')
    expect(code(() => parseCelJson(enc(rec({ digests: [{ hashAlg: 'md5', digest: 'ab' }] }))))).toBe('ERR_CEL_DIGEST_INVALID')
    expect(code(() => parseCelJson(enc(rec({ nv_index: 1 }))))).toBe('ERR_CEL_MALFORMED')
    expect(code(() => parseCelJson(enc(rec({ pcr: -1 }))))).toBe('ERR_CEL_JSON_INVALID')
    expect(code(() => parseCelJson(enc(rec({ pcr: 2 ** 32 }))))).toBe('ERR_CEL_JSON_INVALID')
    expect(code(() => parseCelJson(enc(rec({ extra: 1 }))))).toBe('ERR_CEL_JSON_INVALID')
    expect(code(() => parseCelJson(enc('{"pcr":1,"pcr":2,"digests":[]}')))).toBe('ERR_CEL_JSON_INVALID')
    // JSON-seq whose last record was cut off mid-write
    const full = sd('ready')
    expect(code(() => parseCelJson(enc(full + full.slice(0, 30))))).toBe('ERR_CEL_TRUNCATED')
    expect(code(() => parseCelJson(enc('')))).toBe('ERR_CEL_TRUNCATED')
    expect(code(() => parseCelJson(enc(full + full), { limits: { maxRecords: 1 } }))).toBe('ERR_CEL_LIMIT')
    expect(code(() => parseCelJson(enc(full), { limits: { maxJsonRecordChars: 10 } }))).toBe('ERR_CEL_LIMIT')
  })
})

describe('bootproof replay on CEL-JSON', () => {
  it('passes the input-kind check and prints pcrs and nvpcrs', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const { runCli } = await import('../cli/run.js')
    const p = join(mkdtempSync(join(tmpdir(), 'bootproof-cel-')), 'tpm2-measure.log')
    writeFileSync(p, sd('ready') + sd('x', { nv_index: 0x01d10200 }))
    const res = await runCli('replay', p, '--json')
    expect(res.code).toBe(0)
    const out = JSON.parse(res.out) as { format: string; pcrs: Record<string, Record<string, string>>; nvpcrs: Record<string, Record<string, string>> }
    expect(out.format).toBe('cel-json')
    expect(out.pcrs.sha256!['11']).toBe(toHex(h.digest2('sha256', new Uint8Array(32), h.digest('sha256', enc('ready')))))
    expect(Object.keys(out.nvpcrs.sha256!)).toEqual([String(0x01d10200)])
  })
})
