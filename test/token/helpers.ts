/**
 * Test harness for token tests: compact JWS built by hand (so headers and payloads can carry
 * duplicate members, `1e400` or any `alg`), software keys, and small X.509 chains made with pkijs.
 */
import { createHmac, generateKeyPairSync, webcrypto } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import * as asn1js from 'asn1js'
import * as pkijs from 'pkijs'
import { CORPUS } from '../helpers/corpus.js'

export const subtle = webcrypto.subtle as unknown as SubtleCrypto

export const b64u = (x: string | Uint8Array): string => Buffer.from(typeof x === 'string' ? Buffer.from(x, 'utf8') : x).toString('base64url')
export const fromB64u = (s: string): Buffer => Buffer.from(s, 'base64url')

export const INSTANCE = 'https://myinst.eus.attest.azure.net'
export const CERTS_URL = `${INSTANCE}/certs`
export const NONCE = 'bm9uY2UtMTIzNDU2Nzg5MA'
/** A fixed verification time: 2025-03-01T00:00:00Z. */
export const NOW_SEC = 1740787200
export const NOW = new Date(NOW_SEC * 1000)

export interface Signer {
  alg: string
  privateKey: CryptoKey
  publicKey: CryptoKey
  publicJwk: JsonWebKey & { kty: string }
}

const PARAMS: Record<string, { gen: RsaHashedKeyGenParams | EcKeyGenParams; sign: AlgorithmIdentifier | RsaPssParams | EcdsaParams }> = {
  RS256: { gen: { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, sign: 'RSASSA-PKCS1-v1_5' },
  PS256: { gen: { name: 'RSA-PSS', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, sign: { name: 'RSA-PSS', saltLength: 32 } },
  ES256: { gen: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } },
}

export async function makeSigner(alg: 'RS256' | 'PS256' | 'ES256', modulusLength = 2048): Promise<Signer> {
  const p = PARAMS[alg]!
  const gen = 'modulusLength' in p.gen ? { ...p.gen, modulusLength } : p.gen
  const kp = (await subtle.generateKey(gen, true, ['sign', 'verify'])) as CryptoKeyPair
  const publicJwk = (await subtle.exportKey('jwk', kp.publicKey)) as JsonWebKey & { kty: string }
  delete publicJwk.key_ops
  delete publicJwk.ext
  delete publicJwk.alg
  return { alg, privateKey: kp.privateKey, publicKey: kp.publicKey, publicJwk }
}

/** Sign `headerText.payloadText` exactly as given (raw JSON strings). */
export async function signRaw(headerText: string, payloadText: string, signer: Signer | { hmacSecret: Uint8Array | string }): Promise<string> {
  const input = `${b64u(headerText)}.${b64u(payloadText)}`
  let sig: Uint8Array
  if ('hmacSecret' in signer) sig = createHmac('sha256', signer.hmacSecret).update(input).digest()
  else sig = new Uint8Array(await subtle.sign(PARAMS[signer.alg]!.sign, signer.privateKey, new TextEncoder().encode(input)))
  return `${input}.${b64u(sig)}`
}

export async function sign(header: Record<string, unknown>, payload: Record<string, unknown>, signer: Signer): Promise<string> {
  return signRaw(JSON.stringify({ alg: signer.alg, ...header }), JSON.stringify(payload), signer)
}

/** An MAA-shaped TPM payload valid at NOW for INSTANCE, bound to NONCE. */
export function maaPayload(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: INSTANCE,
    iat: NOW_SEC - 60,
    nbf: NOW_SEC - 60,
    exp: NOW_SEC + 8 * 3600,
    jti: 'abc',
    'x-ms-ver': '1.0',
    nonce: NONCE,
    rp_data: NONCE,
    'x-ms-policy-hash': 'gyvwpw0gyv_-uJoWgD8o3PsZJcoaBgw3KkOOizeKYNg',
    'x-ms-tpm-request-key': { jwk: { kty: 'RSA', n: 'AQAB', e: 'AQAB' }, info: { tpm_quote: { hash_alg: 'sha-256' } } },
    'x-ms-policy': { SecureBootEnabled: true, BootDebuggingEnabled: false, notSafeMode: true },
    ...over,
  }
}

export function jwksOf(...entries: (Signer | Record<string, unknown>)[]): { keys: Record<string, unknown>[] } {
  return { keys: entries.map((e, i) => ('publicJwk' in e ? { ...(e as Signer).publicJwk, kid: `k${i}` } : (e as Record<string, unknown>))) }
}

