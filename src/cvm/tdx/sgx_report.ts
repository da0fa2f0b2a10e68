/**
 * The SGX REPORT body (384 bytes) of the TD quoting enclave, as carried in QE report
 * certification data (Intel SGX Developer Reference, sgx_report_body_t; TDX DCAP Quote Library
 * API, "Enclave Report Body"). Little-endian integers.
 *
 *   0 CPUSVN[16] | 16 MISCSELECT u32 | 20 reserved[12] | 32 ISVEXTPRODID[16] | 48 ATTRIBUTES[16]
 *   64 MRENCLAVE[32] | 96 reserved[32] | 128 MRSIGNER[32] | 160 reserved[32] | 192 CONFIGID[64]
 *   256 ISVPRODID u16 | 258 ISVSVN u16 | 260 CONFIGSVN u16 | 262 reserved[42] | 304 ISVFAMILYID[16]
 *   320 REPORTDATA[64]
 *
 * The whole body is signed by the PCK key, so no field is checked for zero here.
 */
import { u32leAt } from '../../bytes/uint32.js'

export const SGX_REPORT_BODY_SIZE = 384

export interface SgxReportBody {
  cpuSvn: Uint8Array
  miscSelect: number
  /** MISCSELECT as its 4 little-endian bytes (compared bytewise with QE Identity). */
  miscSelectBytes: Uint8Array
  attributes: Uint8Array
  mrEnclave: Uint8Array
  mrSigner: Uint8Array
  isvProdId: number
  isvSvn: number
  reportData: Uint8Array
  /** The 384 bytes (what the PCK key signs). */
  bytes: Uint8Array
}

/** Decode a 384-byte SGX REPORT body (the caller has checked the length). */
export function parseSgxReportBody(b: Uint8Array): SgxReportBody {
  if (b.length !== SGX_REPORT_BODY_SIZE) throw new TypeError(`SGX report body: expected ${SGX_REPORT_BODY_SIZE} bytes`)
  const u16 = (o: number): number => b[o]! | (b[o + 1]! << 8)
  return {
    cpuSvn: b.subarray(0, 16),
    miscSelect: u32leAt(b, 16),
    miscSelectBytes: b.subarray(16, 20),
    attributes: b.subarray(48, 64),
    mrEnclave: b.subarray(64, 96),
    mrSigner: b.subarray(128, 160),
    isvProdId: u16(256),
    isvSvn: u16(258),
    reportData: b.subarray(320, 384),
    bytes: b,
  }
}
