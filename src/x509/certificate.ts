/**
 * X.509 certificate decoding with pkijs/asn1js (parsing only: every signature check goes
 * through WebCrypto, attack X-05). Decodes what the AK/EK checks need: names, serial,
 * validity, SPKI, basicConstraints, keyUsage, EKU, SAN directoryName attributes.
 */
import * as asn1js from 'asn1js'
import { Certificate, RelativeDistinguishedNames, type Extension } from 'pkijs'
import { BootproofError } from '../errors.js'
import { toHex } from '../bytes/hex.js'
import { resolveX509Limits, type X509Limits } from '../limits.js'
import { scanCertificateDer } from './der_scan.js'
import { derFrom, looksLikePem } from './pem.js'
import { ATTRIBUTE_SHORT_NAMES, OID } from './oids.js'
import { spkiToKeyMaterial, type KeyMaterial } from './spki.js'

export type KeyUsageName =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign'
  | 'encipherOnly'
  | 'decipherOnly'

const KEY_USAGE_BITS: KeyUsageName[] = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
]

export interface NameAttribute {
  oid: string
  /** Short name where known (`CN`, `tpmManufacturer`), else the OID. */
  name: string
  value: string
}

export interface CertificateInfo {
  der: Uint8Array
  /** X.509 version as encoded + 1 (1, 2 or 3). */
  version: number
  serialNumber: string
  subject: string
  subjectAttributes: NameAttribute[]
  issuer: string
  issuerAttributes: NameAttribute[]
  notBefore: Date
  notAfter: Date
  signatureAlgorithm: string
  /** DER of the SubjectPublicKeyInfo, as it appears in the certificate. */
  spki: Uint8Array
  /** Decoded key, or undefined when the algorithm is not RSA/EC P-256/384/521. */
  publicKey?: KeyMaterial
  extensions: { oid: string; critical: boolean }[]
  basicConstraints?: { ca: boolean; pathLen?: number; critical: boolean }
  keyUsage?: KeyUsageName[]
  extKeyUsage?: string[]
  /** directoryName entries of the SAN, each a flat attribute list (both RDN encodings). */
  sanDirectoryNames: NameAttribute[][]
  /**
   * Parsed pkijs object (internal use by the chain validator). Certificates from the shared
   * decode cache build it again on demand (the cache keeps plain fields only).
   */
  readonly pkijs: Certificate
}

export interface ParseCertificateOptions {
  /** Overrides of the named decoding limits (`DEFAULT_X509_LIMITS`, src/limits.ts). */
  limits?: Partial<X509Limits>
}

function attrValue(v: unknown): string {
  const vb = (v as { valueBlock?: { value?: unknown; valueHexView?: Uint8Array } })?.valueBlock
  if (typeof vb?.value === 'string') return vb.value
  if (vb?.valueHexView) return toHex(vb.valueHexView)
  return String(v)
}

function nameAttributes(rdn: RelativeDistinguishedNames): NameAttribute[] {
  return rdn.typesAndValues.map((tv) => ({ oid: tv.type, name: ATTRIBUTE_SHORT_NAMES[tv.type] ?? tv.type, value: attrValue(tv.value) }))
}

function nameString(attrs: NameAttribute[]): string {
  return attrs.map((a) => `${a.name}=${a.value}`).join(', ')
}

function ext(cert: Certificate, oid: string): Extension | undefined {
  return cert.extensions?.find((e) => e.extnID === oid)
}

function invalid(message: string, cause?: unknown): never {
  throw new BootproofError('ERR_CERT_INVALID', `certificate: ${message}`, cause === undefined ? {} : { cause })
}

/**
 * Decode an X.509 certificate (DER bytes, or PEM text/bytes with one CERTIFICATE block). The
 * DER is scanned against `options.limits` before any object is built.
 * @throws BootproofError ERR_CERT_INVALID / ERR_CERT_LIMIT / ERR_PEM_INVALID
 */
