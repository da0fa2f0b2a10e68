/**
 * The allocation-free hash paths (`digestEquals`, `digest2Into`, and the `digestEquals()` /
 * `extendInto()` helpers every replay and integrity check goes through) must give exactly what
 * `digest` / `digest2` give, for every algorithm, on node:crypto's string-output path and on every
 * fallback: algorithms node:crypto lacks, inputs larger than the scratch buffer, a node:crypto-like
 * module whose `hash` has no string output, and providers without the optional methods.
 */
import * as nodeCrypto from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { HashAlgName } from '../../src/alg.js'
import { defaultHashProvider, digestEquals, extendInto, nobleHashProvider, nodeCryptoHashProvider, type HashProvider, type NodeCryptoLike } from '../../src/hash/provider.js'

const ALGS: HashAlgName[] = ['sha1', 'sha256', 'sha384', 'sha512', 'sm3_256', 'sha3_256', 'sha3_384', 'sha3_512']
const SIZE: Record<HashAlgName, number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64, sm3_256: 32, sha3_256: 32, sha3_384: 48, sha3_512: 64 }

const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed * 7 + 3) & 0xff)
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** node:crypto whose `hash` only knows a Buffer output (as a module without string output would). */
const bufferOnly: NodeCryptoLike = {
  createHash: (a) => nodeCrypto.createHash(a),
  getHashes: () => nodeCrypto.getHashes(),
  hash: (a, d, enc) => {
    if (enc !== 'buffer') throw new TypeError(`unsupported output ${String(enc)}`)
    return nodeCrypto.hash(a, d, 'buffer')
  },
}
/** A `hash` that answers 'latin1' wrongly (hex): the known-answer probe must reject it. */
const wrongLatin1: NodeCryptoLike = { ...bufferOnly, hash: ((a: string, d: Uint8Array, enc: string) => nodeCrypto.hash(a, d, enc === 'buffer' ? 'buffer' : 'hex')) as NodeCryptoLike['hash'] }
/** Only `createHash` (Node before 20.12). */
const noOneShot: NodeCryptoLike = { createHash: (a) => nodeCrypto.createHash(a), getHashes: () => nodeCrypto.getHashes() }

const PROVIDERS: [string, HashProvider][] = [
  ['default (node:crypto)', defaultHashProvider()],
  ['node:crypto, Buffer-only hash', nodeCryptoHashProvider(bufferOnly)],
  ['node:crypto, wrong latin1 answer', nodeCryptoHashProvider(wrongLatin1)],
  ['node:crypto, createHash only', nodeCryptoHashProvider(noOneShot)],
  ['noble', nobleHashProvider],
  ['custom, digest and digest2 only', { name: 'plain', digest: (a, d) => nobleHashProvider.digest(a, d), digest2: (a, x, y) => nobleHashProvider.digest2(a, x, y) }],
]

describe.each(PROVIDERS)('%s', (_name, p) => {
  it.each(ALGS)('%s: digestEquals() agrees with digest for equal, one-bit-off, short and long expected values', (alg) => {
    for (const len of [0, 1, 4, 55, 64, 300, 5000]) {
      const data = bytes(len, len)
      const d = p.digest(alg, data)
      expect(d.length).toBe(SIZE[alg])
      expect(digestEquals(p, alg, data, d)).toBe(true)
      const off = d.slice()
      off[off.length - 1]! ^= 1
      expect(digestEquals(p, alg, data, off)).toBe(false)
      const first = d.slice()
      first[0]! ^= 0x80
      expect(digestEquals(p, alg, data, first)).toBe(false)
      expect(digestEquals(p, alg, data, d.subarray(0, d.length - 1))).toBe(false)
      expect(digestEquals(p, alg, data, Uint8Array.of(...d, 0))).toBe(false)
    }
  })

  it.each(ALGS)('%s: extendInto() gives digest2(value, b), in place when the provider can, never touching b', (alg) => {
    const n = SIZE[alg]
    for (const bLen of [n, 1, 200]) {
      const value = bytes(n, 1)
      const b = bytes(bLen, 2)
      const bBefore = hex(b)
      const want = hex(p.digest2(alg, value, b))
      const got = extendInto(p, alg, value, b)
      expect(hex(got)).toBe(want)
      expect(hex(b)).toBe(bBefore)
      // In place exactly when the provider says it served the call.
      if (got === value) expect(p.digest2Into).toBeDefined()
    }
  })
})

