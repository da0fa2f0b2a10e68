/**
 * TPMT_PUBLIC / TPM2B_PUBLIC (TPM 2.0 Part 2 §12.2.4, §12.2.5) with the parameter and unique
 * unions selected by `type` (§12.2.3.7 TPMU_PUBLIC_PARMS, §12.2.3.2 TPMU_PUBLIC_ID), and the
 * object Name (Part 1 §16: nameAlg ‖ H_nameAlg(TPMT_PUBLIC)).
 */
import type { ByteReader } from '../bytes/reader.js'
import { hashAlgName, type HashAlgName } from '../alg.js'
import { BootproofError } from '../errors.js'
import { defaultHashProvider, type HashProvider } from '../hash/provider.js'
import { TPM_ALG, TPMA_OBJECT, TPM_LIMITS, algName, curveName, type ObjectAttributeName } from './constants.js'
import { expectEnd, malformed, tpmReader, unsupported } from './reader.js'

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

export function decodeObjectAttributes(v: number): ObjectAttributes {
  // One object literal (a single shape), in TPMA_OBJECT's key order.
  return {
    fixedTPM: (v & TPMA_OBJECT.fixedTPM) !== 0,
    stClear: (v & TPMA_OBJECT.stClear) !== 0,
    fixedParent: (v & TPMA_OBJECT.fixedParent) !== 0,
    sensitiveDataOrigin: (v & TPMA_OBJECT.sensitiveDataOrigin) !== 0,
    userWithAuth: (v & TPMA_OBJECT.userWithAuth) !== 0,
    adminWithPolicy: (v & TPMA_OBJECT.adminWithPolicy) !== 0,
    noDA: (v & TPMA_OBJECT.noDA) !== 0,
    encryptedDuplication: (v & TPMA_OBJECT.encryptedDuplication) !== 0,
    restricted: (v & TPMA_OBJECT.restricted) !== 0,
    decrypt: (v & TPMA_OBJECT.decrypt) !== 0,
    sign: (v & TPMA_OBJECT.sign) !== 0,
    x509sign: (v & TPMA_OBJECT.x509sign) !== 0,
  }
}

const BLOCK_CIPHERS = new Set<number>([TPM_ALG.AES, TPM_ALG.SM4, TPM_ALG.CAMELLIA])

/**
 * Field names of the TPMT_PUBLIC parameter structures, as static strings: the hot path passes
 * them to the reader instead of building `${field}.x` for every read.
 */
const SYM = { field: 'parameters.symmetric', algorithm: 'parameters.symmetric.algorithm', keyBits: 'parameters.symmetric.keyBits', mode: 'parameters.symmetric.mode' } as const
const SCHEME = {
  field: 'parameters.scheme',
  scheme: 'parameters.scheme.scheme',
  hashAlg: 'parameters.scheme.details.hashAlg',
  count: 'parameters.scheme.details.count',
  kdf: 'parameters.scheme.details.kdf',
} as const

