/**
 * Azure confidential-VM "HCL report": what the paravisor (HCL) writes into the vTPM NV index of an
 * SEV-SNP or TDX confidential VM. Layout (little-endian), as produced by Azure's paravisor and
 * read by the IGVM attestation request-data format:
 *
 *   0x000  4  signature "HCLA"
 *   0x004  4  version
 *   0x008  4  report size: bytes used, 0x4D4 + variable data size
 *   0x00C  4  request type
 *   0x010  4  status
 *   0x014 12  reserved (zero)
 *   0x020 1184 hardware report: SEV-SNP ATTESTATION_REPORT (1184) or TDREPORT (1024 + 160 zero)
 *   0x4C0  4  IGVM request data size: 20 + variable data size
 *   0x4C4  4  IGVM request data version (1)
 *   0x4C8  4  report type: 2 = SEV-SNP, 4 = TDX
 *   0x4CC  4  runtime data hash type: 1 SHA-256, 2 SHA-384, 3 SHA-512
 *   0x4D0  4  variable data size
 *   0x4D4  n  runtime data (UTF-8 JSON), then zero padding to the NV index size
 *
 * Nothing in 0x000-0x01F or the IGVM header is signed: the runtime data is authenticated only by
 * its hash in the hardware report's REPORT_DATA (binding.ts), and the hardware report only by its
 * own signature (SEV-SNP) or by the TD quote (TDX). So every size is checked against the others
 * and the buffer, and the padding must be zero: nothing may hide in unauthenticated bytes.
 */
import { BootproofError } from '../../errors.js'
import type { CvmParseErrorCode } from '../../error_codes.js'
import { parseRuntimeData, type HclRuntimeData } from './runtime_data.js'

export const HCL_SIGNATURE = 0x414c4348 // "HCLA" read as u32le
export const HCL_HEADER_SIZE = 0x20
export const HCL_HW_REPORT_SIZE = 0x4a0
export const HCL_IGVM_OFFSET = HCL_HEADER_SIZE + HCL_HW_REPORT_SIZE
/** IGVM request data header: data size, version, report type, hash type, variable data size. */
export const HCL_IGVM_HEADER_SIZE = 20
export const HCL_RUNTIME_DATA_OFFSET = HCL_IGVM_OFFSET + HCL_IGVM_HEADER_SIZE
/** TDREPORT_STRUCT size (Intel TDX Module ABI, TDG.MR.REPORT). */
export const TD_REPORT_SIZE = 1024

export type HclPlatform = 'sev-snp' | 'tdx'
export type HclHashType = 'sha256' | 'sha384' | 'sha512'

const REPORT_TYPES: Readonly<Record<number, HclPlatform>> = { 2: 'sev-snp', 4: 'tdx' }
const HASH_TYPES: Readonly<Record<number, HclHashType>> = { 1: 'sha256', 2: 'sha384', 3: 'sha512' }

/** Named limits; override with `parseHclReport(bytes, { limits })`. */
export interface HclReportLimits {
  /** Largest accepted HCL report buffer (the NV index is 2600 bytes today, 2048 before). */
  maxReportBytes: number
  /** Largest runtime data (variable data) size; real ones are 583-1202 bytes. */
  maxRuntimeDataBytes: number
}

export const DEFAULT_HCL_REPORT_LIMITS: Readonly<HclReportLimits> = Object.freeze({ maxReportBytes: 64 * 1024, maxRuntimeDataBytes: 16 * 1024 })

export interface HclReport {
  version: number
  /** Bytes used (0x4D4 + runtime data size). */
  reportSize: number
  requestType: number
  status: number
  platform: HclPlatform
  /** IGVM request data version. */
  igvmVersion: number
  hashType: HclHashType
  /** The 1184-byte hardware report area (view into the input). */
  hardwareArea: Uint8Array
  /** The hardware report itself: 1184 bytes (SEV-SNP) or 1024 bytes (TDREPORT). */
  hardwareReport: Uint8Array
  /** The runtime data bytes exactly as stored (what the hash covers). */
  runtimeDataBytes: Uint8Array
  runtimeData: HclRuntimeData
  /** Zero bytes after the runtime data (the rest of the NV index). */
  paddingBytes: number
}

export interface ParseHclReportOptions {
  limits?: Partial<HclReportLimits>
}

function fail(code: CvmParseErrorCode, message: string, offset?: number, field?: string): never {
  throw new BootproofError(code, `HCL report: ${message}`, { ...(offset === undefined ? {} : { offset }), ...(field ? { field } : {}) })
}

function firstNonZero(b: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) if (b[i] !== 0) return i
  return -1
}

function resolveHclLimits(o: Partial<HclReportLimits> | undefined): HclReportLimits {
  const out = { ...DEFAULT_HCL_REPORT_LIMITS, ...(o ?? {}) }
  for (const [k, v] of Object.entries(out)) if (!Number.isSafeInteger(v) || v < 0) throw new TypeError(`limits.${k} must be a non-negative safe integer`)
  return out
}

/**
 * Parse an HCL report (the raw NV index contents, zero padding included).
 * @throws BootproofError ERR_HCL_REPORT_MALFORMED (structure, sizes, padding),
 *   ERR_HCL_REPORT_UNSUPPORTED (report or hash type), ERR_HCL_RUNTIME_DATA_INVALID (runtime data)
 */
