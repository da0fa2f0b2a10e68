/**
 * The validated form of a RAW policy (validate.ts): a caller that passes the same JSON object or
 * the same JSON string to every attestation gets the frozen policy validated the first time,
 * without re-validating (validation costs far more than an appraisal, and the per-policy
 * matching structures, kept in a WeakMap keyed by the validated policy, are then reused too).
 *
 * Keys are the caller's own inputs, never anything the attester controls:
 * - an object, by identity (WeakMap: nothing is kept alive). A raw object is mutable, so a hit
 *   counts only when the object still equals, deeply, the validated copy made from it; anything
 *   else (a change, a getter returning something new, a non-plain object) validates again;
 * - a string, by its exact content (bounded LRU of STRINGS_MAX strings of at most
 *   STRING_MAX_CHARS characters each).
 * Only successful validations are cached: an invalid policy throws every time.
 */
const BY_OBJECT = new WeakMap<object, object>()
const BY_STRING = new Map<string, object>()
const STRINGS_MAX = 16
const STRING_MAX_CHARS = 1 << 20

/** The validated policy cached for this raw input, or undefined. */
export function cachedPolicy(raw: unknown): object | undefined {
  if (typeof raw === 'string') {
    const hit = BY_STRING.get(raw)
    if (hit) {
      BY_STRING.delete(raw)
      BY_STRING.set(raw, hit)
    }
    return hit
  }
  if (typeof raw !== 'object' || raw === null) return undefined
  const hit = BY_OBJECT.get(raw)
  return hit && sameJson(raw, hit) ? hit : undefined
}

/** Remember `validated` as the validated form of `raw` (an object or a string). */
export function rememberPolicy(raw: unknown, validated: object): void {
  if (typeof raw === 'string') {
    if (raw.length > STRING_MAX_CHARS) return
    BY_STRING.set(raw, validated)
    if (BY_STRING.size > STRINGS_MAX) BY_STRING.delete(BY_STRING.keys().next().value!)
  } else if (typeof raw === 'object' && raw !== null) {
    BY_OBJECT.set(raw, validated)
  }
}

/**
 * `a` (the caller's raw value) is, deeply, the same JSON value as `b` (the frozen validated copy
 * of it, finite and acyclic, so the walk ends). Plain objects and arrays only.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return a === b
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const proto = Object.getPrototypeOf(a)
  if (!Array.isArray(a) && proto !== Object.prototype && proto !== null) return false
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length) return false
  const ra = a as Record<string, unknown>
  const rb = b as Record<string, unknown>
  for (const k of kb) {
    if (!Object.prototype.hasOwnProperty.call(ra, k) || !sameJson(ra[k], rb[k])) return false
  }
  return true
}
