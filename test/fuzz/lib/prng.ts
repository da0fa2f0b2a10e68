/**
 * Deterministic PRNG (xoshiro128**, seeded through splitmix32). Every input of a run gets its own
 * generator derived from (run seed, family, input index), so one input can be replayed alone with
 * `npm run fuzz -- --seed S --family F --index I` without re-running the inputs before it.
 */
export class Rng {
  private s = new Uint32Array(4)
  constructor(seed: number) {
    let x = seed >>> 0
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0
      let z = x
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
      this.s[i] = (z ^ (z >>> 16)) >>> 0
    }
    if (!this.s[0] && !this.s[1] && !this.s[2] && !this.s[3]) this.s[0] = 1
  }
  /** Uniform uint32. */
  u32(): number {
    const s = this.s
    const r = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0
    const t = (s[1]! << 9) >>> 0
    s[2]! ^= s[0]!
    s[3]! ^= s[1]!
    s[1]! ^= s[2]!
    s[0]! ^= s[3]!
    s[2]! ^= t
    s[3] = rotl(s[3]!, 11)
    return r
  }
  /** Uniform integer in [0, n). n must be > 0. */
  int(n: number): number {
    if (n <= 1) return 0
    if (n <= 0x100000000) return Math.floor((this.u32() / 0x100000000) * n)
    return Math.floor(this.float() * n)
  }
  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1)
  }
  float(): number {
    return (this.u32() * 0x200000 + (this.u32() >>> 11)) / 2 ** 53
  }
  bool(p = 0.5): boolean {
    return this.float() < p
  }
  pick<T>(xs: readonly T[]): T {
    if (!xs.length) throw new Error('Rng.pick: empty list')
    return xs[this.int(xs.length)]!
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff
    return out
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0
}

/** FNV-1a over a string, for deriving per-input seeds. */
export function hash32(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

/** The seed of input `index` of `family` in the run seeded with `runSeed`. */
export function inputSeed(runSeed: number, family: string, index: number): number {
  return hash32(`${runSeed >>> 0}/${family}/${index}`)
}
