/**
 * Intel TDX quote parsing, versions 4 and 5 (Intel TDX DCAP Quote Generation Library and Quote
 * Verification Library API, appendix "TD Quote Format": Quote Header, TD Quote Body, TD Quote Body
 * Descriptor (v5), Quote Signature Data, Certification Data, QE Report Certification Data).
 * Little-endian integers.
 *
 *   header (48) | v4: TD quote body (584)                       | u32 signature data length | signature data
 *               | v5: u16 body type, u32 body size, body (584/648) |
 *
 * Signature data: ECDSA signature r‖s (64, big-endian), attestation key X‖Y (64), then
 * certification data type 6 (QE report certification data): QE report (SGX REPORT body, 384), its
 * signature (64), u16 + QE authentication data, then nested certification data type 5 (the PCK
 * certificate chain as PEM). Every length is checked against what remains and against the
 * structure that contains it; nothing may be left over inside a declared size.
 *
 * Quote buffers from quote-generation services are often fixed-size and zero-filled after the
 * signature data (GCP: 8000 bytes; Azure and trustee samples: 70 zero bytes), so trailing zero bytes
 * are accepted by default and counted; any non-zero trailing byte is rejected (it would be
 * unsigned data riding along with the quote).
 */
import { ByteReader } from '../../bytes/reader.js'
import { BootproofError } from '../../errors.js'
import type { TdxParseErrorCode } from '../../error_codes.js'
import { pemDecode } from '../../x509/pem.js'
import { parseSgxReportBody, SGX_REPORT_BODY_SIZE, type SgxReportBody } from './sgx_report.js'

export const TDX_QUOTE_HEADER_SIZE = 48
/** TD quote body of TDX 1.0 (v4 body, v5 body type 2). */
export const TDX_BODY_10_SIZE = 584
/** TD quote body of TDX 1.5 (v5 body type 3): adds TEE_TCB_SVN_2 and MRSERVICETD. */
export const TDX_BODY_15_SIZE = 648
export const TDX_QUOTE_VERSIONS: readonly number[] = [4, 5]
/** Attestation key type 2: ECDSA-256 with P-256 (the only one the TD quoting enclave uses). */
export const TDX_ATTESTATION_KEY_ECDSA_P256 = 2
/** TEE type of a TD quote (0x00000000 is SGX). */
export const TDX_TEE_TYPE = 0x81
/** QE vendor ID of Intel's quoting enclave. */
export const INTEL_QE_VENDOR_ID = '939a7233f79c4ca9940a0db3957f0607'
/** Certification data types (DCAP API "Certification Data"). */
export const CERT_DATA_PCK_CHAIN = 5
export const CERT_DATA_QE_REPORT = 6

export interface ParseTdxQuoteOptions {
  /**
   * Bytes after the signature data: `zeros` (default) accepts zero padding (fixed-size quote
   * buffers) and rejects anything else; `reject` rejects any byte; `ignore` accepts any bytes
   * (they are never signed and never read).
   */
  trailing?: 'zeros' | 'reject' | 'ignore'
  /** Largest accepted quote buffer (default 1 MiB). */
  maxQuoteBytes?: number
  /** Most certificates accepted in the PCK chain (default 4; Intel's chain has 3). */
  maxPckChainCertificates?: number
}

export const DEFAULT_TDX_QUOTE_LIMITS = Object.freeze({ maxQuoteBytes: 1024 * 1024, maxPckChainCertificates: 4 })

export interface TdxQuoteHeader {
  version: number
  attestationKeyType: number
  teeType: number
  /** Bytes 8-9 (reserved in the v4 layout; the QE's SVN in some implementations). */
  qeSvn: number
  /** Bytes 10-11 (reserved in the v4 layout; the PCE's SVN in some implementations). */
  pceSvn: number
  qeVendorId: Uint8Array
  userData: Uint8Array
}

/** TDATTRIBUTES bits (Intel TDX Module ABI, TDINFO_STRUCT.ATTRIBUTES). */
export interface TdxTdAttributes {
  /** The 64-bit value as 16 hex digits (big-endian). */
  raw: string
  /** Bit 0: the TD runs in debug mode; the host can read and change its state. */
  debug: boolean
  /** Bit 28: EPT violations are not converted to #VE. */
  septVeDisable: boolean
  /** Bit 30: protection keys for supervisor pages. */
  pks: boolean
  /** Bit 31: key locker. */
  kl: boolean
  /** Bit 63: the TD may use perfmon and PMU. */
  perfmon: boolean
}

