/**
 * One named test per attack input of L-04, L-06 and S-02 (each ends as a parse error or an
 * error finding with a specific code), plus the narrow real-log exceptions introduced next to
 * them (each recognised shape, and its near miss that must stay an error). Logs are built with
 * test/fixtures/eventlog/log_builder.ts, so every assertion is on real bytes.
 */
import { describe, expect, it } from 'vitest'
import { analyzeEventLog } from '../../src/attest/analyze.js'
import { parseEventLog } from '../../src/eventlog/parse.js'
import { verifyEventIntegrity } from '../../src/eventlog/integrity.js'
import type { Finding } from '../../src/findings.js'
import * as B from '../fixtures/eventlog/log_builder.js'

const { T, ALG } = B
const agile = (events: B.EventSpec[], o: Partial<Parameters<typeof B.buildAgileLog>[0]> = {}) => B.buildAgileLog({ events, ...o }).bytes
const analyze = (events: B.EventSpec[], o: Parameters<typeof parseEventLog>[1] = {}) => analyzeEventLog(parseEventLog(agile(events), o))
const withCode = (f: Finding[], code: string) => f.filter((x) => x.code === code)
const rejects = (bytes: Uint8Array, code: string, eventIndex?: number) =>
  expect(() => parseEventLog(bytes)).toThrowError(expect.objectContaining({ code, ...(eventIndex === undefined ? {} : { eventIndex }) }))

describe('L-04: every event carries exactly one digest per declared algorithm', () => {
  const boot = B.standardBoot()
  it('count = numberOfAlgorithms - 1 on a firmware event: ERR_DIGEST_COUNT_MISMATCH', () => {
    const events = [...boot.slice(0, 3), { ...boot[3]!, omit: [ALG.sha256] }, ...boot.slice(4)]
    rejects(agile(events), 'ERR_DIGEST_COUNT_MISMATCH', 4)
  })
  it('count = 0: ERR_DIGEST_COUNT_MISMATCH', () => {
    rejects(agile([{ ...B.separatorEvent(0), digestList: [] }]), 'ERR_DIGEST_COUNT_MISMATCH', 1)
  })
  it('count + 1 with a duplicated sha256 digest (first fake, second real): ERR_DIGEST_COUNT_MISMATCH', () => {
    const data = B.separatorData(0)
    const digestList = [
      { algId: ALG.sha1, digest: B.hashWith(ALG.sha1, data) },
      { algId: ALG.sha256, digest: B.filled(32, 0xaa) },
      { algId: ALG.sha256, digest: B.hashWith(ALG.sha256, data) },
    ]
    rejects(agile([{ pcr: 0, type: T.EV_SEPARATOR, data, digestList }]), 'ERR_DIGEST_COUNT_MISMATCH', 1)
  })
  it('the right count with sha256 twice (fake first, real second) instead of sha1: ERR_DIGEST_ALG_DUPLICATE', () => {
    const data = B.separatorData(0)
    const digestList = [
      { algId: ALG.sha256, digest: B.filled(32, 0xaa) },
      { algId: ALG.sha256, digest: B.hashWith(ALG.sha256, data) },
    ]
    rejects(agile([{ pcr: 0, type: T.EV_SEPARATOR, data, digestList }]), 'ERR_DIGEST_ALG_DUPLICATE', 1)
  })
  it('a digest for an algorithm absent from the Spec ID event: ERR_DIGEST_ALG_UNDECLARED', () => {
    const data = B.separatorData(0)
    const digestList = [
      { algId: ALG.sha1, digest: B.hashWith(ALG.sha1, data) },
      { algId: ALG.sha384, digest: B.hashWith(ALG.sha384, data) },
    ]
    rejects(agile([{ pcr: 0, type: T.EV_SEPARATOR, data, digestList }]), 'ERR_DIGEST_ALG_UNDECLARED', 1)
  })
  it('exception: a Windows OS-phase tail with only the active bank is accepted, that PCR non-replayable in sha1', () => {
    const tail = [
      { pcr: 12, type: T.EV_EVENT_TAG, data: B.ascii('sipa'), omit: [ALG.sha1] },
      { pcr: 5, type: T.EV_EFI_ACTION, data: B.efiActionData('Exit Boot Services Invocation'), omit: [ALG.sha1] },
      { pcr: 12, type: T.EV_SEPARATOR, data: B.ascii('WBCL'), omit: [ALG.sha1] },
    ]
    const built = B.buildAgileLog({ events: [...boot, ...tail] })
    const log = parseEventLog(built.bytes)
    expect(withCode(log.findings, 'EVENT_DIGESTS_MISSING')).toEqual([expect.objectContaining({ severity: 'warning' })])
    const ref = B.referenceReplay(built)
    const a = analyzeEventLog(log, { expected: { sha1: { '5': B.filled(20, 0) }, sha256: { '5': B.unhex(ref.sha256!['5']!) } } })
    expect(a.replay.comparisons!.map((c) => `${c.bank}:${c.pcr}:${c.status}`)).toEqual(['sha1:5:pcr-not-replayable', 'sha256:5:match'])
    expect(withCode(a.findings, 'PCR_NOT_REPLAYABLE')).toEqual([expect.objectContaining({ severity: 'error', bank: 'sha1', pcr: 5 })])
  })
  it('near miss: the same tail followed by a full firmware event is rejected', () => {
    const events = [...boot, { pcr: 12, type: T.EV_EVENT_TAG, data: B.ascii('sipa'), omit: [ALG.sha1] }, { pcr: 12, type: T.EV_SEPARATOR, data: B.ascii('WBCL'), omit: [ALG.sha1] }, B.efiActionEvent(5, 'late')]
    rejects(agile(events), 'ERR_DIGEST_COUNT_MISMATCH')
  })
  it('exception: a bank declared but absent from every event (tpm2-tools fixtures) is a warning, never replayed', () => {
    const log = parseEventLog(agile([{ ...B.separatorEvent(0), omit: [ALG.sha256] }]))
    expect(withCode(log.findings, 'EVENT_DIGESTS_MISSING')).toEqual([expect.objectContaining({ severity: 'warning' })])
  })
})

