/**
 * Test-only X.509 builder on pkijs + Node's WebCrypto: issues small chains with deliberate
 * defects (CA=false issuer, pathLen, EKU order, expired, unknown critical extension, SHA-1).
 */
import * as asn1js from 'asn1js'
import {
  AltName, AttributeTypeAndValue, BasicConstraints, Certificate, CryptoEngine, ExtKeyUsage, Extension, GeneralName, RelativeDistinguishedNames, Time,
} from 'pkijs'
import { webcrypto } from 'node:crypto'

const crypto = webcrypto as unknown as Crypto
const engine = new CryptoEngine({ name: 'test', crypto })

export interface Issued {
  cert: Certificate
  der: Uint8Array
  keys: CryptoKeyPair
}

export interface CertSpec {
  subjectCN?: string
  /** Empty subject (AK certificate profile). */
  emptySubject?: boolean
  issuer?: Issued
  ca?: boolean
  pathLen?: number
  /** keyUsage bits as the first byte (0x80 digitalSignature, 0x04 keyCertSign, 0x02 cRLSign). */
  keyUsage?: number
  eku?: string[]
  tpmSan?: { manufacturer: string; model: string; version: string; multiValued?: boolean }
  notBefore?: Date
  notAfter?: Date
  extraCritical?: string
  hash?: 'SHA-256' | 'SHA-1'
  keys?: CryptoKeyPair
  serial?: number
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256' } as const

export async function newKeys(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair
}

function rdn(cn: string): RelativeDistinguishedNames {
  return new RelativeDistinguishedNames({ typesAndValues: [new AttributeTypeAndValue({ type: '2.5.4.3', value: new asn1js.Utf8String({ value: cn }) })] })
}

export async function issue(spec: CertSpec): Promise<Issued> {
  const keys = spec.keys ?? (await newKeys())
  const cert = new Certificate()
  cert.version = 2
  cert.serialNumber = new asn1js.Integer({ value: spec.serial ?? Math.floor(Math.random() * 1e9) + 1 })
  const subject = spec.emptySubject ? new RelativeDistinguishedNames() : rdn(spec.subjectCN ?? 'test')
  cert.subject = subject
  cert.issuer = spec.issuer ? spec.issuer.cert.subject : subject
  cert.notBefore = new Time({ type: 0, value: spec.notBefore ?? new Date('2024-01-01T00:00:00Z') })
  cert.notAfter = new Time({ type: 0, value: spec.notAfter ?? new Date('2040-01-01T00:00:00Z') })
  const exts: Extension[] = []
  if (spec.ca !== undefined) {
    const bc = new BasicConstraints({ cA: spec.ca, ...(spec.pathLen !== undefined ? { pathLenConstraint: spec.pathLen } : {}) })
    exts.push(new Extension({ extnID: '2.5.29.19', critical: true, extnValue: bc.toSchema().toBER(false), parsedValue: bc }))
  }
  if (spec.keyUsage !== undefined) {
    const bits = new asn1js.BitString({ valueHex: Uint8Array.of(spec.keyUsage).buffer })
    exts.push(new Extension({ extnID: '2.5.29.15', critical: true, extnValue: bits.toBER(false) }))
  }
  if (spec.eku) {
    const eku = new ExtKeyUsage({ keyPurposes: spec.eku })
    exts.push(new Extension({ extnID: '2.5.29.37', critical: false, extnValue: eku.toSchema().toBER(false) }))
  }
  if (spec.tpmSan) {
    const attrs = [
      ['2.23.133.2.1', spec.tpmSan.manufacturer],
      ['2.23.133.2.2', spec.tpmSan.model],
      ['2.23.133.2.3', spec.tpmSan.version],
    ].map(([type, value]) => new AttributeTypeAndValue({ type: type!, value: new asn1js.Utf8String({ value: value! }) }))
    // Spec encoding: one RDN (SET) per attribute; non-compliant: one multi-valued RDN.
    const sets = spec.tpmSan.multiValued ? [new asn1js.Set({ value: attrs.map((a) => a.toSchema()) })] : attrs.map((a) => new asn1js.Set({ value: [a.toSchema()] }))
    const dn = new asn1js.Sequence({ value: sets })
    const gn = new GeneralName({ type: 4, value: new RelativeDistinguishedNames({ schema: dn }) })
    const san = new AltName({ altNames: [gn] })
    exts.push(new Extension({ extnID: '2.5.29.17', critical: !!spec.emptySubject, extnValue: san.toSchema().toBER(false) }))
  }
  if (spec.extraCritical) exts.push(new Extension({ extnID: spec.extraCritical, critical: true, extnValue: new asn1js.Null().toBER(false) }))
  if (exts.length) cert.extensions = exts
  await cert.subjectPublicKeyInfo.importKey(keys.publicKey, engine)
  await cert.sign((spec.issuer?.keys ?? keys).privateKey, spec.hash ?? 'SHA-256', engine)
  const der = new Uint8Array(cert.toSchema(true).toBER(false))
  return { cert, der, keys }
}

export function toPem(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n')
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`
}
