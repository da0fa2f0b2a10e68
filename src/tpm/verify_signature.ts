/**
 * Signature verification of TPMT_SIGNATURE over TPMS_ATTEST bytes with node:crypto where the
 * runtime has it (synchronous, node_verify.ts) and WebCrypto elsewhere (attack X-05: no JS
 * big-number crypto either way). The caller has already bound sigAlg and hash to the
 * AK's scheme; this module picks exactly one padding from sigAlg (never "try until one
 * verifies", attack Q-08).
 */
import type { HashAlgName } from '../alg.js'
import { digestSize } from '../alg.js'
import { TPM_ALG, CURVE_PARAMS } from './constants.js'
import type { TpmtSignature } from './signature.js'
import { importVerifyKey, type KeyMaterial } from './keys.js'
import { rsaBits, stripLeadingZeros } from '../x509/spki.js'
import type { QuoteCheckCode } from './check_codes.js'
import { copyBytes } from './reader.js'
import { nodeCryptoVerifier, nodeHashName, nodeKeyObject } from './node_verify.js'

export interface SignatureOutcome {
  ok: boolean
  code?: QuoteCheckCode
  message: string
  /** For RSAPSS: the salt length that verified. */
  saltLength?: number
}

/** Each curve's group order as `size` big-endian bytes (its top byte is non-zero), made once. */
const ORDER_BYTES = new Map<string, Uint8Array>()
function orderBytes(crv: 'P-256' | 'P-384' | 'P-521'): Uint8Array {
  let b = ORDER_BYTES.get(crv)
  if (!b) {
    const { size, n } = CURVE_PARAMS[crv]
    b = new Uint8Array(size)
    let v = n
    for (let i = size - 1; i >= 0; i--, v >>= 8n) b[i] = Number(v & 0xffn)
    ORDER_BYTES.set(crv, b)
  }
  return b
}

/** Big-endian comparison of the minimal encoding `x[from..]` (no leading zero unless it is 0) with the order. */
function belowOrder(x: Uint8Array, from: number, n: Uint8Array): boolean {
  const len = x.length - from
  if (len !== n.length) return len < n.length
  for (let i = 0; i < len; i++) if (x[from + i] !== n[i]) return x[from + i]! < n[i]!
  return false
}

/** Why `v` cannot be an ECDSA r or s for the curve, or undefined when it can. */
function scalarProblem(name: 'r' | 's', v: Uint8Array, size: number, n: Uint8Array, crv: string): string | undefined {
  if (v.length === 0) return `ECDSA ${name} is empty`
  let z = 0
  while (z < v.length - 1 && v[z] === 0) z++
  const len = v.length - z
  if (len > size) return `ECDSA ${name} is ${len} bytes, longer than the ${size}-byte ${crv} order`
  if (len === 1 && v[z] === 0) return `ECDSA ${name} is zero`
  if (!belowOrder(v, z, n)) return `ECDSA ${name} is not below the ${crv} group order`
  return undefined
}

/** The significant bytes of `v` right-aligned in `out[at..at+size)` (the caller checked they fit). */
function putRightAligned(v: Uint8Array, out: Uint8Array, at: number, size: number): void {
  let z = 0
  while (z < v.length - 1 && v[z] === 0) z++
  const len = v.length - z
  for (let i = 0; i < len; i++) out[at + size - len + i] = v[z + i]!
}

/**
 * The two salt lengths TPMs use for RSASSA-PSS: hLen (FIPS-mode and newer TPMs) and the
 * maximum emLen − hLen − 2 (TPM 2.0 Part 1 Annex B.7; tpm2-pytss PR #216). Attack Q-09.
 */
export function pssSaltLengths(modulusBits: number, hash: HashAlgName): number[] {
  const hLen = digestSize(hash)
  const emLen = Math.ceil((modulusBits - 1) / 8)
  const max = emLen - hLen - 2
  return max === hLen ? [hLen] : [hLen, max]
}

/**
 * TPM ECDSA r/s → IEEE P1363 (fixed width r ‖ s), rejecting 0, values ≥ n and over-long
 * encodings first (CVE-2022-21449 "psychic signatures"; attack Q-10).
 */
