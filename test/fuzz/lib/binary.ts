/**
 * Structure-aware byte mutation. A walker (see tcg_log_walker.ts, tpm_walkers.ts, ima_walker.ts,
 * der.ts) describes an input as a `Layout`: its length / count / type fields, its records
 * (self-delimiting units that can be cut, duplicated, swapped or spliced from another seed) and
 * its data regions. Walkers are best-effort and never throw: after a first mutation the layout is
 * recomputed on the mutated bytes, so stacked mutations stay structure-aware as long as the walker
 * still understands the input.
 */
import type { Rng } from './prng.js'

export type FieldKind = 'len' | 'count' | 'type' | 'value'

export interface Field {
  off: number
  /** Width in bytes (1..8). */
  size: number
  le: boolean
  kind: FieldKind
  /** Bytes left in the enclosing container after this field: the "remaining" a length is checked against. */
  remaining?: number
}

export interface Region {
  start: number
  end: number
}

/** A data region whose length is given by `lenField` (so it can be resized consistently). */
export interface SizedRegion extends Region {
  lenField: Field
}

export interface Layout {
  fields: Field[]
  records: Region[]
  data: Region[]
  sized: SizedRegion[]
}

export const emptyLayout = (): Layout => ({ fields: [], records: [], data: [], sized: [] })

export type Walker = (b: Uint8Array) => Layout

/** A seed with the layout its walker found (donor for splices). */
export interface BinarySeed {
  name: string
  bytes: Uint8Array
}

export function readUint(b: Uint8Array, off: number, size: number, le: boolean): bigint {
  let v = 0n
  for (let i = 0; i < size; i++) {
    const byte = b[le ? off + size - 1 - i : off + i] ?? 0
    v = (v << 8n) | BigInt(byte)
  }
  return v
}

export function writeUint(b: Uint8Array, off: number, size: number, le: boolean, value: bigint): void {
  const mask = (1n << BigInt(8 * size)) - 1n
  let v = ((value % (mask + 1n)) + (mask + 1n)) & mask
  for (let i = 0; i < size; i++) {
    const idx = le ? off + i : off + size - 1 - i
    if (idx >= 0 && idx < b.length) b[idx] = Number(v & 0xffn)
    v >>= 8n
  }
}

import { concatBytes as concat } from '../../../src/bytes/hex.js'
export { concat }

const INTERESTING_8 = [0, 1, 0x7f, 0x80, 0xff]
const INTERESTING_16 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff]
const INTERESTING_32 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff]

/** New value for a length or count field: 0, 1, max, remaining±1, 0xFFFFFFFF, off by one, doubled. */
function lengthValue(rng: Rng, f: Field, cur: bigint): bigint {
  const max = (1n << BigInt(8 * f.size)) - 1n
  const rem = f.remaining !== undefined ? BigInt(f.remaining) : undefined
  const choices: bigint[] = [0n, 1n, max, cur + 1n, cur - 1n, cur * 2n, 0xffffffffn, 0x7fffffffn, 0x80000000n, 0x10000n, 0xffffn]
  if (rem !== undefined) choices.push(rem, rem - 1n, rem + 1n, rem, rem + 1n)
  if (f.size === 8) choices.push(max, 1n << 53n, (1n << 53n) + 1n, 1n << 63n)
  return rng.pick(choices)
}

export interface MutateContext {
  rng: Rng
  walker: Walker
  /** Other seeds of the family (splice donors). */
  donors: readonly BinarySeed[]
  /** Type values worth trying for `type` fields (event types, algorithm ids, tags). */
  typeValues?: readonly number[]
}

type Op = (b: Uint8Array, layout: Layout, ctx: MutateContext) => Uint8Array | undefined

function pickField(rng: Rng, layout: Layout, kinds: FieldKind[]): Field | undefined {
  const fs = layout.fields.filter((f) => kinds.includes(f.kind))
  return fs.length ? rng.pick(fs) : undefined
}

const opLength: Op = (b, layout, { rng }) => {
  const f = pickField(rng, layout, ['len', 'count'])
  if (!f) return undefined
  const out = b.slice()
  writeUint(out, f.off, f.size, f.le, lengthValue(rng, f, readUint(b, f.off, f.size, f.le)))
  return out
}

