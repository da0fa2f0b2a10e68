/**
 * Verdict status computation: findings and policy components whose submodule is not in the
 * verdict's `present` list are silently dropped (src/verify.ts:296-297, src/verdict/build.ts:107),
 * so a policy rule that fails for lack of evidence (POLICY_EVIDENCE_MISSING) cannot stop an
 * "affirming" verdict.
 */
import { describe, expect, it } from 'vitest'
import { verifyAttestation } from '../../src/index.js'
import { demoInput, demoPcrs, demoPolicy } from './helpers.js'

describe('verdict: every appraised submodule counts', () => {
  it('baseline: the recorded attestation affirms the derived policy', async () => {
    const r = await verifyAttestation(demoInput())
    expect(r.verdict.ear_status).toBe('affirming')
  })

  it('a Windows claim rule with no Windows evidence is not affirming (windows-boot dropped from the verdict)', async () => {
    const policy = { ...demoPolicy(), windows: { claims: { bootDebuggingDisabled: true, notSafeMode: true } } }
    const r = await verifyAttestation({ ...demoInput(), policy })
    // The appraisal itself says the rule failed ...
    expect(r.verdict.bootproof_findings.some((f) => f.code === 'POLICY_EVIDENCE_MISSING' && f.severity === 'error')).toBe(true)
    // ... so the verdict must not be affirming.
    expect(r.verdict.ear_status).not.toBe('affirming')
  })

  it('dropping the event log (attester PCR values only) does not skip eventRules / secureBoot / kernelCmdline', async () => {
    // The attacker omits the log and sends the machine's real PCR values (they hash to the quote's
    // pcrDigest). Every log-based rule of the policy then fails with POLICY_EVIDENCE_MISSING on
    // submodules (platform-firmware, secure-boot, boot-loader, os-kernel) that the verdict only
    // includes when a log was given.
    const { eventLog: _omit, ...input } = demoInput()
    const r = await verifyAttestation({ ...input, pcrs: demoPcrs() })
    expect(r.quote.valid).toBe(true)
    expect(r.verdict.bootproof_findings.filter((f) => f.code === 'POLICY_EVIDENCE_MISSING').length).toBeGreaterThan(0)
    expect(r.verdict.ear_status).not.toBe('affirming')
  })
})

describe('verdict: no log, forged boot', () => {
  it('PCR values of an arbitrary (non-policy) boot, no log: not affirming', async () => {
    const { softwareAk, makeQuote, tpm2bPublic, NONCE } = await import('../fixtures/tpm/builders.js')
    const ak = softwareAk('rsassa')
    const selection = [{ bank: 'sha256', pcrs: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }]
    // pseudo-random PCR values: certainly not the boot chain the policy pins
    const q = makeQuote(ak, { selection, extraData: NONCE })
    const r = await verifyAttestation({ quotes: [{ attest: q.attest, signature: q.signature }], pcrs: q.values, ak: tpm2bPublic(ak.tpmtPublic), akEnrolled: true, nonce: NONCE, policy: demoPolicy() })
    expect(r.quote.valid).toBe(true)
    expect(r.verdict.ear_status).not.toBe('affirming')
  })
})