export function ecdsaToP1363(r: Uint8Array, s: Uint8Array, crv: 'P-256' | 'P-384' | 'P-521'): { ok: true; sig: Uint8Array } | { ok: false; message: string } {
  const { size } = CURVE_PARAMS[crv]
  const n = orderBytes(crv)
  const problem = scalarProblem('r', r, size, n, crv) ?? scalarProblem('s', s, size, n, crv)
  if (problem !== undefined) return { ok: false, message: problem }
  const out = new Uint8Array(2 * size)
  putRightAligned(r, out, 0, size)
  putRightAligned(s, out, size, size)
  return { ok: true, sig: out }
}

/**
 * Verify `sig` over `data` with `key`, using `hash` (the AK scheme hash).
 * Key-import failures are reported as ERR_AK_KEY_INVALID, never as success.
 */
export async function verifyTpmSignature(
  key: KeyMaterial,
  sig: TpmtSignature,
  data: Uint8Array,
  hash: HashAlgName,
  subtle?: SubtleCrypto,
): Promise<SignatureOutcome> {
  return verifyTpmSignatureSync(key, sig, data, hash, subtle) ?? verifyWithWebCrypto(key, sig, data, hash, subtle ?? globalThis.crypto.subtle)
}

/**
 * The same verification when it can run synchronously (node:crypto present, no SubtleCrypto
 * picked by the caller), else undefined: a verifier that checks one quote per attestation saves
 * the promise round trip.
 */
export function verifyTpmSignatureSync(key: KeyMaterial, sig: TpmtSignature, data: Uint8Array, hash: HashAlgName, subtle?: SubtleCrypto): SignatureOutcome | undefined {
  const nc = subtle === undefined ? nodeCryptoVerifier() : undefined
  return nc && nodeHashName(hash) ? verifyWithNodeCrypto(nc, key, sig, data, hash) : undefined
}

/** stripLeadingZeros(b).length without the view. */
function significantLength(b: Uint8Array): number {
  let i = 0
  while (i < b.length - 1 && b[i] === 0) i++
  return b.length - i
}

/** The same checks as verifyWithWebCrypto, one padding chosen from sigAlg, through node:crypto. */
function verifyWithNodeCrypto(nc: NonNullable<ReturnType<typeof nodeCryptoVerifier>>, key: KeyMaterial, sig: TpmtSignature, data: Uint8Array, hash: HashAlgName): SignatureOutcome {
  const h = nodeHashName(hash)!
  let k: ReturnType<typeof nodeKeyObject>
  try {
    k = nodeKeyObject(nc, key)
  } catch (e) {
    return { ok: false, code: 'ERR_AK_KEY_INVALID', message: `public key rejected by node:crypto: ${(e as Error).message}` }
  }
  try {
    if (sig.kind === 'rsa' && key.kty === 'RSA') {
      const modLen = significantLength(key.n)
      if (sig.sig.length !== modLen) {
        return { ok: false, code: 'ERR_QUOTE_SIGNATURE', message: `RSA signature is ${sig.sig.length} bytes, the modulus is ${modLen}` }
      }
      if (sig.sigAlg === TPM_ALG.RSASSA) {
        // A bare RSA key object verifies with PKCS #1 v1.5 padding (node:crypto's default for
        // RSA keys): the same padding, without an options object per call.
        const ok = nc.verify(h, data, k, sig.sig)
        return ok ? { ok, message: `RSASSA-PKCS1-v1_5/${hash} signature verifies` } : { ok, code: 'ERR_QUOTE_SIGNATURE', message: `RSASSA-PKCS1-v1_5/${hash} signature does not verify` }
      }
      for (const saltLength of pssSaltLengths(rsaBits(key.n), hash)) {
        if (nc.verify(h, data, { key: k, padding: nc.constants.RSA_PKCS1_PSS_PADDING, saltLength }, sig.sig)) {
          return { ok: true, message: `RSASSA-PSS/${hash} signature verifies (salt ${saltLength})`, saltLength }
        }
      }
      return { ok: false, code: 'ERR_QUOTE_SIGNATURE', message: `RSASSA-PSS/${hash} signature does not verify with salt hLen or max` }
    }
    if (sig.kind === 'ecc' && sig.sigAlg === TPM_ALG.ECDSA && key.kty === 'EC') {
      const p = ecdsaToP1363(sig.r, sig.s, key.crv)
      if (!p.ok) return { ok: false, code: 'ERR_QUOTE_ECDSA_RANGE', message: p.message }
      const ok = nc.verify(h, data, { key: k, dsaEncoding: 'ieee-p1363' }, p.sig)
      return ok ? { ok, message: `ECDSA ${key.crv}/${hash} signature verifies` } : { ok, code: 'ERR_QUOTE_SIGNATURE', message: `ECDSA ${key.crv}/${hash} signature does not verify` }
    }
  } catch (e) {
    return { ok: false, code: 'ERR_QUOTE_SIGNATURE', message: `signature verification failed: ${(e as Error).message}` }
  }
  return { ok: false, code: 'ERR_QUOTE_SCHEME_MISMATCH', message: `signature ${sig.sigAlgName} cannot be verified with an ${key.kty} key` }
}

