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
import { importVerifyKey, leftPad, type KeyMaterial } from './keys.js'
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

/** Big-endian comparison of a minimal encoding (no leading zero unless it is 0) with the order. */
function belowOrder(x: Uint8Array, n: Uint8Array): boolean {
  if (x.length !== n.length) return x.length < n.length
  for (let i = 0; i < x.length; i++) if (x[i] !== n[i]) return x[i]! < n[i]!
  return false
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
  for (const [name, v] of [['r', r], ['s', s]] as const) {
    if (v.length === 0) return { ok: false, message: `ECDSA ${name} is empty` }
    const stripped = stripLeadingZeros(v)
    if (stripped.length > size) return { ok: false, message: `ECDSA ${name} is ${stripped.length} bytes, longer than the ${size}-byte ${crv} order` }
    if (stripped.length === 1 && stripped[0] === 0) return { ok: false, message: `ECDSA ${name} is zero` }
    if (!belowOrder(stripped, n)) return { ok: false, message: `ECDSA ${name} is not below the ${crv} group order` }
  }
  const out = new Uint8Array(2 * size)
  out.set(leftPad(r, size, 'r'), 0)
  out.set(leftPad(s, size, 's'), size)
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
      const modLen = stripLeadingZeros(key.n).length
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
