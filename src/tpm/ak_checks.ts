/**
 * Attestation-key checks (attack Q-06; go-attestation `CheckAKParameters`): the key that
 * verifies quotes must be a restricted signing key created inside the TPM (restricted, sign,
 * not decrypt, fixedTPM, fixedParent, sensitiveDataOrigin; TPM 2.0 Part 1 §25.2 / Part 2
 * §8.3.3), with a non-NULL signing scheme, RSA ≥ 2048 bits or an allowed curve. A restricted
 * key only signs TPM-built data starting with TPM_GENERATED_VALUE, which is what makes the
 * magic check meaningful. A bare SPKI carries none of this and counts only when the
 * caller pins it (`trustBareKey`) or a validated AK certificate vouches for it.
 */
import { hashAlgName, type HashAlgName } from '../alg.js'
import { BootproofError } from '../errors.js'
import { TPM_ALG, CURVE_BY_TPM_ID, algName, type ObjectAttributeName, type WebCryptoCurve } from './constants.js'
import type { AkMaterial } from './ak.js'
import { tpmPublicToKeyMaterial, importVerifyKey, type KeyMaterial } from './keys.js'
import { nodeCryptoVerifier, nodeKeyObject } from './node_verify.js'
import { spkiToKeyMaterial, keyMaterialEqual, rsaBits, describeKey } from '../x509/spki.js'
import { akCertificateProblems } from '../x509/ak_cert.js'
import { verifyCertificateChain, type CertificateInput } from '../x509/chain.js'
import type { QuoteCheck } from './check_codes.js'

export interface AkPolicy {
  /** Smallest RSA modulus (default 2048). */
  minRsaBits?: number
  /** Allowed curves (default P-256, P-384, P-521). */
  allowedCurves?: readonly WebCryptoCurve[]
  /** Accept an AK given only as an SPKI (or an unvalidated certificate key) as a pinned key. */
  trustBareKey?: boolean
  /** Pinned roots for the AK certificate path. */
  trustAnchors?: readonly CertificateInput[]
  /** Time for certificate validity (default now). */
  now?: Date
  /** EKUs accepted as marking an AK certificate (default ['2.23.133.8.3']). */
  akCertAllowedEkus?: readonly string[]
  crypto?: Crypto
}

export interface AkEvaluation {
  checks: QuoteCheck[]
  /** The verification key, when one could be determined and imported. */
  key?: KeyMaterial
  /** The AK's signing scheme (sigAlg) and hash, when the public area states them. */
  scheme?: { sigAlg: number; hash: HashAlgName | undefined; hashAlg: number }
}

export const REQUIRED_AK_ATTRIBUTES: readonly ObjectAttributeName[] = ['restricted', 'sign', 'fixedTPM', 'fixedParent', 'sensitiveDataOrigin']

const ok = (id: string, message: string): QuoteCheck => ({ id, ok: true, message })
const bad = (id: string, code: NonNullable<QuoteCheck['code']>, message: string): QuoteCheck => ({ id, ok: false, code, message })