const opType: Op = (b, layout, ctx) => {
  const { rng } = ctx
  const f = pickField(rng, layout, rng.bool(0.8) ? ['type'] : ['value', 'type'])
  if (!f) return undefined
  const out = b.slice()
  const others = layout.fields.filter((g) => g.kind === f.kind && g.size === f.size)
  let v: bigint
  const r = rng.int(4)
  if (r === 0 && ctx.typeValues?.length) v = BigInt(rng.pick(ctx.typeValues))
  else if (r === 1 && others.length) v = readUint(b, rng.pick(others).off, f.size, f.le)
  else if (r === 2) v = BigInt(rng.pick(f.size === 1 ? INTERESTING_8 : f.size === 2 ? INTERESTING_16 : INTERESTING_32))
  else v = readUint(b, f.off, f.size, f.le) ^ (1n << BigInt(rng.int(8 * f.size)))
  writeUint(out, f.off, f.size, f.le, v)
  return out
}

const opTruncate: Op = (b, layout, { rng }) => {
  if (b.length < 2) return undefined
  if (layout.records.length && rng.bool(0.6)) {
    const r = rng.pick(layout.records)
    const cut = rng.bool(0.5) ? rng.pick([r.start, r.end]) : rng.range(r.start, Math.max(r.start, r.end - 1))
    return b.slice(0, Math.max(1, cut))
  }
  return b.slice(0, rng.range(1, b.length - 1))
}

const opDuplicate: Op = (b, layout, { rng }) => {
  if (!layout.records.length) return undefined
  const r = rng.pick(layout.records)
  const rec = b.subarray(r.start, r.end)
  const times = rng.bool(0.9) ? 1 : rng.range(2, 64)
  const copies: Uint8Array[] = []
  for (let i = 0; i < times; i++) copies.push(rec)
  const at = rng.bool(0.7) ? r.end : rng.pick(layout.records).end
  return concat(b.subarray(0, at), ...copies, b.subarray(at))
}

const opDelete: Op = (b, layout, { rng }) => {
  if (!layout.records.length) return undefined
  const r = rng.pick(layout.records)
  if (r.end - r.start >= b.length) return undefined
  return concat(b.subarray(0, r.start), b.subarray(r.end))
}

const opSwap: Op = (b, layout, { rng }) => {
  if (layout.records.length < 2) return undefined
  const a = rng.pick(layout.records)
  const c = rng.pick(layout.records)
  const [x, y] = a.start <= c.start ? [a, c] : [c, a]
  if (x.end > y.start) return undefined
  return concat(b.subarray(0, x.start), b.subarray(y.start, y.end), b.subarray(x.end, y.start), b.subarray(x.start, x.end), b.subarray(y.end))
}

const opSplice: Op = (b, layout, ctx) => {
  const { rng } = ctx
  if (!ctx.donors.length) return undefined
  const donor = rng.pick(ctx.donors).bytes
  const dl = ctx.walker(donor)
  if (!dl.records.length) return undefined
  const r = rng.pick(dl.records)
  const rec = donor.subarray(r.start, r.end)
  if (layout.records.length && rng.bool(0.5)) {
    const t = rng.pick(layout.records)
    return concat(b.subarray(0, t.start), rec, b.subarray(t.end)) // replace
  }
  const at = layout.records.length ? rng.pick(layout.records)[rng.bool() ? 'start' : 'end'] : b.length
  return concat(b.subarray(0, at), rec, b.subarray(at))
}

const opDataFlip: Op = (b, layout, { rng }) => {
  const regions = layout.data.filter((r) => r.end > r.start)
  if (!regions.length) return undefined
  const r = rng.pick(regions)
  const out = b.slice()
  const n = rng.range(1, 4)
  for (let i = 0; i < n; i++) {
    const at = rng.range(r.start, r.end - 1)
    out[at] = rng.bool(0.5) ? out[at]! ^ (1 << rng.int(8)) : rng.pick(INTERESTING_8)
  }
  return out
}

