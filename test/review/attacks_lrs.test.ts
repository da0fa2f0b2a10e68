/**
 * Attack catalogue entries L-10 (SHA-1-only evidence), R-05 (no API hands out content of
 * unquoted PCRs as trusted) and S-05 (PKfail test platform key), end to end on logs written with
 * the event-log writer and re-quoted by a software AK.
 */
import { describe, expect, it } from 'vitest'
import { extractBootState, parseEventLog, verifyAttestation } from '../../src/index.js'
import type { Fact } from '../../src/state/fact.js'
import * as B from '../fixtures/eventlog/log_builder.js'
import { makeQuote, NONCE, softwareAk, tpm2bPublic } from '../fixtures/tpm/builders.js'
import { issue } from '../x509/cert_builder.js'
import { attest, codes, pcrValuePolicy, replayedPcrs, run, standardLog } from './attack_helpers.js'

const PCRS_0_7 = [0, 1, 2, 3, 4, 5, 6, 7]

describe('L-10: SHA-1-only logs and quotes', () => {
  it('L-10: a quote over the sha1 bank only: QUOTE_SHA1_BANK_ONLY, and a policy requiring sha256 is not affirming (POLICY_BANK_MISSING)', async () => {
    const log = standardLog()
    const a = attest(log, { banks: ['sha1'], pcrs: PCRS_0_7 })
    const r = await run({ ...a.input, policy: pcrValuePolicy(replayedPcrs(log)) })
    expect(r.quote.valid).toBe(true)
    expect(r.verdict.bootproof_findings).toContainEqual(expect.objectContaining({ code: 'QUOTE_SHA1_BANK_ONLY', severity: 'warning', submod: 'tpm' }))
    expect(codes(r)).toContain('POLICY_BANK_MISSING')
    expect(r.verdict.ear_status).toBe('contraindicated')
  })

  it('L-10: a TPM 1.2-format (SHA-1) log: EVENTLOG_SHA1_ONLY, and a sha256 policy is not affirming even with the sha1 bank quoted', async () => {
    const built = B.buildSha1Log(B.standardBoot())
    const log = parseEventLog(built.bytes)
    expect(log.findings).toContainEqual(expect.objectContaining({ code: 'EVENTLOG_SHA1_ONLY' }))
    const a = attest(built.bytes, { banks: ['sha1'], pcrs: PCRS_0_7 })
    const ref = B.referenceReplay(built)
    const policy = { id: 'review/l10', version: 1, pcrs: { banks: ['sha256'] }, pcrValues: PCRS_0_7.map((pcr) => ({ pcr, bank: 'sha1', alternatives: [ref.sha1![String(pcr)]!] })) }
    const r = await run({ ...a.input, policy })
    expect(r.quote.valid).toBe(true)
    expect(codes(r)).toEqual(expect.arrayContaining(['EVENTLOG_SHA1_ONLY', 'QUOTE_SHA1_BANK_ONLY', 'POLICY_BANK_MISSING']))
    expect(r.verdict.ear_status).not.toBe('affirming')
  })

  it('L-10: a crypto-agile log whose Spec ID lists only SHA-1, with sha256 quoted: the sha256 bank cannot be replayed, not affirming', async () => {
    const built = B.buildAgileLog({ algorithms: [B.SHA1], events: B.standardBoot() })
    const ak = softwareAk('rsassa')
    // The TPM's sha256 bank holds real values the log cannot speak for.
    const good = replayedPcrs(standardLog())
    const selection = [{ bank: 'sha256', pcrs: PCRS_0_7 }]
    const values = { sha256: Object.fromEntries(PCRS_0_7.map((p) => [String(p), good.sha256![String(p)]!])) }
    const q = makeQuote(ak, { selection, values, extraData: NONCE })
    const r = await verifyAttestation({ eventLog: built.bytes, quotes: [{ attest: q.attest, signature: q.signature }], ak: tpm2bPublic(ak.tpmtPublic), akEnrolled: true, nonce: NONCE, pcrs: values, policy: pcrValuePolicy(good) })
    expect(r.quote.valid).toBe(true)
    // No PCR is authenticated by both the quote and the log's replay.
    expect(r.trustedPcrs).toEqual([])
    expect(r.verdict.bootproof_findings).toContainEqual(expect.objectContaining({ code: 'PCR_BANK_NOT_IN_LOG', pcr: 7 }))
    expect(codes(r)).toContain('POLICY_BANK_MISSING')
    expect(r.verdict.ear_status).not.toBe('affirming')
  })

  it('L-10: a quote signed with SHA-1 is refused unless the caller opts in (ERR_QUOTE_SHA1_REFUSED)', async () => {
    const log = standardLog()
    const replayed = replayedPcrs(log)
    const ak = softwareAk('rsassa', { schemeHash: 'sha1' })
    const selection = [{ bank: 'sha256', pcrs: PCRS_0_7 }]
    const values = { sha256: Object.fromEntries(PCRS_0_7.map((p) => [String(p), replayed.sha256![String(p)]!])) }
    const q = makeQuote(ak, { selection, values, extraData: NONCE })
    const r = await verifyAttestation({ eventLog: log, quotes: [{ attest: q.attest, signature: q.signature }], ak: tpm2bPublic(ak.tpmtPublic), akEnrolled: true, nonce: NONCE, policy: pcrValuePolicy(replayed) })
    expect(r.quote.valid).toBe(false)
    expect(codes(r)).toContain('ERR_QUOTE_SHA1_REFUSED')
    expect(r.verdict.ear_status).toBe('contraindicated')
  })
})

