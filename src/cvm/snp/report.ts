/**
 * AMD SEV-SNP ATTESTATION_REPORT parsing (SEV Secure Nested Paging Firmware ABI Specification,
 * doc 56860, "ATTESTATION_REPORT Structure" in the MSG_REPORT_REQ section). Always 0x4A0 bytes,
 * little-endian integers. Layouts by VERSION:
 * - 2: 0x188-0x19F reserved; 0x1F8-0x29F reserved.
 * - 3 and 4: CPUID_FAM_ID / CPUID_MOD_ID / CPUID_STEP at 0x188-0x18A, then 0x18B-0x19F reserved.
 * - 5: as 3, plus LAUNCH_MIT_VECTOR (0x1F8) and CURRENT_MIT_VECTOR (0x200); 0x208-0x29F reserved.
 * The signature (0x2A0) covers bytes 0x000-0x29F. Every reserved byte, bit and value must be zero:
 * unsigned space (0x330-0x49F) and unused bits would otherwise carry unauthenticated data.
 */
import { ByteReader } from '../../bytes/reader.js'
import { BootproofError } from '../../errors.js'
import type { SnpParseErrorCode } from '../../error_codes.js'
import type { SnpProduct } from './roots.js'

export const SNP_REPORT_SIZE = 0x4a0
/** End of the signed bytes (start of SIGNATURE). */
export const SNP_SIGNED_SIZE = 0x2a0
export const SNP_REPORT_VERSIONS: readonly number[] = [2, 3, 4, 5]
/** SIGNATURE_ALGO 1: ECDSA P-384 with SHA-384 (the only value defined). */
export const SNP_SIG_ALGO_ECDSA_P384_SHA384 = 1

/** Guest POLICY (doc 56860, "Guest Policy Structure"). */
export interface SnpPolicy {
  /** The 64-bit value as 16 lowercase hex digits (big-endian). */
  raw: string
  abiMinor: number
  abiMajor: number
  smt: boolean
  migrateMa: boolean
  /** Bit 19: the guest may be debugged by the hypervisor (its memory and state are not confidential). */
  debug: boolean
  singleSocket: boolean
  cxlAllow: boolean
  memAes256Xts: boolean
  raplDis: boolean
  ciphertextHiding: boolean
  pageSwapDisable: boolean
}

/** PLATFORM_INFO (doc 56860, "PLATFORM_INFO" field of the report). */
export interface SnpPlatformInfo {
  raw: string
  smtEnabled: boolean
  tsmeEnabled: boolean
  eccEnabled: boolean
  raplDisabled: boolean
  ciphertextHidingEnabled: boolean
  aliasCheckComplete: boolean
  tioEnabled: boolean
}

export type SnpSigningKey = 'vcek' | 'vlek' | 'none'

/** A parsed report. Byte fields are views into the input; integers as numbers, 64-bit values as bigint. */
export interface SnpReport {
  version: number
  guestSvn: number
  policy: SnpPolicy
  policyValue: bigint
  familyId: Uint8Array
  imageId: Uint8Array
  vmpl: number
  signatureAlgo: number
  currentTcb: Uint8Array
  platformInfo: SnpPlatformInfo
  platformInfoValue: bigint
  /** Signer info at 0x48: AUTHOR_KEY_EN, MASK_CHIP_KEY, SIGNING_KEY. */
  authorKeyEn: boolean
  maskChipKey: boolean
  signingKey: SnpSigningKey
  reportData: Uint8Array
  measurement: Uint8Array
  hostData: Uint8Array
  idKeyDigest: Uint8Array
  authorKeyDigest: Uint8Array
  reportId: Uint8Array
  reportIdMa: Uint8Array
  reportedTcb: Uint8Array
  /** CPUID family / model / stepping (version 3 and later). */
  cpuid?: { family: number; model: number; stepping: number }
  /** The product line from CPUID (version 3 and later, known families and models only). */
  product?: SnpProduct
  chipId: Uint8Array
  committedTcb: Uint8Array
  currentVersion: { major: number; minor: number; build: number }
  committedVersion: { major: number; minor: number; build: number }
  launchTcb: Uint8Array
  /** Version 5 and later. */
  launchMitVector?: bigint
  currentMitVector?: bigint
  /** r and s, big-endian, 48 bytes each (converted from the report's 72-byte little-endian fields). */
  signature: { r: Uint8Array; s: Uint8Array }
  /** Bytes 0x000-0x29F, the signed part. */
  signedBytes: Uint8Array
  bytes: Uint8Array
}

function fail(code: SnpParseErrorCode, message: string, offset?: number, field?: string): never {
  throw new BootproofError(code, `SNP report: ${message}`, { ...(offset === undefined ? {} : { offset }), ...(field === undefined ? {} : { field }) })
}