/** The fields a TD report shares with a TD quote body (Intel TDX DCAP Quote Library API, TD quote body). */
export interface TdMeasurements {
  teeTcbSvn: Uint8Array
  mrSeam: Uint8Array
  mrSignerSeam: Uint8Array
  seamAttributes: Uint8Array
  tdAttributes: Uint8Array
  xfam: Uint8Array
  mrTd: Uint8Array
  mrConfigId: Uint8Array
  mrOwner: Uint8Array
  mrOwnerConfig: Uint8Array
  rtmrs: Uint8Array[]
  reportData: Uint8Array
}

/** The TD quote body (a TD report as the quoting enclave copied it). Byte fields are views. */
export interface TdxQuoteBody extends TdMeasurements {
  /** `1.0` (584 bytes) or `1.5` (648 bytes). */
  tdxVersion: '1.0' | '1.5'
  /** RTMR0-3. */
  rtmrs: [Uint8Array, Uint8Array, Uint8Array, Uint8Array]
  /** TDX 1.5 only. */
  teeTcbSvn2?: Uint8Array
  mrServiceTd?: Uint8Array
}

export interface TdxQuote {
  header: TdxQuoteHeader
  /** v5 only: the body descriptor's type (2 = TDX 1.0, 3 = TDX 1.5). */
  bodyType?: number
  body: TdxQuoteBody
  tdAttributes: TdxTdAttributes
  /** Header and body (v5: with the descriptor): what the attestation key signs. */
  signedBytes: Uint8Array
  /** r‖s, 32 bytes each, big-endian. */
  signature: Uint8Array
  /** X‖Y of the P-256 attestation key, 32 bytes each, big-endian. */
  attestationKey: Uint8Array
  qeReport: SgxReportBody
  /** r‖s of the PCK key's signature over the 384 QE report bytes. */
  qeReportSignature: Uint8Array
  qeAuthData: Uint8Array
  /** The nested certification data (type 5) exactly as carried. */
  pckChainBytes: Uint8Array
  /** The PCK chain as PEM text (a final NUL removed). */
  pckChainPem: string
  /** DER of each certificate of the chain, in order (leaf first). */
  pckChain: Uint8Array[]
  /** Bytes after the signature data (zero padding unless `trailing: 'ignore'`). */
  trailingBytes: number
  bytes: Uint8Array
}

function fail(code: TdxParseErrorCode, message: string, offset?: number, field?: string): never {
  throw new BootproofError(code, `TDX quote: ${message}`, { ...(offset === undefined ? {} : { offset }), ...(field === undefined ? {} : { field }) })
}

/** Check that `n` bytes remain before reading them (the reader's own truncation code is never reached). */
function need(r: ByteReader, n: number, field: string): void {
  if (n > r.remaining) fail('ERR_TDX_QUOTE_TRUNCATED', `${field} needs ${n} bytes at offset ${r.offset}, ${r.remaining} remain`, r.offset, field)
}

function take(r: ByteReader, n: number, field: string): Uint8Array {
  need(r, n, field)
  return r.take(n, field)
}

function u16(r: ByteReader, field: string): number {
  need(r, 2, field)
  return r.u16le(field)
}

function u32(r: ByteReader, field: string): number {
  need(r, 4, field)
  return r.u32le(field)
}

function readHeader(r: ByteReader): TdxQuoteHeader {
  const version = u16(r, 'version')
  if (!TDX_QUOTE_VERSIONS.includes(version)) fail('ERR_TDX_QUOTE_VERSION', `version ${version} is not 4 or 5${version === 3 ? ' (3 is an SGX quote)' : ''}`, 0, 'version')
  const attestationKeyType = u16(r, 'attestationKeyType')
  if (attestationKeyType !== TDX_ATTESTATION_KEY_ECDSA_P256) fail('ERR_TDX_QUOTE_UNSUPPORTED', `attestation key type ${attestationKeyType} is not 2 (ECDSA-256 with P-256)`, 2, 'attestationKeyType')
  const teeType = u32(r, 'teeType')
  if (teeType !== TDX_TEE_TYPE) fail('ERR_TDX_QUOTE_UNSUPPORTED', `TEE type 0x${teeType.toString(16)} is not 0x81 (TDX)`, 4, 'teeType')
  const qeSvn = u16(r, 'qeSvn')
  const pceSvn = u16(r, 'pceSvn')
  const qeVendorId = take(r, 16, 'qeVendorId')
  const userData = take(r, 20, 'userData')
  return { version, attestationKeyType, teeType, qeSvn, pceSvn, qeVendorId, userData }
}

