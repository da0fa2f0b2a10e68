/**
 * AK certificate profile (TCG / WebAuthn §8.3.1, attack X-01): EKU 2.23.133.8.3 by membership
 * (SimpleWebAuthn checks only position 0), basicConstraints CA=false, v3, digitalSignature when
 * keyUsage is present, and the certified key equal to the AK public area (CVE-2021-3406;
 * go-tpm-tools 352f92b2).
 */
import type { CertificateInfo } from './certificate.js'
import { OID } from './oids.js'
import { keyMaterialEqual, describeKey, type KeyMaterial } from './spki.js'

export interface AkCertificateProblem {
  code: 'ERR_AK_CERT_PROFILE' | 'ERR_AK_CERT_MISMATCH'
  message: string
}

export interface AkCertificateProfile {
  /**
   * EKUs that mark an AK certificate; one must be present (membership, any position). Default
   * `['2.23.133.8.3']` (tcg-kp-AIKCertificate). GCE issues AK certificates with
   * tcg-kp-EKCertificate (2.23.133.8.1) instead; add it explicitly to accept those.
   */
  allowedEkus?: readonly string[]
}

/** Profile problems of an AK certificate; `akKey` (from the TPMT_PUBLIC) is compared when given. */
export function akCertificateProblems(cert: CertificateInfo, akKey?: KeyMaterial, profile: AkCertificateProfile = {}): AkCertificateProblem[] {
  const out: AkCertificateProblem[] = []
  const allowed = profile.allowedEkus ?? [OID.tcgKpAikCertificate]
  if (cert.version !== 3) out.push({ code: 'ERR_AK_CERT_PROFILE', message: `AK certificate is X.509 v${cert.version}, not v3` })
  if (!cert.extKeyUsage?.some((e) => allowed.includes(e))) {
    out.push({ code: 'ERR_AK_CERT_PROFILE', message: `AK certificate EKU ${cert.extKeyUsage ? `[${cert.extKeyUsage.join(', ')}]` : '(absent)'} contains none of ${allowed.join(', ')} (tcg-kp-AIKCertificate is ${OID.tcgKpAikCertificate})` })
  }
  if (cert.basicConstraints?.ca) out.push({ code: 'ERR_AK_CERT_PROFILE', message: 'AK certificate has basicConstraints CA=true' })
  if (cert.keyUsage && !cert.keyUsage.includes('digitalSignature')) out.push({ code: 'ERR_AK_CERT_PROFILE', message: `AK certificate keyUsage [${cert.keyUsage.join(', ')}] lacks digitalSignature` })
  if (!cert.publicKey) out.push({ code: 'ERR_AK_CERT_MISMATCH', message: 'AK certificate key is not an RSA or P-256/P-384/P-521 key' })
  else if (akKey && !keyMaterialEqual(cert.publicKey, akKey)) {
    out.push({ code: 'ERR_AK_CERT_MISMATCH', message: `AK certificate key (${describeKey(cert.publicKey)}) differs from the AK public area (${describeKey(akKey)})` })
  }
  return out
}