export function parseHclReport(bytes: Uint8Array, options: ParseHclReportOptions = {}): HclReport {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('parseHclReport: bytes must be a Uint8Array')
  const limits = resolveHclLimits(options.limits)
  if (bytes.length > limits.maxReportBytes) fail('ERR_HCL_REPORT_MALFORMED', `${bytes.length} bytes, more than the limit of ${limits.maxReportBytes}`)
  if (bytes.length < HCL_RUNTIME_DATA_OFFSET) fail('ERR_HCL_REPORT_MALFORMED', `${bytes.length} bytes, shorter than the ${HCL_RUNTIME_DATA_OFFSET} bytes of the headers and the hardware report`)
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const u32 = (off: number) => dv.getUint32(off, true)
  if (u32(0) !== HCL_SIGNATURE) fail('ERR_HCL_REPORT_MALFORMED', 'no "HCLA" signature at offset 0', 0, 'signature')
  const version = u32(4)
  const reportSize = u32(8)
  const requestType = u32(12)
  const status = u32(16)
  const reserved = firstNonZero(bytes, 0x14, HCL_HEADER_SIZE)
  if (reserved >= 0) fail('ERR_HCL_REPORT_MALFORMED', `reserved header byte 0x${reserved.toString(16)} is not zero`, reserved, 'reserved')

  const dataSize = u32(HCL_IGVM_OFFSET)
  const igvmVersion = u32(HCL_IGVM_OFFSET + 4)
  const reportType = u32(HCL_IGVM_OFFSET + 8)
  const hashTypeValue = u32(HCL_IGVM_OFFSET + 12)
  const varSize = u32(HCL_IGVM_OFFSET + 16)
  const platform = REPORT_TYPES[reportType]
  if (!platform) fail('ERR_HCL_REPORT_UNSUPPORTED', `report type ${reportType} (known: 2 = SEV-SNP, 4 = TDX)`, HCL_IGVM_OFFSET + 8, 'reportType')
  const hashType = HASH_TYPES[hashTypeValue]
  if (!hashType) fail('ERR_HCL_REPORT_UNSUPPORTED', `runtime data hash type ${hashTypeValue} (known: 1 SHA-256, 2 SHA-384, 3 SHA-512)`, HCL_IGVM_OFFSET + 12, 'hashType')
  if (igvmVersion !== 1) fail('ERR_HCL_REPORT_UNSUPPORTED', `IGVM request data version ${igvmVersion} (known: 1)`, HCL_IGVM_OFFSET + 4, 'igvmVersion')
  if (varSize > limits.maxRuntimeDataBytes) fail('ERR_HCL_REPORT_MALFORMED', `runtime data size ${varSize} exceeds the limit of ${limits.maxRuntimeDataBytes}`, HCL_IGVM_OFFSET + 16, 'variableDataSize')
  if (varSize > bytes.length - HCL_RUNTIME_DATA_OFFSET) fail('ERR_HCL_REPORT_MALFORMED', `runtime data size ${varSize} runs past the end of the ${bytes.length}-byte report`, HCL_IGVM_OFFSET + 16, 'variableDataSize')
  if (dataSize !== HCL_IGVM_HEADER_SIZE + varSize) fail('ERR_HCL_REPORT_MALFORMED', `IGVM data size ${dataSize} is not ${HCL_IGVM_HEADER_SIZE} + runtime data size ${varSize}`, HCL_IGVM_OFFSET, 'dataSize')
  const end = HCL_RUNTIME_DATA_OFFSET + varSize
  if (reportSize !== end) fail('ERR_HCL_REPORT_MALFORMED', `report size ${reportSize} is not 0x4D4 + runtime data size = ${end}`, 8, 'reportSize')
  const pad = firstNonZero(bytes, end, bytes.length)
  if (pad >= 0) fail('ERR_HCL_REPORT_MALFORMED', `byte 0x${pad.toString(16)} after the runtime data is not zero padding`, pad, 'padding')

  const hardwareArea = bytes.subarray(HCL_HEADER_SIZE, HCL_IGVM_OFFSET)
  let hardwareReport = hardwareArea
  if (platform === 'tdx') {
    const tail = firstNonZero(bytes, HCL_HEADER_SIZE + TD_REPORT_SIZE, HCL_IGVM_OFFSET)
    if (tail >= 0) fail('ERR_HCL_REPORT_MALFORMED', `byte 0x${tail.toString(16)} after the 1024-byte TD report is not zero`, tail, 'hardwareReport')
    hardwareReport = bytes.subarray(HCL_HEADER_SIZE, HCL_HEADER_SIZE + TD_REPORT_SIZE)
  }
  const runtimeDataBytes = bytes.subarray(HCL_RUNTIME_DATA_OFFSET, end)
  const runtimeData = parseRuntimeData(runtimeDataBytes, HCL_RUNTIME_DATA_OFFSET)
  return { version, reportSize, requestType, status, platform, igvmVersion, hashType, hardwareArea, hardwareReport, runtimeDataBytes, runtimeData, paddingBytes: bytes.length - end }
}
