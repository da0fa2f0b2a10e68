/**
 * Synchronous signature verification through Node's built-in crypto (OpenSSL), reached with
 * `process.getBuiltinModule` so the core never imports `node:` statically. On Node a WebCrypto
 * RSA verify costs about 3x the synchronous `crypto.verify` (thread-pool round trip + promise),
 * and a fleet verifies one quote per attestation. Runtimes without it use WebCrypto
 * (verify_signature.ts). Both are OpenSSL/BoringSSL-backed: no JS big-number crypto.
 *
 * RSASSA-PSS is verified with an explicit salt length (attack Q-09: Node's default would accept
 * any salt), ECDSA with the IEEE P1363 encoding the caller built from the checked r/s.
 */
import type { HashAlgName } from '../alg.js'
import type { KeyMaterial } from './keys.js'
import { keyMaterialToJwk } from './keys.js'

interface KeyObjectLike {
  readonly type: string
}
interface NodeCryptoVerify {
  createPublicKey(input: { key: JsonWebKey; format: 'jwk' }): KeyObjectLike
  verify(alg: string | null, data: Uint8Array, key: KeyObjectLike | { key: KeyObjectLike; padding?: number; saltLength?: number; dsaEncoding?: 'ieee-p1363' | 'der' }, sig: Uint8Array): boolean
  constants: { RSA_PKCS1_PSS_PADDING: number; RSA_PKCS1_PADDING: number }
}

let resolved: NodeCryptoVerify | null | undefined

/** node:crypto's verify API, or undefined where the runtime has none (browsers, Deno without it). */
export function nodeCryptoVerifier(): NodeCryptoVerify | undefined {
  if (resolved !== undefined) return resolved ?? undefined
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  const mod = typeof p?.getBuiltinModule === 'function' ? (p.getBuiltinModule('node:crypto') as NodeCryptoVerify | undefined) : undefined
  resolved = mod && typeof mod.verify === 'function' && typeof mod.createPublicKey === 'function' ? mod : null
  return resolved ?? undefined
}

/** Test hook: force the WebCrypto path (false) or re-detect (undefined). */
export function setNodeCryptoVerifier(v: false | undefined): void {
  resolved = v === false ? null : undefined
}

/**
 * Key objects by exact key material (public keys only, so caching is safe). Bounded LRU like the
 * WebCrypto cache: distinct attacker keys only evict entries.
 */
const KEY_OBJECTS_MAX = 1024
const keyObjects = new Map<string, KeyObjectLike>()

function raw(b: Uint8Array): string {
  let s = ''
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode.apply(null, b.subarray(i, i + 4096) as unknown as number[])
  return `${b.length}:${s}`
}

/**
 * Key objects of key material that its owner never mutates nor hands out (the AK cache's private
 * copies, ak_cache.ts): found by identity, without re-encoding the key bytes.
 */
const pinned = new WeakMap<KeyMaterial, KeyObjectLike>()

/** Remember `k`'s key object by identity. Only for key material nobody can mutate. */
export function pinNodeKeyObject(k: KeyMaterial): void {
  const c = nodeCryptoVerifier()
  if (!c) return
  try {
    pinned.set(k, nodeKeyObject(c, k))
  } catch {
    /* rejected keys are never pinned: every use fails closed again */
  }
}

/** @throws whatever node:crypto throws for a key it rejects (the caller maps it to ERR_AK_KEY_INVALID). */
export function nodeKeyObject(c: NodeCryptoVerify, k: KeyMaterial): KeyObjectLike {
  const p = pinned.get(k)
  if (p) return p
  const id = k.kty === 'RSA' ? `RSA|${raw(k.n)}|${raw(k.e)}` : `EC|${k.crv}|${raw(k.x)}|${raw(k.y)}`
  const hit = keyObjects.get(id)
  if (hit) {
    keyObjects.delete(id)
    keyObjects.set(id, hit)
    return hit
  }
  const key = c.createPublicKey({ key: keyMaterialToJwk(k), format: 'jwk' })
  keyObjects.set(id, key)
  if (keyObjects.size > KEY_OBJECTS_MAX) keyObjects.delete(keyObjects.keys().next().value!)
  return key
}

const NODE_HASH: Record<string, string> = { sha1: 'sha1', sha256: 'sha256', sha384: 'sha384', sha512: 'sha512' }

export function nodeHashName(h: HashAlgName): string | undefined {
  return NODE_HASH[h]
}
