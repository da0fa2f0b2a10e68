/**
 * Verification keys from a JSON Web Key Set (RFC 7517 §5): a caller-supplied set, or one
 * fetched only from a pinned MAA instance's `/certs` endpoint with caching and a cooldown for
 * unknown `kid`s (J-05). `kid` is nothing but an exact-match lookup key: it never reaches a file
 * system, a query or a URL.
 */
import { concatBytes } from '../bytes/hex.js'
import type { TokenCheckError } from './error_codes.js'
import { jwkFitsAlg } from './algorithms.js'
import { parseStrictJson } from './strict_json.js'

/** A JWKS as parsed JSON: `{ "keys": [ JWK, ... ] }`. */
export interface JsonWebKeySetInput {
  keys: readonly Record<string, unknown>[]
}

/** Maximum keys accepted in one JWKS (J-10). */
export const MAX_JWKS_KEYS = 100

/** Whether `v` has the JWKS shape; a reason string when it does not. */
export function jwksProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || !Array.isArray((v as { keys?: unknown }).keys)) return 'not a JWKS ({"keys":[...]})'
  const keys = (v as { keys: unknown[] }).keys
  if (keys.length > MAX_JWKS_KEYS) return `JWKS has ${keys.length} keys; the limit is ${MAX_JWKS_KEYS}`
  for (const k of keys) {
    if (typeof k !== 'object' || k === null || Array.isArray(k) || typeof (k as { kty?: unknown }).kty !== 'string') return 'JWKS entry is not a JWK object with "kty"'
  }
  return undefined
}

/**
 * Pick the one key for a token header (RFC 7515 §4.1.4): same `kid` when the header has one,
 * `use` absent or `sig`, `key_ops` absent or containing `verify`, `alg` absent or equal, and a key
 * type that fits the algorithm. Zero matches → ERR_JWT_KID_UNKNOWN; several → ERR_JWT_KID_AMBIGUOUS.
 */
export function selectJwk(jwks: JsonWebKeySetInput, kid: string | undefined, alg: string): { jwk: Record<string, unknown> } | { error: TokenCheckError } {
  const usable = (k: Record<string, unknown>): boolean =>
    (k.use === undefined || k.use === 'sig') &&
    (k.key_ops === undefined || (Array.isArray(k.key_ops) && k.key_ops.includes('verify'))) &&
    (k.alg === undefined || k.alg === alg) &&
    jwkFitsAlg(k, alg)
  const candidates = jwks.keys.filter((k) => (kid === undefined || k.kid === kid) && usable(k))
  const shownKid = kid === undefined ? 'no kid' : `kid ${JSON.stringify(kid.length > 80 ? kid.slice(0, 80) + '…' : kid)}`
  if (candidates.length === 1) return { jwk: candidates[0]! }
  if (!candidates.length) return { error: { code: 'ERR_JWT_KID_UNKNOWN', message: `no trusted ${alg} key for ${shownKid} in the JWKS` } }
  return { error: { code: 'ERR_JWT_KID_AMBIGUOUS', message: `${candidates.length} trusted keys match ${shownKid}; refusing to choose` } }
}

/** The `fetch` shape used (WHATWG fetch; inject one for tests or custom transports). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>

export interface MaaJwksFetcherOptions {
  /** Pinned instance URL, e.g. `https://myinstance.eus.attest.azure.net` (https, origin only). */
  instanceUrl: string
  /** Transport (default `globalThis.fetch`). Called only with `<instanceUrl>/certs`. */
  fetch?: FetchLike
  /** How long a fetched JWKS is used before it is fetched again (default 10 min). */
  cacheMaxAgeMs?: number
  /** Minimum time between two fetches triggered by an unknown `kid` (default 30 s). */
  cooldownMs?: number
  /** Fetch timeout (default 5 s). */
  timeoutMs?: number
  /** Maximum response size in bytes (default 1 MiB). */
  maxBytes?: number
  /** Clock in epoch milliseconds, for the cache (default `Date.now`). */
  clock?: () => number
}

/** A JWKS source bound to one MAA instance. */
export interface MaaJwksFetcher {
  /** The only URL this source ever requests: `<instanceUrl>/certs`. */
  readonly url: string
  /** The pinned instance URL (equals the tokens' `iss`). */
  readonly instanceUrl: string
  /** Find the key for a header; refetches on an unknown kid at most once per cooldown. */
  resolve(kid: string | undefined, alg: string): Promise<{ jwk: Record<string, unknown> } | { error: TokenCheckError }>
  /** Number of requests made so far (for monitoring and tests). */
  readonly fetchCount: number
}