export function parseCertificate(input: Uint8Array | string, options: ParseCertificateOptions = {}): CertificateInfo {
  const limits = resolveX509Limits(options.limits)
  // DER is scanned before it is copied: an input refused by the scan costs no allocation.
  const pem = typeof input === 'string' || looksLikePem(input)
  if (!pem) scanCertificateDer(input, limits)
  const der = derFrom(input, 'CERTIFICATE')
  if (pem) scanCertificateDer(der, limits)
  // asn1js and pkijs throw plain Errors (a GeneralizedTime that is not digits: "Wrong input
  // string for conversion"), TypeErrors and RangeErrors (deep nesting) on hostile DER: every
  // one of them is the input's fault, so it leaves here as ERR_CERT_INVALID, never as an
  // internal error.
  try {
    return decodeCertificate(der, limits)
  } catch (e) {
    if (e instanceof BootproofError) throw e
    invalid(`does not decode: ${e instanceof Error ? e.message : String(e)}`, e)
  }
}

/**
 * The asn1js tree of DER that `scanCertificateDer` accepted. asn1js gets the same node and depth
 * caps as a second line; OCTET / BIT STRING contents are not decoded speculatively (pkijs decodes
 * the extension values and keys it reads on its own, when read).
 */
function berTree(der: Uint8Array<ArrayBuffer>, limits: X509Limits): asn1js.AsnType {
  const asn = asn1js.fromBER(der, { maxNodes: limits.maxCertificateDerNodes, maxDepth: limits.maxCertificateDerDepth, parseEmbedded: false })
  if (asn.offset === -1 || asn.offset !== der.byteLength) invalid('not a single DER value (trailing or truncated bytes)')
  return asn.result
}

/**
 * The pkijs object of a certificate that decoded before (the shared cache keeps plain fields and
 * builds this again when a caller needs it).
 * @throws BootproofError ERR_CERT_INVALID / ERR_CERT_LIMIT
 */
export function pkijsCertificate(der: Uint8Array<ArrayBuffer>, limits: X509Limits = resolveX509Limits()): Certificate {
  scanCertificateDer(der, limits)
  try {
    return new Certificate({ schema: berTree(der, limits) })
  } catch (e) {
    if (e instanceof BootproofError) throw e
    invalid(`not an X.509 certificate: ${(e as Error).message}`, e)
  }
}

/** Digits of `s` from `i`, length `n`, as a number (NaN when any is not a digit). */
function digits(s: string, i: number, n: number): number {
  const part = s.slice(i, i + n)
  return /^[0-9]+$/.test(part) && part.length === n ? Number(part) : NaN
}

/**
 * RFC 5280 §4.1.2.5.1 / §4.1.2.5.2: UTCTime is exactly YYMMDDHHMMSSZ, GeneralizedTime exactly
 * YYYYMMDDHHMMSSZ (seconds present, Zulu, no fraction). asn1js accepts far more (letters become
 * 1899, month 13 rolls over), which would make validity checks run on invented dates.
 */
function checkTime(node: asn1js.AsnType | undefined, what: string): void {
  // asn1js's GeneralizedTime extends UTCTime: test the subclass first.
  const utc = !(node instanceof asn1js.GeneralizedTime) && node instanceof asn1js.UTCTime
  if (!utc && !(node instanceof asn1js.GeneralizedTime)) invalid(`${what} is not a UTCTime or GeneralizedTime`)
  const raw = String.fromCharCode(...(node as asn1js.UTCTime).valueBlock.valueHexView)
  const y = utc ? 2 : 4
  if (raw.length !== y + 11 || raw[raw.length - 1] !== 'Z') invalid(`${what} ${JSON.stringify(raw)} is not ${utc ? 'YYMMDDHHMMSSZ' : 'YYYYMMDDHHMMSSZ'}`)
  const [mo, d, h, mi, se] = [0, 2, 4, 6, 8].map((o) => digits(raw, y + o, 2)) as [number, number, number, number, number]
  const year = digits(raw, 0, y)
  const fullYear = utc ? (year >= 50 ? 1900 + year : 2000 + year) : year
  const daysInMonth = new Date(Date.UTC(fullYear, mo, 0)).getUTCDate()
  if (!(year >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth && h <= 23 && mi <= 59 && se <= 59)) invalid(`${what} ${JSON.stringify(raw)} is not a valid date and time`)
}

