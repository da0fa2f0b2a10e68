/**
 * The attestation key resolved and evaluated once per exact input. A verifier sees the same AK
 * on every attestation of a machine (and a fleet a bounded set of them), and parsing the public
 * area, checking its attributes, scheme and size, making the runtime's key object and hashing
 * its Name cost more than the quote's own checks.
 *
 * Only AKs without a certificate are cached: a certificate's evaluation depends on the
 * verification time and the caller's trust anchors, so it runs every time. An entry is found by
 * a cheap number (a hash of the options the evaluation reads, the input's form and length and
 * some of its bytes) and accepted only when the input equals, byte for byte, the private copy the
 * entry was built from: a caller mutating its buffer afterwards gets its new bytes evaluated,
 * never a cached entry, and two inputs sharing a number only take each other's slot. Cached
 * values are never handed out: check and summary objects are copied per call. Bounded LRU
 * (AK_CACHE_MAX entries, inputs up to AK_CACHE_MAX_INPUT bytes): distinct attacker-supplied keys
 * only evict entries.
 */
import { bytesEqual } from '../bytes/hex.js'
import { resolveAk, type AkInput, type AkMaterial } from './ak.js'
import { evaluateAk, type AkEvaluation, type AkPolicy } from './ak_checks.js'
import type { HashProvider } from '../hash/provider.js'
import { nodeCryptoVerifier, pinNodeKeyObject } from './node_verify.js'
import { copyBytes } from './reader.js'

/** Distinct AKs kept. */
export const AK_CACHE_MAX = 256
/** Largest AK input (bytes or characters) that is cached; larger ones are evaluated every time. */
export const AK_CACHE_MAX_INPUT = 16 * 1024

export interface ResolvedAk {
  material: AkMaterial
  evaluation: AkEvaluation
}

/** What a cacheable input was (the exact options and a private copy), to confirm a lookup. */
export interface AkCacheKey {
  /** The slot number: options, form, length and sampled content (see cacheKey). */
  slot: number
  /** The options the evaluation reads, spelled out. */
  opts: string
  /** The private copy the entry is built from (set by resolveAkFor). */
  copy?: AkInput
}

interface Slot {
  opts: string
  copy: AkInput
  entry: CachedAk
}

interface Cache {
  slots: Map<number, Slot>
  /** The slot used last: a repeat needs no LRU move. */
  recent: Slot | undefined
}

const caches = new WeakMap<HashProvider, Cache>()

/** FNV-1a step over one 32-bit value. */
function mix(h: number, x: number): number {
  return Math.imul(h ^ x, 0x01000193)
}

/** Bytes sampled from each end: the slot only has to spread inputs, equality is checked in full. */
const SAMPLE_HEAD = 8
const SAMPLE_TAIL = 32

/** Four bytes from `i` as one number (little-endian; any fixed order would do). */
function word(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)
}

function sampleBytes(h: number, b: Uint8Array): number {
  const n = b.length
  h = mix(h, n)
  if (n < SAMPLE_HEAD + SAMPLE_TAIL) {
    for (let i = 0; i < n; i++) h = mix(h, b[i]!)
    return h
  }
  for (let i = 0; i < SAMPLE_HEAD; i += 4) h = mix(h, word(b, i))
  for (let i = n - SAMPLE_TAIL; i < n; i += 4) h = mix(h, word(b, i))
  return h
}

function sampleText(h: number, s: string): number {
  const n = s.length
  h = mix(h, n)
  // A PEM ends with its fixed footer: sample further back than for bytes.
  const head = Math.min(n, SAMPLE_HEAD)
  for (let i = 0; i < head; i++) h = mix(h, s.charCodeAt(i))
  for (let i = Math.max(head, n - 4 * SAMPLE_TAIL); i < n; i++) h = mix(h, s.charCodeAt(i))
  return h
}

/** A part of the input (bytes or text) mixed into `h`, or undefined when it cannot be cached. */
function samplePart(h: number, x: unknown): number | undefined {
  if (x instanceof Uint8Array) return x.length <= AK_CACHE_MAX_INPUT ? sampleBytes(mix(h, 1), x) : undefined
  if (typeof x === 'string') return x.length <= AK_CACHE_MAX_INPUT ? sampleText(mix(h, 2), x) : undefined
  return undefined
}

function samePart(x: unknown, copy: unknown): boolean {
  if (x === undefined || typeof x === 'string') return x === copy
  return x instanceof Uint8Array && copy instanceof Uint8Array && bytesEqual(x, copy)
}

/** Whether `input` equals the private copy an entry was built from (same form, same bytes). */
function sameInput(input: AkInput, copy: AkInput): boolean {
  if (input instanceof Uint8Array || typeof input === 'string') return samePart(input, copy)
  if (copy instanceof Uint8Array || typeof copy === 'string') return false
  const a = input as { public?: Uint8Array; spki?: Uint8Array | string }
  const b = copy as { public?: Uint8Array; spki?: Uint8Array | string }
  return samePart(a.public, b.public) && samePart(a.spki, b.spki)
}

