/**
 * The authentication stage decides trust once (src/attest): per PCR authenticated / consistent /
 * tainted / unknown with a reason code, per event whether its content may decide a fact. These
 * tests run it on the recorded demo attestation (a real OVMF + swtpm boot and quote) and on
 * edits of it that keep every digest and the quote valid.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { absenceTrust, authenticateAttestation, authenticateLog, eventTrust, parseEventLog, pcrContentTrust, parseEvidenceBundle, pcrTrust, stateFromEvidence } from '../../src/index.js'
import { REPO_ROOT } from '../helpers/corpus.js'

const bundle = parseEvidenceBundle(readFileSync(join(REPO_ROOT, 'test-vectors/demo/evidence.json'), 'utf8'))
const now = new Date('2026-06-01T00:00:00Z')
const auth = (eventLog = bundle.eventLog!, extra: Partial<Parameters<typeof authenticateAttestation>[0]> = {}) =>
  authenticateAttestation({ log: parseEventLog(eventLog), quotes: bundle.quotes, ak: bundle.ak, nonce: bundle.nonce, now, ...extra })

describe('authenticateAttestation on the recorded demo attestation', () => {
  it('every quoted PCR the log reproduces is authenticated; a PCR outside the selection is unknown', async () => {
    const { quote, evidence } = await auth()
    expect(quote.valid).toBe(true)
    expect(evidence!.basis).toBe('quote')
    expect(evidence!.authenticatedPcrs).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    // The log extends PCR 14 (shim's MokList), which the quote does not select.
    expect(pcrTrust(evidence!, 14)).toMatchObject({ status: 'unknown', reason: { code: 'PCR_NOT_QUOTED' } })
    expect(pcrContentTrust(evidence!, 14)).toMatchObject({ trusted: false, reason: { code: 'PCR_NOT_QUOTED' } })
    expect(pcrContentTrust(evidence!, 7)).toEqual({ trusted: true })
    expect(Object.isFrozen(evidence)).toBe(true)
    expect(stateFromEvidence(evidence!).basis).toBe('quote')
  })

  it('a PCR 4 event removed from the log: PCR 4 is tainted (not reproduced), its events decide nothing', async () => {
    const log = parseEventLog(bundle.eventLog!)
    const victim = log.events.find((e) => e.pcrIndex === 4 && e.typeName === 'EV_EFI_BOOT_SERVICES_APPLICATION')!
    const next = log.events[victim.index + 1]!
    const bytes = new Uint8Array([...bundle.eventLog!.subarray(0, victim.offset), ...bundle.eventLog!.subarray(next.offset)])
    const { evidence, quote } = await auth(bytes)
    // The quote check uses the attester-independent replay: the stripped log no longer matches.
    expect(quote.valid).toBe(false)
    expect(pcrTrust(evidence!, 4).status).not.toBe('authenticated')
    expect(evidence!.authenticatedPcrs).toEqual([])
  })

  it('with the attester PCR values given, a stripped PCR 4 is tainted and the others stay authenticated', async () => {
    const log = parseEventLog(bundle.eventLog!)
    const victim = log.events.find((e) => e.pcrIndex === 4 && e.typeName === 'EV_EFI_BOOT_SERVICES_APPLICATION')!
    const next = log.events[victim.index + 1]!
    const bytes = new Uint8Array([...bundle.eventLog!.subarray(0, victim.offset), ...bundle.eventLog!.subarray(next.offset)])
    const good = await auth()
    const pcrs = { sha256: Object.fromEntries(Object.entries(good.quote.pcrs.sha256!)) }
    const { evidence, quote } = await auth(bytes, { pcrs })
    expect(quote.valid).toBe(true)
    expect(pcrTrust(evidence!, 4)).toMatchObject({ status: 'tainted', reason: { code: 'PCR_NOT_REPRODUCED' } })
    expect(evidence!.authenticatedPcrs).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9])
    // Absence in PCR 4 cannot be trusted either.
    expect(absenceTrust(evidence!, [4]).trusted).toBe(false)
    expect(absenceTrust(evidence!, [5, 6]).trusted).toBe(true)
  })

  it('event data edited with its digest kept: the event is not trusted (R-02) and the Secure Boot fact says why', async () => {
    const log = parseEventLog(bundle.eventLog!)
    const sb = log.events.find((e) => e.pcrIndex === 7 && e.typeName === 'EV_EFI_VARIABLE_DRIVER_CONFIG')!
    const bytes = bundle.eventLog!.slice()
    bytes[sb.dataOffset + sb.data.length - 1]! ^= 1
    const { evidence } = await auth(bytes)
    expect(pcrTrust(evidence!, 7).status).toBe('authenticated') // the digests still replay
    expect(eventTrust(evidence!, sb.index)).toMatchObject({ trusted: false, reason: { code: 'EVENT_CONTENT_MISMATCH' } })
    const { state } = stateFromEvidence(evidence!)
    expect(state.secureBoot.enabled).toMatchObject({ trusted: false, reasonCode: 'EVENT_CONTENT_MISMATCH' })
  })

  it('a failed quote authenticates nothing, and every PCR says so', async () => {
    const sig = (bundle.quotes[0]!.signature as Uint8Array).slice()
    sig[sig.length - 1]! ^= 1
    const { evidence, quote } = await authenticateAttestation({ log: parseEventLog(bundle.eventLog!), quotes: [{ ...bundle.quotes[0]!, signature: sig }], ak: bundle.ak, nonce: bundle.nonce, now })
    expect(quote.valid).toBe(false)
    expect(evidence!.authenticatedPcrs).toEqual([])
    expect(pcrTrust(evidence!, 7)).toMatchObject({ status: 'unknown', reason: { code: 'QUOTE_INVALID' } })
    const { state } = stateFromEvidence(evidence!)
    expect(state.secureBoot.enabled).toMatchObject({ trusted: false, reasonCode: 'QUOTE_INVALID' })
  })
})

describe('authenticateLog (no quote)', () => {
  it('nothing is authenticated: PCRs are at best consistent, and content facts are what the log says', () => {
    const ev = authenticateLog(parseEventLog(bundle.eventLog!))
    expect(ev.basis).toBe('log')
    expect(ev.authenticatedPcrs).toEqual([])
    expect(pcrTrust(ev, 7)).toMatchObject({ status: 'consistent', reason: { code: 'NO_QUOTE' } })
    const r = stateFromEvidence(ev)
    expect(r.state.secureBoot.enabled).toMatchObject({ trusted: true, value: true })
    // a log-only result says so; `trusted` there means bound and consistent, not attested.
    expect(r.basis).toBe('log')
  })

  it('expected values that the log does not reproduce taint that PCR', () => {
    const ev = authenticateLog(parseEventLog(bundle.eventLog!), { expected: { sha256: { 7: '00'.repeat(32) } } })
    expect(pcrTrust(ev, 7)).toMatchObject({ status: 'tainted', reason: { code: 'PCR_NOT_REPRODUCED' } })
    expect(stateFromEvidence(ev).state.secureBoot.enabled.trusted).toBe(false)
  })

  it('onlyPcrs narrows trust: facts from other PCRs are untrusted', () => {
    const ev = authenticateLog(parseEventLog(bundle.eventLog!), { onlyPcrs: [0, 1, 2, 3, 4, 5, 6, 8, 9] })
    expect(pcrTrust(ev, 7)).toMatchObject({ status: 'unknown', reason: { code: 'PCR_NOT_QUOTED' } })
    expect(stateFromEvidence(ev).state.secureBoot.enabled).toMatchObject({ trusted: false, reasonCode: 'PCR_NOT_QUOTED' })
  })
})