/** Throw ERR_SNP_REPORT_RESERVED unless every byte of the next `n` is zero. */
function reserved(r: ByteReader, n: number, field: string): void {
  const at = r.offset
  const b = r.take(n, field)
  const i = b.findIndex((x) => x !== 0)
  if (i >= 0) fail('ERR_SNP_REPORT_RESERVED', `${field} (0x${at.toString(16)}-0x${(at + n - 1).toString(16)}) must be zero; byte 0x${(at + i).toString(16)} is 0x${b[i]!.toString(16).padStart(2, '0')}`, at + i, field)
}

const bit = (v: bigint, n: number): boolean => ((v >> BigInt(n)) & 1n) === 1n

/** Product line from CPUID family and model (family 19h: Milan models 00h-0Fh, Genoa 10h-1Fh and A0h-AFh; family 1Ah: Turin 00h-11h). */
export function productFromCpuid(family: number, model: number): SnpProduct | undefined {
  if (family === 0x19) {
    if (model <= 0x0f) return 'Milan'
    if ((model >= 0x10 && model <= 0x1f) || (model >= 0xa0 && model <= 0xaf)) return 'Genoa'
  }
  if (family === 0x1a && model <= 0x11) return 'Turin'
  return undefined
}

function decodePolicy(v: bigint): SnpPolicy {
  return {
    raw: v.toString(16).padStart(16, '0'),
    abiMinor: Number(v & 0xffn),
    abiMajor: Number((v >> 8n) & 0xffn),
    smt: bit(v, 16),
    migrateMa: bit(v, 18),
    debug: bit(v, 19),
    singleSocket: bit(v, 20),
    cxlAllow: bit(v, 21),
    memAes256Xts: bit(v, 22),
    raplDis: bit(v, 23),
    ciphertextHiding: bit(v, 24),
    pageSwapDisable: bit(v, 25),
  }
}

function decodePlatformInfo(v: bigint): SnpPlatformInfo {
  return {
    raw: v.toString(16).padStart(16, '0'),
    smtEnabled: bit(v, 0),
    tsmeEnabled: bit(v, 1),
    eccEnabled: bit(v, 2),
    raplDisabled: bit(v, 3),
    ciphertextHidingEnabled: bit(v, 4),
    aliasCheckComplete: bit(v, 5),
    tioEnabled: bit(v, 7),
  }
}

/** One 72-byte little-endian signature component: the 24 high bytes must be zero; returns 48 bytes big-endian. */
function sigComponent(r: ByteReader, field: string): Uint8Array {
  const at = r.offset
  const le = r.take(72, field)
  const hi = le.subarray(48).findIndex((x) => x !== 0)
  if (hi >= 0) fail('ERR_SNP_REPORT_RESERVED', `${field} is wider than 384 bits (byte 0x${(at + 48 + hi).toString(16)} is not zero)`, at + 48 + hi, field)
  return le.slice(0, 48).reverse()
}

function version3(r: ByteReader): { major: number; minor: number; build: number } {
  const build = r.u8('build')
  const minor = r.u8('minor')
  const major = r.u8('major')
  return { major, minor, build }
}

/**
 * Parse an SNP ATTESTATION_REPORT.
 * @throws BootproofError ERR_SNP_REPORT_SIZE / _VERSION / _UNSUPPORTED / _RESERVED / _MALFORMED
 */
