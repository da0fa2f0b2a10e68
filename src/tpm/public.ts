/**
 * TPMT_PUBLIC / TPM2B_PUBLIC (TPM 2.0 Part 2 §12.2.4, §12.2.5) with the parameter and unique
 * unions selected by `type` (§12.2.3.7 TPMU_PUBLIC_PARMS, §12.2.3.2 TPMU_PUBLIC_ID), and the
 * object Name (Part 1 §16: nameAlg ‖ H_nameAlg(TPMT_PUBLIC)).
 */
import type { ByteReader } from '../bytes/reader.js'
import { hashAlgName, type HashAlgName } from '../alg.js'
import { BootproofError } from '../errors.js'
import { defaultHashProvider, type HashProvider } from '../hash/provider.js'
import { concatBytes } from '../bytes/hex.js'
import { TPM_ALG, TPMA_OBJECT, TPM_LIMITS, algName, curveName, type ObjectAttributeName } from './constants.js'
import { copyBytes, expectEnd, malformed, tpmReader, unsupported } from './reader.js'

export interface TpmtSymDefObject {
  algorithm: number
  algorithmName: string
  /** Absent when `algorithm` is TPM_ALG_NULL. */
  keyBits?: number
  mode?: number
  modeName?: string
}

/** TPMT_RSA_SCHEME / TPMT_ECC_SCHEME / TPMT_KEYEDHASH_SCHEME. */
export interface TpmtScheme {
  scheme: number
  schemeName: string
  /** The scheme's hash; absent for NULL and for schemes without one (RSAES). */
  hashAlg?: number
  hashName?: string
  /** ECDAA commit count. */
  count?: number
  /** XOR keyed-hash KDF. */
  kdf?: number
}

export interface TpmtKdfScheme {
  scheme: number
  schemeName: string
  hashAlg?: number
}

export interface RsaPublicDetails {
  symmetric: TpmtSymDefObject
  scheme: TpmtScheme
  keyBits: number
  /** The exponent as encoded; 0 means the default 2^16 + 1 (Part 2 §12.2.3.5). */
  exponentRaw: number
  /** The effective exponent. */
  exponent: number
  /** unique: the big-endian modulus. */
  modulus: Uint8Array
}

export interface EccPublicDetails {
  symmetric: TpmtSymDefObject
  scheme: TpmtScheme
  curveId: number
  curveName: string
  kdf: TpmtKdfScheme
  /** unique: the public point (big-endian coordinates). */
  x: Uint8Array
  y: Uint8Array
}

export interface KeyedHashPublicDetails {
  scheme: TpmtScheme
  unique: Uint8Array
}

export interface SymCipherPublicDetails {
  symmetric: TpmtSymDefObject
  unique: Uint8Array
}

export type ObjectAttributes = Record<ObjectAttributeName, boolean>

export interface TpmtPublic {
  type: number
  typeName: 'rsa' | 'ecc' | 'keyedhash' | 'symcipher'
  nameAlg: number
  nameAlgName: string
  /** TPMA_OBJECT as a number. */
  objectAttributes: number
  /** The named TPMA_OBJECT flags. */
  attributes: ObjectAttributes
  /** Bits set in TPMA_OBJECT that Part 2 reserves (must be zero in a TPM-generated area). */
  reservedAttributeBits: number
  authPolicy: Uint8Array
  rsa?: RsaPublicDetails
  ecc?: EccPublicDetails
  keyedHash?: KeyedHashPublicDetails
  symCipher?: SymCipherPublicDetails
  /** The exact marshalled TPMT_PUBLIC (what the Name hashes). */
  bytes: Uint8Array
}

const KNOWN_ATTRIBUTE_MASK = Object.values(TPMA_OBJECT).reduce((a, b) => a | b, 0)

/** The TPMA_OBJECT table as pairs, built once (this runs for every AK parsed). */
const ATTRIBUTE_MASKS = Object.entries(TPMA_OBJECT) as [ObjectAttributeName, number][]

export function decodeObjectAttributes(v: number): ObjectAttributes {
  const out = {} as ObjectAttributes
  for (const [k, mask] of ATTRIBUTE_MASKS) out[k] = (v & mask) !== 0
  return out
}

const BLOCK_CIPHERS = new Set<number>([TPM_ALG.AES, TPM_ALG.SM4, TPM_ALG.CAMELLIA])

