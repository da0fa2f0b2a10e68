/**
 * VCEK / VLEK certificate profile (AMD "VCEK Certificate and KDS Interface Specification", doc
 * 57230): AMD extensions under 1.3.6.1.4.1.3704.1. The SPL values and the strings are DER
 * (INTEGER, IA5String) inside the extension's OCTET STRING; hwID is the 64 raw bytes themselves.
 * A VCEK carries hwID (the chip's CHIP_ID); a VLEK carries cspID (the cloud provider) instead.
 */
import * as asn1js from 'asn1js'
import type { CertificateInfo } from '../../x509/certificate.js'
import { SNP_PRODUCTS, type SnpProduct } from './roots.js'
import type { SnpTcbLevels } from './tcb.js'

const ARC = '1.3.6.1.4.1.3704.1'
export const AMD_OID = {
  structVersion: `${ARC}.1`,
  productName: `${ARC}.2`,
  blSpl: `${ARC}.3.1`,
  teeSpl: `${ARC}.3.2`,
  snpSpl: `${ARC}.3.3`,
  ucodeSpl: `${ARC}.3.8`,
  fmcSpl: `${ARC}.3.9`,
  hwId: `${ARC}.4`,
  cspId: `${ARC}.5`,
} as const

export interface SnpEndorsementKey {
  kind: 'vcek' | 'vlek'
  /** productName, e.g. `Milan-B0`, `Genoa`. */
  productName?: string
  /** The product line named by productName (text before the first `-`). */
  product?: SnpProduct
  /** TCB levels from the SPL extensions (fmc only when present). */
  tcb: SnpTcbLevels
  /** hwID (VCEK), raw bytes. */
  hwId?: Uint8Array
  /** cspID (VLEK). */
  cspId?: string
}

/** Why the certificate is not a usable VCEK / VLEK. */
export class VcekProfileError extends Error {}

function extensionValue(cert: CertificateInfo, oid: string): Uint8Array | undefined {
  const matches = (cert.pkijs.extensions ?? []).filter((e) => e.extnID === oid)
  if (matches.length > 1) throw new VcekProfileError(`extension ${oid} appears ${matches.length} times`)
  const e = matches[0]
  return e ? new Uint8Array(e.extnValue.valueBlock.valueHexView) : undefined
}

function innerDer(bytes: Uint8Array, oid: string): asn1js.AsnType {
  const parsed = asn1js.fromBER(bytes)
  if (parsed.offset === -1 || parsed.offset !== bytes.byteLength) throw new VcekProfileError(`extension ${oid} is not one DER value`)
  return parsed.result
}

/** A non-negative INTEGER extension value that fits in a byte (SPLs are 0..255). */
function splValue(cert: CertificateInfo, oid: string, name: string): number | undefined {
  const v = extensionValue(cert, oid)
  if (v === undefined) return undefined
  const node = innerDer(v, oid)
  if (!(node instanceof asn1js.Integer)) throw new VcekProfileError(`${name} (${oid}) is not an INTEGER`)
  const b = node.valueBlock.valueHexView
  if (b.length === 0 || (b[0]! & 0x80) !== 0) throw new VcekProfileError(`${name} (${oid}) is negative or empty`)
  let n = 0
  for (const x of b) {
    n = n * 256 + x
    if (n > 255) throw new VcekProfileError(`${name} (${oid}) exceeds 255`)
  }
  return n
}

function stringValue(cert: CertificateInfo, oid: string, name: string): string | undefined {
  const v = extensionValue(cert, oid)
  if (v === undefined) return undefined
  const node = innerDer(v, oid)
  if (!(node instanceof asn1js.IA5String)) throw new VcekProfileError(`${name} (${oid}) is not an IA5String`)
  return node.valueBlock.value
}

/**
 * Read the AMD extensions of a VCEK / VLEK. The key must be ECDSA P-384 and the subject CN
 * `SEV-VCEK` (with hwID, without cspID) or `SEV-VLEK` (with cspID, without hwID).
 * @throws VcekProfileError when the certificate does not have that profile.
 */
export function readEndorsementKey(cert: CertificateInfo): SnpEndorsementKey {
  const key = cert.publicKey
  if (!key || key.kty !== 'EC' || key.crv !== 'P-384') throw new VcekProfileError('the subject key is not an ECDSA P-384 key')
  const cn = cert.subjectAttributes.filter((a) => a.name === 'CN').map((a) => a.value)
  const kind = cn.length === 1 && cn[0] === 'SEV-VCEK' ? 'vcek' : cn.length === 1 && cn[0] === 'SEV-VLEK' ? 'vlek' : undefined
  if (!kind) throw new VcekProfileError(`subject CN ${JSON.stringify(cn.join(','))} is neither SEV-VCEK nor SEV-VLEK`)
  const hwId = extensionValue(cert, AMD_OID.hwId)
  const cspId = stringValue(cert, AMD_OID.cspId, 'cspID')
  if (kind === 'vcek' && (hwId === undefined || cspId !== undefined)) throw new VcekProfileError('a VCEK must carry hwID and no cspID')
  if (kind === 'vlek' && (cspId === undefined || hwId !== undefined)) throw new VcekProfileError('a VLEK must carry cspID and no hwID')
  const spl = (oid: string, name: string): number => {
    const v = splValue(cert, oid, name)
    if (v === undefined) throw new VcekProfileError(`${name} (${oid}) is missing`)
    return v
  }
  const tcb: SnpTcbLevels = {
    bootloader: spl(AMD_OID.blSpl, 'blSPL'),
    tee: spl(AMD_OID.teeSpl, 'teeSPL'),
    snp: spl(AMD_OID.snpSpl, 'snpSPL'),
    microcode: spl(AMD_OID.ucodeSpl, 'ucodeSPL'),
  }
  const fmc = splValue(cert, AMD_OID.fmcSpl, 'fmcSPL')
  if (fmc !== undefined) tcb.fmc = fmc
  const productName = stringValue(cert, AMD_OID.productName, 'productName')
  const product = SNP_PRODUCTS.find((p) => productName?.split('-')[0] === p)
  return {
    kind,
    ...(productName === undefined ? {} : { productName }),
    ...(product ? { product } : {}),
    tcb,
    ...(hwId ? { hwId } : {}),
    ...(cspId === undefined ? {} : { cspId }),
  }
}