/** A copy of the input that shares no buffer with the caller's. */
function privateCopy(input: AkInput): AkInput {
  if (input instanceof Uint8Array) return copyBytes(input)
  if (typeof input === 'string') return input
  const o = input as { public?: Uint8Array; spki?: Uint8Array | string }
  const out: { public?: Uint8Array; spki?: Uint8Array | string } = {}
  if (o.public !== undefined) out.public = copyBytes(o.public)
  if (o.spki !== undefined) out.spki = o.spki instanceof Uint8Array ? copyBytes(o.spki) : o.spki
  return out as AkInput
}

/** Slot seeds of the default options (the usual call), per signature path: no string built. */
const DEFAULT_NODE = mix(0x811c9dc5, 0x6e)
const DEFAULT_WEB = mix(0x811c9dc5, 0x77)

/** The cache key of an input and the options its evaluation reads, or undefined when not cacheable. */
function cacheKey(input: AkInput, policy: AkPolicy): AkCacheKey | undefined {
  // An injected WebCrypto imports the key itself (its own cache, its own failures). Trust anchors,
  // EKUs and the time are read for certificates only, which are never cached.
  if (policy.crypto) return undefined
  const node = nodeCryptoVerifier() !== undefined
  let opts: string
  let h: number
  if (policy.minRsaBits === undefined && !policy.allowedCurves && !policy.trustBareKey) {
    opts = node ? 'n' : 'w'
    h = node ? DEFAULT_NODE : DEFAULT_WEB
  } else {
    opts = `${policy.minRsaBits ?? ''}|${policy.allowedCurves?.join(',') ?? '-'}|${policy.trustBareKey ? 1 : 0}|${node ? 'n' : 'w'}`
    h = sampleText(0x811c9dc5, opts)
  }
  let slot: number | undefined
  if (input instanceof Uint8Array || typeof input === 'string') slot = samplePart(h, input)
  else if (typeof input === 'object' && input !== null && !('typeName' in input)) {
    // Parts: only a public area as bytes and / or an SPKI (no certificate: see above).
    const o = input as Record<string, unknown>
    for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k) && o[k] !== undefined && k !== 'public' && k !== 'spki') return undefined
    const { public: pub, spki } = input as { public?: unknown; spki?: unknown }
    slot = mix(h, 3)
    if (pub !== undefined) slot = samplePart(mix(slot, 4), pub)
    if (slot !== undefined && spki !== undefined) slot = samplePart(mix(slot, 5), spki)
  }
  return slot === undefined ? undefined : { slot, opts }
}

/** A resolved AK whose values the caller only reads (never mutates, never returns). */
export interface CachedAk extends ResolvedAk {
  /** Per-entry memo of values derived from the AK (e.g. its Name under one provider). */
  extra: Map<string, unknown>
}

/**
 * The cached resolution and evaluation of `input`, when present. Synchronous, so a hit costs no
 * promise round trip.
 */
export function cachedAk(input: AkInput, policy: AkPolicy, provider: HashProvider): { hit?: CachedAk; key?: AkCacheKey } {
  const key = cacheKey(input, policy)
  if (key === undefined) return {}
  const cache = caches.get(provider)
  const slot = cache?.slots.get(key.slot)
  if (slot && slot.opts === key.opts && sameInput(input, slot.copy)) {
    if (cache!.recent !== slot) {
      cache!.slots.delete(key.slot)
      cache!.slots.set(key.slot, slot)
      cache!.recent = slot
    }
    return { hit: slot.entry, key }
  }
  return { key }
}

/** Resolve the AK (throws like resolveAk for unparseable input). For a cacheable input, from a private copy. */
export function resolveAkFor(input: AkInput, key: AkCacheKey | undefined): AkMaterial {
  if (key === undefined) return resolveAk(input)
  key.copy = privateCopy(input)
  return resolveAk(key.copy)
}

/** Evaluate and, when cacheable (no certificate), remember. */
export async function evaluateAndCache(material: AkMaterial, policy: AkPolicy, provider: HashProvider, key: AkCacheKey | undefined): Promise<CachedAk> {
  const evaluation = await evaluateAk(material, policy)
  const entry: CachedAk = { material, evaluation, extra: new Map() }
  if (key?.copy !== undefined && !material.certificate && !material.intermediates) {
    // The key material is the entry's own (parsed from a private copy): its runtime key object
    // can be looked up by identity from now on.
    if (evaluation.key) pinNodeKeyObject(evaluation.key)
    let cache = caches.get(provider)
    if (!cache) caches.set(provider, (cache = { slots: new Map(), recent: undefined }))
    const slot: Slot = { opts: key.opts, copy: key.copy, entry }
    cache.slots.delete(key.slot)
    cache.slots.set(key.slot, slot)
    cache.recent = slot
    if (cache.slots.size > AK_CACHE_MAX) cache.slots.delete(cache.slots.keys().next().value!)
  }
  return entry
}