/** Evaluate the AK. Never throws for policy failures; they become checks. */
export async function evaluateAk(ak: AkMaterial, policy: AkPolicy = {}): Promise<AkEvaluation> {
  const checks: QuoteCheck[] = []
  const minRsaBits = policy.minRsaBits ?? 2048
  const curves = policy.allowedCurves ?? ['P-256', 'P-384', 'P-521']
  const subtle = (policy.crypto ?? globalThis.crypto).subtle
  const out: AkEvaluation = { checks }

  // 1. Key material from the most authoritative form present.
  let key: KeyMaterial | undefined
  const pub = ak.public
  if (pub) {
    if (pub.ecc && !CURVE_BY_TPM_ID.has(pub.ecc.curveId)) {
      checks.push(bad('ak.curve', 'ERR_AK_CURVE', `AK curve ${pub.ecc.curveName} is not allowed (only ${curves.join(', ')})`))
    } else if (pub.rsa || pub.ecc) {
      try {
        key = tpmPublicToKeyMaterial(pub)
      } catch (e) {
        checks.push(bad('ak.key', 'ERR_AK_KEY_INVALID', (e as Error).message))
      }
    } else {
      checks.push(bad('ak.scheme', 'ERR_AK_SCHEME', `AK public area is a ${pub.typeName} object, not an RSA or ECC signing key`))
    }
  }
  let otherKey: KeyMaterial | undefined
  if (ak.spki) {
    try {
      otherKey = spkiToKeyMaterial(ak.spki)
    } catch (e) {
      if ((e as BootproofError).code === 'ERR_KEY_UNSUPPORTED') checks.push(bad('ak.curve', 'ERR_AK_CURVE', (e as Error).message))
      else throw e
    }
    if (key && otherKey && !keyMaterialEqual(key, otherKey)) {
      checks.push(bad('ak.binding', 'ERR_AK_UNBOUND', 'the SPKI supplied with the AK public area is a different key (CVE-2021-3406)'))
    }
  }
  if (!key && !pub) key = otherKey
  if (!key && !pub && !ak.spki && ak.certificate) {
    if (ak.certificate.publicKey) key = ak.certificate.publicKey
    else checks.push(bad('ak.curve', 'ERR_AK_CURVE', 'AK certificate key is not RSA or EC P-256/P-384/P-521'))
  }

  // 2. Attributes and scheme (public area only).
  let vouched = false
  if (ak.certificate) {
    const problems = akCertificateProblems(ak.certificate, key, policy.akCertAllowedEkus ? { allowedEkus: policy.akCertAllowedEkus } : {})
    const mismatch = problems.filter((p) => p.code === 'ERR_AK_CERT_MISMATCH')
    const profile = problems.filter((p) => p.code === 'ERR_AK_CERT_PROFILE')
    checks.push(profile.length ? bad('ak.certificate.profile', 'ERR_AK_CERT_PROFILE', profile.map((p) => p.message).join('; ')) : ok('ak.certificate.profile', `AK certificate: v3, AK EKU present, not a CA`))
    checks.push(mismatch.length ? bad('ak.certificate.key', 'ERR_AK_CERT_MISMATCH', mismatch.map((p) => p.message).join('; ')) : ok('ak.certificate.key', pub ? 'AK certificate key equals the AK public area' : 'AK certificate key is the verification key'))
    const chain = await verifyCertificateChain(ak.certificate, {
      trustAnchors: policy.trustAnchors ?? [],
      intermediates: ak.intermediates ?? [],
      ...(policy.now ? { now: policy.now } : {}),
      ...(policy.crypto ? { crypto: policy.crypto } : {}),
    })
    checks.push(chain.ok ? ok('ak.chain', `AK certificate ${chain.message}`) : bad('ak.chain', 'ERR_CHAIN_UNTRUSTED', `AK certificate: ${chain.message}`))
    vouched = chain.ok && !problems.length
  }

  if (pub) {
    const missing = REQUIRED_AK_ATTRIBUTES.filter((a) => !pub.attributes[a])
    const problems: string[] = []
    if (missing.length) problems.push(`missing ${missing.join(', ')}`)
    if (pub.attributes.decrypt) problems.push('decrypt is set')
    if (pub.reservedAttributeBits) problems.push(`reserved bits 0x${pub.reservedAttributeBits.toString(16)} set`)
    checks.push(problems.length ? bad('ak.attributes', 'ERR_AK_ATTRIBUTES', `AK objectAttributes 0x${pub.objectAttributes.toString(16).padStart(8, '0')}: ${problems.join('; ')}`) : ok('ak.attributes', 'AK is restricted, sign-only, fixedTPM, fixedParent, sensitiveDataOrigin'))

    const scheme = pub.rsa?.scheme ?? pub.ecc?.scheme
    if (scheme) {
      const valid = pub.rsa ? scheme.scheme === TPM_ALG.RSASSA || scheme.scheme === TPM_ALG.RSAPSS : scheme.scheme === TPM_ALG.ECDSA
      if (!valid || scheme.hashAlg === undefined) {
        checks.push(bad('ak.scheme', 'ERR_AK_SCHEME', `AK scheme ${scheme.schemeName} is not ${pub.rsa ? 'RSASSA or RSAPSS' : 'ECDSA'} with a hash`))
      } else {
        out.scheme = { sigAlg: scheme.scheme, hashAlg: scheme.hashAlg, hash: hashAlgName(scheme.hashAlg) }
        checks.push(ok('ak.scheme', `AK scheme ${algName(scheme.scheme)}/${scheme.hashName}`))
      }
    }
  } else if (vouched) {
    checks.push(ok('ak.attributes', 'AK attributes vouched for by a validated AK certificate (no public area supplied)'))
  } else if (policy.trustBareKey) {
    checks.push(ok('ak.attributes', 'AK is a caller-pinned bare key: TPM attributes not checked (trustBareKey)'))
  } else {
    checks.push(bad('ak.attributes', 'ERR_AK_UNBOUND', 'AK given without a TPM public area or a validated AK certificate: its attributes cannot be checked (pass the TPMT_PUBLIC, a certificate with trust anchors, or trustBareKey for a pinned key)'))
  }

  // 3. Size / curve policy on the key actually used.
  if (key) {
    if (key.kty === 'RSA') {
      const bits = rsaBits(key.n)
      const declared = pub?.rsa?.keyBits
      if (bits < minRsaBits) checks.push(bad('ak.keySize', 'ERR_AK_KEY_SIZE', `AK is RSA-${bits}, below ${minRsaBits} bits`))
      else if (declared !== undefined && declared !== bits) checks.push(bad('ak.keySize', 'ERR_AK_KEY_SIZE', `AK keyBits ${declared} but the modulus has ${bits} bits`))
      else checks.push(ok('ak.keySize', `AK is RSA-${bits}`))
    } else if (!curves.includes(key.crv)) {
      checks.push(bad('ak.curve', 'ERR_AK_CURVE', `AK curve ${key.crv} is not allowed (only ${curves.join(', ')})`))
    } else {
      checks.push(ok('ak.curve', `AK curve ${key.crv}`))
    }
    // Fail closed on keys the runtime rejects (point not on curve, bad exponent): go-attestation 5e9eb5d.
    try {
      // The runtime that will verify the signature imports the key: node:crypto where present
      // (and no SubtleCrypto was injected), WebCrypto elsewhere.
      const nc = policy.crypto ? undefined : nodeCryptoVerifier()
      if (nc) nodeKeyObject(nc, key)
      else await importVerifyKey(key, key.kty === 'RSA' ? 'RSASSA-PKCS1-v1_5' : 'ECDSA', 'sha256', subtle)
      checks.push(ok('ak.key', `AK key ${describeKey(key)} imports`))
      out.key = key
    } catch (e) {
      checks.push(bad('ak.key', 'ERR_AK_KEY_INVALID', (e as Error).message))
    }
  } else if (!checks.some((c) => !c.ok)) {
    checks.push(bad('ak.key', 'ERR_AK_KEY_INVALID', 'no usable AK key'))
  }
  return out
}
