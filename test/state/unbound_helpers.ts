/** Shared builders for the unbound-bytes tests: logs from the fixture builder, quoted by a software AK. */
import { verifyAttestation, parseEventLog } from '../../src/index.js'
import { authenticateLog } from '../../src/attest/authenticate_log.js'
import { stateFromEvidence } from '../../src/state/boot_state.js'
import * as B from '../fixtures/eventlog/log_builder.js'
import { makeQuote, NONCE, softwareAk, tpm2bPublic } from '../fixtures/tpm/builders.js'

export const FIRMWARE_PCRS = [0, 1, 2, 3, 4, 5, 6, 7]

/** An EV_IPL GRUB string: the digest covers the text after the prefix only (as GRUB measures it). */
export function grub(prefix: 'grub_cmd: ' | 'kernel_cmdline: ', text: string): B.EventSpec {
  return { pcr: 8, type: B.T.EV_IPL, data: B.ascii(`${prefix}${text}\0`), hashed: B.ascii(text) }
}

/** The same measurement with its data replaced: the digest is kept, the data is no longer bound. */
export function hidden(ev: B.EventSpec, data: Uint8Array, type = ev.type): B.EventSpec {
  return { ...ev, type, data, hashed: ev.hashed ?? ev.data ?? new Uint8Array(0) }
}

/** Log-basis boot state restricted to `quoted` (what a quote over those PCRs authenticates). */
export function stateOf(events: B.EventSpec[], quoted?: number[]) {
  const log = parseEventLog(B.buildAgileLog({ events }).bytes)
  return stateFromEvidence(authenticateLog(log, quoted ? { onlyPcrs: quoted } : {})).state
}

/** verifyAttestation over `events` with a quote (sha256) over `quoted`, as the TPM really extended them. */
export async function attest(events: B.EventSpec[], quoted: number[], policy: Record<string, unknown>) {
  const built = B.buildAgileLog({ events })
  return verifyAttestation({ eventLog: built.bytes, ...quoteOf(events, quoted), akEnrolled: true, nonce: NONCE, policy: { id: 'unbound', version: 1, pcrs: { banks: ['sha256'] }, ...policy } })
}

/**
 * A software AK's quote (sha256) over `quoted`, with the values the TPM holds after `events`
 * (a register no event extends at its initial value): the quote, pcrs and ak of an input.
 */
export function quoteOf(events: B.EventSpec[], quoted: number[]) {
  const ref = B.referenceReplay(B.buildAgileLog({ events }))
  const initial = (p: number) => (p >= 17 && p <= 22 ? 'ff' : '00').repeat(32)
  const values = { sha256: Object.fromEntries(quoted.map((p) => [String(p), ref.sha256![String(p)] ?? initial(p)])) }
  const ak = softwareAk('rsassa')
  const q = makeQuote(ak, { selection: [{ bank: 'sha256', pcrs: quoted }], values, extraData: NONCE })
  return { quotes: [{ attest: q.attest, signature: q.signature }], pcrs: values, ak: tpm2bPublic(ak.tpmtPublic) }
}

export const untrustedFindings = (r: Awaited<ReturnType<typeof attest>>) => r.verdict.bootproof_findings.filter((f) => f.code === 'POLICY_FACT_UNTRUSTED')
