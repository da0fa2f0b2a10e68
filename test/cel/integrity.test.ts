/**
 * verifyCelContent: a CEL record's content counts only when it re-hashes to the record's digest
 * (attack R-02). systemd strings are H(string); volume keys are keyed HMACs (never bound); COS
 * content is H(content TLV).
 */
import { describe, expect, it } from 'vitest'
import { parseCel, parseCelJson, verifyCelContent } from '../../src/cel/index.js'
import { toHex } from '../../src/bytes/hex.js'
import { defaultHashProvider } from '../../src/hash/provider.js'
import { announceCorpus, CORPUS, corpusBytes } from '../helpers/corpus.js'
import { measureLogText, recordText, systemdRecords, type SystemdRecord } from './systemd_fixture.js'

const h = defaultHashProvider()
const enc = (s: string) => new TextEncoder().encode(s)
const parse = (text: string) => parseCelJson(enc(text))

/** The records with record `i`'s string replaced, its digests kept (content edited beside the measurement). */
function edited(i: number, to: string, fields: Partial<SystemdRecord> = {}): string {
  return systemdRecords()
    .map((r, k) => (k === i ? { ...r, string: to, ...fields } : r))
    .map(recordText)
    .join('')
}

describe('verifyCelContent on systemd tpm2-measure.log records', () => {
  it('binds every string-measured record in every bank; the volume-key HMAC stays unbound without a finding', () => {
    const log = parse(measureLogText())
    const rep = verifyCelContent(log)
    const byType = log.records.map((r, i) => [r.content.type === 'systemd' ? r.content.eventType : '', rep.records[i]!.status])
    expect(byType).toEqual([
      ['phase', 'verified'],
      ['product-id', 'verified'],
      ['volume-key', 'not-applicable'],
      ['phase', 'verified'],
      ['machine-id', 'verified'],
      ['filesystem', 'verified'],
      ['phase', 'verified'],
      ['phase', 'verified'],
    ])
    expect(rep.records[0]!.banks).toEqual({ sha1: true, sha256: true })
    expect(rep.records[2]).toMatchObject({ form: 'systemd-hmac', unboundReason: expect.stringContaining('HMAC') })
    expect(rep.counts).toEqual({ verified: 7, mismatch: 0, 'not-applicable': 1 })
    expect(rep.findings).toEqual([])
  })

  it('a phase string edited with its digest kept: CEL_CONTENT_MISMATCH naming the record, PCR, bank, expected and observed digests', () => {
    const rep = verifyCelContent(parse(edited(3, 'leave-initrX')))
    expect(rep.records[3]!.status).toBe('mismatch')
    expect(rep.findings).toHaveLength(1)
    const f = rep.findings[0]!
    expect(f).toMatchObject({ code: 'CEL_CONTENT_MISMATCH', severity: 'error', pcr: 11, bank: 'sha1', component: 'CEL record 3' })
    expect(f.expected).toBe(toHex(h.digest('sha1', enc('leave-initrd'))))
    expect(f.observed).toBe(toHex(h.digest('sha1', enc('leave-initrX'))))
    expect(f.message).toContain('CEL record 3, PCR 11')
  })

  it('a machine-id string edited: mismatch on PCR 15', () => {
    const rep = verifyCelContent(parse(edited(4, 'machine-id:00000000000000000000000000000000')))
    expect(rep.findings.map((f) => [f.code, f.pcr])).toEqual([['CEL_CONTENT_MISMATCH', 15]])
  })

  it('a product-id record on an NV index edited: mismatch without a PCR', () => {
    const rep = verifyCelContent(parse(edited(1, 'product-id:missing')))
    expect(rep.records[1]!.status).toBe('mismatch')
    expect(rep.findings[0]!.pcr).toBeUndefined()
    expect(rep.findings[0]!.message).toContain('NV index 0x1d10200')
  })

  it('a recnum is named in the message when the log has one', () => {
    const text = JSON.stringify([{ recnum: 0, pcr: 11, digests: [{ hashAlg: 'sha256', digest: toHex(h.digest('sha256', enc('ready'))) }], content_type: 'systemd', content: { string: 'shutdown', eventType: 'phase' } }])
    const rep = verifyCelContent(parse(text))
    expect(rep.findings[0]!.message).toContain('(recnum 0)')
  })

  it('the volume name of a volume-key record edited: still unbound, no finding (the string is a label)', () => {
    const rep = verifyCelContent(parse(edited(2, 'cryptsetup:evil:00000000-0000-0000-0000-000000000000')))
    expect(rep.records[2]!.status).toBe('not-applicable')
    expect(rep.findings).toEqual([])
  })

  it('a phase record relabelled volume-key (eventType is not measured): its content becomes unbound, not verified', () => {
    const rep = verifyCelContent(parse(edited(0, 'enter-initrd', { eventType: 'volume-key' })))
    expect(rep.records[0]!.status).toBe('not-applicable')
  })

  it('systemd 253 records without eventType: strings are checked, a "cryptsetup:" string is the volume-key HMAC', () => {
    const rec = (s: string, digest: Uint8Array) => `\u001e${JSON.stringify({ pcr: 15, digests: [{ hashAlg: 'sha256', digest: toHex(digest) }], content_type: 'systemd', content: { string: s, bootId: '0'.repeat(32), timestamp: 1 } })}\n`
    const ok = verifyCelContent(parse(rec('machine-id:ab', h.digest('sha256', enc('machine-id:ab'))) + rec('cryptsetup:root:x', new Uint8Array(32).fill(7))))
    expect(ok.records.map((r) => r.status)).toEqual(['verified', 'not-applicable'])
    expect(ok.findings).toEqual([])
    const bad = verifyCelContent(parse(rec('machine-id:cd', h.digest('sha256', enc('machine-id:ab')))))
    expect(bad.findings.map((f) => f.code)).toEqual(['CEL_CONTENT_MISMATCH'])
  })

  it('an unknown eventType whose string does not match is unbound, not a mismatch', () => {
    const text = `\u001e${JSON.stringify({ pcr: 15, digests: [{ hashAlg: 'sha256', digest: '11'.repeat(32) }], content_type: 'systemd', content: { string: 'credential:x', eventType: 'credential' } })}\n`
    const rep = verifyCelContent(parse(text))
    expect(rep.records[0]!.status).toBe('not-applicable')
    expect(rep.findings).toEqual([])
  })

  it('checks only the requested banks', () => {
    const rep = verifyCelContent(parse(edited(3, 'leave-initrX')), { banks: ['sha256'] })
    expect(rep.records[3]!.banks).toEqual({ sha256: false })
    expect(rep.findings[0]!.bank).toBe('sha256')
  })
})

