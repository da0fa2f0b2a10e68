/**
 * A TD quote's RTMRs as the register source of the authentication stage: go-tdx-guest's GCP
 * cos-113 quote and the CCEL area read on the same TD (all four RTMRs reproduce). With the quote
 * verified, every CC MR the quote covers is authenticated and boot-state facts from its records
 * are trusted under a quote basis; an unverified quote, an edited record, a dropped register or a
 * record outside RTMR0-3 each leave the affected registers unauthenticated, with their own reason.
 */
import { describe, expect, it } from 'vitest'
import {
  authenticateAttestation,
  authenticateCcel,
  eventTrust,
  parseEventLog,
  parseTdxQuote,
  pcrTrust,
  stateFromEvidence,
  verifyTdxQuote,
  type AuthenticatedEvidence,
  type EventLog,
  type TdQuoteRegisters,
} from '../../src/index.js'
import { createSoftwareAk } from '../../src/testing/index.js'
import { repoBytes } from '../helpers/corpus.js'
import { flip, vector } from '../cvm/tdx/helpers.js'

const LOG = 'go-tdx-guest/ccel_data.dat'
const QUOTE = 'go-tdx-guest/cos-113-tdx-quote.dat'
const NOW = new Date('2025-01-01T00:00:00Z')

const ccel = (bytes: Uint8Array = vector(LOG)): EventLog => parseEventLog(bytes, { registers: 'cc-mr' })
const rtmrs = (): Uint8Array[] => parseTdxQuote(vector(QUOTE)).body.rtmrs
const verified = (): TdQuoteRegisters => ({ rtmrs: rtmrs(), verified: true })
const status = (ev: AuthenticatedEvidence): [number, string, string | undefined][] => [1, 2, 3, 4].map((mr) => [mr, pcrTrust(ev, mr).status, pcrTrust(ev, mr).reason?.code])

/** Offset of the sha384 digest of event `index` (TCG_PCR_EVENT2: index, type, count, then algId u16 + digest). */
function digestOffset(log: EventLog, index: number): number {
  return log.events[index]!.offset + 12 + 2
}

/** The first extended record on `mr`. */
const firstOn = (log: EventLog, mr: number): number => log.events.find((e) => e.pcrIndex === mr && e.eventType !== 3)!.index

/** The CCEL bytes without every record on `mr` (records are contiguous; the 0xFF padding follows the last). */
function withoutMr(bytes: Uint8Array, mr: number): Uint8Array {
  const log = ccel(bytes)
  const end = log.padding?.offset ?? log.size
  const parts: Uint8Array[] = []
  log.events.forEach((e, i) => {
    if (e.pcrIndex === mr && e.eventType !== 3) return
    parts.push(bytes.subarray(e.offset, log.events[i + 1]?.offset ?? end))
  })
  const head = bytes.subarray(0, log.events[0]!.offset)
  const out = new Uint8Array(head.length + parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of [head, ...parts]) {
    out.set(p, at)
    at += p.length
  }
  return out
}

