/**
 * SIPA TLV decoder (Windows SDK wbcl.h: SIPAEVENTTYPE_* flags, SIPAEVENT_*_PAYLOAD layouts). An EV_EVENT_TAG body on Windows is a sequence
 * of little-endian `{u32 id; u32 size; u8 value[size]}` records; a record whose ID has the
 * AGGREGATION bit holds another such sequence.
 *
 * Total: `decodeSipa` never throws for any input. Every size is checked against what remains of
 * the enclosing payload before anything is read (go-attestation 8d98b0c / 8e0dcfe); nesting is
 * capped (GHSA-hcm6-rjfh-f25p: a 10 000-deep chain of 8-byte headers stops at the cap, in time
 * linear in the cap, not in the depth); the number of records per event is capped. A record whose
 * value does not fit its documented layout keeps its raw bytes and gets an `error`; an unknown ID
 * is kept raw with `known: false`.
 */
import { ByteReader } from '../../bytes/reader.js'
import { isBootproofError } from '../../errors.js'
import { DEFAULT_EVENTLOG_LIMITS } from '../../limits.js'
import {
  BITLOCKER_FLAGS,
  SIPA_FLAG_AGGREGATION,
  SIPA_FLAG_NONMEASURED,
  SIPA_IDS,
  SIPA_VALUE_NAMES,
  SBCP_DEFAULT_OPTIONS_TEXT,
  TPM_ALG_NAMES,
  VSM_IDK_ALG_NAMES,
  sipaCategory,
  sipaName,
  type SipaIdInfo,
} from './sipa_constants.js'
import { u32leAt } from '../../bytes/uint32.js'

export interface SipaError {
  code: string
  message: string
  /** Absolute byte offset (in the log when `base` was given). */
  offset: number
}

/** A decoded SIPA value. 64-bit integers are numbers when exact, else decimal strings. */
export type SipaValue =
  | { type: 'bool'; value: boolean; raw: number }
  | { type: 'uint'; value: number | string; name?: string; flagNames?: string[] }
  | { type: 'string'; value: string; nulTerminated: boolean }
  | { type: 'bytes'; value: Uint8Array }
  | { type: 'revocation-list'; creationTime: number | string; hashAlgId: number; hashAlg?: string; digest: Uint8Array }
  | { type: 'si-policy'; policyVersion: number | string; policyName: string; hashAlgId: number; hashAlg?: string; digest: Uint8Array }
  | {
      type: 'si-policy-signer'
      rootId: number
      policyName: string
      /** EKU OIDs as DER content bytes (no tag/length), as listed in the payload. */
      ekus: Uint8Array[]
      certificates: { publisherCommonName: string; issuerCommonName: string; capiHashAlgId: number; digest: Uint8Array }[]
    }
  | { type: 'sbcp-info'; payloadVersion: number; hashAlgId: number; hashAlg?: string; digest: Uint8Array; options: number; optionsText?: string; signersCount: number }
  | { type: 'vsm-idk-info'; keyAlgId: number; keyAlg?: string; keyBitLength: number; publicExponent: Uint8Array; modulus: Uint8Array }
  | { type: 'ksr-signature'; signAlgId: number; signature: Uint8Array }

export interface SipaRecord {
  id: number
  /** Short wbcl.h name (`TRUSTBOUNDARY`, `FILEPATH`, …) or `UNKNOWN_0x…`. */
  name: string
  category: string
  aggregation: boolean
  nonMeasured: boolean
  /** Whether the ID is one of the documented SIPA IDs. */
  known: boolean
  /** Absolute offset of the record header. */
  offset: number
  size: number
  /** Position in the tree, e.g. `TRUSTBOUNDARY/LOADEDMODULE_AGGREGATION[3]/FILEPATH`. */
  path: string
  /** The value bytes (a view into the log). */
  data: Uint8Array
  /** Children of an aggregation (possibly partial when `error` is set). */
  children?: SipaRecord[]
  value?: SipaValue
  /** Set when the value (or, for an aggregation, its contents) could not be decoded. */
  error?: SipaError
}

export interface SipaDecodeResult {
  records: SipaRecord[]
  /** Framing errors of the top-level sequence (records that could not even be delimited). */
  errors: SipaError[]
  /** Every record and sub-record decoded without error and the data was covered exactly. */
  complete: boolean
  /** Total number of records (all depths). */
  count: number
}