announceCorpus('CEL content binding on google-go-tpm-tools--cel.bin')
describe.skipIf(!CORPUS)('verifyCelContent on the COS CEL-TLV corpus sample', () => {
  const LOG = 'logs/google-go-tpm-tools--cel.bin'
  it('all 18 COS records bind: digest = SHA-384 of the content TLV', () => {
    const rep = verifyCelContent(parseCel(corpusBytes(LOG)))
    expect(rep.counts).toEqual({ verified: 18, mismatch: 0, 'not-applicable': 0 })
    expect(rep.records.every((r) => r.form === 'content-tlv')).toBe(true)
  })

  it('one content byte changed, digests kept: CEL_CONTENT_MISMATCH on that record only', () => {
    const bytes = new Uint8Array(corpusBytes(LOG))
    const log = parseCel(bytes)
    const tlv = log.records[5]!.contentTlv!
    const at = tlv.byteOffset - bytes.byteOffset + tlv.length - 1
    bytes[at] = bytes[at]! ^ 0x01
    const rep = verifyCelContent(parseCel(bytes))
    expect(rep.records.map((r) => r.status).filter((s) => s !== 'verified')).toEqual(['mismatch'])
    expect(rep.records[5]!.status).toBe('mismatch')
    expect(rep.findings).toMatchObject([{ code: 'CEL_CONTENT_MISMATCH', bank: 'sha384', pcr: 4, component: 'CEL record 5' }])
    expect(rep.findings[0]!.message).toContain('(recnum 5), MR 4')
  })
})