describe('a verified TD quote authenticates the CCEL it reproduces', () => {
  it('the real quote verifies (signature, QE report, PCK chain): the caller\'s input to the stage', async () => {
    const r = await verifyTdxQuote(vector(QUOTE), { now: NOW })
    expect(r.errors).toEqual([])
  })

  it('every RTMR-extended MR and the zero RTMR3 (MR 4) are authenticated; MR 0 (MRTD) is not a replayed register', () => {
    const log = ccel()
    const { evidence, rtmrs: cmp, outsideRtmrs } = authenticateCcel({ log, tdQuote: verified() })
    expect(evidence.basis).toBe('quote')
    expect(status(evidence)).toEqual([1, 2, 3, 4].map((mr) => [mr, 'authenticated', undefined]))
    expect(evidence.authenticatedPcrs).toEqual([1, 2, 3, 4])
    expect(cmp!.map((c) => [c.pcr, c.status, c.events.length])).toEqual([[1, 'match', 16], [2, 'match', 7], [3, 'match', 20], [4, 'match', 0]])
    expect(outsideRtmrs).toEqual([])
    // Only the sha384 bank is replayed and compared (the one bank RTMRs hold).
    expect([...evidence.replay.banks.keys()]).toEqual(['sha384'])
    expect(pcrTrust(evidence, 0)).toMatchObject({ status: 'unknown', reason: { code: 'PCR_NOT_QUOTED' } })
    expect(evidence.ok).toBe(true)
  })

  it('each GRUB command event (RTMR2, MR 3) is trusted under a quote basis; the list is not shown complete (FACT_AMBIGUOUS)', () => {
    const { evidence } = authenticateCcel({ log: ccel(), tdQuote: verified() })
    const r = stateFromEvidence(evidence)
    expect(r.basis).toBe('quote')
    const grub = r.state.linux.grubCommands
    expect(grub.value).toContain('set default=2')
    expect(grub.events.length).toBe(15)
    expect(grub.events.every((i) => evidence.log.events[i]!.pcrIndex === 3)).toBe(true)
    expect(grub.events.every((i) => eventTrust(evidence, i).trusted)).toBe(true)
    expect(grub).toMatchObject({ trusted: false, reasonCode: 'FACT_AMBIGUOUS' })
    // The state lists the RTMRs the log extends (RTMR3 has no record): each equals the quote's.
    expect(r.state.cc?.rtmrs).toEqual(Object.fromEntries(rtmrs().slice(0, 3).map((v, i) => [String(i), Buffer.from(v).toString('hex')])))
  })

  it('an absence claim named by TPM PCR (no contrary command line in PCR 8, 9) is not translated to MR 3: the command line stays unauthenticated', () => {
    const { evidence } = authenticateCcel({ log: ccel(), tdQuote: verified() })
    const cmd = stateFromEvidence(evidence).state.linux.kernelCmdline
    expect(cmd.value).toContain('dm-mod.create=vroot')
    expect(cmd.events.every((i) => evidence.log.events[i]!.pcrIndex === 3)).toBe(true)
    expect(cmd).toMatchObject({ trusted: false, reasonCode: 'PCR_NOT_QUOTED' })
    expect(cmd.reason).toContain('PCR 8')
  })

  it('authenticateAttestation takes the TD quote as the CCEL\'s register source; the TPM quote step never speaks for CC MRs', async () => {
    const ak = await createSoftwareAk()
    const a = await authenticateAttestation({ log: ccel(), tdQuote: verified(), quotes: [], ak: ak.tpm2bPublic, nonce: undefined, now: NOW })
    expect(a.quote.valid).toBe(false)
    expect(a.quote.errors.map((e) => e.code)).toContain('ERR_QUOTES_EMPTY')
    expect(a.evidence!.authenticatedPcrs).toEqual([1, 2, 3, 4])
    expect(a.replayFindings).toEqual([])
  })
})

