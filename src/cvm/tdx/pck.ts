/**
 * The PCK certificate's SGX extension (Intel "SGX PCK Certificate and CRL Profile", SGX
 * Extensions, OID 1.2.840.113741.1.13.1): a SEQUENCE of { OID, value } pairs.
 *
 *   .1 PPID (OCTET STRING 16)      .2 TCB: SEQUENCE of { .2.1-.2.16 SGX TCB component SVNs (INTEGER),
 *   .3 PCE-ID (OCTET STRING 2)             .2.17 PCESVN (INTEGER), .2.18 CPUSVN (OCTET STRING 16) }
 *   .4 FMSPC (OCTET STRING 6)      .5 SGX type (ENUMERATED)   .6 / .7 platform members (Platform CA)
 *
 * FMSPC selects the TCB Info; PCESVN and the 16 component SVNs are compared with its TCB levels.
 */
import * as asn1js from 'asn1js'
import { toHex } from '../../bytes/hex.js'
import type { CertificateInfo } from '../../x509/certificate.js'

export const SGX_EXTENSION_OID = '1.2.840.113741.1.13.1'

export interface PckExtensions {
  /** Hex, 16 bytes. */
  ppid: string
  /** SGX TCB component SVNs 1-16 (each 0-255). */
  tcbComponents: number[]
  pceSvn: number
  /** Hex, 16 bytes. */
  cpuSvn: string
  /** Hex, 2 bytes, lowercase. */
  pceId: string
  /** Hex, 6 bytes, lowercase. */
  fmspc: string
  /** 0 = Standard, 1 = Scalable, 2 = Scalable with integrity (when present). */
  sgxType?: number
}

/** Why the certificate lacks a usable SGX extension. */
export class PckExtensionError extends Error {}

function bad(message: string): never {
  throw new PckExtensionError(message)
}

/** The { OID, value } pairs of a SEQUENCE, keyed by OID; a repeated OID is an error. */
function members(node: asn1js.AsnType, where: string): Map<string, asn1js.AsnType> {
  if (!(node instanceof asn1js.Sequence)) bad(`${where} is not a SEQUENCE`)
  const out = new Map<string, asn1js.AsnType>()
  for (const m of node.valueBlock.value) {
    const pair = m instanceof asn1js.Sequence ? m.valueBlock.value : []
    const [oid, value] = pair
    if (pair.length !== 2 || !(oid instanceof asn1js.ObjectIdentifier) || !value) bad(`${where} holds an entry that is not { OID, value }`)
    const id = oid.valueBlock.toString()
    if (out.has(id)) bad(`${where} repeats ${id}`)
    out.set(id, value)
  }
  return out
}

function octets(m: Map<string, asn1js.AsnType>, oid: string, name: string, size: number): Uint8Array {
  const v = m.get(oid)
  if (!(v instanceof asn1js.OctetString)) bad(`${name} (${oid}) is missing or not an OCTET STRING`)
  const b = new Uint8Array(v.valueBlock.valueHexView)
  if (b.length !== size) bad(`${name} (${oid}) is ${b.length} bytes, expected ${size}`)
  return b
}

function smallInt(v: asn1js.AsnType | undefined, name: string, max: number): number {
  if (!(v instanceof asn1js.Integer) && !(v instanceof asn1js.Enumerated)) bad(`${name} is missing or not an INTEGER`)
  const b = v.valueBlock.valueHexView
  if (b.length === 0 || (b[0]! & 0x80) !== 0) bad(`${name} is negative or empty`)
  let n = 0
  for (const x of b) {
    n = n * 256 + x
    if (n > max) bad(`${name} exceeds ${max}`)
  }
  return n
}

/**
 * Read the SGX extension of a PCK certificate.
 * @throws PckExtensionError when it is absent, repeated or malformed.
 */
export function readPckExtensions(cert: CertificateInfo): PckExtensions {
  const exts = (cert.pkijs.extensions ?? []).filter((e) => e.extnID === SGX_EXTENSION_OID)
  if (exts.length !== 1) bad(exts.length ? `the SGX extension ${SGX_EXTENSION_OID} appears ${exts.length} times` : `no SGX extension ${SGX_EXTENSION_OID}`)
  const raw = new Uint8Array(exts[0]!.extnValue.valueBlock.valueHexView)
  const parsed = asn1js.fromBER(raw)
  if (parsed.offset === -1 || parsed.offset !== raw.byteLength) bad('the SGX extension is not one DER value')
  const top = members(parsed.result, 'SGX extension')
  const arc = SGX_EXTENSION_OID
  const tcb = members(top.get(`${arc}.2`) ?? bad(`TCB (${arc}.2) is missing`), `TCB (${arc}.2)`)
  const tcbComponents: number[] = []
  for (let i = 1; i <= 16; i++) tcbComponents.push(smallInt(tcb.get(`${arc}.2.${i}`), `SGX TCB component ${i} (${arc}.2.${i})`, 255))
  const out: PckExtensions = {
    ppid: toHex(octets(top, `${arc}.1`, 'PPID', 16)),
    tcbComponents,
    pceSvn: smallInt(tcb.get(`${arc}.2.17`), `PCESVN (${arc}.2.17)`, 0xffff),
    cpuSvn: toHex(octets(tcb, `${arc}.2.18`, 'CPUSVN', 16)),
    pceId: toHex(octets(top, `${arc}.3`, 'PCE-ID', 2)),
    fmspc: toHex(octets(top, `${arc}.4`, 'FMSPC', 6)),
  }
  if (top.has(`${arc}.5`)) out.sgxType = smallInt(top.get(`${arc}.5`), `SGX type (${arc}.5)`, 255)
  return out
}