export interface SipaDecodeOptions {
  /** Absolute offset of `data[0]` (for error offsets). */
  base?: number
  eventIndex?: number
  /** Nesting cap; a record deeper than this is kept raw with an error. Default `maxNestingDepth` (16). */
  maxDepth?: number
  /** Cap on records (all depths) per event. Default `maxItemsPerEvent` (8192). */
  maxRecords?: number
}

interface State {
  count: number
  maxDepth: number
  maxRecords: number
  eventIndex: number | undefined
  complete: boolean
}

class SipaLimit extends Error {}

/**
 * Decode a SIPA TLV sequence (the body of a Windows EV_EVENT_TAG event).
 * @example
 * const { records } = decodeSipa(ev.data, { base: ev.dataOffset, eventIndex: ev.index })
 */
export function decodeSipa(data: Uint8Array, options: SipaDecodeOptions = {}): SipaDecodeResult {
  const st: State = {
    count: 0,
    maxDepth: options.maxDepth ?? DEFAULT_EVENTLOG_LIMITS.maxNestingDepth,
    maxRecords: options.maxRecords ?? DEFAULT_EVENTLOG_LIMITS.maxItemsPerEvent,
    eventIndex: options.eventIndex,
    complete: true,
  }
  const errors: SipaError[] = []
  const records = readSequence(data, options.base ?? 0, 1, '', st, errors)
  if (errors.length) st.complete = false
  return { records, errors, complete: st.complete, count: st.count }
}

function readerOver(bytes: Uint8Array, base: number, st: State): ByteReader {
  return new ByteReader(bytes, { truncated: 'ERR_EVENTDATA_TRUNCATED', limit: 'ERR_EVENTDATA_LIMIT', base, eventIndex: st.eventIndex })
}

/** Read records until `bytes` is exhausted; a framing error stops the sequence and is appended to `errors`. */
function readSequence(bytes: Uint8Array, base: number, depth: number, parentPath: string, st: State, errors: SipaError[]): SipaRecord[] {
  const out: SipaRecord[] = []
  const seen = new Map<string, number>()
  let pos = 0
  while (pos < bytes.length) {
    const at = base + pos
    const left = bytes.length - pos
    if (left < 8) {
      errors.push({ code: 'ERR_EVENTDATA_TRUNCATED', message: `${left} trailing byte(s): too short for a SIPA record header (8 bytes)`, offset: at })
      break
    }
    if (st.count >= st.maxRecords) {
      errors.push({ code: 'ERR_EVENTDATA_LIMIT', message: `more than ${st.maxRecords} SIPA records in one event (maxItemsPerEvent)`, offset: at })
      break
    }
    const id = u32leAt(bytes, pos)
    const size = u32leAt(bytes, pos + 4)
    if (size > left - 8) {
      errors.push({ code: 'ERR_EVENTDATA_TRUNCATED', message: `SIPA record ${sipaName(id)} declares ${size} bytes but only ${left - 8} remain in the enclosing payload`, offset: at })
      break
    }
    st.count++
    const value = bytes.subarray(pos + 8, pos + 8 + size)
    const name = sipaName(id)
    const n = seen.get(name) ?? 0
    seen.set(name, n + 1)
    const path = `${parentPath}${parentPath ? '/' : ''}${name}${n ? `[${n}]` : ''}`
    const info = SIPA_IDS.get(id)
    const rec: SipaRecord = {
      id,
      name,
      category: sipaCategory(id),
      aggregation: (id & SIPA_FLAG_AGGREGATION) !== 0,
      nonMeasured: (id & SIPA_FLAG_NONMEASURED) !== 0,
      known: info !== undefined,
      offset: at,
      size,
      path,
      data: value,
    }
    if (rec.aggregation) {
      if (depth >= st.maxDepth) {
        rec.error = { code: 'ERR_EVENTDATA_LIMIT', message: `SIPA nesting deeper than ${st.maxDepth} (maxNestingDepth): contents kept raw`, offset: at }
        st.complete = false
      } else {
        const childErrors: SipaError[] = []
        rec.children = readSequence(value, at + 8, depth + 1, path, st, childErrors)
        if (childErrors.length) {
          rec.error = childErrors[0]!
          st.complete = false
        }
      }
    } else if (info) {
      decodeValue(rec, info, st)
    }
    out.push(rec)
    pos += 8 + size
  }
  return out
}

