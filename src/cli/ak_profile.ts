/**
 * `--ak-eku <oid>` (repeatable) and `--cloud <name>`: which Extended Key Usages an AK certificate
 * may carry (`VerifyQuoteOptions.akCertAllowedEkus`), for `verify` and `verify-quote`.
 *
 * Why a flag at all: the TCG profile marks AK certificates with tcg-kp-AIKCertificate
 * (2.23.133.8.3), the library's default, but Google Compute Engine issues its AK certificates
 * with tcg-kp-EKCertificate (2.23.133.8.1), so a GCE attestation could not be verified from the
 * command line. Accepting an EKU is a trust decision (an EK certificate is not an attestation-key
 * certificate elsewhere), so it is opt-in and named.
 */
import { OID } from '../x509/oids.js'
import { UsageError } from './io.js'

/**
 * Named profiles. Each changes ONLY the accepted AK-certificate EKUs; the chain, the validity
 * period, the key match and every other check stay as they are.
 */
export const CLOUD_PROFILES: Readonly<Record<string, { ekus: readonly string[]; what: string }>> = Object.freeze({
  // GCE Shielded VM / Confidential VM AK certificates (go-tpm-tools server/ca-certs; the corpus
  // attestation google-go-tpm-tools--gce-cos-85-nonce9009) carry 2.23.133.8.1 only.
  gce: { ekus: [OID.tcgKpAikCertificate, OID.tcgKpEkCertificate], what: 'Google Compute Engine: AK certificates with EKU 2.23.133.8.1 (tcg-kp-EKCertificate) as well as 2.23.133.8.3' },
})

const OID_RE = /^[0-2](\.(0|[1-9][0-9]{0,9})){1,30}$/

/**
 * The allowed EKUs from `--ak-eku` and `--cloud`, or undefined for the library default
 * (2.23.133.8.3 only). `--ak-eku` alone replaces the default; with `--cloud` the lists are joined.
 * @throws UsageError for a malformed OID or an unknown profile.
 */
export function akEkusFromFlags(flags: Record<string, unknown>): string[] | undefined {
  const given = (flags['ak-eku'] as string[] | undefined) ?? []
  for (const o of given) if (!OID_RE.test(o)) throw new UsageError(`--ak-eku: not a dotted OID: ${JSON.stringify(o)}`)
  const cloud = flags.cloud
  let fromCloud: readonly string[] = []
  if (typeof cloud === 'string') {
    const p = CLOUD_PROFILES[cloud]
    if (!p) throw new UsageError(`--cloud: unknown profile ${JSON.stringify(cloud)} (known: ${Object.keys(CLOUD_PROFILES).join(', ')})`)
    fromCloud = p.ekus
  }
  if (!given.length && !fromCloud.length) return undefined
  return [...new Set([...fromCloud, ...given])]
}