/** Every Fact in a boot-state object (objects with a boolean `trusted` and an `events` array). */
function facts(x: unknown, path = 'state', out: { path: string; fact: Fact<unknown> }[] = []): { path: string; fact: Fact<unknown> }[] {
  if (!x || typeof x !== 'object' || x instanceof Uint8Array) return out
  const o = x as Record<string, unknown>
  if (typeof o.trusted === 'boolean' && Array.isArray(o.events)) out.push({ path, fact: o as unknown as Fact<unknown> })
  for (const [k, v] of Object.entries(o)) facts(v, `${path}.${k}`, out)
  return out
}

describe('R-05: event content of PCRs that were not quoted and replayed reaches callers only as untrusted facts', () => {
  const log = standardLog()
  const parsed = parseEventLog(log)
  const pcr7Events = new Set(parsed.events.filter((e) => e.pcrIndex === 7).map((e) => e.index))

  function check(state: unknown) {
    const all = facts(state)
    const fromPcr7 = all.filter(({ fact }) => fact.events.some((i) => pcr7Events.has(i)))
    // Secure Boot facts exist (SecureBoot, PK, KEK, db, dbx, authorities) ...
    expect(fromPcr7.length).toBeGreaterThanOrEqual(5)
    // ... and every one of them is untrusted, with a stable reason code.
    for (const { path, fact } of fromPcr7) {
      expect.soft(fact.trusted, path).toBe(false)
      expect.soft(fact.reasonCode, path).toBe('PCR_NOT_QUOTED')
    }
    // Facts from quoted, replayed PCRs stay usable (the test can fail both ways).
    expect(all.some(({ fact }) => fact.trusted && fact.events.length > 0 && fact.events.every((i) => !pcr7Events.has(i)))).toBe(true)
  }

  it('R-05: verifyAttestation with a quote over PCR 0-6 (not 7): every fact built from PCR 7 events is trusted=false, reasonCode PCR_NOT_QUOTED', async () => {
    const a = attest(log, { pcrs: [0, 1, 2, 3, 4, 5, 6] })
    const r = await run(a.input)
    expect(r.quote.valid).toBe(true)
    expect(r.state!.secureBoot.enabled).toMatchObject({ value: true, trusted: false, reasonCode: 'PCR_NOT_QUOTED' })
    check(r.state)
  })

  it('R-05: extractBootState given the quoted PCRs (0-6): the same facts are untrusted with a reason', () => {
    const { state } = extractBootState(parsed, { quotedPcrs: [0, 1, 2, 3, 4, 5, 6] })
    expect(state.secureBoot.enabled.reason).toMatch(/PCR 7/)
    check(state)
  })

  it('R-05: a policy that reads the unquoted PCR 7 content (secureBoot.required) is not affirming: POLICY_FACT_UNTRUSTED or POLICY_PCR_NOT_QUOTED', async () => {
    const a = attest(log, { pcrs: [0, 1, 2, 3, 4, 5, 6] })
    const r = await run({ ...a.input, policy: { id: 'review/r05', version: 1, pcrs: { banks: ['sha256'] }, secureBoot: { required: true } } })
    expect(codes(r).some((c) => c === 'POLICY_FACT_UNTRUSTED' || c === 'POLICY_PCR_NOT_QUOTED')).toBe(true)
    expect(r.verdict.submods['secure-boot']?.ear_status).not.toBe('affirming')
    expect(r.verdict.ear_status).not.toBe('affirming')
  })
})