function readSymDefObject(r: ByteReader, field: string): TpmtSymDefObject {
  const algorithm = r.u16be(`${field}.algorithm`)
  if (algorithm === TPM_ALG.NULL) return { algorithm, algorithmName: 'null' }
  if (!BLOCK_CIPHERS.has(algorithm)) malformed(`${field}: ${algName(algorithm)} is not a TPMI_ALG_SYM_OBJECT`, r, field)
  const keyBits = r.u16be(`${field}.keyBits`)
  const mode = r.u16be(`${field}.mode`)
  return { algorithm, algorithmName: algName(algorithm), keyBits, mode, modeName: algName(mode) }
}

/** Signing / encryption schemes whose details are TPMS_SCHEME_HASH (Part 2 §11.2.1.2). */
const HASH_SCHEMES = new Set<number>([
  TPM_ALG.RSASSA,
  TPM_ALG.RSAPSS,
  TPM_ALG.OAEP,
  TPM_ALG.ECDSA,
  TPM_ALG.ECDH,
  TPM_ALG.SM2,
  TPM_ALG.ECSCHNORR,
  TPM_ALG.ECMQV,
])

function readScheme(r: ByteReader, field: string, allowed: ReadonlySet<number>): TpmtScheme {
  const scheme = r.u16be(`${field}.scheme`)
  const out: TpmtScheme = { scheme, schemeName: algName(scheme) }
  if (scheme === TPM_ALG.NULL) return out
  if (!allowed.has(scheme)) malformed(`${field}: ${algName(scheme)} is not a valid scheme here`, r, field)
  if (scheme === TPM_ALG.RSAES) return out
  if (HASH_SCHEMES.has(scheme) || scheme === TPM_ALG.HMAC) {
    out.hashAlg = r.u16be(`${field}.details.hashAlg`)
    out.hashName = algName(out.hashAlg)
  } else if (scheme === TPM_ALG.ECDAA) {
    out.hashAlg = r.u16be(`${field}.details.hashAlg`)
    out.hashName = algName(out.hashAlg)
    out.count = r.u16be(`${field}.details.count`)
  } else if (scheme === TPM_ALG.XOR) {
    out.hashAlg = r.u16be(`${field}.details.hashAlg`)
    out.hashName = algName(out.hashAlg)
    out.kdf = r.u16be(`${field}.details.kdf`)
  }
  return out
}

const RSA_SCHEMES = new Set<number>([TPM_ALG.RSASSA, TPM_ALG.RSAPSS, TPM_ALG.RSAES, TPM_ALG.OAEP])
const ECC_SCHEMES = new Set<number>([TPM_ALG.ECDSA, TPM_ALG.ECDAA, TPM_ALG.SM2, TPM_ALG.ECSCHNORR, TPM_ALG.ECDH, TPM_ALG.ECMQV])
const KEYEDHASH_SCHEMES = new Set<number>([TPM_ALG.HMAC, TPM_ALG.XOR])
const KDF_SCHEMES = new Set<number>([TPM_ALG.MGF1, TPM_ALG.KDF1_SP800_56A, TPM_ALG.KDF2, TPM_ALG.KDF1_SP800_108])

