/**
 * The one cache of decoded X.509 certificates. The same few vendor certificates (Microsoft
 * KEK/db CAs, distribution CAs, MAA signing chains) recur in every log and token of a fleet, and
 * a full ASN.1 decode costs milliseconds, so decodes are kept:
 * - keyed by the SHA-256 of the exact input bytes, and a hit is confirmed by comparing the full
 *   bytes against a private copy (a hash collision or a caller mutating its buffer afterwards
 *   cannot return another certificate's fields);
 * - bounded by entries and by bytes of DER (least recently used dropped first), so hostile input
 *   cannot grow it without limit; certificates over `maxCertificateBytes` are never kept;
 * - holding plain fields only: a certificate's pkijs object (and the asn1js values it keeps)
 *   retains about 4 times what the extracted fields do, so the cache holds it weakly: it lives
 *   while a caller uses it and is built again from a private copy of the DER once collected;
 * - results are frozen and shared: callers must not mutate them.
 * Decodes here use `DEFAULT_X509_LIMITS`; a caller with other limits decodes outside the cache.
 */
import { bytesEqual, toHex } from '../bytes/hex.js'
import { defaultHashProvider } from '../hash/provider.js'
import { DEFAULT_X509_LIMITS } from '../limits.js'
import type { Certificate } from 'pkijs'
import { parseCertificate, pkijsCertificate, type CertificateInfo, type NameAttribute, type ParseCertificateOptions } from './certificate.js'

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
  /** Private copy of the input: compared in full on a hit, and what `pkijs` is rebuilt from. */
  der: Uint8Array<ArrayBuffer>
  info?: CertificateInfo
  fields: DecodedCertificateFields | UndecodableCertificate
}

/** Entries kept. */
export const DECODED_CERT_CACHE_MAX = 256
/**
 * Bytes of certificate DER kept, over all entries. Without its pkijs graph an entry retains about
 * 7 bytes per DER byte (27 with it; measured over the 83 distinct certificates of the corpus
 * logs). Real certificates are 0.5-5.5 KB, so the entry count binds first for them; this binds
 * for hostile ones near `maxCertificateBytes` (256 of 16 KiB would be 4 MiB of DER).
 */
export const DECODED_CERT_CACHE_MAX_BYTES = 1024 * 1024

const cache = new Map<string, Entry>()
let cachedBytes = 0

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

/**
 * `info` without its pkijs object: `pkijs` is held weakly and rebuilt from `input` (the entry's
 * private copy, which no caller can reach) once collected. A verification holds it while it runs
 * (pkijs's chain engine keeps its certificates), so it is kept as long as it is in use and no longer.
 */
function withWeakPkijs(info: CertificateInfo, input: Uint8Array<ArrayBuffer>): CertificateInfo {
  // PEM input: the DER needs a private copy of its own (info.der is the caller's).
  const der = bytesEqual(input, info.der) ? input : new Uint8Array(info.der)
  let ref = new WeakRef(info.pkijs)
  const { pkijs: _dropped, ...plain } = info
  Object.defineProperty(plain, 'pkijs', {
    enumerable: true,
    get(): Certificate {
      let c = ref.deref()
      if (!c) {
        c = pkijsCertificate(der)
        ref = new WeakRef(c)
      }
      return c
    },
  })
  return plain as CertificateInfo
}

function decode(der: Uint8Array, sha256: string): Entry {
  const copy = new Uint8Array(der)
  try {
    const info = freezeInfo(withWeakPkijs(parseCertificate(copy), copy))
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
  // Over the size limit: refused by the first check of the scan, never copied or kept.
  if (der.length > DEFAULT_X509_LIMITS.maxCertificateBytes) return { der: new Uint8Array(0), fields: Object.freeze({ sha256, error: failure(der) }) }
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
    cachedBytes += entry.der.length
    while (cache.size > DECODED_CERT_CACHE_MAX || cachedBytes > DECODED_CERT_CACHE_MAX_BYTES) {
      const oldest = cache.keys().next().value!
      cachedBytes -= cache.get(oldest)!.der.length
      cache.delete(oldest)
    }
  }
  return entry
}

/** The message of the error `parseCertificate` throws for `der`. */
function failure(der: Uint8Array): string {
  try {
    parseCertificate(der)
    return 'certificate: not decoded'
  } catch (err) {
    return (err as Error).message
  }
}

/**
 * Subject, issuer, serial, validity and CNs of a certificate (DER, or PEM bytes), or why it
 * does not decode. Never throws.
 */
export function decodedCertificateFields(der: Uint8Array): DecodedCertificateFields | UndecodableCertificate {
  return lookup(der).fields
}

/**
 * `parseCertificate` for bytes, cached. The result is frozen and shared. With `options.limits`
 * the bytes are decoded afresh under those limits, outside the cache.
 * @throws BootproofError ERR_CERT_INVALID / ERR_CERT_LIMIT / ERR_PEM_INVALID, as `parseCertificate`.
 */
export function decodedCertificate(der: Uint8Array, options: ParseCertificateOptions = {}): CertificateInfo {
  if (options.limits) return parseCertificate(der, options)
  const e = lookup(der)
  // Failures are cached as a message only; decode again to throw the original error object.
  return e.info ?? parseCertificate(der)
}

/** Drop every cached decode (tests, or a caller that wants the memory back). */
export function clearDecodedCertificateCache(): void {
  cache.clear()
  cachedBytes = 0
}

/** Entries and bytes of DER the cache holds now. */
export function decodedCertificateCacheSize(): { entries: number; bytes: number } {
  return { entries: cache.size, bytes: cachedBytes }
}
