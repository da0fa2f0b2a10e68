/**
 * Decoded fields of the certificates in the signature databases (db, KEK, PK, ...), looked up by
 * the SHA-256 fingerprint the event decoder already computed for each entry (`entry.sha256`,
 * TCG PFP §10.4.4 EFI_SIGNATURE_LIST). The library's certificate cache (src/x509/decoded_cache.ts)
 * keys on the SHA-256 of the bytes it is given, so going to it directly would hash every
 * certificate of every log a second time; a verifier sees the same few vendor certificates in
 * every log of a fleet.
 *
 * Exact: a hit counts only when the stored private copy of the DER equals the entry's bytes in
 * full (a wrong or colliding fingerprint falls through to the library cache, which hashes). The
 * fields are the library cache's frozen, shared objects. Bounded LRU of CERT_FIELDS_MEMO_MAX
 * certificates of at most CERT_FIELDS_MEMO_MAX_BYTES bytes each.
 */
import { bytesEqual } from '../bytes/hex.js'
import { decodedCertificateFields, type DecodedCertificateFields, type UndecodableCertificate } from '../x509/decoded_cache.js'

/** Certificates remembered. */
export const CERT_FIELDS_MEMO_MAX = 256
/** Largest certificate remembered (larger ones go to the library cache every time). */
export const CERT_FIELDS_MEMO_MAX_BYTES = 16 * 1024

type Fields = DecodedCertificateFields | UndecodableCertificate

const memo = new Map<string, { der: Uint8Array; fields: Fields }>()

/** The decoded fields of `der`, whose SHA-256 (lowercase hex) the caller claims is `sha256`. */
export function certificateFields(der: Uint8Array, sha256: string | undefined): Fields {
  if (sha256 === undefined || der.length > CERT_FIELDS_MEMO_MAX_BYTES) return decodedCertificateFields(der)
  const hit = memo.get(sha256)
  if (hit && bytesEqual(hit.der, der)) {
    memo.delete(sha256)
    memo.set(sha256, hit)
    return hit.fields
  }
  const fields = decodedCertificateFields(der)
  // Only a fingerprint the library cache confirmed (it hashed these bytes) is remembered.
  if (fields.sha256 === sha256) {
    memo.delete(sha256)
    memo.set(sha256, { der: der.slice(), fields })
    if (memo.size > CERT_FIELDS_MEMO_MAX) memo.delete(memo.keys().next().value!)
  }
  return fields
}
