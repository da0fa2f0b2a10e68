/**
 * Server-side TPM2_MakeCredential (TPM 2.0 Part 3 §12.6, Part 1 §24 "Credential Protection")
 * for an RSA EK: the backend wraps a secret to (EK, AK Name); only a TPM that holds that EK
 * and has an object with that exact Name loaded can recover it with TPM2_ActivateCredential.
 * This is how an AK Name — and so the TPMT_PUBLIC later used for quotes — is bound to a
 * certified EK (CVE-2021-3406).
 *
 *   seed            random, |seed| = digest size of the EK nameAlg
 *   encryptedSecret RSA-OAEP(EK, seed; hash = EK nameAlg, label "IDENTITY\0")
 *   symKey          KDFa(nameAlg, seed, "STORAGE", akName, ∅, EK symmetric keyBits)
 *   encIdentity     AES-CFB(symKey, IV = 0, TPM2B(secret))
 *   hmacKey         KDFa(nameAlg, seed, "INTEGRITY", ∅, ∅, digest bits)
 *   outerHMAC       HMAC(nameAlg, hmacKey, encIdentity ‖ akName)
 *   credentialBlob  TPM2B_ID_OBJECT { TPM2B_DIGEST outerHMAC ‖ encIdentity }
 *
 * `toTpm2ToolsCredentialBlob` writes the file `tpm2_makecredential -o` produces and
 * `tpm2_activatecredential -i` reads: u32 0xBADCC0DE ‖ u32 1 ‖ TPM2B_ID_OBJECT ‖
 * TPM2B_ENCRYPTED_SECRET (all big-endian). ECC EKs (ECDH + KDFe) are not implemented.
 */
import { concatBytes } from '../bytes/hex.js'
import { digestSize, hashAlgName } from '../alg.js'
import { BootproofError } from '../errors.js'
import { TPM_ALG } from './constants.js'
import type { TpmtPublic } from './public.js'
import { parseTpmPublicArea } from './ak.js'
import { tpmPublicToKeyMaterial, keyMaterialToJwk, WEBCRYPTO_HASH } from './keys.js'
import { kdfa, hmac } from './kdfa.js'
import { aesCfbEncrypt } from './aes_cfb.js'
import { copyBytes } from './reader.js'

export interface MakeCredentialInput {
  /** The EK public area (TPMT_PUBLIC or TPM2B_PUBLIC bytes, or parsed). RSA with AES-CFB symmetric. */
  ekPublic: Uint8Array | TpmtPublic
  /** The AK Name (nameAlg ‖ digest), e.g. `computeName(akPublic)` or `tpm2_createak -n`. */
  akName: Uint8Array
  /** The secret to wrap (1..digest size of the EK nameAlg bytes). */
  secret: Uint8Array
  /** WebCrypto implementation (default globalThis.crypto). */
  crypto?: Crypto
  /** Fixed seed, for known-answer tests only. Default: fresh random bytes. */
  seed?: Uint8Array
}

export interface MakeCredentialResult {
  /** TPM2B_ID_OBJECT (with its u16 size). */
  credentialBlob: Uint8Array
  /** TPM2B_ENCRYPTED_SECRET (with its u16 size). */
  encryptedSecret: Uint8Array
}

function bad(message: string): never {
  throw new BootproofError('ERR_CREDENTIAL_INVALID', `MakeCredential: ${message}`)
}

function tpm2b(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + b.length)
  out[0] = b.length >> 8
  out[1] = b.length & 0xff
  out.set(b, 2)
  return out
}

/**
 * Wrap `secret` for the TPM holding `ekPublic`, bound to `akName`.
 * @throws BootproofError ERR_CREDENTIAL_INVALID (unsupported EK, bad Name or secret size)
 */
export async function makeCredential(input: MakeCredentialInput): Promise<MakeCredentialResult> {
  const c = input.crypto ?? globalThis.crypto
  const subtle = c.subtle
  const ek = input.ekPublic instanceof Uint8Array ? parseTpmPublicArea(input.ekPublic) : input.ekPublic
  if (!ek.rsa) bad('only RSA EKs are supported (ECC EKs need ECDH/KDFe)')
  const nameAlg = hashAlgName(ek.nameAlg)
  if (!nameAlg || !WEBCRYPTO_HASH[nameAlg]) bad(`EK nameAlg ${ek.nameAlgName} is not supported`)
  const sym = ek.rsa.symmetric
  if (sym.algorithm !== TPM_ALG.AES || sym.mode !== TPM_ALG.CFB || !sym.keyBits || ![128, 192, 256].includes(sym.keyBits)) {
    bad(`EK symmetric ${sym.algorithmName}${sym.keyBits ?? ''}-${sym.modeName ?? ''} is not AES-CFB`)
  }
  if (!ek.attributes.decrypt || !ek.attributes.restricted) bad('EK is not a restricted decryption key')
  const dsize = digestSize(nameAlg)
  const akAlg = input.akName.length >= 2 ? hashAlgName((input.akName[0]! << 8) | input.akName[1]!) : undefined
  if (!akAlg || input.akName.length !== 2 + digestSize(akAlg)) bad('akName is not nameAlg ‖ digest')
  if (input.secret.length < 1 || input.secret.length > dsize) bad(`secret must be 1..${dsize} bytes`)

  const seed = input.seed ? copyBytes(input.seed) : c.getRandomValues(new Uint8Array(dsize))
  if (seed.length !== dsize) bad(`seed must be ${dsize} bytes`)

  const ekKey = await subtle.importKey('jwk', keyMaterialToJwk(tpmPublicToKeyMaterial(ek)), { name: 'RSA-OAEP', hash: WEBCRYPTO_HASH[nameAlg]! }, false, ['encrypt'])
  const label = new TextEncoder().encode('IDENTITY\0')
  const encSeed = new Uint8Array(await subtle.encrypt({ name: 'RSA-OAEP', label }, ekKey, seed))

  const symKey = await kdfa(nameAlg, seed, 'STORAGE', input.akName, new Uint8Array(0), sym.keyBits, subtle)
  const encIdentity = await aesCfbEncrypt(symKey, new Uint8Array(16), tpm2b(input.secret), subtle)
  const hmacKey = await kdfa(nameAlg, seed, 'INTEGRITY', new Uint8Array(0), new Uint8Array(0), dsize * 8, subtle)
  const outerHmac = await hmac(nameAlg, hmacKey, concatBytes(encIdentity, input.akName), subtle)
  return {
    credentialBlob: tpm2b(concatBytes(tpm2b(outerHmac), encIdentity)),
    encryptedSecret: tpm2b(encSeed),
  }
}

/** The tpm2-tools credential file (`tpm2_makecredential -o`, input of `tpm2_activatecredential -i`). */
export function toTpm2ToolsCredentialBlob(r: MakeCredentialResult): Uint8Array {
  const head = new Uint8Array(8)
  const v = new DataView(head.buffer)
  v.setUint32(0, 0xbadcc0de)
  v.setUint32(4, 1)
  return concatBytes(head, r.credentialBlob, r.encryptedSecret)
}