/** Read a TPMT_PUBLIC at the cursor (the cursor must end exactly at the structure's end when parsing standalone). */
export function readTpmtPublic(r: ByteReader): TpmtPublic {
  const start = r.pos
  const type = r.u16be('type')
  const nameAlg = r.u16be('nameAlg')
  const objectAttributes = r.u32be('objectAttributes')
  const authPolicy = r.tpm2b('authPolicy', TPM_LIMITS.maxDigest)
  const base = {
    type,
    nameAlg,
    nameAlgName: algName(nameAlg),
    objectAttributes,
    attributes: decodeObjectAttributes(objectAttributes),
    reservedAttributeBits: (objectAttributes & ~KNOWN_ATTRIBUTE_MASK) >>> 0,
    authPolicy,
  }
  let out: Omit<TpmtPublic, 'bytes'>
  switch (type) {
    case TPM_ALG.RSA: {
      const symmetric = readSymDefObject(r, 'parameters.symmetric')
      const scheme = readScheme(r, 'parameters.scheme', RSA_SCHEMES)
      const keyBits = r.u16be('parameters.keyBits')
      const exponentRaw = r.u32be('parameters.exponent')
      const modulus = r.tpm2b('unique.rsa', TPM_LIMITS.maxRsaKeyBytes)
      out = {
        ...base,
        typeName: 'rsa',
        rsa: { symmetric, scheme, keyBits, exponentRaw, exponent: exponentRaw === 0 ? 65537 : exponentRaw, modulus },
      }
      break
    }
    case TPM_ALG.ECC: {
      const symmetric = readSymDefObject(r, 'parameters.symmetric')
      const scheme = readScheme(r, 'parameters.scheme', ECC_SCHEMES)
      const curveId = r.u16be('parameters.curveID')
      const kdfScheme = r.u16be('parameters.kdf.scheme')
      const kdf: TpmtKdfScheme = { scheme: kdfScheme, schemeName: algName(kdfScheme) }
      if (kdfScheme !== TPM_ALG.NULL) {
        if (!KDF_SCHEMES.has(kdfScheme)) malformed(`parameters.kdf: ${algName(kdfScheme)} is not a KDF`, r, 'parameters.kdf')
        kdf.hashAlg = r.u16be('parameters.kdf.hashAlg')
      }
      const x = r.tpm2b('unique.ecc.x', TPM_LIMITS.maxEccKeyBytes)
      const y = r.tpm2b('unique.ecc.y', TPM_LIMITS.maxEccKeyBytes)
      out = { ...base, typeName: 'ecc', ecc: { symmetric, scheme, curveId, curveName: curveName(curveId), kdf, x, y } }
      break
    }
    case TPM_ALG.KEYEDHASH: {
      const scheme = readScheme(r, 'parameters.scheme', KEYEDHASH_SCHEMES)
      const unique = r.tpm2b('unique.keyedHash', TPM_LIMITS.maxDigest)
      out = { ...base, typeName: 'keyedhash', keyedHash: { scheme, unique } }
      break
    }
    case TPM_ALG.SYMCIPHER: {
      const symmetric = readSymDefObject(r, 'parameters.symmetric')
      const unique = r.tpm2b('unique.sym', TPM_LIMITS.maxDigest)
      out = { ...base, typeName: 'symcipher', symCipher: { symmetric, unique } }
      break
    }
    default:
      unsupported(`TPMT_PUBLIC.type ${algName(type)} is not a TPMI_ALG_PUBLIC`, r, 'type')
  }
  return { ...out, bytes: r.bytes.subarray(start, r.pos) }
}

/** Parse a marshalled TPMT_PUBLIC (no size prefix; go-tpm-tools / go-attestation `ak_pub`). */
export function parseTpmtPublic(bytes: Uint8Array): TpmtPublic {
  if (bytes.length > TPM_LIMITS.maxPublicBytes) {
    tpmReader(bytes).limit('TPMT_PUBLIC', bytes.length, TPM_LIMITS.maxPublicBytes, 0)
  }
  const r = tpmReader(bytes)
  const pub = readTpmtPublic(r)
  expectEnd(r, 'TPMT_PUBLIC')
  return pub
}

/** Parse a TPM2B_PUBLIC (u16 size ‖ TPMT_PUBLIC; `tpm2_createak -u`). The size must match exactly. */
export function parseTpm2bPublic(bytes: Uint8Array): TpmtPublic {
  const r = tpmReader(bytes)
  const inner = r.tpm2b('TPM2B_PUBLIC', TPM_LIMITS.maxPublicBytes)
  expectEnd(r, 'TPM2B_PUBLIC')
  const ir = tpmReader(inner, 2)
  const pub = readTpmtPublic(ir)
  expectEnd(ir, 'TPM2B_PUBLIC.publicArea')
  return pub
}

/** Marshal a TPMT_PUBLIC back into a TPM2B_PUBLIC. */
export function toTpm2bPublic(pub: TpmtPublic): Uint8Array {
  const out = new Uint8Array(2 + pub.bytes.length)
  new DataView(out.buffer).setUint16(0, pub.bytes.length)
  out.set(pub.bytes, 2)
  return out
}

/**
 * The object's Name: nameAlg (u16 big-endian) ‖ H_nameAlg(marshalled TPMT_PUBLIC) (TPM 2.0
 * Part 1 §16). This is what credential activation binds and what `qualifiedSigner` chains.
 * @throws BootproofError ERR_TPM_UNSUPPORTED when nameAlg is not a hash this library implements.
 */
export function computeName(pub: TpmtPublic, hash: HashProvider = defaultHashProvider()): Uint8Array {
  const alg = hashAlgName(pub.nameAlg)
  if (!alg) throw new BootproofError('ERR_TPM_UNSUPPORTED', `nameAlg ${pub.nameAlgName} cannot compute a Name`, { field: 'nameAlg' })
  const head = new Uint8Array(2)
  new DataView(head.buffer).setUint16(0, pub.nameAlg)
  return copyBytes(concatBytes(head, hash.digest(alg, pub.bytes)))
}

/** The signing hash named by an AK's scheme (go-attestation `AKPublic.Hash`), if any. */
export function schemeHash(pub: TpmtPublic): HashAlgName | undefined {
  const s = pub.rsa?.scheme ?? pub.ecc?.scheme
  return s?.hashAlg === undefined ? undefined : hashAlgName(s.hashAlg)
}
