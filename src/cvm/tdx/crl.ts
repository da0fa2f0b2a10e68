/**
 * Certificate revocation lists of the Intel SGX PKI (Intel "SGX PCK Certificate and CRL Profile"):
 * the Root CA CRL (issued by the Intel SGX Root CA; lists revoked intermediates and signing
 * certificates) and the PCK CRLs (issued by the PCK Platform CA or Processor CA; list revoked PCK
 * certificates). RFC 5280 §5 structure, decoded with pkijs, signatures checked through WebCrypto.
 *
 * A CRL counts only when its issuer is a certificate of the validated path it is applied to and its
 * signature verifies with that certificate's key, and only while thisUpdate <= now <= nextUpdate.
 */
import * as asn1js from 'asn1js'
import { CertificateRevocationList, CryptoEngine } from 'pkijs'
import { toHex } from '../../bytes/hex.js'
import { BootproofError } from '../../errors.js'
import type { CertificateInfo } from '../../x509/certificate.js'
import { ATTRIBUTE_SHORT_NAMES } from '../../x509/oids.js'
import { derFrom } from '../../x509/pem.js'

export interface ParsedCrl {
  der: Uint8Array
  /** Issuer as `CN=…, O=…` text. */
  issuer: string
  thisUpdate: Date
  nextUpdate?: Date
  /** Serial numbers of revoked certificates, lowercase hex without leading zero bytes. */
  revoked: Set<string>
  readonly pkijs: CertificateRevocationList
}

/** Most entries read from one CRL (Intel's PCK CRLs list a few dozen). */
export const MAX_CRL_ENTRIES = 100_000

/** Serial as lowercase hex without leading zero bytes (DER INTEGERs carry a 00 before a high bit). */
export function normalizeSerial(hex: string): string {
  const s = hex.toLowerCase().replace(/^(00)+/, '')
  return s === '' ? '00' : s
}

function malformed(message: string, cause?: unknown): never {
  throw new BootproofError('ERR_TDX_CRL_MALFORMED', `CRL: ${message}`, cause === undefined ? {} : { cause })
}

/**
 * Decode a CRL (DER, or PEM with one X509 CRL block).
 * @throws BootproofError ERR_TDX_CRL_MALFORMED, ERR_PEM_INVALID
 */
export function parseCrl(input: Uint8Array | string): ParsedCrl {
  const der = derFrom(input, 'X509 CRL')
  const asn = asn1js.fromBER(der)
  if (asn.offset === -1 || asn.offset !== der.byteLength) malformed('not a single DER value (trailing or truncated bytes)')
  let crl: CertificateRevocationList
  try {
    crl = new CertificateRevocationList({ schema: asn.result })
  } catch (e) {
    return malformed(`not an X.509 CRL: ${e instanceof Error ? e.message : String(e)}`, e)
  }
  const entries = crl.revokedCertificates ?? []
  if (entries.length > MAX_CRL_ENTRIES) malformed(`${entries.length} entries exceed ${MAX_CRL_ENTRIES}`)
  const thisUpdate = crl.thisUpdate.value
  const nextUpdate = crl.nextUpdate?.value
  if (Number.isNaN(thisUpdate.getTime()) || (nextUpdate && Number.isNaN(nextUpdate.getTime()))) malformed('thisUpdate / nextUpdate is not a valid time')
  const issuer = crl.issuer.typesAndValues.map((tv) => `${ATTRIBUTE_SHORT_NAMES[tv.type] ?? tv.type}=${(tv.value as { valueBlock?: { value?: unknown } }).valueBlock?.value ?? ''}`).join(', ')
  return {
    der,
    issuer,
    thisUpdate,
    ...(nextUpdate ? { nextUpdate } : {}),
    revoked: new Set(entries.map((e) => normalizeSerial(toHex(e.userCertificate.valueBlock.valueHexView)))),
    pkijs: crl,
  }
}

export interface CrlUse {
  /** The CRL's position in the caller's list. */
  index: number
  /** The path certificate that issued it. */
  issuer?: CertificateInfo
  /** Why it cannot be used (no issuer in the path, bad signature, outside its validity). */
  problem?: string
}

/** Match each CRL to its issuer among `issuers` (by name, then signature) and check its dates at `now`. */
export async function checkCrls(crls: readonly ParsedCrl[], issuers: readonly CertificateInfo[], now: Date, crypto: Crypto): Promise<CrlUse[]> {
  const engine = new CryptoEngine({ name: 'bootproof-crl', crypto })
  const out: CrlUse[] = []
  for (const [index, crl] of crls.entries()) {
    const issuer = issuers.find((c) => c.pkijs.subject.isEqual(crl.pkijs.issuer))
    if (!issuer) {
      out.push({ index, problem: `CRL ${index} is issued by "${crl.issuer}", which is not a certificate of the chain` })
      continue
    }
    let ok = false
    try {
      ok = await crl.pkijs.verify({ issuerCertificate: issuer.pkijs }, engine)
    } catch {
      ok = false
    }
    if (!ok) out.push({ index, issuer, problem: `CRL ${index} ("${crl.issuer}") is not signed by "${issuer.subject}"` })
    else if (crl.thisUpdate > now) out.push({ index, issuer, problem: `CRL ${index} ("${crl.issuer}") is not yet valid at ${now.toISOString()} (thisUpdate ${crl.thisUpdate.toISOString()})` })
    else if (crl.nextUpdate && crl.nextUpdate < now) out.push({ index, issuer, problem: `CRL ${index} ("${crl.issuer}") expired at ${crl.nextUpdate.toISOString()} (now ${now.toISOString()})` })
    else out.push({ index, issuer })
  }
  return out
}

/** Certificates of `subjects` revoked by a usable CRL of their own issuer, as messages. */
export function revokedCertificates(crls: readonly ParsedCrl[], uses: readonly CrlUse[], subjects: readonly CertificateInfo[]): string[] {
  const out: string[] = []
  for (const cert of subjects) {
    const serial = normalizeSerial(cert.serialNumber)
    for (const u of uses) {
      if (u.problem || !u.issuer) continue
      // A CRL speaks only for certificates its issuer issued.
      if (!cert.pkijs.issuer.isEqual(u.issuer.pkijs.subject)) continue
      if (crls[u.index]!.revoked.has(serial)) out.push(`"${cert.subject}" (serial ${serial}) is revoked by CRL ${u.index} of "${u.issuer.subject}"`)
    }
  }
  return out
}
