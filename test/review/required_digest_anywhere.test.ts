/**
 * `digests.required` without `pcr` is satisfied by an event in *any* authenticated PCR
 * (src/policy/appraise.ts:599-609), including PCRs the OS can extend or even reset at runtime
 * (16 = debug, 23 = application). An attacker who controls the OS extends the required digest
 * (e.g. the approved shim's Authenticode hash) into PCR 16 and lists the event in the log; the
 * requirement then passes although PCR 4 shows a different boot application.
 */
import { describe, expect, it } from 'vitest'
import { verifyAttestation } from '../../src/index.js'
import * as B from '../fixtures/eventlog/log_builder.js'
import { makeQuote, NONCE, softwareAk, tpm2bPublic } from '../fixtures/tpm/builders.js'

const approvedShim = B.pseudoRandomBytes(32, 0x5151) // the digest the policy requires
const policy = {
  id: 'review/required-anywhere',
  version: 1,
  pcrs: { banks: ['sha256'], required: [0, 1, 2, 3, 4, 5, 6, 7] },
  digests: { required: [{ anyOf: [{ sha256: B.hex(approvedShim) }], description: 'approved shim' }] },
}

describe('digests.required without pcr', () => {
  it('is not satisfied by an OS-level extend into a resettable/debug PCR (16)', async () => {
    // PCR 4 holds some other boot application; the approved digest only appears in PCR 16.
    const events = [...B.standardBoot(), { pcr: 16, type: B.T.EV_EFI_BOOT_SERVICES_APPLICATION, data: new Uint8Array(32), digests: { [B.ALG.sha1]: new Uint8Array(20), [B.ALG.sha256]: approvedShim } }]
    const built = B.buildAgileLog({ events })
    const ref = B.referenceReplay(built)
    const selection = [{ bank: 'sha256', pcrs: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16] }]
    const values = { sha256: Object.fromEntries(selection[0]!.pcrs.map((i) => [String(i), ref.sha256![String(i)] ?? '00'.repeat(32)])) }
    const ak = softwareAk('rsassa')
    const q = makeQuote(ak, { selection, values, extraData: NONCE })
    const r = await verifyAttestation({ eventLog: built.bytes, quotes: [{ attest: q.attest, signature: q.signature }], pcrs: values, ak: tpm2bPublic(ak.tpmtPublic), akEnrolled: true, nonce: NONCE, policy })
    expect(r.quote.valid).toBe(true)
    expect(r.verdict.ear_status).not.toBe('affirming')
  })
})