// ---------- X.509 (pkijs) ----------

const engine = new pkijs.CryptoEngine({ name: 'test', crypto: webcrypto as unknown as Crypto })

export interface TestCert {
  der: Uint8Array<ArrayBuffer>
  b64: string
  pem: string
  keys: CryptoKeyPair
  signer: Signer
}

export interface CertSpec {
  cn: string
  issuer?: TestCert
  ca?: boolean
  eku?: string[]
  keyUsage?: number // bit mask byte: 0x80 digitalSignature, 0x04 keyCertSign, 0x02 cRLSign
  notBefore?: Date
  notAfter?: Date
  serial?: number
}

let serialCounter = 1000

export async function makeCert(spec: CertSpec): Promise<TestCert> {
  const signer = await makeSigner('RS256')
  const keys = { privateKey: signer.privateKey, publicKey: signer.publicKey }
  const cert = new pkijs.Certificate()
  cert.version = 2
  cert.serialNumber = new asn1js.Integer({ value: spec.serial ?? serialCounter++ })
  const name = (cn: string) => new pkijs.AttributeTypeAndValue({ type: '2.5.4.3', value: new asn1js.Utf8String({ value: cn }) })
  cert.subject.typesAndValues.push(name(spec.cn))
  if (spec.issuer) cert.issuer = pkijs.Certificate.fromBER(spec.issuer.der).subject
  else cert.issuer.typesAndValues.push(name(spec.cn))
  cert.notBefore.value = spec.notBefore ?? new Date('2020-01-01T00:00:00Z')
  cert.notAfter.value = spec.notAfter ?? new Date('2035-01-01T00:00:00Z')
  const exts: pkijs.Extension[] = []
  const bc = new pkijs.BasicConstraints({ cA: spec.ca ?? false })
  exts.push(new pkijs.Extension({ extnID: '2.5.29.19', critical: true, extnValue: bc.toSchema().toBER(false), parsedValue: bc }))
  const ku = spec.keyUsage ?? (spec.ca ? 0x06 : 0x80)
  const kuBits = new asn1js.BitString({ valueHex: new Uint8Array([ku]).buffer, unusedBits: 0 })
  exts.push(new pkijs.Extension({ extnID: '2.5.29.15', critical: true, extnValue: kuBits.toBER(false) }))
  if (spec.eku) {
    const eku = new pkijs.ExtKeyUsage({ keyPurposes: spec.eku })
    exts.push(new pkijs.Extension({ extnID: '2.5.29.37', critical: false, extnValue: eku.toSchema().toBER(false), parsedValue: eku }))
  }
  cert.extensions = exts
  await cert.subjectPublicKeyInfo.importKey(keys.publicKey, engine)
  await cert.sign(spec.issuer ? spec.issuer.keys.privateKey : keys.privateKey, 'SHA-256', engine)
  const der = new Uint8Array(cert.toSchema(true).toBER(false))
  const b64 = Buffer.from(der).toString('base64')
  const pem = `-----BEGIN CERTIFICATE-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`
  return { der, b64, pem, keys, signer }
}

export const MAA_EKU = '1.3.6.1.4.1.311.76.50.3'

/** base64url(SHA-1(DER)): the MAA `kid` for an x5c leaf. */
export async function sha1Kid(der: Uint8Array<ArrayBuffer>): Promise<string> {
  return b64u(new Uint8Array(await subtle.digest('SHA-1', der)))
}

// ---------- corpus ----------

export const TOKENS = CORPUS ? resolve(CORPUS, 'tokens') : undefined
export function corpusText(name: string): string {
  return readFileSync(resolve(TOKENS!, name), 'utf8').trim()
}
export function corpusJson<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(resolve(TOKENS!, name), 'utf8')) as T
}

/** RSA public key material of a signer as PEM (SPKI), DER and JWK JSON: the key-confusion secrets. */
export function rsaPublicForms(): { pem: string; der: Buffer; jwkJson: string; keyPair: ReturnType<typeof generateKeyPairSync> } {
  const keyPair = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const pem = keyPair.publicKey.export({ type: 'spki', format: 'pem' }) as string
  const der = keyPair.publicKey.export({ type: 'spki', format: 'der' }) as Buffer
  const jwkJson = JSON.stringify(keyPair.publicKey.export({ format: 'jwk' }))
  return { pem, der, jwkJson, keyPair }
}
