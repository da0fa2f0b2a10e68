/**
 * KDFa (TPM 2.0 Part 1 §11.4.10.2): NIST SP 800-108 counter-mode KDF with HMAC,
 *   K(i) = HMAC_hash(key, [i]_32 ‖ label ‖ 0x00 ‖ contextU ‖ contextV ‖ [bits]_32),
 * concatenated and truncated to `bits`. The label's terminating NUL is added when absent.
 * Uses WebCrypto HMAC (async), so it runs in any runtime.
 */
import { concatBytes } from '../bytes/hex.js'
import type { HashAlgName } from '../alg.js'
import { digestSize } from '../alg.js'
import { WEBCRYPTO_HASH } from './keys.js'
import { BootproofError } from '../errors.js'
import { copyBytes } from './reader.js'

const u32 = (v: number) => new Uint8Array([(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff])

export async function hmac(hash: HashAlgName, key: Uint8Array, data: Uint8Array, subtle: SubtleCrypto = globalThis.crypto.subtle): Promise<Uint8Array> {
  const name = WEBCRYPTO_HASH[hash]
  if (!name) throw new BootproofError('ERR_HASH_UNSUPPORTED', `HMAC-${hash} is not available in WebCrypto`)
  const k = await subtle.importKey('raw', copyBytes(key), { name: 'HMAC', hash: name }, false, ['sign'])
  return new Uint8Array(await subtle.sign('HMAC', k, copyBytes(data)))
}

export async function kdfa(
  hash: HashAlgName,
  key: Uint8Array,
  label: string,
  contextU: Uint8Array,
  contextV: Uint8Array,
  bits: number,
  subtle: SubtleCrypto = globalThis.crypto.subtle,
): Promise<Uint8Array> {
  if (!Number.isInteger(bits) || bits <= 0 || bits % 8 !== 0) throw new TypeError('kdfa: bits must be a positive multiple of 8')
  const labelBytes = new TextEncoder().encode(label.endsWith('\0') ? label : label + '\0')
  const bytes = bits / 8
  const parts: Uint8Array[] = []
  for (let i = 1, have = 0; have < bytes; i++) {
    const k = await hmac(hash, key, concatBytes(u32(i), labelBytes, contextU, contextV, u32(bits)), subtle)
    parts.push(k)
    have += digestSize(hash)
  }
  return concatBytes(...parts).slice(0, bytes)
}
