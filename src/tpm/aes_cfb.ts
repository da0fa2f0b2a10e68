/**
 * AES in CFB-128 mode (NIST SP 800-38A §6.3), the symmetric mode of TPM credential protection
 * (TPM 2.0 Part 1 §24, EK templates use AES-CFB). WebCrypto has no CFB, but CFB needs only
 * the forward cipher E_K: one AES-CBC encryption of a single block under a zero IV yields
 * E_K(block) as its first 16 bytes (the second block is padding and is dropped). This keeps
 * the core on WebCrypto in every runtime, at one async call per 16-byte block — fine for
 * credentials (≤ 66 bytes).
 */
import { copyBytes } from './reader.js'

const ZERO_IV = new Uint8Array(16)

async function encryptBlock(key: CryptoKey, block: Uint8Array, subtle: SubtleCrypto): Promise<Uint8Array> {
  const out = new Uint8Array(await subtle.encrypt({ name: 'AES-CBC', iv: ZERO_IV }, key, copyBytes(block)))
  return out.subarray(0, 16)
}

async function cfb(keyBytes: Uint8Array, iv: Uint8Array, input: Uint8Array, decrypt: boolean, subtle: SubtleCrypto): Promise<Uint8Array> {
  if (![16, 24, 32].includes(keyBytes.length)) throw new TypeError('AES key must be 16, 24 or 32 bytes')
  if (iv.length !== 16) throw new TypeError('CFB IV must be 16 bytes')
  const key = await subtle.importKey('raw', copyBytes(keyBytes), { name: 'AES-CBC' }, false, ['encrypt'])
  const out = new Uint8Array(input.length)
  let feedback = iv
  for (let off = 0; off < input.length; off += 16) {
    const ks = await encryptBlock(key, feedback, subtle)
    const n = Math.min(16, input.length - off)
    for (let j = 0; j < n; j++) out[off + j] = input[off + j]! ^ ks[j]!
    feedback = (decrypt ? input : out).subarray(off, off + 16)
  }
  return out
}

export function aesCfbEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, subtle: SubtleCrypto = globalThis.crypto.subtle): Promise<Uint8Array> {
  return cfb(key, iv, plaintext, false, subtle)
}

export function aesCfbDecrypt(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, subtle: SubtleCrypto = globalThis.crypto.subtle): Promise<Uint8Array> {
  return cfb(key, iv, ciphertext, true, subtle)
}
