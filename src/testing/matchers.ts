/**
 * Test matchers for verdicts and findings (`bootproof/testing`), in the shape `expect.extend`
 * takes (vitest, Jest). This module does not import a test framework: register the matchers
 * with the `expect` you use.
 *
 * ```ts
 * import { expect } from 'vitest'
 * import { registerBootproofMatchers } from 'bootproof/testing'
 * registerBootproofMatchers(expect)
 * expect(result).toBeAffirming()
 * expect(result).toHaveFinding('PCR_MISMATCH')
 * ```
 */
import type { Finding } from '../findings.js'

/** What a matcher returns (the `expect.extend` contract). */
export interface MatcherResult {
  pass: boolean
  message: () => string
}

/** The matcher context `expect.extend` passes as `this` (only `isNot` is read). */
export interface MatcherContext {
  isNot?: boolean
}

/** The fields a finding is matched on besides its code. */
export type FindingFields = Partial<Pick<Finding, 'severity' | 'pcr' | 'eventIndex'>> & { step?: string; submod?: string }

type Obj = Record<string, unknown>
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null

/** The verdict of an `AttestationResult` (`{ verdict }`) or a `Verdict` itself. */
function verdictOf(x: unknown): Obj | undefined {
  if (isObj(x) && isObj(x.verdict) && typeof x.verdict.ear_status === 'string') return x.verdict
  if (isObj(x) && typeof x.ear_status === 'string') return x
  return undefined
}

/**
 * The findings of a verdict or attestation result (`bootproof_findings`), of any result with
 * `findings` (analyzeEventLog, extractBootState, appraisePolicy, ...), or an array of findings.
 */
function findingsOf(x: unknown): Obj[] | undefined {
  const v = verdictOf(x)
  const list = v ? v.bootproof_findings : Array.isArray(x) ? x : isObj(x) ? x.findings : undefined
  return Array.isArray(list) ? list.filter(isObj) : undefined
}

function describeFindings(list: Obj[]): string {
  if (!list.length) return '  (no findings)'
  return list
    .slice(0, 20)
    .map((f) => `  ${String(f.severity)} ${String(f.code)}${f.pcr !== undefined ? ` pcr ${String(f.pcr)}` : ''}: ${String(f.message ?? '')}`)
    .join('\n')
    .concat(list.length > 20 ? `\n  … ${list.length - 20} more` : '')
}

function toBeAffirming(this: MatcherContext | void, received: unknown): MatcherResult {
  const v = verdictOf(received)
  if (!v) return { pass: false, message: () => 'expected an AttestationResult or a Verdict (an object with ear_status)' }
  const status = String(v.ear_status)
  const pass = status === 'affirming'
  const errors = (findingsOf(v) ?? []).filter((f) => f.severity === 'error')
  return {
    pass,
    message: () =>
      pass
        ? `expected the verdict not to be affirming, but it is (policy ${String(v.bootproof_policy_id)})`
        : `expected the verdict to be affirming, but it is ${status} (policy ${String(v.bootproof_policy_id)}); error findings:\n${describeFindings(errors)}`,
  }
}

function toHaveFinding(this: MatcherContext | void, received: unknown, code: string, fields: FindingFields = {}): MatcherResult {
  const list = findingsOf(received)
  if (!list) return { pass: false, message: () => 'expected a verdict, a result with findings, or an array of findings' }
  const want = Object.entries(fields).filter(([, value]) => value !== undefined)
  const what = `${code}${want.length ? ` with ${JSON.stringify(Object.fromEntries(want))}` : ''}`
  const hits = list.filter((f) => f.code === code && want.every(([k, value]) => f[k] === value))
  const pass = hits.length > 0
  return {
    pass,
    message: () =>
      pass
        ? `expected no finding ${what}, found ${hits.length}:\n${describeFindings(hits)}`
        : `expected a finding ${what}; the findings are:\n${describeFindings(list)}`,
  }
}

/** The matchers, for `expect.extend(bootproofMatchers)`. */
export const bootproofMatchers = { toBeAffirming, toHaveFinding }

/** `expect.extend(bootproofMatchers)` for any framework whose `expect` has `extend`. */
export function registerBootproofMatchers(expect: { extend(matchers: Record<string, unknown>): unknown }): void {
  expect.extend(bootproofMatchers)
}

/**
 * The matcher signatures, to add to your framework's assertion type. With vitest:
 *
 * ```ts
 * import type { BootproofMatchers } from 'bootproof/testing'
 * declare module 'vitest' {
 *   interface Assertion<T = any> extends BootproofMatchers<T> {}
 * }
 * ```
 */
export interface BootproofMatchers<R = unknown> {
  /** The verdict (of an AttestationResult, or a Verdict) has `ear_status` "affirming". */
  toBeAffirming(): R
  /** A finding with this code (and these fields) is among the findings. */
  toHaveFinding(code: string, fields?: FindingFields): R
}
