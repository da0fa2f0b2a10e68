/**
 * The attestation key resolved and evaluated once per exact input. A verifier sees the same AK
 * on every attestation of a machine (and a fleet a bounded set of them), and parsing the public
 * area, checking its attributes, scheme and size, making the runtime's key object and hashing
 * its Name cost more than the quote's own checks.
 *
 * Only AKs without a certificate are cached: a certificate's evaluation depends on the
 * verification time and the caller's trust anchors, so it runs every time. The key is the exact
 * input (bytes or PEM text, length-prefixed) plus every option the evaluation reads; entries are
 * built from a private copy of the input, so a caller mutating its buffer afterwards changes the
 * key, never a cached entry. Cached values are never handed out: check and summary objects are
 * copied per call. Bounded LRU (AK_CACHE_MAX entries, inputs up to AK_CACHE_MAX_INPUT bytes):
 * distinct attacker-supplied keys only evict entries.
 */
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

const caches = new WeakMap<HashProvider, Map<string, CachedAk>>()

let latin1: TextDecoder | undefined
try {
  latin1 = typeof TextDecoder === 'function' ? new TextDecoder('latin1') : undefined
} catch {
  latin1 = undefined
}

/** The bytes as a length-prefixed string, one character per byte (an injective encoding: an exact key). */
function raw(b: Uint8Array): string {
  let s = ''
  if (latin1) s = latin1.decode(b)
  else for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode.apply(null, b.subarray(i, i + 4096) as unknown as number[])
  return `${b.length}:${s}`
}

function part(x: unknown): string | undefined {
  if (x instanceof Uint8Array) return x.length <= AK_CACHE_MAX_INPUT ? `b${raw(x)}` : undefined
  if (typeof x === 'string') return x.length <= AK_CACHE_MAX_INPUT ? `s${x.length}:${x}` : undefined
  return undefined
}

/** A copy of the input that shares no buffer with the caller's. */
function privateCopy(input: AkInput): AkInput {
  if (input instanceof Uint8Array) return copyBytes(input)
  if (typeof input === 'string') return input
  const o = input as { public?: Uint8Array; spki?: Uint8Array | string }
  return {
    ...(o.public !== undefined ? { public: copyBytes(o.public) } : {}),
    ...(o.spki !== undefined ? { spki: o.spki instanceof Uint8Array ? copyBytes(o.spki) : o.spki } : {}),
  }
}

/** The exact cache key of an input and the options its evaluation reads, or undefined when not cacheable. */
function cacheKey(input: AkInput, policy: AkPolicy): string | undefined {
  // An injected WebCrypto imports the key itself (its own cache, its own failures). Trust anchors,
  // EKUs and the time are read for certificates only, which are never cached.
  if (policy.crypto) return undefined
  const opts = `${policy.minRsaBits ?? ''}|${policy.allowedCurves?.join(',') ?? '-'}|${policy.trustBareKey ? 1 : 0}|${nodeCryptoVerifier() ? 'n' : 'w'}`
  let id: string | undefined
  if (input instanceof Uint8Array || typeof input === 'string') id = part(input)
  else if (typeof input === 'object' && input !== null && !('typeName' in input)) {
    // Parts: only a public area as bytes and / or an SPKI (no certificate: see above).
    const keys = Object.keys(input).filter((k) => (input as Record<string, unknown>)[k] !== undefined)
    if (!keys.every((k) => k === 'public' || k === 'spki')) return undefined
    const p = input.public === undefined ? '' : part(input.public)
    const s = input.spki === undefined ? '' : part(input.spki)
    if (p === undefined || s === undefined) return undefined
    id = `p${p}|${s}`
  }
  return id === undefined ? undefined : `${opts}|${id}`
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
export function cachedAk(input: AkInput, policy: AkPolicy, provider: HashProvider): { hit?: CachedAk; key?: string } {
  const key = cacheKey(input, policy)
  if (key === undefined) return {}
  const cache = caches.get(provider)
  const hit = cache?.get(key)
  if (hit) {
    cache!.delete(key)
    cache!.set(key, hit)
    return { hit, key }
  }
  return { key }
}

/** Resolve the AK (throws like resolveAk for unparseable input). For a cacheable input, from a private copy. */
export function resolveAkFor(input: AkInput, key: string | undefined): AkMaterial {
  return resolveAk(key === undefined ? input : privateCopy(input))
}

/** Evaluate and, when cacheable (no certificate), remember. */
export async function evaluateAndCache(material: AkMaterial, policy: AkPolicy, provider: HashProvider, key: string | undefined): Promise<CachedAk> {
  const evaluation = await evaluateAk(material, policy)
  const entry: CachedAk = { material, evaluation, extra: new Map() }
  if (key !== undefined && !material.certificate && !material.intermediates) {
    // The key material is the entry's own (parsed from a private copy): its runtime key object
    // can be looked up by identity from now on.
    if (evaluation.key) pinNodeKeyObject(evaluation.key)
    let cache = caches.get(provider)
    if (!cache) caches.set(provider, (cache = new Map()))
    cache.set(key, entry)
    if (cache.size > AK_CACHE_MAX) cache.delete(cache.keys().next().value!)
  }
  return entry
}
