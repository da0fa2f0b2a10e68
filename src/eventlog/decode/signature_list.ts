/**
 * EFI_SIGNATURE_LIST chains and EFI_SIGNATURE_DATA (UEFI spec §32.4.1; attacks S-01, S-02):
 * the content of PK, KEK, db, dbx, dbt, dbr and shim's MokList*.
 *
 *   EFI_SIGNATURE_LIST { EFI_GUID SignatureType; u32 SignatureListSize; u32 SignatureHeaderSize;
 *                        u32 SignatureSize; u8 SignatureHeader[HeaderSize];
 *                        EFI_SIGNATURE_DATA Signatures[] }
 *   EFI_SIGNATURE_DATA { EFI_GUID SignatureOwner; u8 SignatureData[SignatureSize - 16] }
 *
 * Every size is bounded on both sides before use, because each one has been a real bug:
 * the vendor header must be skipped, never read as entries (GHSA-9r4w-jg96-92mv, attack S-01);
 * ListSize < 28 or SignatureSize < 16 underflowed into an endless loop / 4 GiB allocation, and
 * SignatureSize 0xFFFFFFFF overflowed (attack S-02); the entry area must be an exact multiple of
 * SignatureSize.
 */
import type { ByteReader } from '../../bytes/reader.js'
import { bytesEqual, toHex } from '../../bytes/hex.js'
import type { EventLogLimits } from '../../limits.js'
import { defaultHashProvider } from '../../hash/provider.js'
import { malformed } from './common.js'
import { EFI_CERT_SHA256_GUID, EFI_CERT_X509_GUID, formatGuid, guidName, readGuid } from './guid.js'
import type { SignatureEntry, SignatureList, VariableValue } from './types.js'

const LIST_HEADER = 28
const OWNER = 16

function withOwner(owner: string): { owner: string; ownerName?: string } {
  const name = guidName(owner)
  return name === undefined ? { owner } : { owner, ownerName: name }
}

/**
 * Fingerprints of recently seen certificates. The same vendor certificates (PK, KEK, db CAs) are
 * in every log of a fleet; comparing the exact bytes costs about half of hashing them again. The
 * cache holds its own copy of each DER (a caller mutating its buffer cannot make a stale entry
 * match), every hit is a full byte-for-byte comparison, and it is bounded: at most 256 entries
 * (oldest evicted) of at most 16 KiB each, larger DER is always hashed.
 */
const FINGERPRINT_CACHE_MAX = 256
const FINGERPRINT_CACHE_MAX_BYTES = 16 * 1024
const fingerprintCache = new Map<string, { der: Uint8Array; sha256: string }>()

/** Cheap bucket key: the length and the last 16 bytes (inside the certificate's signature). */
function fingerprintKey(der: Uint8Array): string {
  let s = `${der.length}:`
  for (let i = Math.max(0, der.length - 16); i < der.length; i++) s += String.fromCharCode(der[i]!)
  return s
}

/** SHA-256 fingerprint of a certificate's DER bytes, as lowercase hex. */
function fingerprint(der: Uint8Array): string {
  if (der.length > FINGERPRINT_CACHE_MAX_BYTES) return toHex(defaultHashProvider().digest('sha256', der))
  const key = fingerprintKey(der)
  const hit = fingerprintCache.get(key)
  if (hit && bytesEqual(hit.der, der)) return hit.sha256
  const sha256 = toHex(defaultHashProvider().digest('sha256', der))
  if (hit) fingerprintCache.delete(key)
  else if (fingerprintCache.size >= FINGERPRINT_CACHE_MAX) fingerprintCache.delete(fingerprintCache.keys().next().value!)
  fingerprintCache.set(key, { der: der.slice(), sha256 })
  return sha256
}

/**
 * Classify SignatureData by the list's type GUID. Entries are built as literals (keys: type,
 * owner, ownerName when known, then the payload fields), without spreading a temporary object:
 * a dbx carries hundreds of entries.
 */
function entryOf(type: string, owner: string, data: Uint8Array): SignatureEntry {
  const ownerName = guidName(owner)
  if (type === EFI_CERT_X509_GUID) {
    const sha256 = fingerprint(data)
    return ownerName === undefined ? { type: 'x509', owner, der: data, sha256 } : { type: 'x509', owner, ownerName, der: data, sha256 }
  }
  if (type === EFI_CERT_SHA256_GUID && data.length === 32) {
    const hash = toHex(data)
    return ownerName === undefined ? { type: 'sha256', owner, hash } : { type: 'sha256', owner, ownerName, hash }
  }
  return ownerName === undefined ? { type: 'other', owner, data } : { type: 'other', owner, ownerName, data }
}

