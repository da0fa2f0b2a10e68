/**
 * The attestation key as presented: a TPM public area (TPMT_PUBLIC / TPM2B_PUBLIC), an SPKI, an
 * X.509 AK certificate (with untrusted intermediates), or several of these together. `parseAk`
 * recognises the files users have: `tpm2_createak -u` (TPM2B_PUBLIC), go-tpm-tools `ak_pub`
 * (TPMT_PUBLIC), `tpm2_createak -f pem` / `tpm2_readpublic -f pem` (SPKI PEM), DER SPKI, and DER
 * or PEM certificates.
 */
import * as asn1js from 'asn1js'
import { BootproofError } from '../errors.js'
import { parseTpm2bPublic, parseTpmtPublic, type TpmtPublic } from './public.js'
import { looksLikePem, pemDecodeAll } from '../x509/pem.js'
import { parseCertificate, type CertificateInfo } from '../x509/certificate.js'
import { copyBytes } from './reader.js'

export interface AkMaterial {
  /** The TPM public area: the only form that carries the attributes and the scheme. */
  public?: TpmtPublic
  /** A DER SubjectPublicKeyInfo. */
  spki?: Uint8Array
  /** An AK certificate. */
  certificate?: CertificateInfo
  /** Untrusted intermediates that came with the certificate. */
  intermediates?: CertificateInfo[]
}

export interface AkParts {
  /** TPMT_PUBLIC or TPM2B_PUBLIC bytes, or an already parsed area. */
  public?: Uint8Array | TpmtPublic
  /** DER or PEM SPKI. */
  spki?: Uint8Array | string
  /** DER or PEM certificate. */
  certificate?: Uint8Array | string | CertificateInfo
  intermediates?: (Uint8Array | string | CertificateInfo)[]
}

/** What `verifyQuote` accepts as `ak`: one file's bytes/PEM text (auto-detected), a parsed area, or parts. */
export type AkInput = Uint8Array | string | TpmtPublic | AkParts

function isTpmtPublic(x: unknown): x is TpmtPublic {
  return typeof x === 'object' && x !== null && 'typeName' in x && 'bytes' in x && 'objectAttributes' in x
}

/** Parse TPMT_PUBLIC or TPM2B_PUBLIC bytes, telling them apart by the TPM2B size prefix. */
export function parseTpmPublicArea(bytes: Uint8Array): TpmtPublic {
  if (bytes.length >= 2 && ((bytes[0]! << 8) | bytes[1]!) === bytes.length - 2) return parseTpm2bPublic(bytes)
  return parseTpmtPublic(bytes)
}

function isCertificateDer(der: Uint8Array): boolean {
  // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE, ... }; SPKI ::= SEQUENCE { AlgorithmIdentifier SEQUENCE { OID, ... }, BIT STRING }
  // asn1js throws plain Errors on some malformed values (a GeneralizedTime of letters): the
  // file is at fault, so that is ERR_KEY_INVALID like any other undecodable DER.
  let parsed: ReturnType<typeof asn1js.fromBER>
  try {
    parsed = asn1js.fromBER(der)
  } catch (e) {
    throw new BootproofError('ERR_KEY_INVALID', `AK: DER input does not parse: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
  }
  if (parsed.offset === -1) throw new BootproofError('ERR_KEY_INVALID', 'AK: DER input does not parse')
  const first = (parsed.result as asn1js.Sequence).valueBlock?.value?.[0] as asn1js.Sequence | undefined
  const inner = first?.valueBlock?.value?.[0]
  return !(inner instanceof asn1js.ObjectIdentifier)
}

/**
 * Recognise one AK file.
 * @throws BootproofError ERR_TPM_* / ERR_KEY_INVALID / ERR_CERT_INVALID / ERR_PEM_INVALID
 */
export function parseAk(input: Uint8Array | string): AkMaterial {
  if (typeof input === 'string' || looksLikePem(input)) {
    const blocks = pemDecodeAll(input)
    const certs = blocks.filter((b) => b.label === 'CERTIFICATE').map((b) => parseCertificate(b.der))
    const keys = blocks.filter((b) => b.label === 'PUBLIC KEY')
    if (keys.length > 1) throw new BootproofError('ERR_PEM_INVALID', 'AK: more than one PUBLIC KEY block')
    if (!certs.length && !keys.length) throw new BootproofError('ERR_PEM_INVALID', 'AK: no CERTIFICATE or PUBLIC KEY block')
    const out: AkMaterial = {}
    if (keys[0]) out.spki = keys[0].der
    if (certs[0]) {
      out.certificate = certs[0]
      if (certs.length > 1) out.intermediates = certs.slice(1)
    }
    return out
  }
  if (input[0] === 0x30) {
    return isCertificateDer(input) ? { certificate: parseCertificate(input) } : { spki: copyBytes(input) }
  }
  return { public: parseTpmPublicArea(input) }
}

/** Normalise any `AkInput` into `AkMaterial`. */
export function resolveAk(input: AkInput): AkMaterial {
  if (input instanceof Uint8Array || typeof input === 'string') return parseAk(input)
  if (isTpmtPublic(input)) return { public: input }
  if (typeof input !== 'object' || input === null) throw new TypeError('ak must be bytes, PEM text, a parsed TPMT_PUBLIC or { public, spki, certificate }')
  const out: AkMaterial = {}
  if (input.public !== undefined) out.public = isTpmtPublic(input.public) ? input.public : parseTpmPublicArea(input.public)
  if (input.spki !== undefined) {
    const m = parseAk(input.spki)
    if (!m.spki) throw new BootproofError('ERR_KEY_INVALID', 'ak.spki is not a SubjectPublicKeyInfo')
    out.spki = m.spki
  }
  if (input.certificate !== undefined) {
    out.certificate = typeof input.certificate === 'string' || input.certificate instanceof Uint8Array ? parseCertificate(input.certificate) : input.certificate
  }
  if (input.intermediates?.length) {
    out.intermediates = input.intermediates.map((c) => (typeof c === 'string' || c instanceof Uint8Array ? parseCertificate(c) : c))
  }
  if (!out.public && !out.spki && !out.certificate) throw new TypeError('ak: none of public, spki, certificate given')
  return out
}
