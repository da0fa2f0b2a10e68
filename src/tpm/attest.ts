/**
 * TPMS_ATTEST (TPM 2.0 Part 2 §10.12.12) with TPMU_ATTEST parsed strictly by `type`
 * (§10.12.11): a parser that ignores `type` would read TPM2_NV_Certify output (attacker-written
 * NV bytes) as a quote (attack Q-04, GHSA-gwfg-w3jr-xh66). Every TPM2B is bounded by its
 * structure maximum and nothing may follow `attested`.
 *
 * The parser does not judge `magic` or `type`; `verifyQuote` does, before trusting any field.
 */
import type { ByteReader } from '../bytes/reader.js'
import { TPM_LIMITS, TPM_ST_ATTEST, attestTypeName, type AttestTypeName } from './constants.js'
import { readPcrSelectionList, type PcrSelection } from './pcr_selection.js'
import { expectEnd, tpmReader, unsupported } from './reader.js'
import { u32beAt } from '../bytes/uint32.js'

/** TPMS_CLOCK_INFO (Part 2 §10.11.1). */
export interface ClockInfo {
  /** Milliseconds the TPM has been powered (u64, read as BigInt; tss.js reads it with 32-bit shifts). */
  clock: bigint
  resetCount: number
  restartCount: number
  /** TPMI_YES_NO: any non-zero byte is YES (SimpleWebAuthn 14.0.3 always reads true). */
  safe: boolean
  /** The raw `safe` byte. */
  safeRaw: number
}

export interface QuoteInfo {
  kind: 'quote'
  pcrSelect: PcrSelection[]
  pcrDigest: Uint8Array
}
export interface CertifyInfo {
  kind: 'certify'
  name: Uint8Array
  qualifiedName: Uint8Array
}
export interface CreationInfo {
  kind: 'creation'
  objectName: Uint8Array
  creationHash: Uint8Array
}
export interface CommandAuditInfo {
  kind: 'command_audit'
  auditCounter: bigint
  digestAlg: number
  auditDigest: Uint8Array
  commandDigest: Uint8Array
}
export interface SessionAuditInfo {
  kind: 'session_audit'
  exclusiveSession: boolean
  sessionDigest: Uint8Array
}
export interface TimeAttestInfo {
  kind: 'time'
  time: bigint
  clockInfo: ClockInfo
  firmwareVersion: bigint
}
export interface NvCertifyInfo {
  kind: 'nv'
  indexName: Uint8Array
  offset: number
  nvContents: Uint8Array
}
export interface NvDigestCertifyInfo {
  kind: 'nv_digest'
  indexName: Uint8Array
  nvDigest: Uint8Array
}

export type Attested =
  | QuoteInfo
  | CertifyInfo
  | CreationInfo
  | CommandAuditInfo
  | SessionAuditInfo
  | TimeAttestInfo
  | NvCertifyInfo
  | NvDigestCertifyInfo

export interface TpmsAttest {
  magic: number
  type: number
  typeName: AttestTypeName
  /** TPM2B_NAME: the signing key's qualified name. */
  qualifiedSigner: Uint8Array
  /** TPM2B_DATA: the caller's qualifyingData (the nonce). */
  extraData: Uint8Array
  clockInfo: ClockInfo
  /** Vendor firmware version (u64; obfuscated per key outside the EK/platform hierarchies). */
  firmwareVersion: bigint
  attested: Attested
  /** The exact bytes parsed: what the signature covers (Part 3 §18.4: the bare TPMS_ATTEST). */
  bytes: Uint8Array
}

/** Field names of the two TPMS_CLOCK_INFO places, spelled once (not rebuilt for every quote). */
const CLOCK_FIELDS = {
  clockInfo: ['clockInfo.clock', 'clockInfo.resetCount', 'clockInfo.restartCount', 'clockInfo.safe'],
  'attested.time.clockInfo': ['attested.time.clockInfo.clock', 'attested.time.clockInfo.resetCount', 'attested.time.clockInfo.restartCount', 'attested.time.clockInfo.safe'],
} as const

function readClockInfo(r: ByteReader, field: keyof typeof CLOCK_FIELDS): ClockInfo {
  const f = CLOCK_FIELDS[field]
  const clock = r.u64be(f[0])
  const resetCount = r.u32be(f[1])
  const restartCount = r.u32be(f[2])
  const safeRaw = r.u8(f[3])
  return { clock, resetCount, restartCount, safe: safeRaw !== 0, safeRaw }
}