async function verifyWithWebCrypto(key: KeyMaterial, sig: TpmtSignature, data: Uint8Array, hash: HashAlgName, subtle: SubtleCrypto): Promise<SignatureOutcome> {
  const msg = copyBytes(data)
  try {
    if (sig.kind === 'rsa' && key.kty === 'RSA') {
      const modLen = stripLeadingZeros(key.n).length
      if (sig.sig.length !== modLen) {
        return { ok: false, code: 'ERR_QUOTE_SIGNATURE', message: `RSA signature is ${sig.sig.length} bytes, the modulus is ${modLen}` }
      }
      const sigBytes = copyBytes(sig.sig)
      if (sig.sigAlg === TPM_ALG.RSASSA) {
        const k = await importVerifyKey(key, 'RSASSA-PKCS1-v1_5', hash, subtle)
        const ok = await subtle.verify({ name: 'RSASSA-PKCS1-v1_5' }, k, sigBytes, msg)
        return ok ? { ok, message: `RSASSA-PKCS1-v1_5/${hash} signature verifies` } : { ok, code: 'ERR_QUOTE_SIGNATURE', message: `RSASSA-PKCS1-v1_5/${hash} signature does not verify` }
      }
      const k = await importVerifyKey(key, 'RSA-PSS', hash, subtle)
      for (const saltLength of pssSaltLengths(rsaBits(key.n), hash)) {
        if (await subtle.verify({ name: 'RSA-PSS', saltLength }, k, sigBytes, msg)) {
          return { ok: true, message: `RSASSA-PSS/${hash} signature verifies (salt ${saltLength})`, saltLength }
        }
      }
      return { ok: false, code: 'ERR_QUOTE_SIGNATURE', message: `RSASSA-PSS/${hash} signature does not verify with salt hLen or max` }
    }
    if (sig.kind === 'ecc' && sig.sigAlg === TPM_ALG.ECDSA && key.kty === 'EC') {
      const p = ecdsaToP1363(sig.r, sig.s, key.crv)
      if (!p.ok) return { ok: false, code: 'ERR_QUOTE_ECDSA_RANGE', message: p.message }
      const k = await importVerifyKey(key, 'ECDSA', hash, subtle)
      const ok = await subtle.verify({ name: 'ECDSA', hash: { name: hashName(hash) } }, k, copyBytes(p.sig), msg)
      return ok ? { ok, message: `ECDSA ${key.crv}/${hash} signature verifies` } : { ok, code: 'ERR_QUOTE_SIGNATURE', message: `ECDSA ${key.crv}/${hash} signature does not verify` }
    }
  } catch (e) {
    const code = (e as { code?: string }).code
    if (code === 'ERR_KEY_INVALID' || code === 'ERR_KEY_UNSUPPORTED') return { ok: false, code: 'ERR_AK_KEY_INVALID', message: (e as Error).message }
    return { ok: false, code: 'ERR_QUOTE_SIGNATURE', message: `signature verification failed: ${(e as Error).message}` }
  }
  return { ok: false, code: 'ERR_QUOTE_SCHEME_MISMATCH', message: `signature ${sig.sigAlgName} cannot be verified with an ${key.kty} key` }
}

function hashName(h: HashAlgName): string {
  return h === 'sha1' ? 'SHA-1' : h === 'sha256' ? 'SHA-256' : h === 'sha384' ? 'SHA-384' : 'SHA-512'
}