function readSymDefObject(r: ByteReader): TpmtSymDefObject {
  const algorithm = r.u16be(SYM.algorithm)
  if (algorithm === TPM_ALG.NULL) return { algorithm, algorithmName: 'null' }
  if (!BLOCK_CIPHERS.has(algorithm)) malformed(`${SYM.field}: ${algName(algorithm)} is not a TPMI_ALG_SYM_OBJECT`, r, SYM.field)
  const keyBits = r.u16be(SYM.keyBits)
  const mode = r.u16be(SYM.mode)
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

function readScheme(r: ByteReader, allowed: ReadonlySet<number>): TpmtScheme {
  const scheme = r.u16be(SCHEME.scheme)
  if (scheme === TPM_ALG.NULL) return { scheme, schemeName: algName(scheme) }
  if (!allowed.has(scheme)) malformed(`${SCHEME.field}: ${algName(scheme)} is not a valid scheme here`, r, SCHEME.field)
  if (scheme === TPM_ALG.RSAES) return { scheme, schemeName: algName(scheme) }
  if (HASH_SCHEMES.has(scheme) || scheme === TPM_ALG.HMAC) {
    const hashAlg = r.u16be(SCHEME.hashAlg)
    return { scheme, schemeName: algName(scheme), hashAlg, hashName: algName(hashAlg) }
  }
  if (scheme === TPM_ALG.ECDAA) {
    const hashAlg = r.u16be(SCHEME.hashAlg)
    const hashName = algName(hashAlg)
    return { scheme, schemeName: algName(scheme), hashAlg, hashName, count: r.u16be(SCHEME.count) }
  }
  if (scheme === TPM_ALG.XOR) {
    const hashAlg = r.u16be(SCHEME.hashAlg)
    const hashName = algName(hashAlg)
    return { scheme, schemeName: algName(scheme), hashAlg, hashName, kdf: r.u16be(SCHEME.kdf) }
  }
  return { scheme, schemeName: algName(scheme) }
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
  const nameAlgName = algName(nameAlg)
  const attributes = decodeObjectAttributes(objectAttributes)
  const reservedAttributeBits = (objectAttributes & ~KNOWN_ATTRIBUTE_MASK) >>> 0
  // Each case builds the result as one literal, keys in the documented order
  // (type, nameAlg, nameAlgName, objectAttributes, attributes, reservedAttributeBits, authPolicy,
  // typeName, <details>, bytes).
  switch (type) {
    case TPM_ALG.RSA: {
      const symmetric = readSymDefObject(r)
      const scheme = readScheme(r, RSA_SCHEMES)
      const keyBits = r.u16be('parameters.keyBits')
      const exponentRaw = r.u32be('parameters.exponent')
      const modulus = r.tpm2b('unique.rsa', TPM_LIMITS.maxRsaKeyBytes)
      return {
        type,
        nameAlg,
        nameAlgName,
        objectAttributes,
        attributes,
        reservedAttributeBits,
        authPolicy,
        typeName: 'rsa',
        rsa: { symmetric, scheme, keyBits, exponentRaw, exponent: exponentRaw === 0 ? 65537 : exponentRaw, modulus },
        bytes: r.bytes.subarray(start, r.pos),
      }
    }
    case TPM_ALG.ECC: {
      const symmetric = readSymDefObject(r)
      const scheme = readScheme(r, ECC_SCHEMES)
      const curveId = r.u16be('parameters.curveID')
      const kdfScheme = r.u16be('parameters.kdf.scheme')
      let kdf: TpmtKdfScheme
      if (kdfScheme === TPM_ALG.NULL) kdf = { scheme: kdfScheme, schemeName: algName(kdfScheme) }
      else {
        if (!KDF_SCHEMES.has(kdfScheme)) malformed(`parameters.kdf: ${algName(kdfScheme)} is not a KDF`, r, 'parameters.kdf')
        kdf = { scheme: kdfScheme, schemeName: algName(kdfScheme), hashAlg: r.u16be('parameters.kdf.hashAlg') }
      }
      const x = r.tpm2b('unique.ecc.x', TPM_LIMITS.maxEccKeyBytes)
      const y = r.tpm2b('unique.ecc.y', TPM_LIMITS.maxEccKeyBytes)
      return {
        type,
        nameAlg,
        nameAlgName,
        objectAttributes,
        attributes,
        reservedAttributeBits,
        authPolicy,
        typeName: 'ecc',
        ecc: { symmetric, scheme, curveId, curveName: curveName(curveId), kdf, x, y },
        bytes: r.bytes.subarray(start, r.pos),
      }
    }
    case TPM_ALG.KEYEDHASH: {
      const scheme = readScheme(r, KEYEDHASH_SCHEMES)
      const unique = r.tpm2b('unique.keyedHash', TPM_LIMITS.maxDigest)
      return {
        type,
        nameAlg,
        nameAlgName,
        objectAttributes,
        attributes,
        reservedAttributeBits,
        authPolicy,
        typeName: 'keyedhash',
        keyedHash: { scheme, unique },
        bytes: r.bytes.subarray(start, r.pos),
      }
    }
    case TPM_ALG.SYMCIPHER: {
      const symmetric = readSymDefObject(r)
      const unique = r.tpm2b('unique.sym', TPM_LIMITS.maxDigest)
      return {
        type,
        nameAlg,
        nameAlgName,
        objectAttributes,
        attributes,
        reservedAttributeBits,
        authPolicy,
        typeName: 'symcipher',
        symCipher: { symmetric, unique },
        bytes: r.bytes.subarray(start, r.pos),
      }
    }
    default:
      unsupported(`TPMT_PUBLIC.type ${algName(type)} is not a TPMI_ALG_PUBLIC`, r, 'type')
  }
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
  const digest = hash.digest(alg, pub.bytes)
  const out = new Uint8Array(2 + digest.length)
  out[0] = (pub.nameAlg >>> 8) & 0xff
  out[1] = pub.nameAlg & 0xff
  out.set(digest, 2)
  return out
}

/** The signing hash named by an AK's scheme (go-attestation `AKPublic.Hash`), if any. */
export function schemeHash(pub: TpmtPublic): HashAlgName | undefined {
  const s = pub.rsa?.scheme ?? pub.ecc?.scheme
  return s?.hashAlg === undefined ? undefined : hashAlgName(s.hashAlg)
}