function readBody(r: ByteReader, size: number): TdxQuoteBody {
  need(r, size, 'TD quote body')
  const f = (n: number, field: string): Uint8Array => r.take(n, field)
  const body: TdxQuoteBody = {
    tdxVersion: size === TDX_BODY_15_SIZE ? '1.5' : '1.0',
    teeTcbSvn: f(16, 'TEE_TCB_SVN'),
    mrSeam: f(48, 'MRSEAM'),
    mrSignerSeam: f(48, 'MRSIGNERSEAM'),
    seamAttributes: f(8, 'SEAMATTRIBUTES'),
    tdAttributes: f(8, 'TDATTRIBUTES'),
    xfam: f(8, 'XFAM'),
    mrTd: f(48, 'MRTD'),
    mrConfigId: f(48, 'MRCONFIGID'),
    mrOwner: f(48, 'MROWNER'),
    mrOwnerConfig: f(48, 'MROWNERCONFIG'),
    rtmrs: [f(48, 'RTMR0'), f(48, 'RTMR1'), f(48, 'RTMR2'), f(48, 'RTMR3')],
    reportData: f(64, 'REPORTDATA'),
  }
  if (size === TDX_BODY_15_SIZE) {
    body.teeTcbSvn2 = f(16, 'TEE_TCB_SVN_2')
    body.mrServiceTd = f(48, 'MRSERVICETD')
  }
  return body
}

/** TDATTRIBUTES is a little-endian u64. */
export function decodeTdAttributes(bytes: Uint8Array): TdxTdAttributes {
  let v = 0n
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i] ?? 0)
  const bit = (n: number): boolean => ((v >> BigInt(n)) & 1n) === 1n
  return { raw: v.toString(16).padStart(16, '0'), debug: bit(0), septVeDisable: bit(28), pks: bit(30), kl: bit(31), perfmon: bit(63) }
}

const LATIN1 = new TextDecoder('latin1')

// A PEM chain: CERTIFICATE blocks and whitespace only (RFC 7468 §2), nothing before, between or after.
const PEM_CHAIN = /^(?:[\t\n\r ]*-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\t\n\r ]+-----END CERTIFICATE-----)+[\t\n\r ]*$/

function readPckChain(bytes: Uint8Array, at: number, maxCerts: number): { pem: string; ders: Uint8Array[] } {
  // Every public quote but one ends the PEM with a single NUL (a C string); one NUL is allowed.
  const body = bytes[bytes.length - 1] === 0 ? bytes.subarray(0, bytes.length - 1) : bytes
  const pem = LATIN1.decode(body)
  if (!PEM_CHAIN.test(pem)) fail('ERR_TDX_QUOTE_MALFORMED', 'PCK certification data (type 5) is not a PEM chain of CERTIFICATE blocks', at, 'pckChain')
  const count = pem.split('-----BEGIN CERTIFICATE-----').length - 1
  if (count > maxCerts) fail('ERR_TDX_QUOTE_MALFORMED', `the PCK chain holds ${count} certificates, more than maxPckChainCertificates (${maxCerts})`, at, 'pckChain')
  return { pem, ders: pemDecode(pem, ['CERTIFICATE']) }
}

/** QE report certification data (type 6), exactly `size` bytes at the reader. */
function readQeCertificationData(r: ByteReader, size: number, maxCerts: number): Pick<TdxQuote, 'qeReport' | 'qeReportSignature' | 'qeAuthData' | 'pckChainBytes' | 'pckChainPem' | 'pckChain'> {
  const start = r.offset
  const end = r.pos + size
  const left = (): number => end - r.pos
  const inside = (n: number, field: string): void => {
    if (n > left()) fail('ERR_TDX_QUOTE_LENGTH', `${field} (${n} bytes at offset ${r.offset}) runs past the QE report certification data (size ${size} at offset ${start})`, r.offset, field)
  }
  inside(SGX_REPORT_BODY_SIZE + 64 + 2, 'QE report certification data')
  const qeReport = parseSgxReportBody(r.take(SGX_REPORT_BODY_SIZE, 'qeReport'))
  const qeReportSignature = r.take(64, 'qeReportSignature')
  const authSize = r.u16le('qeAuthDataSize')
  inside(authSize, 'qeAuthData')
  const qeAuthData = r.take(authSize, 'qeAuthData')
  inside(6, 'nested certification data header')
  const innerAt = r.offset
  const innerType = r.u16le('certificationDataType')
  if (innerType !== CERT_DATA_PCK_CHAIN) fail('ERR_TDX_QUOTE_UNSUPPORTED', `nested certification data type ${innerType} is not 5 (PCK certificate chain)`, innerAt, 'certificationDataType')
  const innerSize = r.u32le('certificationDataSize')
  if (innerSize !== left()) fail('ERR_TDX_QUOTE_LENGTH', `nested certification data size ${innerSize} does not fill the QE report certification data (${left()} bytes left)`, innerAt + 2, 'certificationDataSize')
  if (innerSize === 0) fail('ERR_TDX_QUOTE_MALFORMED', 'the PCK certificate chain is empty', innerAt + 2, 'certificationDataSize')
  const chainAt = r.offset
  const pckChainBytes = r.take(innerSize, 'pckChain')
  const { pem, ders } = readPckChain(pckChainBytes, chainAt, maxCerts)
  return { qeReport, qeReportSignature, qeAuthData, pckChainBytes, pckChainPem: pem, pckChain: ders }
}