/**
 * Normalise and check an MAA instance URL: `https:`, no credentials, path, query or fragment.
 * @returns the origin (no trailing slash). @throws TypeError otherwise.
 */
export function pinnedInstanceUrl(url: string): string {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new TypeError(`instance URL ${JSON.stringify(url)} is not a URL`)
  }
  if (u.protocol !== 'https:') throw new TypeError(`instance URL ${JSON.stringify(url)} must use https`)
  if (u.username || u.password || u.search || u.hash || (u.pathname !== '/' && u.pathname !== '')) {
    throw new TypeError(`instance URL ${JSON.stringify(url)} must be an origin (no credentials, path, query or fragment)`)
  }
  return u.origin
}

/** The JWKS URL of a pinned instance: `<origin>/certs` (MAA OpenID metadata `jwks_uri`). */
export function certsUrlOf(instanceUrl: string): string {
  return `${pinnedInstanceUrl(instanceUrl)}/certs`
}

async function readCapped(res: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(res.headers?.get?.('content-length') ?? NaN)
  if (Number.isFinite(declared) && declared > maxBytes) throw new Error(`response declares ${declared} bytes; the limit is ${maxBytes}`)
  const reader = res.body?.getReader()
  if (!reader) {
    const b = new Uint8Array(await res.arrayBuffer())
    if (b.length > maxBytes) throw new Error(`response is larger than ${maxBytes} bytes`)
    return b
  }
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.length
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined)
      throw new Error(`response is larger than ${maxBytes} bytes`)
    }
    chunks.push(value)
  }
  return concatBytes(...chunks)
}

/**
 * A JWKS source that requests nothing but `<instanceUrl>/certs` (no redirects followed), caches
 * the set, and refetches for an unknown `kid` at most once per cooldown. A failed fetch also
 * starts the cooldown, so a token stream cannot turn the verifier into a request generator.
 */
export function createMaaJwksFetcher(options: MaaJwksFetcherOptions): MaaJwksFetcher {
  const instanceUrl = pinnedInstanceUrl(options.instanceUrl)
  const url = `${instanceUrl}/certs`
  const doFetch: FetchLike | undefined = options.fetch ?? (globalThis.fetch as FetchLike | undefined)
  if (!doFetch) throw new TypeError('createMaaJwksFetcher: no fetch implementation available')
  const maxAge = options.cacheMaxAgeMs ?? 10 * 60_000
  const cooldown = options.cooldownMs ?? 30_000
  const timeout = options.timeoutMs ?? 5_000
  const maxBytes = options.maxBytes ?? 1 << 20
  const clock = options.clock ?? Date.now

  let cached: JsonWebKeySetInput | undefined
  let fetchedAt = -Infinity
  let attemptedAt = -Infinity
  let lastError: string | undefined
  let inflight: Promise<void> | undefined
  let count = 0

  const refresh = (): Promise<void> => {
    inflight ??= (async () => {
      attemptedAt = clock()
      count++
      try {
        const res = await doFetch(url, { redirect: 'manual', headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeout) })
        if (res.status !== 200) throw new Error(`HTTP status ${res.status}`)
        const text = new TextDecoder('utf-8', { fatal: true }).decode(await readCapped(res, maxBytes))
        const parsed = parseStrictJson(text, { maxDepth: 16 })
        const problem = jwksProblem(parsed)
        if (problem) throw new Error(problem)
        cached = parsed as JsonWebKeySetInput
        fetchedAt = attemptedAt
        lastError = undefined
      } catch (e) {
        lastError = (e as Error).message
      }
    })().finally(() => {
      inflight = undefined
    })
    return inflight
  }

  return {
    url,
    instanceUrl,
    get fetchCount() {
      return count
    },
    async resolve(kid, alg) {
      if (inflight) await inflight
      const stale = !cached || clock() - fetchedAt >= maxAge
      if (stale && clock() - attemptedAt >= cooldown) await refresh()
      if (!cached) {
        return { error: { code: 'ERR_JWT_JWKS_FETCH', message: `cannot read the JWKS at ${url}: ${lastError ?? `in cooldown after a failed fetch`}` } }
      }
      let sel = selectJwk(cached, kid, alg)
      if ('error' in sel && sel.error.code === 'ERR_JWT_KID_UNKNOWN' && clock() - attemptedAt >= cooldown) {
        await refresh()
        if (cached) sel = selectJwk(cached, kid, alg)
      }
      return sel
    },
  }
}
