/**
 * TDREPORT_STRUCT (Intel TDX Module ABI specification, TDG.MR.REPORT; 1024 bytes): what Azure's
 * paravisor puts in the HCL report of a TDX confidential VM.
 *
 *   0    REPORTMACSTRUCT (256): REPORTTYPE[4] (type 0x81 = TDX), reserved[12], CPUSVN[16],
 *        TEE_TCB_INFO_HASH[48], TEE_INFO_HASH[48], REPORTDATA[64], reserved[32], MAC[32]
 *   256  TEE_TCB_INFO (239): VALID[8], TEE_TCB_SVN[16], MRSEAM[48], MRSIGNERSEAM[48], ATTRIBUTES[8], …
 *   512  TDINFO: ATTRIBUTES[8], XFAM[8], MRTD[48], MRCONFIGID[48], MROWNER[48], MROWNERCONFIG[48],
 *        RTMR0-3[4 x 48], SERVTD_HASH[48], reserved[64]
 *
 * The MAC is keyed by the CPU and cannot be checked off the platform: a TDREPORT alone proves
 * nothing. It becomes evidence only when it equals the body of a TD quote whose signature chain
 * verifies (compareTdReport) — then the quote's REPORTDATA carries the runtime-data binding.
 */
import { bytesEqual, toHex } from '../../bytes/hex.js'
import { BootproofError } from '../../errors.js'
import { defaultHashProvider, type HashProvider } from '../../hash/provider.js'
import { TD_REPORT_SIZE } from './hcl_report.js'
import type { TdMeasurements } from '../tdx/quote.js'

/** REPORTTYPE.TYPE of a TDX report. */
export const TD_REPORT_TYPE_TDX = 0x81

/** The fields a TD report shares with a TD quote body: one definition, in the TDX module. */
export type { TdMeasurements }

export interface TdReport extends TdMeasurements {
  reportType: { type: number; subtype: number; version: number }
  cpuSvn: Uint8Array
  teeTcbInfoHash: Uint8Array
  teeInfoHash: Uint8Array
  servTdHash: Uint8Array
  /** TEE_TCB_INFO_HASH = SHA-384(TEE_TCB_INFO) and TEE_INFO_HASH = SHA-384(TDINFO) hold. */
  hashesConsistent: boolean
}

/**
 * Parse a 1024-byte TDREPORT.
 * @throws BootproofError ERR_HCL_REPORT_MALFORMED (size, REPORTTYPE.TYPE not 0x81)
 */
export function parseTdReport(bytes: Uint8Array, hash: HashProvider = defaultHashProvider()): TdReport {
  if (bytes.length !== TD_REPORT_SIZE) throw new BootproofError('ERR_HCL_REPORT_MALFORMED', `TD report: ${bytes.length} bytes, not ${TD_REPORT_SIZE}`)
  if (bytes[0] !== TD_REPORT_TYPE_TDX) throw new BootproofError('ERR_HCL_REPORT_MALFORMED', `TD report: REPORTTYPE.TYPE 0x${bytes[0]!.toString(16)} is not 0x81 (TDX)`, { offset: 0, field: 'reportType' })
  const at = (o: number, n: number) => bytes.subarray(o, o + n)
  const teeTcbInfoHash = at(32, 48)
  const teeInfoHash = at(80, 48)
  // TEE_TCB_INFO is 239 bytes at 256; TDINFO is 512 bytes at 512 (TDX Module ABI).
  const hashesConsistent = bytesEqual(hash.digest('sha384', at(256, 239)), teeTcbInfoHash) && bytesEqual(hash.digest('sha384', at(512, 512)), teeInfoHash)
  return {
    reportType: { type: bytes[0]!, subtype: bytes[1]!, version: bytes[2]! },
    cpuSvn: at(16, 16),
    teeTcbInfoHash,
    teeInfoHash,
    reportData: at(128, 64),
    teeTcbSvn: at(264, 16),
    mrSeam: at(280, 48),
    mrSignerSeam: at(328, 48),
    seamAttributes: at(376, 8),
    tdAttributes: at(512, 8),
    xfam: at(520, 8),
    mrTd: at(528, 48),
    mrConfigId: at(576, 48),
    mrOwner: at(624, 48),
    mrOwnerConfig: at(672, 48),
    rtmrs: [0, 1, 2, 3].map((i) => at(720 + 48 * i, 48)),
    servTdHash: at(912, 48),
    hashesConsistent,
  }
}

const FIELDS: readonly (keyof Omit<TdMeasurements, 'rtmrs'>)[] = ['teeTcbSvn', 'mrSeam', 'mrSignerSeam', 'seamAttributes', 'tdAttributes', 'xfam', 'mrTd', 'mrConfigId', 'mrOwner', 'mrOwnerConfig', 'reportData']

/** Names of the fields where the TD report and a quote body differ (empty: equal). */
export function compareTdReport(report: TdMeasurements, body: TdMeasurements): string[] {
  const diff: string[] = FIELDS.filter((f) => !bytesEqual(report[f], body[f]))
  for (let i = 0; i < 4; i++) if (!body.rtmrs[i] || !bytesEqual(report.rtmrs[i]!, body.rtmrs[i]!)) diff.push(`rtmr${i}`)
  return diff
}

/** JSON view: every field lowercase hex. */
export function summarizeTdReport(r: TdReport): Record<string, unknown> {
  return {
    reportType: r.reportType,
    cpuSvn: toHex(r.cpuSvn),
    teeTcbSvn: toHex(r.teeTcbSvn),
    mrSeam: toHex(r.mrSeam),
    mrSignerSeam: toHex(r.mrSignerSeam),
    seamAttributes: toHex(r.seamAttributes),
    tdAttributes: toHex(r.tdAttributes),
    debug: (r.tdAttributes[0]! & 1) === 1,
    xfam: toHex(r.xfam),
    mrTd: toHex(r.mrTd),
    mrConfigId: toHex(r.mrConfigId),
    mrOwner: toHex(r.mrOwner),
    mrOwnerConfig: toHex(r.mrOwnerConfig),
    rtmrs: r.rtmrs.map(toHex),
    reportData: toHex(r.reportData),
    servTdHash: toHex(r.servTdHash),
    teeTcbInfoHash: toHex(r.teeTcbInfoHash),
    teeInfoHash: toHex(r.teeInfoHash),
    hashesConsistent: r.hashesConsistent,
  }
}
