/**
 * The JSON-friendly view of a parsed SNP report (every byte field lowercase hex, 64-bit values as
 * 16 hex digits, TCBs decoded when the product line is known).
 */
import { toHex } from '../../bytes/hex.js'
import type { SnpPlatformInfo, SnpPolicy, SnpReport, SnpSigningKey } from './report.js'
import type { SnpProduct } from './roots.js'
import { tcbSummary, type SnpTcb } from './tcb.js'

export interface SnpReportSummary {
  version: number
  guestSvn: number
  policy: SnpPolicy
  familyId: string
  imageId: string
  vmpl: number
  signatureAlgo: number
  platformInfo: SnpPlatformInfo
  authorKeyEn: boolean
  maskChipKey: boolean
  signingKey: SnpSigningKey
  reportData: string
  measurement: string
  hostData: string
  idKeyDigest: string
  authorKeyDigest: string
  reportId: string
  reportIdMa: string
  cpuid?: { family: number; model: number; stepping: number }
  /** The product line used for TCB decoding (CPUID, else the certificate's productName). */
  product?: SnpProduct
  chipId: string
  currentTcb: SnpTcb
  reportedTcb: SnpTcb
  committedTcb: SnpTcb
  launchTcb: SnpTcb
  currentVersion: string
  committedVersion: string
  launchMitVector?: string
  currentMitVector?: string
  /** r and s, big-endian hex (48 bytes each). */
  signature: { r: string; s: string }
}

const ver = (v: { major: number; minor: number; build: number }): string => `${v.major}.${v.minor}.${v.build}`
const u64 = (v: bigint): string => v.toString(16).padStart(16, '0')

/** Summarize `report`, decoding TCBs with `product` (default: the product from CPUID). */
export function summarizeSnpReport(report: SnpReport, product: SnpProduct | undefined = report.product): SnpReportSummary {
  return {
    version: report.version,
    guestSvn: report.guestSvn,
    policy: report.policy,
    familyId: toHex(report.familyId),
    imageId: toHex(report.imageId),
    vmpl: report.vmpl,
    signatureAlgo: report.signatureAlgo,
    platformInfo: report.platformInfo,
    authorKeyEn: report.authorKeyEn,
    maskChipKey: report.maskChipKey,
    signingKey: report.signingKey,
    reportData: toHex(report.reportData),
    measurement: toHex(report.measurement),
    hostData: toHex(report.hostData),
    idKeyDigest: toHex(report.idKeyDigest),
    authorKeyDigest: toHex(report.authorKeyDigest),
    reportId: toHex(report.reportId),
    reportIdMa: toHex(report.reportIdMa),
    ...(report.cpuid ? { cpuid: report.cpuid } : {}),
    ...(product ? { product } : {}),
    chipId: toHex(report.chipId),
    currentTcb: tcbSummary(report.currentTcb, product),
    reportedTcb: tcbSummary(report.reportedTcb, product),
    committedTcb: tcbSummary(report.committedTcb, product),
    launchTcb: tcbSummary(report.launchTcb, product),
    currentVersion: ver(report.currentVersion),
    committedVersion: ver(report.committedVersion),
    ...(report.launchMitVector === undefined ? {} : { launchMitVector: u64(report.launchMitVector) }),
    ...(report.currentMitVector === undefined ? {} : { currentMitVector: u64(report.currentMitVector) }),
    signature: { r: toHex(report.signature.r), s: toHex(report.signature.s) },
  }
}
