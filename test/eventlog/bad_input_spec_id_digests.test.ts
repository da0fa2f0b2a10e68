/**
 * Bad input (issue 2): every malformed log gives a typed BootproofError with the exact code, byte
 * offset and event index, fast and without a large allocation. One test per case.
 * This file: the Spec ID event (L-03) and digest lists (L-04).
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_EVENTLOG_LIMITS, parseEventLog, replayEventLog } from '../../src/index.js'
import * as B from '../fixtures/eventlog/log_builder.js'
import { expectParseError } from './bad_input_helpers.js'

const { T, ALG } = B

describe('Spec ID event (L-03)', () => {
  it('a duplicate Spec ID Event03 record later in a crypto-agile log: ERR_SPECID_MISPLACED at that record', () => {
    const built = B.buildAgileLog({ events: [B.scrtmVersionEvent(), { pcr: 0, type: T.EV_NO_ACTION, data: B.specIdData() }, B.separatorEvent(0)] })
    const r = built.records[2]!
    expectParseError(built.bytes, 'ERR_SPECID_MISPLACED', { offset: r.offset, eventIndex: 2 })
  })

  it('a duplicate Spec ID right after the first one: ERR_SPECID_MISPLACED at record 1', () => {
    const built = B.buildAgileLog({ events: [{ pcr: 0, type: T.EV_NO_ACTION, data: B.specIdData() }] })
    expectParseError(built.bytes, 'ERR_SPECID_MISPLACED', { offset: built.records[1]!.offset, eventIndex: 1 })
  })

  it('a Spec ID event that is not first (SHA-1 format log): ERR_SPECID_MISPLACED at its record', () => {
    const built = B.buildSha1Log([B.scrtmVersionEvent(), { pcr: 0, type: T.EV_NO_ACTION, data: B.specIdData() }, B.separatorEvent(0)])
    expectParseError(built.bytes, 'ERR_SPECID_MISPLACED', { offset: built.records[1]!.offset, eventIndex: 1 })
  })

  it('a Spec ID event after a leading StartupLocality record: ERR_SPECID_MISPLACED', () => {
    const built = B.buildSha1Log([B.startupLocalityEvent(3), { pcr: 0, type: T.EV_NO_ACTION, data: B.specIdData() }])
    expectParseError(built.bytes, 'ERR_SPECID_MISPLACED', { offset: built.records[1]!.offset, eventIndex: 1 })
  })

  it('Spec ID on PCR 2: ERR_SPECID_INVALID at PCRIndex', () => {
    expectParseError(B.buildAgileLog({ specId: { pcr: 2 }, events: [B.separatorEvent(0)] }).bytes, 'ERR_SPECID_INVALID', { offset: 0, eventIndex: 0, field: 'PCRIndex' })
  })

  it('Spec ID on PCR 0xFFFFFFFF: ERR_SPECID_INVALID at PCRIndex', () => {
    expectParseError(B.buildAgileLog({ specId: { pcr: 0xffffffff }, events: [] }).bytes, 'ERR_SPECID_INVALID', { offset: 0, eventIndex: 0, field: 'PCRIndex' })
  })

  it('Spec ID with a non-zero digest: ERR_SPECID_INVALID at Digest (offset 8)', () => {
    const digest = new Uint8Array(20)
    digest[19] = 1
    expectParseError(B.buildAgileLog({ specId: { digest }, events: [] }).bytes, 'ERR_SPECID_INVALID', { offset: 8, eventIndex: 0, field: 'Digest' })
  })

  it('spec version 1.0: ERR_SPECID_INVALID at specVersion', () => {
    expectParseError(B.buildAgileLog({ specId: { specVersionMajor: 1 }, events: [] }).bytes, 'ERR_SPECID_INVALID', { offset: 32 + 20, eventIndex: 0, field: 'specVersion' })
  })

  it('spec version 2.1: ERR_SPECID_INVALID', () => {
    expectParseError(B.buildAgileLog({ specId: { specVersionMinor: 1 }, events: [] }).bytes, 'ERR_SPECID_INVALID', { offset: 32 + 20, eventIndex: 0, field: 'specVersion' })
  })

  it('uintnSize 3: ERR_SPECID_INVALID at uintnSize', () => {
    expectParseError(B.buildAgileLog({ specId: { uintnSize: 3 }, events: [] }).bytes, 'ERR_SPECID_INVALID', { offset: 32 + 23, eventIndex: 0, field: 'uintnSize' })
  })

  it('numberOfAlgorithms 0: ERR_SPECID_INVALID at numberOfAlgorithms', () => {
    expectParseError(B.buildAgileLog({ specId: { algorithms: [] }, algorithms: [B.SHA1], events: [] }).bytes, 'ERR_SPECID_INVALID', { offset: 32 + 24, eventIndex: 0, field: 'numberOfAlgorithms' })
  })

  it('numberOfAlgorithms 0xFFFFFFFF: ERR_EVENTLOG_LIMIT (maxAlgorithms) at numberOfAlgorithms, nothing preallocated', () => {
    const err = expectParseError(B.buildAgileLog({ specId: { numberOfAlgorithms: 0xffffffff }, events: [] }).bytes, 'ERR_EVENTLOG_LIMIT', { offset: 32 + 24, eventIndex: 0 })
    expect((err as unknown as { maximum: number }).maximum).toBe(DEFAULT_EVENTLOG_LIMITS.maxAlgorithms)
  })

  it('numberOfAlgorithms 0xFFFFFFFF with maxAlgorithms raised to 2^32-1: ERR_SPECID_INVALID (entries run out), fast', () => {
    const bytes = B.buildAgileLog({ specId: { numberOfAlgorithms: 0xffffffff }, events: [] }).bytes
    // Entries 0 and 1 are real (28..35), then vendorInfoSize (36) is read as entry 2's algorithmId.
    expectParseError(bytes, 'ERR_SPECID_INVALID', { offset: 32 + 36, eventIndex: 0, field: 'digestSizes.algorithmId' }, { limits: { maxAlgorithms: 0xffffffff } })
  })

  it('numberOfAlgorithms one more than the entries present: ERR_SPECID_INVALID', () => {
    expectParseError(B.buildAgileLog({ specId: { numberOfAlgorithms: 3 }, events: [] }).bytes, 'ERR_SPECID_INVALID', { offset: 32 + 36, eventIndex: 0 })
  })

  it('SHA-256 declared with digest size 20: ERR_SPECID_INVALID at that entry', () => {
    const bytes = B.buildAgileLog({ specId: { algorithms: [B.SHA1, { algId: ALG.sha256, size: 20 }] }, events: [] }).bytes
    expectParseError(bytes, 'ERR_SPECID_INVALID', { offset: 32 + 32, eventIndex: 0, field: 'digestSizes' })
  })

  it('SHA-1 declared with digest size 32: ERR_SPECID_INVALID at entry 0', () => {
    const bytes = B.buildAgileLog({ specId: { algorithms: [{ algId: ALG.sha1, size: 32 }, B.SHA256] }, events: [] }).bytes
    expectParseError(bytes, 'ERR_SPECID_INVALID', { offset: 32 + 28, eventIndex: 0, field: 'digestSizes' })
  })

  it('a duplicate algorithm entry: ERR_SPECID_INVALID at the second entry', () => {
    const bytes = B.buildAgileLog({ specId: { algorithms: [B.SHA256, B.SHA1, B.SHA256] }, events: [] }).bytes
    expectParseError(bytes, 'ERR_SPECID_INVALID', { offset: 32 + 28 + 8, eventIndex: 0, field: 'digestSizes' })
  })

  it('unknown algorithm 0x1234 declared with size 0: ERR_SPECID_INVALID', () => {
    const bytes = B.buildAgileLog({ specId: { algorithms: [B.SHA256, { algId: 0x1234, size: 0 }] }, events: [] }).bytes
    expectParseError(bytes, 'ERR_SPECID_INVALID', { offset: 32 + 32, eventIndex: 0, field: 'digestSizes' })
  })

  it('unknown algorithm 0x1234 size 32: parses, digests skipped by the declared size, bank alg_0x1234 not replayable', () => {
    const built = B.buildAgileLog({ algorithms: [B.SHA256, { algId: 0x1234, size: 32 }], events: [B.separatorEvent(0), B.efiActionEvent(4, B.ACTION.CALLING_EFI_APP)] })
    const log = parseEventLog(built.bytes)
    expect(log.algorithms).toEqual([
      { algId: ALG.sha256, bank: 'sha256', digestSize: 32, known: true },
      { algId: 0x1234, bank: 'alg_0x1234', digestSize: 32, known: false },
    ])
    expect(log.events).toHaveLength(3)
    expect(log.events[2]!.digests.map((d) => [d.bank, d.digest.length])).toEqual([
      ['sha256', 32],
      ['alg_0x1234', 32],
    ])
    expect(B.hex(log.events[2]!.data)).toBe(B.hex(B.ascii(B.ACTION.CALLING_EFI_APP)))
    const res = replayEventLog(log)
    expect(res.banks.get('alg_0x1234')!.replayable).toBe(false)
    expect(res.banks.get('alg_0x1234')!.reason).toMatch(/0x1234/)
    expect(res.banks.get('alg_0x1234')!.pcrs.size).toBe(0)
    expect(B.hex(res.banks.get('sha256')!.pcrs.get(0)!.value)).toBe(B.referenceReplay(built).sha256!['0'])
  })

  it('vendorInfoSize 255 with 2 bytes left: ERR_SPECID_INVALID at vendorInfo', () => {
    const bytes = B.buildAgileLog({ specId: { vendorInfoSize: 255, vendorInfo: Uint8Array.of(1, 2) }, events: [] }).bytes
    expectParseError(bytes, 'ERR_SPECID_INVALID', { offset: 32 + 37, eventIndex: 0, field: 'vendorInfo' })
  })

  it('bytes after vendorInfo: ERR_SPECID_INVALID (vendorInfoSize must consume the rest)', () => {
    const bytes = B.buildAgileLog({ specId: { vendorInfo: Uint8Array.of(7), trailing: Uint8Array.of(0) }, events: [] }).bytes
    expectParseError(bytes, 'ERR_SPECID_INVALID', { offset: 32 + 38, eventIndex: 0, field: 'vendorInfo' })
  })

  it('more algorithms than limits.maxAlgorithms: ERR_EVENTLOG_LIMIT', () => {
    expectParseError(B.buildAgileLog({ events: [] }).bytes, 'ERR_EVENTLOG_LIMIT', { offset: 32 + 24, eventIndex: 0 }, { limits: { maxAlgorithms: 1 } })
  })
})

describe('digest lists (L-04)', () => {
  const sepDigests = (algs: number[]): { algId: number; digest: Uint8Array }[] => algs.map((a) => ({ algId: a, digest: B.hashWith(a, B.separatorData()) }))

  it('Digests.count 0: ERR_DIGEST_COUNT_MISMATCH at the count', () => {
    const built = B.buildAgileLog({ events: [B.scrtmVersionEvent(), { ...B.separatorEvent(0), digestList: [] }] })
    const r = built.records[2]!
    expectParseError(built.bytes, 'ERR_DIGEST_COUNT_MISMATCH', { offset: r.countOffset!, eventIndex: 2, field: 'Digests.count' })
  })

  it('Digests.count n+1 (a duplicated SHA-256, first fake): ERR_DIGEST_COUNT_MISMATCH at the count', () => {
    const list = [...sepDigests([ALG.sha1]), { algId: ALG.sha256, digest: new Uint8Array(32) }, ...sepDigests([ALG.sha256])]
    const built = B.buildAgileLog({ events: [{ ...B.separatorEvent(0), digestList: list }] })
    const r = built.records[1]!
    expectParseError(built.bytes, 'ERR_DIGEST_COUNT_MISMATCH', { offset: r.countOffset!, eventIndex: 1, field: 'Digests.count' })
  })

  it('Digests.count says 2 but one digest follows (the next bytes are read as a digest): a typed error, never a silent skip', () => {
    const built = B.buildAgileLog({ events: [B.efiActionEvent(4, B.ACTION.CALLING_EFI_APP, { digestList: [{ algId: ALG.sha256, digest: new Uint8Array(32) }], count: 2 })] })
    // After the sha256 digest the parser reads EventSize's first 2 bytes (28 00 = 40) as an algorithm ID.
    const r = built.records[1]!
    expectParseError(built.bytes, 'ERR_DIGEST_ALG_UNDECLARED', { offset: r.sizeOffset, eventIndex: 1, field: 'TPMT_HA.hashAlg' })
  })

  it('a digest for an algorithm the Spec ID does not declare: ERR_DIGEST_ALG_UNDECLARED at its hashAlg', () => {
    const built = B.buildAgileLog({ events: [B.scrtmVersionEvent(), { ...B.separatorEvent(0), digestList: sepDigests([ALG.sha1, ALG.sha384]) }] })
    const r = built.records[2]!
    expectParseError(built.bytes, 'ERR_DIGEST_ALG_UNDECLARED', { offset: r.digests[1]!.algOffset!, eventIndex: 2, field: 'TPMT_HA.hashAlg' })
  })

  it('the same algorithm twice (count = n): ERR_DIGEST_ALG_DUPLICATE at the second hashAlg', () => {
    const built = B.buildAgileLog({ events: [{ ...B.separatorEvent(0), digestList: sepDigests([ALG.sha256, ALG.sha256]) }] })
    const r = built.records[1]!
    expectParseError(built.bytes, 'ERR_DIGEST_ALG_DUPLICATE', { offset: r.digests[1]!.algOffset!, eventIndex: 1, field: 'TPMT_HA.hashAlg' })
  })
})