/** Decode a whole variable payload as a concatenation of EFI_SIGNATURE_LISTs. */
export function readSignatureLists(r: ByteReader, limits: Pick<EventLogLimits, 'maxItemsPerEvent'>, what: string): VariableValue {
  const lists: SignatureList[] = []
  let certCount = 0
  let hashCount = 0
  let otherCount = 0
  let items = 0
  while (r.remaining > 0) {
    const at = r.offset
    if (r.remaining < LIST_HEADER) malformed(r, `${what}: ${r.remaining} byte(s) left, too short for an EFI_SIGNATURE_LIST header (28)`)
    const signatureType = readGuid(r, 'SignatureType')
    const listSize = r.u32le('SignatureListSize')
    const headerSize = r.u32le('SignatureHeaderSize')
    const signatureSize = r.u32le('SignatureSize')
    // All remaining checks compare against what is left, so nothing can overflow or underflow.
    const bodyLeft = r.remaining
    if (listSize < LIST_HEADER) malformed(r, `${what}: SignatureListSize ${listSize} < 28`, at)
    if (listSize - LIST_HEADER > bodyLeft) malformed(r, `${what}: SignatureListSize ${listSize} exceeds the ${bodyLeft + LIST_HEADER} byte(s) left`, at)
    const area = listSize - LIST_HEADER
    if (headerSize > area) malformed(r, `${what}: SignatureHeaderSize ${headerSize} exceeds the list body (${area})`, at)
    const entriesArea = area - headerSize
    if (signatureSize < OWNER) malformed(r, `${what}: SignatureSize ${signatureSize} < 16`, at)
    if (signatureSize > entriesArea) malformed(r, `${what}: SignatureSize ${signatureSize} exceeds the entry area (${entriesArea})`, at)
    if (entriesArea % signatureSize !== 0) malformed(r, `${what}: entry area ${entriesArea} is not a multiple of SignatureSize ${signatureSize}`, at)
    if (++items > limits.maxItemsPerEvent) r.limit('maxItemsPerEvent', items, limits.maxItemsPerEvent, at)
    // The vendor header is opaque and untrusted: skip it (attack S-01).
    r.skip(headerSize, 'SignatureHeader')
    const count = entriesArea / signatureSize
    if (items + count > limits.maxItemsPerEvent) r.limit('maxItemsPerEvent', items + count, limits.maxItemsPerEvent, at)
    items += count
    const entries: SignatureEntry[] = []
    for (let i = 0; i < count; i++) {
      const owner = readGuid(r, 'SignatureOwner')
      const entry = entryOf(signatureType, owner, r.take(signatureSize - OWNER, 'SignatureData'))
      if (entry.type === 'x509') certCount++
      else if (entry.type === 'sha256') hashCount++
      else otherCount++
      entries.push(entry)
    }
    const list: SignatureList = { signatureType, headerSize, signatureSize, entries }
    const typeName = guidName(signatureType)
    if (typeName !== undefined) list.signatureTypeName = typeName
    lists.push(list)
  }
  return { type: 'signature-lists', lists, certCount, hashCount, otherCount }
}

/**
 * Length of a DER SEQUENCE at `bytes[0]` (tag + length + content), or undefined when the bytes
 * do not start with one. Only the outer TLV is read: enough to tell a bare certificate from an
 * owner GUID, without an X.509 parser.
 */
export function derSequenceLength(bytes: Uint8Array): number | undefined {
  if (bytes.length < 2 || bytes[0] !== 0x30) return undefined
  const first = bytes[1]!
  if (first < 0x80) return 2 + first
  const n = first & 0x7f
  if (n === 0 || n > 4 || bytes.length < 2 + n) return undefined
  let len = 0
  for (let i = 0; i < n; i++) len = len * 256 + bytes[2 + i]!
  return 2 + n + len
}

/**
 * EV_EFI_VARIABLE_AUTHORITY payload: one EFI_SIGNATURE_DATA (owner GUID + certificate or hash)
 * taken from the database that authorised an image (TCG PFP, PCR 7 EV_EFI_VARIABLE_AUTHORITY). shim logs its built-in
 * vendor certificate and MOK certificates as a bare DER certificate without the owner GUID;
 * older shim also measured one extra byte (go-attestation #157/#158). Both are reported, not
 * rejected: they are real-world forms, and the digest check decides what can be trusted.
 */
export function readSignatureData(r: ByteReader): VariableValue {
  const at = r.offset
  const data = r.rest()
  const bareLength = derSequenceLength(data)
  if (bareLength !== undefined && (bareLength === data.length || bareLength === data.length - 1)) {
    const der = data.subarray(0, bareLength)
    const entry: SignatureEntry = { type: 'x509', owner: '', der, sha256: fingerprint(der) }
    const note =
      bareLength === data.length
        ? 'bare DER certificate without SignatureOwner (shim vendor/MOK certificate form)'
        : 'bare DER certificate plus one trailing byte (old shim quirk)'
    return { type: 'signature-data', entry, ownerMissing: true, note }
  }
  if (data.length < OWNER) malformed(r, `EFI_SIGNATURE_DATA: ${data.length} byte(s), shorter than the owner GUID`, at)
  const ownerGuid = formatGuid(data)
  const body = data.subarray(OWNER)
  const certLength = derSequenceLength(body)
  if (certLength !== undefined && certLength === body.length) {
    return { type: 'signature-data', entry: entryOf(EFI_CERT_X509_GUID, ownerGuid, body), ownerMissing: false }
  }
  if (body.length === 32) return { type: 'signature-data', entry: entryOf(EFI_CERT_SHA256_GUID, ownerGuid, body), ownerMissing: false }
  return { type: 'signature-data', entry: { type: 'other', ...withOwner(ownerGuid), data: body }, ownerMissing: false }
}