function decodeValue(rec: SipaRecord, info: SipaIdInfo, st: State): void {
  const r = readerOver(rec.data, rec.offset + 8, st)
  try {
    rec.value = decodeKind(r, rec, info)
    if (r.remaining !== 0) throw new SipaLimit(`${r.remaining} unexpected trailing byte(s) in ${info.name}`)
  } catch (e) {
    delete rec.value
    st.complete = false
    if (e instanceof SipaLimit) rec.error = { code: 'ERR_EVENTDATA_MALFORMED', message: e.message, offset: rec.offset }
    else if (isBootproofError(e)) rec.error = { code: e.code, message: `${info.name}: ${e.message}`, offset: e.offset ?? rec.offset }
    else rec.error = { code: 'ERR_EVENTDATA_MALFORMED', message: `${info.name}: internal decoder error: ${e instanceof Error ? e.message : String(e)}`, offset: rec.offset }
  }
}

function exactSize(rec: SipaRecord, n: number): void {
  if (rec.size !== n) throw new SipaLimit(`${rec.name} payload is ${rec.size} bytes, expected ${n}`)
}

function u64Value(v: bigint): number | string {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()
}

function named(info: SipaIdInfo, v: number | string): SipaValue {
  const out: Extract<SipaValue, { type: 'uint' }> = { type: 'uint', value: v }
  if (info.values && typeof v === 'number') {
    const name = SIPA_VALUE_NAMES[info.values].get(v)
    if (name !== undefined) out.name = name
    if (info.values === 'bitlocker') out.flagNames = BITLOCKER_FLAGS.filter(([bit]) => (v & bit) !== 0).map(([, n]) => n)
  }
  return out
}

/** UTF-16LE text; one terminating NUL is stripped; an odd length is an error. */
export function utf16(bytes: Uint8Array, what: string): { value: string; nulTerminated: boolean } {
  if (bytes.length % 2 !== 0) throw new SipaLimit(`${what}: odd UTF-16 byte length ${bytes.length}`)
  let s = ''
  for (let i = 0; i < bytes.length; i += 2) s += String.fromCharCode(bytes[i]! | (bytes[i + 1]! << 8))
  const nul = s.endsWith('\u0000')
  return { value: nul ? s.slice(0, -1) : s, nulTerminated: nul }
}

