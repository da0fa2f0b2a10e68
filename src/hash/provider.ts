/**
 * Synchronous hashing for the replay path. Replay and integrity checks hash thousands of small
 * buffers; an async WebCrypto round trip per extend would cost more than the hashing itself, so
 * hashing here is synchronous and pluggable.
 *
 * Default: Node's built-in crypto reached through `process.getBuiltinModule` (no static
 * `node:` import, so the core stays portable), otherwise the pure-JS @noble/hashes and the
 * local SM3 implementation.
 */
import { sha1 } from '@noble/hashes/legacy.js'
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js'
import { sha3_256, sha3_384, sha3_512 } from '@noble/hashes/sha3.js'
import { BootproofError } from '../errors.js'
import type { HashAlgName } from '../alg.js'
import { bytesEqual, fromHex } from '../bytes/hex.js'
import { sm3 } from './sm3.js'

export interface HashProvider {
  /** Implementation name, reported in benchmarks and verdict metadata. */
  readonly name: string
  /** H(data) */
  digest(alg: HashAlgName, data: Uint8Array): Uint8Array
  /** H(a ‖ b), the PCR extend primitive, without concatenating. */
  digest2(alg: HashAlgName, a: Uint8Array, b: Uint8Array): Uint8Array
  /**
   * Optional: whether H(data) equals `expected`, for a provider that can tell without making a
   * digest array. Callers go through `digestEquals()` below, which falls back to `digest`.
   */
  digestEquals?(alg: HashAlgName, data: Uint8Array, expected: Uint8Array): boolean
  /**
   * Optional: H(a ‖ b) written into `out` (`out` may be `a`), for a provider that can do so
   * without making a digest array. Returns false, leaving `out` untouched, when it cannot serve
   * this call (algorithm, sizes, or `out.length` not the digest size). Callers go through
   * `extendInto()` below, which falls back to `digest2`.
   */
  digest2Into?(alg: HashAlgName, a: Uint8Array, b: Uint8Array, out: Uint8Array): boolean
}

/** H(data) = expected, through the provider's allocation-free comparison when it has one. */
export function digestEquals(provider: HashProvider, alg: HashAlgName, data: Uint8Array, expected: Uint8Array): boolean {
  if (provider.digestEquals !== undefined) return provider.digestEquals(alg, data, expected)
  return bytesEqual(provider.digest(alg, data), expected)
}

/**
 * H(value ‖ b), the PCR extend: written into `value` and returned when the provider can do so,
 * else a new array from `digest2`. The caller must own `value` (nothing else may hold it).
 */
export function extendInto(provider: HashProvider, alg: HashAlgName, value: Uint8Array, b: Uint8Array): Uint8Array {
  if (provider.digest2Into !== undefined && provider.digest2Into(alg, value, b, value)) return value
  return provider.digest2(alg, value, b)
}

type NobleHash = { (data: Uint8Array): Uint8Array; create(): { update(d: Uint8Array): unknown; digest(): Uint8Array } }

const NOBLE: Record<HashAlgName, NobleHash | undefined> = {
  sha1: sha1 as NobleHash,
  sha256: sha256 as NobleHash,
  sha384: sha384 as NobleHash,
  sha512: sha512 as NobleHash,
  sha3_256: sha3_256 as NobleHash,
  sha3_384: sha3_384 as NobleHash,
  sha3_512: sha3_512 as NobleHash,
  sm3_256: undefined,
}

function unsupported(alg: string): never {
  throw new BootproofError('ERR_HASH_UNSUPPORTED', `hash algorithm ${alg} is not supported by this hash provider`)
}

/** Pure-JS provider: works in every runtime. */
export const nobleHashProvider: HashProvider = {
  name: 'noble',
  digest(alg, data) {
    if (alg === 'sm3_256') return sm3(data)
    const h = NOBLE[alg]
    if (!h) unsupported(alg)
    return h(data)
  },
  digest2(alg, a, b) {
    if (alg === 'sm3_256') {
      const buf = new Uint8Array(a.length + b.length)
      buf.set(a)
      buf.set(b, a.length)
      return sm3(buf)
    }
    const h = NOBLE[alg]
    if (!h) unsupported(alg)
    const ctx = h.create()
    ctx.update(a)
    ctx.update(b)
    return ctx.digest()
  },
}

export interface NodeCryptoLike {
  createHash(alg: string): { update(d: Uint8Array): unknown; digest(): Uint8Array }
  /**
   * `crypto.hash` (Node >= 20.12). When it also answers `'latin1'` with the digest as a one-byte
   * string (checked once against a known answer), every method of the provider uses that form.
   */
  hash?: (alg: string, data: Uint8Array, enc: 'buffer') => Uint8Array
  getHashes(): string[]
}

/** The bytes of a one-byte string (a 'latin1' digest: char codes 0-255), written into `out`. */
function latin1Bytes(s: string, out: Uint8Array = new Uint8Array(s.length)): Uint8Array {
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i)
  return out
}

type Latin1Hash = (alg: string, data: Uint8Array, enc: 'latin1') => unknown

/** SHA-256("abc") (FIPS 180-2 appendix B.1), as the one-byte string a 'latin1' output gives. */
const SHA256_ABC = String.fromCharCode(...fromHex('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'))
const ABC = new Uint8Array([0x61, 0x62, 0x63])

