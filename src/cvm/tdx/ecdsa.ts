/**
 * ECDSA P-256 / SHA-256 with raw signatures, the only algorithm of TD quotes and their collateral:
 * the quote signature and attestation key (TDX DCAP Quote Library API, "ECDSA 256-bit Quote
 * Signature Data Structure": r‖s and X‖Y, 32 bytes each, big-endian), the QE report signature,
 * and the TCB Info / QE Identity signatures (Intel PCS API v4: hex of r‖s). WebCrypto's ECDSA
 * takes exactly this r‖s form (IEEE P1363), so no DER conversion is needed.
 */
import { concatBytes, toHex } from '../../bytes/hex.js'

/** Order n of the P-256 group (FIPS 186-4 D.1.2.3). */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n

const big = (b: Uint8Array): bigint => (b.length ? BigInt('0x' + toHex(b)) : 0n)

export type P256Key = { raw: Uint8Array } | { spki: Uint8Array }

export interface EcdsaOutcome {
  ok: boolean
  /** Why verification could not run (bad key or signature encoding), when it could not. */
  reason?: string
}

/** Verify r‖s (64 bytes) over `data` with a P-256 key (raw X‖Y or SPKI DER). Never throws. */
export async function verifyP256(subtle: SubtleCrypto, key: P256Key, signature: Uint8Array, data: Uint8Array): Promise<EcdsaOutcome> {
  if (signature.length !== 64) return { ok: false, reason: `signature is ${signature.length} bytes, not 64 (r‖s)` }
  const r = big(signature.subarray(0, 32))
  const s = big(signature.subarray(32))
  // Out-of-range values are rejected before the runtime sees them (some accept r = 0 or r >= n).
  if (r < 1n || r >= P256_N || s < 1n || s >= P256_N) return { ok: false, reason: 'r or s is outside [1, n-1] of P-256' }
  let imported: CryptoKey
  try {
    if ('raw' in key) {
      if (key.raw.length !== 64) return { ok: false, reason: `the key is ${key.raw.length} bytes, not 64 (X‖Y)` }
      imported = await subtle.importKey('raw', concatBytes(Uint8Array.of(4), key.raw).slice(), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify'])
    } else {
      imported = await subtle.importKey('spki', key.spki.slice(), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify'])
    }
  } catch (e) {
    return { ok: false, reason: `the key is not a P-256 public key: ${e instanceof Error ? e.message : String(e)}` }
  }
  try {
    return { ok: await subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, imported, signature.slice(), data.slice()) }
  } catch (e) {
    return { ok: false, reason: `verification failed to run: ${e instanceof Error ? e.message : String(e)}` }
  }
}