describe('what a TD quote does not authenticate', () => {
  it('the quote marked unverified: QUOTE_INVALID on every MR, nothing authenticated, no fact trusted', () => {
    const log = ccel()
    const { evidence, rtmrs: cmp } = authenticateCcel({ log, tdQuote: { rtmrs: rtmrs(), verified: false, problem: 'ERR_TDX_SIGNATURE' } })
    expect(status(evidence)).toEqual([1, 2, 3, 4].map((mr) => [mr, 'unknown', 'QUOTE_INVALID']))
    expect(evidence.authenticatedPcrs).toEqual([])
    expect(pcrTrust(evidence, 3).reason!.message).toContain('ERR_TDX_SIGNATURE')
    // The log still reproduces the quote's values, which is reported, not trusted.
    expect(cmp!.every((c) => c.status === 'match')).toBe(true)
    const grub = stateFromEvidence(evidence).state.linux.grubCommands
    expect(grub).toMatchObject({ trusted: false, reasonCode: 'QUOTE_INVALID' })
  })

  it('no TD quote with a CCEL: NO_QUOTE, nothing authenticated', async () => {
    const ak = await createSoftwareAk()
    const a = await authenticateAttestation({ log: ccel(), quotes: [], ak: ak.tpm2bPublic, nonce: undefined, now: NOW })
    expect(status(a.evidence!)).toEqual([1, 2, 3, 4].map((mr) => [mr, 'unknown', 'NO_QUOTE']))
    expect(a.evidence!.authenticatedPcrs).toEqual([])
  })

  it('one record digest on MR 3 edited: MR 3 tainted (PCR_NOT_REPRODUCED), the GRUB commands untrusted, MR 1, 2, 4 still authenticated', () => {
    const bytes = vector(LOG)
    const log = ccel(bytes)
    const edited = ccel(flip(bytes, digestOffset(log, firstOn(log, 3)) + 7))
    const { evidence } = authenticateCcel({ log: edited, tdQuote: verified() })
    expect(status(evidence)).toEqual([[1, 'authenticated', undefined], [2, 'authenticated', undefined], [3, 'tainted', 'PCR_NOT_REPRODUCED'], [4, 'authenticated', undefined]])
    expect(evidence.replay.findings.map((f) => [f.code, f.pcr, f.bank])).toEqual([['PCR_MISMATCH', 3, 'sha384']])
    const grub = stateFromEvidence(evidence).state.linux.grubCommands
    expect(grub).toMatchObject({ trusted: false, reasonCode: 'PCR_NOT_REPRODUCED' })
  })

  it('one record digest on MR 2 edited: only MR 2 is tainted; the GRUB command events on MR 3 stay trusted', () => {
    const bytes = vector(LOG)
    const log = ccel(bytes)
    const { evidence } = authenticateCcel({ log: ccel(flip(bytes, digestOffset(log, firstOn(log, 2)) + 5)), tdQuote: verified() })
    expect(status(evidence)).toEqual([[1, 'authenticated', undefined], [2, 'tainted', 'PCR_NOT_REPRODUCED'], [3, 'authenticated', undefined], [4, 'authenticated', undefined]])
    const grub = stateFromEvidence(evidence).state.linux.grubCommands
    expect(grub.events.every((i) => eventTrust(evidence, i).trusted)).toBe(true)
    expect(grub.reasonCode).toBe('FACT_AMBIGUOUS')
  })

  it('a GRUB command retyped to an unknown event type (digest kept, MR 3 still authenticated) drops out of the list, which therefore is never trusted', () => {
    const bytes = vector(LOG)
    const log = ccel(bytes)
    const victim = log.events.find((e) => e.pcrIndex === 3 && new TextDecoder().decode(e.data).includes('set timeout=0'))!
    const retyped = bytes.slice()
    new DataView(retyped.buffer).setUint32(victim.offset + 4, 0x12345678, true)
    const { evidence } = authenticateCcel({ log: ccel(retyped), tdQuote: verified() })
    expect(pcrTrust(evidence, 3).status).toBe('authenticated')
    const grub = stateFromEvidence(evidence).state.linux.grubCommands
    expect(grub.value.some((c) => c.includes('set timeout=0'))).toBe(false)
    expect(grub).toMatchObject({ trusted: false, reasonCode: 'FACT_AMBIGUOUS' })
  })

  it('every record of RTMR1 (MR 2) dropped while the quote\'s RTMR1 is not zero: MR 2 not authenticated (L-08)', () => {
    const dropped = ccel(withoutMr(vector(LOG), 2))
    expect(dropped.events.some((e) => e.pcrIndex === 2 && e.eventType !== 3)).toBe(false)
    expect(rtmrs()[1]!.some((b) => b !== 0)).toBe(true)
    const { evidence, rtmrs: cmp } = authenticateCcel({ log: dropped, tdQuote: verified() })
    expect(cmp![1]).toMatchObject({ pcr: 2, status: 'mismatch', events: [] })
    expect(pcrTrust(evidence, 2)).toMatchObject({ status: 'tainted', reason: { code: 'PCR_NOT_REPRODUCED' } })
    expect(evidence.authenticatedPcrs).toEqual([1, 3, 4])
  })

  it('the quote\'s RTMR3 not zero while no record extends MR 4: MR 4 tainted', () => {
    const regs = rtmrs()
    regs[3] = flip(regs[3]!, 0)
    const { evidence } = authenticateCcel({ log: ccel(), tdQuote: { rtmrs: regs, verified: true } })
    expect(pcrTrust(evidence, 4)).toMatchObject({ status: 'tainted', reason: { code: 'PCR_NOT_REPRODUCED' } })
    expect(evidence.authenticatedPcrs).toEqual([1, 2, 3])
  })

  it('a record moved to MR 0 (MRTD): CCEL_RECORD_OUTSIDE_RTMR, the record is untrusted and the MR it left is tainted', () => {
    const bytes = vector(LOG).slice()
    const log = ccel(bytes)
    const moved = firstOn(log, 3)
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(log.events[moved]!.offset, 0, true)
    const { evidence, outsideRtmrs } = authenticateCcel({ log: ccel(bytes), tdQuote: verified() })
    expect(outsideRtmrs).toEqual([moved])
    const f = evidence.replay.findings.find((x) => x.code === 'CCEL_RECORD_OUTSIDE_RTMR')
    expect(f).toMatchObject({ severity: 'error', eventIndex: moved, relatedEvents: [moved] })
    expect(evidence.ok).toBe(false)
    expect(pcrTrust(evidence, 0).status).toBe('unknown')
    expect(pcrTrust(evidence, 3)).toMatchObject({ status: 'tainted', reason: { code: 'PCR_NOT_REPRODUCED' } })
  })

  it('a TPM PCR log, or RTMRs that are not four 48-byte values, are caller errors (TypeError)', () => {
    const tpmLog = parseEventLog(repoBytes('test-vectors/ovmf/plain-direct/binary_bios_measurements'))
    expect(() => authenticateCcel({ log: tpmLog, tdQuote: verified() })).toThrow(TypeError)
    expect(() => authenticateCcel({ log: ccel(), tdQuote: { rtmrs: rtmrs().slice(0, 3), verified: true } })).toThrow(TypeError)
    expect(() => authenticateCcel({ log: ccel(), tdQuote: { rtmrs: [...rtmrs().slice(0, 3), new Uint8Array(32)], verified: true } })).toThrow(TypeError)
  })
})