describe('L-06: EV_NO_ACTION is never extended and carries only known, zero-digest records', () => {
  it('non-zero digests in PCR 0: NO_ACTION_DIGEST_NONZERO error', () => {
    const a = analyze([B.startupLocalityEvent(0, { zeroDigests: false }), ...B.standardBoot()])
    expect(withCode(a.findings, 'NO_ACTION_DIGEST_NONZERO')).toEqual([expect.objectContaining({ severity: 'error', pcr: 0, eventIndex: 1 })])
    expect(a.ok).toBe(false)
  })
  it('unknown signature: NO_ACTION_UNKNOWN_SIGNATURE error', () => {
    const a = analyze([{ pcr: 0, type: T.EV_NO_ACTION, data: B.ascii('Totally Legit Ev\0payload') }, ...B.standardBoot()])
    expect(withCode(a.findings, 'NO_ACTION_UNKNOWN_SIGNATURE')).toEqual([expect.objectContaining({ severity: 'error', pcr: 0, eventIndex: 1 })])
  })
  it('short EV_NO_ACTION (< 16 bytes): NO_ACTION_SHORT warning (a real positive log has one)', () => {
    const a = analyze([{ pcr: 0, type: T.EV_NO_ACTION, data: B.ascii('short') }, ...B.standardBoot()])
    expect(withCode(a.findings, 'NO_ACTION_SHORT')).toEqual([expect.objectContaining({ severity: 'warning', pcr: 0, eventIndex: 1 })])
    expect(a.ok).toBe(true)
  })
  it('known signatures with zero digests raise nothing (StartupLocality, NvIndexInstance)', () => {
    const a = analyze([B.startupLocalityEvent(3), { pcr: 0, type: T.EV_NO_ACTION, data: B.ascii('NvIndexInstance\0xyz') }, ...B.standardBoot()])
    expect(a.findings.filter((f) => f.code.startsWith('NO_ACTION'))).toEqual([])
  })
})

describe('S-02: EFI_SIGNATURE_LIST sizes are bounded on both sides', () => {
  const entry = B.concat(B.guidBytes(B.OWNER_GUID), B.filled(32, 7))
  const list = (listSize: number, sigSize: number, body = entry) => B.concat(B.guidBytes(B.GUID.EFI_CERT_SHA256), B.u32le(listSize), B.u32le(0), B.u32le(sigSize), body)
  const dbEvent = (payload: Uint8Array) => B.driverConfigEvent({ guid: B.GUID.EFI_IMAGE_SECURITY_DATABASE, name: 'db', data: payload })
  const cases: [string, Uint8Array][] = [
    ['SignatureListSize 0', list(0, 48)],
    ['SignatureListSize 27', list(27, 48)],
    ['SignatureListSize = remaining + 1', list(28 + 48 + 1, 48)],
    ['SignatureSize 0', list(28 + 48, 0)],
    ['SignatureSize 15', list(28 + 48, 15)],
    ['SignatureSize 0xFFFFFFFF', list(28 + 48, 0xffffffff)],
    ['(ListSize - 28 - HeaderSize) not a multiple of SignatureSize', list(28 + 48, 40)],
  ]
  for (const [name, payload] of cases) {
    it(`${name}: SIGNATURE_LIST_MALFORMED error`, () => {
      const boot = B.standardBoot()
      const at = boot.findIndex((e) => e.type === T.EV_SEPARATOR && e.pcr === 7)
      const a = analyze([...boot.slice(0, at), dbEvent(payload), ...boot.slice(at)])
      expect(withCode(a.findings, 'SIGNATURE_LIST_MALFORMED')).toEqual([expect.objectContaining({ severity: 'error', pcr: 7, eventIndex: at + 1 })])
      expect(a.ok).toBe(false)
    })
  }
  it('a well-formed list raises nothing', () => {
    const a = analyze([dbEvent(list(28 + 48, 48)), ...B.standardBoot()])
    expect(withCode(a.findings, 'SIGNATURE_LIST_MALFORMED')).toEqual([])
  })
})
