/** The NDJSON output line of one result (issue contract: exactly these members). */
import { escapeText } from '../text/escape.js'
import type { FleetResult, FleetVerdictDigest } from './types.js'

const replacer = (_k: string, x: unknown): unknown => (typeof x === 'bigint' ? x.toString() : x)

/** `{"id","ear_status","verdict"}` or `{"id","error":{"code","message"}}`, no trailing newline. */
export function fleetResultLine(r: FleetResult): string {
  if (r.error || !r.verdict) return JSON.stringify({ id: r.id, error: { code: r.error?.code ?? 'ERR_INTERNAL', message: r.error?.message ?? 'no verdict' } })
  const line = { id: r.id, ear_status: r.ear_status, verdict: r.verdict }
  // Without a replacer the engine serialises natively (a replacer is a call per member, most of
  // the cost); a bigint anywhere makes that throw, and only then is the replacer used. Same text.
  try {
    return JSON.stringify(line)
  } catch (e) {
    if (!(e instanceof TypeError)) throw e
    return JSON.stringify(line, replacer)
  }
}

/**
 * The result as it crosses from a worker to the thread that writes: the output line rendered
 * (and made terminal-safe, as every command's output is) and the verdict reduced to what a
 * summary counts. Posting the whole verdict object cost about 15 % of a worker's time in
 * structured cloning; a string and a few small members cost little.
 */
export function renderedFleetResult(r: FleetResult): FleetResult {
  const { verdict, ...rest } = r
  const out: FleetResult = { ...rest, ndjson: escapeText(fleetResultLine(r)) }
  if (verdict) out.verdictDigest = verdictDigestOf(verdict)
  return out
}

function verdictDigestOf(v: NonNullable<FleetResult['verdict']>): FleetVerdictDigest {
  const submods: FleetVerdictDigest['submods'] = {}
  for (const [name, sub] of Object.entries(v.submods)) submods[name] = { ear_status: sub.ear_status }
  return {
    ...(v.bootproof_policy_id !== undefined ? { bootproof_policy_id: v.bootproof_policy_id } : {}),
    submods,
    bootproof_findings: v.bootproof_findings.map((f) => ({ code: f.code, severity: f.severity })),
  }
}
