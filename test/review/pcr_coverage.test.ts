/**
 * "PCR_NOT_COVERED_BY_LOG" (src/verify.ts:84-90, 217-229): a quoted PCR outside 0-9 that the log
 * does not extend is never compared with the log. An attacker can therefore strip *every* event of
 * such a PCR (attack L-08 for PCRs >= 10): the PCR is quoted with a non-initial value, the log
 * claims it has no events, and only an `info` finding is raised. A policy deny-list that is not
 * pinned to one PCR (`digests.forbidden` without `pcr`) is evaded this way.
 */
import { describe, expect, it } from 'vitest'
import { verifyAttestation } from '../../src/index.js'
import * as B from '../fixtures/eventlog/log_builder.js'
import { makeQuote, NONCE, softwareAk, tpm2bPublic } from '../fixtures/tpm/builders.js'

const bad: B.EventSpec = { pcr: 14, type: B.T.EV_IPL, data: B.ascii('MokList\0') }
const badDigest = B.hex(B.digestFor(bad, B.SHA256))
const policy = {
  id: 'review/deny-list',
  version: 1,
  pcrs: { banks: ['sha256'] },
  digests: { forbidden: [{ anyOf: [{ sha256: badDigest }], description: 'revoked MOK list' }] },
}

async function run(withBadEvent: boolean) {
  const genuine = [...B.standardBoot(), bad]
  const built = B.buildAgileLog({ events: genuine })
  // The TPM really measured the bad event: the quote covers PCR 14 with that value.
  const ref = B.referenceReplay(built)
  const selection = [{ bank: 'sha256', pcrs: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 14] }]
  const values = { sha256: Object.fromEntries(selection[0]!.pcrs.map((i) => [String(i), ref.sha256![String(i)] ?? '00'.repeat(32)])) }
  const ak = softwareAk('rsassa')
  const q = makeQuote(ak, { selection, values, extraData: NONCE })
  const log = withBadEvent ? built.bytes : B.buildAgileLog({ events: B.standardBoot() }).bytes
  return verifyAttestation({ eventLog: log, quotes: [{ attest: q.attest, signature: q.signature }], pcrs: values, ak: tpm2bPublic(ak.tpmtPublic), akEnrolled: true, nonce: NONCE, policy })
}

describe('quoted PCRs the log does not extend', () => {
  it('baseline: the forbidden digest in the log is contraindicated', async () => {
    const r = await run(true)
    expect(r.quote.valid).toBe(true)
    expect(r.verdict.bootproof_findings.some((f) => f.code === 'POLICY_DIGEST_FORBIDDEN')).toBe(true)
    expect(r.verdict.ear_status).toBe('contraindicated')
  })

  it('stripping every event of the quoted PCR 14 from the log is detected (not affirming)', async () => {
    const r = await run(false)
    expect(r.quote.valid).toBe(true)
    // PCR 14 is quoted with a non-initial value but the log has no PCR 14 events: the log is incomplete.
    expect(r.verdict.bootproof_findings.some((f) => f.severity !== 'info' && f.pcr === 14)).toBe(true)
    expect(r.verdict.ear_status).not.toBe('affirming')
  })
})
