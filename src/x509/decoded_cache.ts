/**
 * The one cache of decoded X.509 certificates. The same few vendor certificates (Microsoft
 * KEK/db CAs, distribution CAs, MAA signing chains) recur in every log and token of a fleet, and
 * a full ASN.1 decode costs milliseconds, so decodes are kept:
 * - keyed by the SHA-256 of the exact input bytes, and a hit is confirmed by comparing the full
 *   bytes against a private copy (a hash collision or a caller mutating its buffer afterwards
 *   cannot return another certificate's fields);
 * - bounded (least recently used dropped first), so hostile input cannot grow it without limit;
 * - results are frozen and shared: callers must not mutate them.
 */
import { bytesEqual, toHex } from '../bytes/hex.js'
import { defaultHashProvider } from '../hash/provider.js'
import { parseCertificate, type CertificateInfo, type NameAttribute } from './certificate.js'

/** The decoded fields most consumers need, as strings (JSON-ready). */
export interface DecodedCertificateFields {
  /** SHA-256 of the certificate bytes, lowercase hex. */
  readonly sha256: string
  readonly subject: string
  readonly subjectAttributes: readonly NameAttribute[]
  readonly issuer: string
  /** Serial number, hex. */
  readonly serial: string
  /** Validity, ISO 8601. */
  readonly notBefore: string
  readonly notAfter: string
  /** The subject's CN (2.5.4.3) values, in order. */
  readonly commonNames: readonly string[]
}

/** A certificate that does not decode: the reason (the message of the `BootproofError`). */
export interface UndecodableCertificate {
  readonly sha256: string
  readonly error: string
}

interface Entry {
  der: Uint8Array
  info?: CertificateInfo
  fields: DecodedCertificateFields | UndecodableCertificate
}

/** Entries kept; each holds a pkijs tree, so this bounds memory to a few MB. */
export const DECODED_CERT_CACHE_MAX = 256

const cache = new Map<string, Entry>()

function freezeInfo(info: CertificateInfo): CertificateInfo {
  // The pkijs object and the Dates stay unfrozen (pkijs keeps internal state); every plain
  // field callers read is frozen so that one caller cannot change what another sees.
  for (const a of [...info.subjectAttributes, ...info.issuerAttributes, ...info.sanDirectoryNames.flat()]) Object.freeze(a)
  for (const x of [info.subjectAttributes, info.issuerAttributes, info.extensions, info.sanDirectoryNames, info.keyUsage, info.extKeyUsage]) if (x) Object.freeze(x)
  info.extensions.forEach((e) => Object.freeze(e))
  info.sanDirectoryNames.forEach((d) => Object.freeze(d))
  if (info.basicConstraints) Object.freeze(info.basicConstraints)
  return Object.freeze(info)
}

function decode(der: Uint8Array, sha256: string): Entry {
  const copy = new Uint8Array(der)
  try {
    const info = freezeInfo(parseCertificate(copy))
    const fields: DecodedCertificateFields = Object.freeze({
      sha256,
      subject: info.subject,
      subjectAttributes: info.subjectAttributes,
      issuer: info.issuer,
      serial: info.serialNumber,
      // toISOString throws on an invalid Date: then the certificate counts as undecodable.
      notBefore: info.notBefore.toISOString(),
      notAfter: info.notAfter.toISOString(),
      commonNames: Object.freeze(info.subjectAttributes.filter((a) => a.oid === '2.5.4.3').map((a) => a.value)),
    })
    return { der: copy, info, fields }
  } catch (err) {
    return { der: copy, fields: Object.freeze({ sha256, error: (err as Error).message }) }
  }
}

function lookup(der: Uint8Array): Entry {
  const sha256 = toHex(defaultHashProvider().digest('sha256', der))
  const hit = cache.get(sha256)
  if (hit && bytesEqual(hit.der, der)) {
    cache.delete(sha256)
    cache.set(sha256, hit)
    return hit
  }
  const entry = decode(der, sha256)
  // A same-hash, different-bytes input is decoded but never replaces the cached certificate.
  if (!hit) {
    cache.set(sha256, entry)
    if (cache.size > DECODED_CERT_CACHE_MAX) cache.delete(cache.keys().next().value!)
  }
  return entry
}

/**
 * Subject, issuer, serial, validity and CNs of a certificate (DER, or PEM bytes), or why it
 * does not decode. Never throws.
 */
export function decodedCertificateFields(der: Uint8Array): DecodedCertificateFields | UndecodableCertificate {
  return lookup(der).fields
}

/**
 * `parseCertificate` for bytes, cached. The result is frozen and shared.
 * @throws BootproofError ERR_CERT_INVALID / ERR_PEM_INVALID, as `parseCertificate`.
 */
export function decodedCertificate(der: Uint8Array): CertificateInfo {
  const e = lookup(der)
  // Failures are cached as a message only; decode again to throw the original error object.
  return e.info ?? parseCertificate(der)
}

/** Drop every cached decode (tests, or a caller that wants the memory back). */
export function clearDecodedCertificateCache(): void {
  cache.clear()
}