export function parseSnpReport(bytes: Uint8Array): SnpReport {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('parseSnpReport: expected a Uint8Array')
  if (bytes.length !== SNP_REPORT_SIZE) fail('ERR_SNP_REPORT_SIZE', `expected exactly ${SNP_REPORT_SIZE} bytes, got ${bytes.length}`, Math.min(bytes.length, SNP_REPORT_SIZE))
  // The size is exact, so no read below can run past the end (the truncation code is never used).
  const r = new ByteReader(bytes, { truncated: 'ERR_TPM_TRUNCATED', limit: 'ERR_TPM_LIMIT' })
  const version = r.u32le('VERSION')
  if (!SNP_REPORT_VERSIONS.includes(version)) fail('ERR_SNP_REPORT_VERSION', `VERSION ${version} is not one of ${SNP_REPORT_VERSIONS.join(', ')}`, 0, 'VERSION')
  const guestSvn = r.u32le('GUEST_SVN')
  const policyValue = r.u64le('POLICY')
  if (!bit(policyValue, 17)) fail('ERR_SNP_REPORT_MALFORMED', 'POLICY bit 17 is reserved and must be one', 8, 'POLICY')
  if (policyValue >> 26n !== 0n) fail('ERR_SNP_REPORT_RESERVED', `POLICY bits 26-63 must be zero (0x${policyValue.toString(16)})`, 8, 'POLICY')
  const familyId = r.take(16, 'FAMILY_ID')
  const imageId = r.take(16, 'IMAGE_ID')
  const vmpl = r.u32le('VMPL')
  const signatureAlgo = r.u32le('SIGNATURE_ALGO')
  if (signatureAlgo !== SNP_SIG_ALGO_ECDSA_P384_SHA384) fail('ERR_SNP_REPORT_UNSUPPORTED', `SIGNATURE_ALGO ${signatureAlgo} is not 1 (ECDSA P-384 with SHA-384)`, 0x34, 'SIGNATURE_ALGO')
  const currentTcb = r.take(8, 'CURRENT_TCB')
  const platformInfoValue = r.u64le('PLATFORM_INFO')
  // Bit 6 is reserved; bits 8-63 are not defined.
  if ((platformInfoValue & ~0xbfn) !== 0n) fail('ERR_SNP_REPORT_RESERVED', `PLATFORM_INFO reserved bits set (0x${platformInfoValue.toString(16)})`, 0x40, 'PLATFORM_INFO')
  const signer = r.u32le('SIGNER_INFO')
  if (signer >>> 5 !== 0) fail('ERR_SNP_REPORT_RESERVED', `signer info bits 5-31 must be zero (0x${signer.toString(16)})`, 0x48, 'SIGNER_INFO')
  const keySel = (signer >>> 2) & 7
  if (keySel !== 0 && keySel !== 1 && keySel !== 7) fail('ERR_SNP_REPORT_RESERVED', `SIGNING_KEY ${keySel} is a reserved value`, 0x48, 'SIGNING_KEY')
  reserved(r, 4, 'reserved 0x4C')
  const reportData = r.take(64, 'REPORT_DATA')
  const measurement = r.take(48, 'MEASUREMENT')
  const hostData = r.take(32, 'HOST_DATA')
  const idKeyDigest = r.take(48, 'ID_KEY_DIGEST')
  const authorKeyDigest = r.take(48, 'AUTHOR_KEY_DIGEST')
  const reportId = r.take(32, 'REPORT_ID')
  const reportIdMa = r.take(32, 'REPORT_ID_MA')
  const reportedTcb = r.take(8, 'REPORTED_TCB')
  let cpuid: SnpReport['cpuid']
  if (version >= 3) {
    cpuid = { family: r.u8('CPUID_FAM_ID'), model: r.u8('CPUID_MOD_ID'), stepping: r.u8('CPUID_STEP') }
    reserved(r, 21, 'reserved 0x18B')
  } else {
    reserved(r, 24, 'reserved 0x188')
  }
  const chipId = r.take(64, 'CHIP_ID')
  const committedTcb = r.take(8, 'COMMITTED_TCB')
  const currentVersion = version3(r)
  reserved(r, 1, 'reserved 0x1EB')
  const committedVersion = version3(r)
  reserved(r, 1, 'reserved 0x1EF')
  const launchTcb = r.take(8, 'LAUNCH_TCB')
  let launchMitVector: bigint | undefined
  let currentMitVector: bigint | undefined
  if (version >= 5) {
    launchMitVector = r.u64le('LAUNCH_MIT_VECTOR')
    currentMitVector = r.u64le('CURRENT_MIT_VECTOR')
    reserved(r, 0x2a0 - 0x208, 'reserved 0x208')
  } else {
    reserved(r, 0x2a0 - 0x1f8, 'reserved 0x1F8')
  }
  const sigR = sigComponent(r, 'SIGNATURE.R')
  const sigS = sigComponent(r, 'SIGNATURE.S')
  reserved(r, SNP_REPORT_SIZE - 0x330, 'reserved SIGNATURE 0x330')

  const product = cpuid ? productFromCpuid(cpuid.family, cpuid.model) : undefined
  return {
    version,
    guestSvn,
    policy: decodePolicy(policyValue),
    policyValue,
    familyId,
    imageId,
    vmpl,
    signatureAlgo,
    currentTcb,
    platformInfo: decodePlatformInfo(platformInfoValue),
    platformInfoValue,
    authorKeyEn: (signer & 1) === 1,
    maskChipKey: (signer & 2) === 2,
    signingKey: keySel === 0 ? 'vcek' : keySel === 1 ? 'vlek' : 'none',
    reportData,
    measurement,
    hostData,
    idKeyDigest,
    authorKeyDigest,
    reportId,
    reportIdMa,
    reportedTcb,
    ...(cpuid ? { cpuid } : {}),
    ...(product ? { product } : {}),
    chipId,
    committedTcb,
    currentVersion,
    committedVersion,
    launchTcb,
    ...(launchMitVector === undefined ? {} : { launchMitVector }),
    ...(currentMitVector === undefined ? {} : { currentMitVector }),
    signature: { r: sigR, s: sigS },
    signedBytes: bytes.subarray(0, SNP_SIGNED_SIZE),
    bytes,
  }
}