/**
 * Parse a TD quote (version 4 or 5).
 * @throws BootproofError ERR_TDX_QUOTE_TRUNCATED / _LENGTH / _TRAILING / _VERSION / _UNSUPPORTED /
 *   _MALFORMED, ERR_PEM_INVALID (a PEM block whose base64 does not decode).
 */
export function parseTdxQuote(bytes: Uint8Array, options: ParseTdxQuoteOptions = {}): TdxQuote {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('parseTdxQuote: expected a Uint8Array')
  const maxQuoteBytes = options.maxQuoteBytes ?? DEFAULT_TDX_QUOTE_LIMITS.maxQuoteBytes
  const maxCerts = options.maxPckChainCertificates ?? DEFAULT_TDX_QUOTE_LIMITS.maxPckChainCertificates
  const trailing = options.trailing ?? 'zeros'
  if (bytes.length > maxQuoteBytes) fail('ERR_TDX_QUOTE_LENGTH', `${bytes.length} bytes exceed maxQuoteBytes (${maxQuoteBytes})`, 0)
  // Codes given to the reader are never used: every read is preceded by a TDX length check.
  const r = new ByteReader(bytes, { truncated: 'ERR_TPM_TRUNCATED', limit: 'ERR_TPM_LIMIT' })
  const header = readHeader(r)
  let bodyType: number | undefined
  let bodySize = TDX_BODY_10_SIZE
  if (header.version === 5) {
    bodyType = u16(r, 'bodyType')
    if (bodyType !== 2 && bodyType !== 3) fail('ERR_TDX_QUOTE_UNSUPPORTED', `v5 body type ${bodyType} is not 2 (TDX 1.0) or 3 (TDX 1.5)${bodyType === 1 ? '; 1 is an SGX enclave report' : ''}`, 48, 'bodyType')
    const expected = bodyType === 2 ? TDX_BODY_10_SIZE : TDX_BODY_15_SIZE
    bodySize = u32(r, 'bodySize')
    if (bodySize !== expected) fail('ERR_TDX_QUOTE_LENGTH', `v5 body size ${bodySize} is not ${expected} for body type ${bodyType}`, 50, 'bodySize')
  }
  const body = readBody(r, bodySize)
  const signedBytes = bytes.subarray(0, r.pos)

  const sigLenAt = r.offset
  const sigLen = u32(r, 'signatureDataLength')
  need(r, sigLen, 'signature data')
  const sigEnd = r.pos + sigLen
  if (sigLen < 134) fail('ERR_TDX_QUOTE_LENGTH', `signature data length ${sigLen} is below the 134 bytes of signature, key and certification data header`, sigLenAt, 'signatureDataLength')
  const signature = r.take(64, 'signature')
  const attestationKey = r.take(64, 'attestationKey')
  const certTypeAt = r.offset
  const certType = r.u16le('certificationDataType')
  if (certType !== CERT_DATA_QE_REPORT) fail('ERR_TDX_QUOTE_UNSUPPORTED', `certification data type ${certType} is not 6 (QE report certification data)`, certTypeAt, 'certificationDataType')
  const certSize = r.u32le('certificationDataSize')
  if (certSize !== sigEnd - r.pos) fail('ERR_TDX_QUOTE_LENGTH', `certification data size ${certSize} does not fill the signature data (${sigEnd - r.pos} bytes left of ${sigLen})`, certTypeAt + 2, 'certificationDataSize')
  const qe = readQeCertificationData(r, certSize, maxCerts)

  const rest = bytes.subarray(r.pos)
  if (rest.length && trailing !== 'ignore') {
    const nz = rest.findIndex((b) => b !== 0)
    if (trailing === 'reject' || nz >= 0) {
      const at = r.pos + (trailing === 'reject' && nz < 0 ? 0 : nz)
      fail('ERR_TDX_QUOTE_TRAILING', `${rest.length} bytes follow the signature data (at offset ${r.pos})${nz >= 0 ? `; byte ${at} is 0x${bytes[at]!.toString(16).padStart(2, '0')}, not zero padding` : ''}`, at)
    }
  }
  return {
    header,
    ...(bodyType === undefined ? {} : { bodyType }),
    body,
    tdAttributes: decodeTdAttributes(body.tdAttributes),
    signedBytes,
    signature,
    attestationKey,
    ...qe,
    trailingBytes: rest.length,
    bytes,
  }
}
