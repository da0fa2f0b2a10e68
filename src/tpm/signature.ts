/**
 * TPMT_SIGNATURE (TPM 2.0 Part 2 §11.3.4) with TPMU_SIGNATURE selected by `sigAlg` (§11.3.3).
 * All members are parsed so that a caller can see what was presented; `verifyQuote` accepts
 * only RSASSA, RSAPSS and ECDSA and only when they equal the AK's scheme (attack Q-08).
 */
import { hashAlgName, digestSize } from '../alg.js'
import { TPM_ALG, TPM_LIMITS, algName } from './constants.js'
import { expectEnd, tpmReader, unsupported } from './reader.js'

export interface RsaSignature {
  kind: 'rsa'
  sigAlg: typeof TPM_ALG.RSASSA | typeof TPM_ALG.RSAPSS
  hashAlg: number
  /** Big-endian signature integer; its length equals the modulus length. */
  sig: Uint8Array
}
export interface EccSignature {
  kind: 'ecc'
  sigAlg: number
  hashAlg: number
  /** TPM2B_ECC_PARAMETER big-endian integers, as encoded (not padded). */
  r: Uint8Array
  s: Uint8Array
}
export interface HmacSignature {
  kind: 'hmac'
  sigAlg: typeof TPM_ALG.HMAC
  hashAlg: number
  digest: Uint8Array
}
export interface NullSignature {
  kind: 'null'
  sigAlg: typeof TPM_ALG.NULL
}

export type TpmtSignature = (RsaSignature | EccSignature | HmacSignature | NullSignature) & {
  sigAlgName: string
  hashName?: string
}

const ECC_SIG_ALGS = new Set<number>([TPM_ALG.ECDSA, TPM_ALG.ECDAA, TPM_ALG.SM2, TPM_ALG.ECSCHNORR])

/**
 * Parse a marshalled TPMT_SIGNATURE (`tpm2_quote -s`, default "tss" format).
 * @throws BootproofError ERR_TPM_TRUNCATED / ERR_TPM_LIMIT / ERR_TPM_UNSUPPORTED / ERR_TPM_TRAILING_BYTES
 */
export function parseTpmtSignature(bytes: Uint8Array): TpmtSignature {
  const r = tpmReader(bytes)
  const sigAlg = r.u16be('sigAlg')
  let out: TpmtSignature
  if (sigAlg === TPM_ALG.RSASSA || sigAlg === TPM_ALG.RSAPSS) {
    const hashAlg = r.u16be('signature.hash')
    const sig = r.tpm2b('signature.sig', TPM_LIMITS.maxRsaKeyBytes)
    out = { kind: 'rsa', sigAlg, hashAlg, sig, sigAlgName: algName(sigAlg), hashName: algName(hashAlg) }
  } else if (ECC_SIG_ALGS.has(sigAlg)) {
    const hashAlg = r.u16be('signature.hash')
    const sr = r.tpm2b('signature.signatureR', TPM_LIMITS.maxEccKeyBytes)
    const ss = r.tpm2b('signature.signatureS', TPM_LIMITS.maxEccKeyBytes)
    out = { kind: 'ecc', sigAlg, hashAlg, r: sr, s: ss, sigAlgName: algName(sigAlg), hashName: algName(hashAlg) }
  } else if (sigAlg === TPM_ALG.HMAC) {
    const hashAlg = r.u16be('signature.hashAlg')
    const h = hashAlgName(hashAlg)
    if (!h) unsupported(`TPMT_HA.hashAlg ${algName(hashAlg)} has no known digest size`, r, 'signature.hashAlg')
    const digest = r.take(digestSize(h), 'signature.digest')
    out = { kind: 'hmac', sigAlg, hashAlg, digest, sigAlgName: 'hmac', hashName: h }
  } else if (sigAlg === TPM_ALG.NULL) {
    out = { kind: 'null', sigAlg, sigAlgName: 'null' }
  } else {
    unsupported(`TPMT_SIGNATURE.sigAlg ${algName(sigAlg)} is not a TPMI_ALG_SIG_SCHEME`, r, 'sigAlg')
  }
  expectEnd(r, 'TPMT_SIGNATURE')
  return out
}