function decodeCertificate(der: Uint8Array<ArrayBuffer>, limits: X509Limits): CertificateInfo {
  const root = berTree(der, limits)
  let cert: Certificate
  try {
    cert = new Certificate({ schema: root })
  } catch (e) {
    invalid(`not an X.509 certificate: ${(e as Error).message}`, e)
  }
  // SPKI bytes as encoded (not re-encoded), for exact comparisons.
  const tbs = (root as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence
  const hasVersion = tbs.valueBlock.value[0]?.idBlock.tagClass === 3
  const validity = tbs.valueBlock.value[(hasVersion ? 1 : 0) + 3] as asn1js.Sequence | undefined
  checkTime(validity?.valueBlock.value[0], 'notBefore')
  checkTime(validity?.valueBlock.value[1], 'notAfter')
  const spkiNode = tbs.valueBlock.value[(hasVersion ? 1 : 0) + 5]
  if (!spkiNode) invalid('tbsCertificate has no subjectPublicKeyInfo')
  const spki = new Uint8Array(spkiNode.valueBeforeDecodeView)
  let publicKey: KeyMaterial | undefined
  try {
    publicKey = spkiToKeyMaterial(spki)
  } catch {
    publicKey = undefined
  }
  const subjectAttributes = nameAttributes(cert.subject)
  const issuerAttributes = nameAttributes(cert.issuer)

  const info: CertificateInfo = {
    der,
    version: cert.version + 1,
    serialNumber: toHex(cert.serialNumber.valueBlock.valueHexView),
    subject: nameString(subjectAttributes),
    subjectAttributes,
    issuer: nameString(issuerAttributes),
    issuerAttributes,
    notBefore: cert.notBefore.value,
    notAfter: cert.notAfter.value,
    signatureAlgorithm: cert.signatureAlgorithm.algorithmId,
    spki,
    ...(publicKey ? { publicKey } : {}),
    extensions: (cert.extensions ?? []).map((e) => ({ oid: e.extnID, critical: e.critical })),
    sanDirectoryNames: [],
    pkijs: cert,
  }

  const bc = ext(cert, OID.basicConstraints)
  if (bc) {
    const pv = bc.parsedValue as { cA?: boolean; pathLenConstraint?: number | asn1js.Integer } | undefined
    if (!pv) invalid('basicConstraints does not parse')
    const pl = pv.pathLenConstraint
    const pathLen = typeof pl === 'number' ? pl : pl instanceof asn1js.Integer ? pl.valueBlock.valueDec : undefined
    info.basicConstraints = { ca: pv.cA === true, critical: bc.critical, ...(pathLen === undefined ? {} : { pathLen }) }
  }
  const ku = ext(cert, OID.keyUsage)
  if (ku) {
    const bits = (ku.parsedValue as asn1js.BitString | undefined)?.valueBlock?.valueHexView
    if (!bits) invalid('keyUsage does not parse')
    info.keyUsage = KEY_USAGE_BITS.filter((_, i) => ((bits[i >> 3] ?? 0) & (0x80 >> (i & 7))) !== 0)
  }
  const eku = ext(cert, OID.extKeyUsage)
  if (eku) {
    const pv = eku.parsedValue as { keyPurposes?: string[] } | undefined
    if (!pv?.keyPurposes) invalid('extKeyUsage does not parse')
    info.extKeyUsage = [...pv.keyPurposes]
  }
  const san = ext(cert, OID.subjectAltName)
  if (san) {
    const pv = san.parsedValue as { altNames?: { type: number; value: unknown }[] } | undefined
    if (!pv?.altNames) invalid('subjectAltName does not parse')
    for (const gn of pv.altNames) {
      if (gn.type === 4 && gn.value instanceof RelativeDistinguishedNames) info.sanDirectoryNames.push(nameAttributes(gn.value))
    }
  }
  return info
}

/** Parse every certificate of a PEM bundle (or one DER certificate), each within `options.limits`. */
export function parseCertificates(input: Uint8Array | string, options: ParseCertificateOptions = {}): CertificateInfo[] {
  const text = typeof input === 'string' ? input : undefined
  if (text === undefined && input instanceof Uint8Array && input[0] === 0x30) return [parseCertificate(input, options)]
  const s = text ?? new TextDecoder().decode(input as Uint8Array)
  const blocks = s.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)
  if (!blocks) throw new BootproofError('ERR_PEM_INVALID', 'no CERTIFICATE block found')
  return blocks.map((b) => parseCertificate(b, options))
}