/** `c.hash` with a 'latin1' output, when it returns exactly the known answer; else undefined. */
function latin1Hash(c: NodeCryptoLike, have: ReadonlySet<string>): ((alg: string, data: Uint8Array) => string) | undefined {
  if (typeof c.hash !== 'function' || !have.has('sha256')) return undefined
  const h = (c.hash as unknown as Latin1Hash).bind(c)
  try {
    if (h('sha256', ABC, 'latin1') !== SHA256_ABC) return undefined
  } catch {
    return undefined
  }
  return (alg, data) => h(alg, data, 'latin1') as string
}

const NODE_NAMES: Record<HashAlgName, string> = {
  sha1: 'sha1',
  sha256: 'sha256',
  sha384: 'sha384',
  sha512: 'sha512',
  sm3_256: 'sm3',
  sha3_256: 'sha3-256',
  sha3_384: 'sha3-384',
  sha3_512: 'sha3-512',
}

/** Build a provider on a node:crypto-compatible module. Unsupported algorithms fall back to noble. */
export function nodeCryptoHashProvider(c: NodeCryptoLike): HashProvider {
  const have = new Set(c.getHashes())
  const native = new Set<HashAlgName>((Object.keys(NODE_NAMES) as HashAlgName[]).filter((a) => have.has(NODE_NAMES[a])))
  // crypto.hash() (Node >= 20.12) is a one-shot without a Hash object: the fastest path for H(data).
  const oneShot = typeof c.hash === 'function' ? c.hash.bind(c) : undefined
  const scratch = new Uint8Array(256)
  // One view of the scratch buffer per length, made once: an extend is always 2 x the digest size.
  const views: (Uint8Array | undefined)[] = []
  /** a ‖ b in the scratch buffer (the caller checked the size). Byte loops, not TypedArray#set: for
   * the 20-64 bytes of an extend operand the builtin's call costs more than the copy (~0.05 µs of a
   * ~0.35 µs extend on Node 20). */
  const joined = (a: Uint8Array, b: Uint8Array): Uint8Array => {
    const la = a.length
    const n = la + b.length
    for (let i = 0; i < la; i++) scratch[i] = a[i]!
    for (let i = 0; i < b.length; i++) scratch[la + i] = b[i]!
    return (views[n] ??= scratch.subarray(0, n))
  }
  // Per algorithm, resolved once: the node name when native (no Set lookup per hash).
  const names: Partial<Record<HashAlgName, string>> = Object.create(null)
  for (const a of native) names[a] = NODE_NAMES[a]
  // A 'latin1' output is a one-byte string on the JS heap; a 'buffer' output is a Buffer with its
  // own backing store, which costs more than hashing a PCR extend (measured on Node 20: ~0.26 µs
  // against ~0.8 µs per sha256 of 64 bytes) and adds external memory that the GC must track.
  const latin1 = latin1Hash(c, have)
  const provider: HashProvider = {
    name: 'node:crypto',
    digest(alg, data) {
      const n = names[alg]
      if (n === undefined) return nobleHashProvider.digest(alg, data)
      // The 'latin1' string copied into a fresh array still costs about half a Buffer output.
      if (latin1) return latin1Bytes(latin1(n, data))
      if (oneShot) return oneShot(n, data, 'buffer')
      const h = c.createHash(n)
      h.update(data)
      return h.digest()
    },
    digest2(alg, a, b) {
      const name = names[alg]
      if (name === undefined) return nobleHashProvider.digest2(alg, a, b)
      // Measured on Node 20: one crypto.hash() over a concatenation costs ~0.9 µs against ~1.4 µs
      // for createHash + two updates (bench/run.mjs). PCR extends are 40-128 bytes, so the copy
      // into a reused scratch buffer is cheaper than a Hash object.
      const n = a.length + b.length
      if (oneShot && n <= scratch.length) {
        const view = joined(a, b)
        return latin1 ? latin1Bytes(latin1(name, view)) : oneShot(name, view, 'buffer')
      }
      const h = c.createHash(name)
      h.update(a)
      h.update(b)
      return h.digest()
    },
    digestEquals(alg, data, expected) {
      const n = names[alg]
      if (n === undefined || latin1 === undefined) return bytesEqual(provider.digest(alg, data), expected)
      const s = latin1(n, data)
      if (s.length !== expected.length) return false
      for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) !== expected[i]) return false
      return true
    },
    digest2Into(alg, a, b, out) {
      const name = names[alg]
      const n = a.length + b.length
      if (name === undefined || latin1 === undefined || n > scratch.length) return false
      const s = latin1(name, joined(a, b))
      if (s.length !== out.length) return false
      latin1Bytes(s, out)
      return true
    },
  }
  return provider
}

let cached: HashProvider | undefined

/** The default provider: node:crypto when the runtime has it, else noble. Resolved once. */
export function defaultHashProvider(): HashProvider {
  if (cached) return cached
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  const mod = typeof p?.getBuiltinModule === 'function' ? (p.getBuiltinModule('node:crypto') as NodeCryptoLike | undefined) : undefined
  cached = mod && typeof mod.createHash === 'function' ? nodeCryptoHashProvider(mod) : nobleHashProvider
  return cached
}