describe('node:crypto string-output path', () => {
  const p = defaultHashProvider()

  it('is the default provider and serves PCR-sized extends in place', () => {
    expect(p.name).toBe('node:crypto')
    expect(p.digest2Into).toBeDefined()
    for (const alg of ['sha1', 'sha256', 'sha384', 'sha512'] as const) {
      const value = bytes(SIZE[alg], 9)
      const before = value.slice()
      const d = bytes(SIZE[alg], 10)
      expect(extendInto(p, alg, value, d)).toBe(value)
      expect(hex(value)).toBe(nodeCrypto.createHash(alg).update(before).update(d).digest('hex'))
    }
  })

  it('digest2Into: `out` may be `a`; an `out` of another length or an input beyond the scratch buffer is refused and left untouched', () => {
    const a = bytes(32, 1)
    const b = bytes(32, 2)
    const want = nodeCrypto.createHash('sha256').update(a).update(b).digest('hex')
    const out = new Uint8Array(32)
    expect(p.digest2Into!('sha256', a, b, out)).toBe(true)
    expect(hex(out)).toBe(want)
    const short = new Uint8Array(31).fill(7)
    expect(p.digest2Into!('sha256', a, b, short)).toBe(false)
    expect(short.every((x) => x === 7)).toBe(true)
    const big = new Uint8Array(32).fill(7)
    expect(p.digest2Into!('sha256', a, bytes(300, 3), big)).toBe(false)
    expect(big.every((x) => x === 7)).toBe(true)
    // Aliasing: the result overwrites the input it was computed from.
    const v = a.slice()
    expect(p.digest2Into!('sha256', v, b, v)).toBe(true)
    expect(hex(v)).toBe(want)
  })

  it('SM3 (not in every OpenSSL build) still agrees with the local implementation', () => {
    const data = bytes(100, 4)
    expect(digestEquals(p, 'sm3_256', data, nobleHashProvider.digest('sm3_256', data))).toBe(true)
    const v = bytes(32, 5)
    const d = bytes(32, 6)
    expect(hex(extendInto(p, 'sm3_256', v.slice(), d))).toBe(hex(nobleHashProvider.digest2('sm3_256', v, d)))
  })

  it('a module whose hash has no string output, or answers it wrongly, falls back to digest / digest2 results', () => {
    for (const c of [bufferOnly, wrongLatin1]) {
      const q = nodeCryptoHashProvider(c)
      const value = bytes(32, 1)
      expect(q.digest2Into!('sha256', value, bytes(32, 2), value)).toBe(false)
      expect(q.digestEquals!('sha256', bytes(10, 1), q.digest('sha256', bytes(10, 1)))).toBe(true)
    }
  })
})

describe('the node:crypto provider returns plain arrays with the known answers', () => {
  it('digest and digest2 of "abc" (FIPS 180-2 B.1) are Uint8Array, not Buffer, and equal the known SHA-256', () => {
    const p = nodeCryptoHashProvider(nodeCrypto as unknown as NodeCryptoLike)
    const want = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
    const abc = new Uint8Array([0x61, 0x62, 0x63])
    for (const out of [p.digest('sha256', abc), p.digest2('sha256', abc.subarray(0, 1), abc.subarray(1))]) {
      expect(out.constructor).toBe(Uint8Array)
      expect(Buffer.from(out).toString('hex')).toBe(want)
    }
  })
})
