/**
 * `exp` / `nbf` / `iat` checks (RFC 7519 §4.1.4–4.1.6) against an injected clock, with a small
 * tolerance and a maximum age (attack J-06). jose checks `exp`/`nbf` only when present and
 * accepts `Infinity`; here each claim must be a finite, non-negative integer when present, and
 * the caller says which are required.
 */
import type { TokenCheckError } from './error_codes.js'

/** A fixed time, or a function read once per verification. */
export type Clock = Date | (() => Date)

export interface TimeClaimOptions {
  /** Verification time (default: the current time). */
  now?: Clock
  /** Allowed clock skew in seconds (default 60). */
  clockToleranceSec?: number
  /** Maximum `now - iat` in seconds; `Infinity` disables the check. */
  maxAgeSec?: number
  /** Claims that must be present. */
  require?: readonly ('exp' | 'iat' | 'nbf')[]
}

export interface TimeClaims {
  issuedAt?: Date
  expiresAt?: Date
  notBefore?: Date
}

/** Resolve a clock to epoch seconds (fractional). @throws TypeError for an invalid date. */
export function clockSeconds(now: Clock | undefined): number {
  const d = now === undefined ? new Date() : typeof now === 'function' ? now() : now
  const t = d instanceof Date ? d.getTime() : NaN
  if (!Number.isFinite(t)) throw new TypeError('now: not a valid Date')
  return t / 1000
}

/** Largest NumericDate accepted: 9999-12-31T23:59:59Z. Larger values cannot be a real time. */
const MAX_NUMERIC_DATE = 253402300799

function numericDate(payload: Record<string, unknown>, name: 'exp' | 'nbf' | 'iat', errors: TokenCheckError[]): number | undefined {
  if (!Object.prototype.hasOwnProperty.call(payload, name)) return undefined
  const v = payload[name]
  if (typeof v !== 'number' || !Number.isFinite(v) || !Number.isInteger(v) || v < 0 || v > MAX_NUMERIC_DATE) {
    const shown = typeof v === 'number' ? String(v) : JSON.stringify(v)
    errors.push({ code: 'ERR_JWT_TIME_CLAIM_INVALID', message: `"${name}" must be an integer NumericDate between 0 and ${MAX_NUMERIC_DATE}, got ${shown}` })
    return undefined
  }
  return v
}

const iso = (s: number): string => new Date(s * 1000).toISOString()

/**
 * Check the time claims of `payload`; push one error per failed check onto `errors`.
 * @returns the valid time claims as Dates.
 */
export function checkTimeClaims(payload: Record<string, unknown>, options: TimeClaimOptions, errors: TokenCheckError[]): TimeClaims {
  const now = clockSeconds(options.now)
  const tol = options.clockToleranceSec ?? 60
  if (!(tol >= 0) || !Number.isFinite(tol)) throw new TypeError('clockToleranceSec must be a finite number >= 0')
  const maxAge = options.maxAgeSec ?? Infinity
  if (!(maxAge > 0)) throw new TypeError('maxAgeSec must be > 0')

  const before = errors.length
  const exp = numericDate(payload, 'exp', errors)
  const nbf = numericDate(payload, 'nbf', errors)
  const iat = numericDate(payload, 'iat', errors)
  const invalidSeen = errors.length > before
  for (const name of options.require ?? []) {
    if (!Object.prototype.hasOwnProperty.call(payload, name)) errors.push({ code: 'ERR_JWT_CLAIM_MISSING', message: `required claim "${name}" is missing` })
  }
  if (exp !== undefined && exp <= now - tol) errors.push({ code: 'ERR_JWT_EXPIRED', message: `token expired at ${iso(exp)} (verification time ${iso(now)}, tolerance ${tol}s)` })
  if (nbf !== undefined && nbf > now + tol) errors.push({ code: 'ERR_JWT_NOT_YET_VALID', message: `token not valid before ${iso(nbf)} (verification time ${iso(now)})` })
  if (iat !== undefined && iat > now + tol) errors.push({ code: 'ERR_JWT_NOT_YET_VALID', message: `token issued in the future, at ${iso(iat)} (verification time ${iso(now)})` })
  if (iat !== undefined && Number.isFinite(maxAge) && now - iat > maxAge + tol) {
    errors.push({ code: 'ERR_JWT_TOO_OLD', message: `token issued at ${iso(iat)} is older than the maximum age of ${maxAge}s` })
  }
  if (!invalidSeen) {
    if (exp !== undefined && iat !== undefined && exp < iat) errors.push({ code: 'ERR_JWT_TIME_CLAIM_INVALID', message: '"exp" is before "iat"' })
    if (exp !== undefined && nbf !== undefined && exp < nbf) errors.push({ code: 'ERR_JWT_TIME_CLAIM_INVALID', message: '"exp" is before "nbf"' })
  }
  const out: TimeClaims = {}
  if (iat !== undefined) out.issuedAt = new Date(iat * 1000)
  if (exp !== undefined) out.expiresAt = new Date(exp * 1000)
  if (nbf !== undefined) out.notBefore = new Date(nbf * 1000)
  return out
}
