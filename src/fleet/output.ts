/** The NDJSON output line of one result (issue contract: exactly these members). */
import type { FleetResult } from './types.js'

const replacer = (_k: string, x: unknown): unknown => (typeof x === 'bigint' ? x.toString() : x)

/** `{"id","ear_status","verdict"}` or `{"id","error":{"code","message"}}`, no trailing newline. */
export function fleetResultLine(r: FleetResult): string {
  if (r.error || !r.verdict) return JSON.stringify({ id: r.id, error: { code: r.error?.code ?? 'ERR_INTERNAL', message: r.error?.message ?? 'no verdict' } })
  return JSON.stringify({ id: r.id, ear_status: r.ear_status, verdict: r.verdict }, replacer)
}