const name = (r: ByteReader, f: string) => r.tpm2b(f, TPM_LIMITS.maxName)
const digest = (r: ByteReader, f: string) => r.tpm2b(f, TPM_LIMITS.maxDigest)

function readAttested(r: ByteReader, type: number): Attested {
  switch (type) {
    case TPM_ST_ATTEST.QUOTE:
      return { kind: 'quote', pcrSelect: readPcrSelectionList(r, 'attested.pcrSelect'), pcrDigest: digest(r, 'attested.pcrDigest') }
    case TPM_ST_ATTEST.CERTIFY:
      return { kind: 'certify', name: name(r, 'attested.name'), qualifiedName: name(r, 'attested.qualifiedName') }
    case TPM_ST_ATTEST.CREATION:
      return { kind: 'creation', objectName: name(r, 'attested.objectName'), creationHash: digest(r, 'attested.creationHash') }
    case TPM_ST_ATTEST.COMMAND_AUDIT:
      return {
        kind: 'command_audit',
        auditCounter: r.u64be('attested.auditCounter'),
        digestAlg: r.u16be('attested.digestAlg'),
        auditDigest: digest(r, 'attested.auditDigest'),
        commandDigest: digest(r, 'attested.commandDigest'),
      }
    case TPM_ST_ATTEST.SESSION_AUDIT:
      return { kind: 'session_audit', exclusiveSession: r.u8('attested.exclusiveSession') !== 0, sessionDigest: digest(r, 'attested.sessionDigest') }
    case TPM_ST_ATTEST.TIME:
      return {
        kind: 'time',
        time: r.u64be('attested.time.time'),
        clockInfo: readClockInfo(r, 'attested.time.clockInfo'),
        firmwareVersion: r.u64be('attested.firmwareVersion'),
      }
    case TPM_ST_ATTEST.NV:
      return {
        kind: 'nv',
        indexName: name(r, 'attested.indexName'),
        offset: r.u16be('attested.offset'),
        nvContents: r.tpm2b('attested.nvContents', TPM_LIMITS.maxNvBuffer),
      }
    case TPM_ST_ATTEST.NV_DIGEST:
      return { kind: 'nv_digest', indexName: name(r, 'attested.indexName'), nvDigest: digest(r, 'attested.nvDigest') }
    default:
      return unsupported(`TPMS_ATTEST.type 0x${type.toString(16)} is not a TPMI_ST_ATTEST`, r, 'type')
  }
}

/** Read magic and type only (the first 6 bytes), without interpreting the rest. */
export function peekAttestHeader(bytes: Uint8Array): { magic: number; type: number } {
  // Six bytes present: read them in place (no cursor per quote). Shorter input goes through the
  // cursor, which throws the usual ERR_TPM_TRUNCATED.
  if (bytes.length >= 6) {
    const magic = u32beAt(bytes, 0)
    return { magic, type: (bytes[4]! << 8) | bytes[5]! }
  }
  const r = tpmReader(bytes)
  return { magic: r.u32be('magic'), type: r.u16be('type') }
}

/**
 * Parse a marshalled TPMS_ATTEST (`tpm2_quote -m`, go-tpm-tools `quote`), for every
 * TPM_ST_ATTEST_* type. The result keeps `bytes`, the exact signed input.
 * @throws BootproofError ERR_TPM_TRUNCATED, ERR_TPM_LIMIT (including inputs ≥ 64 KiB),
 *   ERR_TPM_UNSUPPORTED (unknown type), ERR_TPM_TRAILING_BYTES.
 */
export function parseTpmsAttest(bytes: Uint8Array): TpmsAttest {
  const r = tpmReader(bytes)
  if (bytes.length > TPM_LIMITS.maxAttestBytes) r.limit('TPMS_ATTEST', bytes.length, TPM_LIMITS.maxAttestBytes, 0)
  const magic = r.u32be('magic')
  const type = r.u16be('type')
  const typeName = attestTypeName(type)
  if (!typeName) unsupported(`TPMS_ATTEST.type 0x${type.toString(16)} is not a TPMI_ST_ATTEST`, r, 'type')
  const qualifiedSigner = name(r, 'qualifiedSigner')
  const extraData = r.tpm2b('extraData', TPM_LIMITS.maxData)
  const clockInfo = readClockInfo(r, 'clockInfo')
  const firmwareVersion = r.u64be('firmwareVersion')
  const attested = readAttested(r, type)
  expectEnd(r, 'TPMS_ATTEST')
  return { magic, type, typeName, qualifiedSigner, extraData, clockInfo, firmwareVersion, attested, bytes }
}
