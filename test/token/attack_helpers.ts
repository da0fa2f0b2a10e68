/**
 * Shared by the token attack tests (attacks_*.test.ts): the failing codes of a result, the code of
 * a thrown BootproofError, and the MAA signing key with the verify options and a genuine token
 * built on it (call `useMaaSigner()` at the top of a test file).
 */
import { beforeAll } from 'vitest'
import type { VerifyMaaOptions } from '../../src/token/verify_maa.js'
import { isBootproofError } from '../../src/errors.js'
import { CERTS_URL, INSTANCE, NONCE, NOW, jwksOf, maaPayload, makeSigner, sign, type Signer } from './helpers.js'

export const codes = (r: { errors: { code: string }[] }) => r.errors.map((e) => e.code)

export async function thrownCode(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (e) {
    if (isBootproofError(e)) return (e as { code: string }).code
    throw e
  }
  throw new Error('expected a throw')
}

export let maa: Signer
export let jwks: { keys: Record<string, unknown>[] }
export const opts = (over: Partial<VerifyMaaOptions> = {}): VerifyMaaOptions => ({ issuer: INSTANCE, jwks, nonce: NONCE, now: NOW, ...over })
export const good = (over: Record<string, unknown> = {}, header: Record<string, unknown> = { kid: 'k0', typ: 'JWT', jku: CERTS_URL }) => sign(header, maaPayload(over), maa)

/**
 * Make the file's MAA signing key (RS256) and its JWKS once, before the file's tests; `maa` and
 * `jwks` are live bindings, so importers see the values set here.
 */
export function useMaaSigner(): void {
  beforeAll(async () => {
    maa = await makeSigner('RS256')
    jwks = jwksOf(maa)
  })
}