function decodeKind(r: ByteReader, rec: SipaRecord, info: SipaIdInfo): SipaValue {
  switch (info.kind) {
    case 'aggregation':
      throw new SipaLimit('unreachable')
    case 'bool': {
      exactSize(rec, 1)
      const b = r.u8('bool')
      return { type: 'bool', value: b !== 0, raw: b }
    }
    case 'u8':
      exactSize(rec, 1)
      return named(info, r.u8('u8'))
    case 'u32':
      exactSize(rec, 4)
      return named(info, r.u32le('u32'))
    case 'u64':
      exactSize(rec, 8)
      return named(info, u64Value(r.u64le('u64')))
    case 'uint-le': {
      if (rec.size < 1 || rec.size > 8) throw new SipaLimit(`${rec.name} payload is ${rec.size} bytes, expected 1-8`)
      let v = 0n
      for (let i = rec.size - 1; i >= 0; i--) v = (v << 8n) | BigInt(rec.data[i]!)
      r.skip(rec.size, 'value')
      return named(info, u64Value(v))
    }
    case 'utf16': {
      const s = utf16(r.rest(), rec.name)
      return { type: 'string', ...s }
    }
    case 'bytes':
      return { type: 'bytes', value: r.rest() }
    case 'revocation-list': {
      const creationTime = u64Value(r.u64le('CreationTime'))
      const digestLength = r.u32le('DigestLength')
      const hashAlgId = r.u16le('HashAlgID')
      const digest = r.take(digestLength, 'Digest')
      return withAlg({ type: 'revocation-list' as const, creationTime, hashAlgId, digest })
    }
    case 'si-policy': {
      const policyVersion = u64Value(r.u64le('PolicyVersion'))
      const nameLength = r.u16le('PolicyNameLength')
      const hashAlgId = r.u16le('HashAlgID')
      const digestLength = r.u32le('DigestLength')
      const policyName = utf16(r.take(nameLength, 'PolicyName'), 'PolicyName').value
      const digest = r.take(digestLength, 'Digest')
      return withAlg({ type: 'si-policy' as const, policyVersion, policyName, hashAlgId, digest })
    }
    case 'si-policy-signer': {
      // u32 RootID; u32 CertificatesLength; u16 CertificatesCount; u16 PolicyNameLength;
      // u16 EKUsLength; u16 EKUsCount; then PolicyName, EKUs (u8 length + OID content each),
      // certificates (layout confirmed against MAA's rendering of a real log).
      const rootId = r.u32le('RootID')
      const certsLength = r.u32le('CertificatesLength')
      const certsCount = r.u16le('CertificatesCount')
      const nameLength = r.u16le('PolicyNameLength')
      const ekusLength = r.u16le('EKUsLength')
      const ekusCount = r.u16le('EKUsCount')
      const policyName = utf16(r.take(nameLength, 'PolicyName'), 'PolicyName').value
      const er = r.sub(ekusLength, 'EKUs')
      const ekus: Uint8Array[] = []
      for (let i = 0; i < ekusCount; i++) ekus.push(er.take(er.u8('EKU.length'), 'EKU'))
      if (er.remaining !== 0) throw new SipaLimit(`SI policy signer: ${er.remaining} byte(s) after ${ekusCount} EKUs`)
      const cr = r.sub(certsLength, 'Certificates')
      const certificates = []
      for (let i = 0; i < certsCount; i++) {
        const pubLen = cr.u16le('PublisherCommonNameLength')
        const issLen = cr.u16le('IssuerCommonNameLength')
        const capiHashAlgId = cr.u32le('HashAlgID')
        const digestLen = cr.u16le('DigestLength')
        const publisherCommonName = utf16(cr.take(pubLen, 'PublisherCommonName'), 'PublisherCommonName').value
        const issuerCommonName = utf16(cr.take(issLen, 'IssuerCommonName'), 'IssuerCommonName').value
        const digest = cr.take(digestLen, 'Digest')
        certificates.push({ publisherCommonName, issuerCommonName, capiHashAlgId, digest })
      }
      if (cr.remaining !== 0) throw new SipaLimit(`SI policy signer: ${cr.remaining} byte(s) after ${certsCount} certificates`)
      return { type: 'si-policy-signer', rootId, policyName, ekus, certificates }
    }
    case 'sbcp-info': {
      const payloadVersion = r.u32le('PayloadVersion')
      const varDataOffset = r.u32le('VarDataOffset')
      const hashAlgId = r.u16le('HashAlgID')
      const digestLength = r.u16le('DigestLength')
      const options = r.u32le('Options')
      const signersCount = r.u32le('SignersCount')
      if (varDataOffset < 20 || varDataOffset - 20 > r.remaining) throw new SipaLimit(`SBCP VarDataOffset ${varDataOffset} outside the payload`)
      r.skip(varDataOffset - 20, 'VarData padding')
      const digest = r.take(digestLength, 'Digest')
      // Signer data (when SignersCount > 0) has no documented layout: it stays in `data`.
      r.rest()
      const out: Extract<SipaValue, { type: 'sbcp-info' }> = withAlg({ type: 'sbcp-info' as const, payloadVersion, hashAlgId, digest, options, signersCount })
      if (options === 0) out.optionsText = SBCP_DEFAULT_OPTIONS_TEXT
      return out
    }
    case 'vsm-idk-info': {
      const keyAlgId = r.u32le('KeyAlgID')
      const keyBitLength = r.u32le('KeyBitLength')
      const expLen = r.u32le('PublicExpLengthBytes')
      const modLen = r.u32le('ModulusSizeBytes')
      const publicExponent = r.take(expLen, 'PublicExponent')
      const modulus = r.take(modLen, 'Modulus')
      const out: Extract<SipaValue, { type: 'vsm-idk-info' }> = { type: 'vsm-idk-info', keyAlgId, keyBitLength, publicExponent, modulus }
      const keyAlg = VSM_IDK_ALG_NAMES.get(keyAlgId)
      if (keyAlg) out.keyAlg = keyAlg
      return out
    }
    case 'ksr-signature': {
      const signAlgId = r.u32le('SignAlgID')
      const len = r.u32le('SignatureLength')
      return { type: 'ksr-signature', signAlgId, signature: r.take(len, 'Signature') }
    }
  }
}

function withAlg<T extends { hashAlgId: number; hashAlg?: string }>(v: T): T {
  const n = TPM_ALG_NAMES.get(v.hashAlgId)
  if (n) v.hashAlg = n
  return v
}

/** Depth-first walk over records (iterative; the tree is already depth-capped). */
export function* walkSipa(records: readonly SipaRecord[]): Generator<SipaRecord> {
  const stack: SipaRecord[] = [...records].reverse()
  while (stack.length) {
    const r = stack.pop()!
    yield r
    if (r.children) for (let i = r.children.length - 1; i >= 0; i--) stack.push(r.children[i]!)
  }
}