describe('S-05: PKfail (CVE-2024-8105), an AMI test platform key', () => {
  const X509_GUID = 'a5c059a1-94e4-4aa7-87b5-ab155c2bf072'

  async function logWithPk(cn: string) {
    const pk = await issue({ subjectCN: cn })
    const pkList = B.signatureList(X509_GUID, [{ data: pk.der }])
    const events = B.standardBoot()
    const genuinePk = B.driverConfigEvent({ name: 'PK', data: B.sha256SignatureList(1, 0x504b) })
    const at = events.findIndex((e) => e.type === genuinePk.type && B.hex(e.data!) === B.hex(genuinePk.data!))
    expect(at).toBeGreaterThan(0)
    events[at] = B.driverConfigEvent({ name: 'PK', data: pkList })
    return { bytes: B.buildAgileLog({ events }).bytes, der: pk.der }
  }

  it('S-05: PK certificate "DO NOT TRUST - AMI Test PK" in a quoted, replayed PCR 7: SECUREBOOT_UNTRUSTED_PK, secure-boot contraindicated', async () => {
    const { bytes } = await logWithPk('DO NOT TRUST - AMI Test PK')
    const a = attest(bytes)
    const r = await run({ ...a.input, policy: pcrValuePolicy(a.values, { secureBoot: { required: true } }) })
    expect(r.quote.valid).toBe(true)
    expect(r.state!.secureBoot.enabled).toMatchObject({ value: true, trusted: true })
    expect(r.verdict.bootproof_findings).toContainEqual(expect.objectContaining({ code: 'SECUREBOOT_UNTRUSTED_PK', severity: 'error', pcr: 7, submod: 'secure-boot' }))
    expect(r.verdict.submods['secure-boot']!.ear_status).toBe('contraindicated')
    expect(r.verdict.ear_status).toBe('contraindicated')
  })

  it('S-05: control: the same log with an ordinary PK subject raises no SECUREBOOT_UNTRUSTED_PK and is affirming', async () => {
    const { bytes } = await logWithPk('Contoso Platform Key 2024')
    const a = attest(bytes)
    const r = await run({ ...a.input, policy: pcrValuePolicy(a.values, { secureBoot: { required: true } }) })
    expect(codes(r)).not.toContain('SECUREBOOT_UNTRUSTED_PK')
    expect(r.verdict.submods['secure-boot']!.ear_status).toBe('affirming')
  })

  it('S-05: a leaked test PK renamed (no "DO NOT TRUST" subject) is caught by fingerprint through the pk allow-list: POLICY_PK_UNEXPECTED_KEY', async () => {
    const { bytes } = await logWithPk('Innocent Platform Key')
    const a = attest(bytes)
    // The fleet's real PK fingerprint is the only one allowed.
    const policy = pcrValuePolicy(a.values, { secureBoot: { required: true, pk: { allowed: [{ sha256: 'ab'.repeat(32), type: 'x509', description: 'fleet PK' }] } } })
    const r = await run({ ...a.input, policy })
    expect(r.verdict.bootproof_findings).toContainEqual(expect.objectContaining({ code: 'POLICY_PK_UNEXPECTED_KEY', severity: 'error' }))
    expect(r.verdict.ear_status).toBe('contraindicated')
  })
})
