/**
 * Shared by the quote attack tests (attacks_*.test.ts): verify a quote against an AK built by the
 * suite's software AKs (the challenge nonce by default) and list the failing check codes.
 */
import { verifyQuote } from '../../src/tpm/verify_quote.js'
import type { VerifyQuoteOptions } from '../../src/tpm/verify_quote.js'
import { NONCE, softwareAk, type SoftwareAk } from '../fixtures/tpm/builders.js'

export const rsa = () => softwareAk('rsassa')

export async function verify(ak: SoftwareAk | { akBytes: Uint8Array }, q: { attest: Uint8Array; signature: Uint8Array }, extra: { nonce?: Uint8Array | null; pcrs?: Record<string, Record<string, string>>; options?: VerifyQuoteOptions } = {}) {
  return verifyQuote({
    attest: q.attest,
    signature: q.signature,
    ak: 'akBytes' in ak ? ak.akBytes : ak.tpmtPublic,
    ...(extra.nonce === null ? {} : { nonce: extra.nonce ?? NONCE }),
    ...(extra.pcrs ? { pcrs: extra.pcrs } : {}),
    ...(extra.options ? { options: extra.options } : {}),
  })
}

export const codes = (r: { errors: { code: string }[] }) => r.errors.map((e) => e.code)