/** Insert into / delete from a sized data region and fix its length field: stays well-formed one level up. */
const opResize: Op = (b, layout, { rng }) => {
  if (!layout.sized.length) return undefined
  const r = rng.pick(layout.sized)
  const f = r.lenField
  const cur = readUint(b, f.off, f.size, f.le)
  let out: Uint8Array
  let delta: number
  if (rng.bool(0.5) && r.end > r.start) {
    const n = rng.range(1, Math.min(r.end - r.start, rng.bool(0.8) ? 8 : 4096))
    const at = rng.range(r.start, r.end - n)
    out = concat(b.subarray(0, at), b.subarray(at + n))
    delta = -n
  } else {
    const n = rng.bool(0.8) ? rng.range(1, 16) : rng.range(17, 70000)
    const at = rng.range(r.start, r.end)
    const ins = rng.bool(0.5) ? rng.bytes(n) : new Uint8Array(n).fill(rng.pick(INTERESTING_8))
    out = concat(b.subarray(0, at), ins, b.subarray(at))
    delta = n
  }
  writeUint(out, f.off, f.size, f.le, cur + BigInt(delta))
  return out
}

// ---- plain (structure-blind) mutations ----

export function plainMutate(b: Uint8Array, rng: Rng, donors: readonly BinarySeed[] = []): Uint8Array {
  const op = rng.int(8)
  if (b.length === 0) return rng.bytes(rng.range(1, 64))
  switch (op) {
    case 0: {
      const out = b.slice()
      const at = rng.int(b.length)
      out[at] = out[at]! ^ (1 << rng.int(8))
      return out
    }
    case 1: {
      const out = b.slice()
      const n = rng.range(1, 8)
      for (let i = 0; i < n; i++) out[rng.int(b.length)] = rng.u32() & 0xff
      return out
    }
    case 2: {
      const out = b.slice()
      const size = rng.pick([1, 2, 4, 8])
      const v = size === 1 ? rng.pick(INTERESTING_8) : size === 2 ? rng.pick(INTERESTING_16) : rng.pick(INTERESTING_32)
      writeUint(out, rng.int(b.length), size, rng.bool(), BigInt(v))
      return out
    }
    case 3: {
      const at = rng.int(b.length + 1)
      return concat(b.subarray(0, at), rng.bytes(rng.bool(0.9) ? rng.range(1, 16) : rng.range(17, 4096)), b.subarray(at))
    }
    case 4: {
      const at = rng.int(b.length)
      const n = rng.range(1, Math.min(b.length - at, rng.bool(0.8) ? 16 : b.length))
      return concat(b.subarray(0, at), b.subarray(at + n))
    }
    case 5: {
      const at = rng.int(b.length)
      const n = rng.range(1, Math.min(b.length - at, 256))
      const to = rng.int(b.length + 1)
      return concat(b.subarray(0, to), b.subarray(at, at + n), b.subarray(to))
    }
    case 6: {
      if (!donors.length) return b.slice(0, rng.range(1, b.length))
      const d = rng.pick(donors).bytes
      if (!d.length) return b
      const at = rng.int(d.length)
      const n = rng.range(1, Math.min(d.length - at, 1024))
      const to = rng.int(b.length)
      const out = b.slice()
      out.set(d.subarray(at, Math.min(at + n, at + (out.length - to))), to)
      return out
    }
    default:
      return b.slice(0, rng.range(0, b.length - 1))
  }
}

const STRUCT_OPS: [Op, number][] = [
  [opLength, 5],
  [opType, 3],
  [opTruncate, 2],
  [opDuplicate, 2],
  [opDelete, 1],
  [opSwap, 1],
  [opSplice, 2],
  [opDataFlip, 3],
  [opResize, 3],
]
const TOTAL = STRUCT_OPS.reduce((s, [, w]) => s + w, 0)

/**
 * 1-4 stacked mutations; each is structure-aware with probability `structured` (default 0.8),
 * else a plain flip / insert / delete / chunk copy.
 */
export function mutateBinary(seed: Uint8Array, ctx: MutateContext, structured = 0.8): Uint8Array {
  const { rng } = ctx
  let b = seed
  const n = rng.bool(0.6) ? 1 : rng.range(2, 4)
  for (let i = 0; i < n; i++) {
    let next: Uint8Array | undefined
    if (rng.bool(structured)) {
      let layout: Layout
      try {
        layout = ctx.walker(b)
      } catch {
        layout = emptyLayout()
      }
      for (let tries = 0; tries < 4 && !next; tries++) {
        let w = rng.int(TOTAL)
        for (const [op, weight] of STRUCT_OPS) {
          if ((w -= weight) < 0) {
            next = op(b, layout, ctx)
            break
          }
        }
      }
    }
    b = next ?? plainMutate(b, rng, ctx.donors)
  }
  return b === seed ? seed.slice() : b
}
