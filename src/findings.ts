/**
 * A finding: what failed or is notable, where (PCR, bank, event index, byte offset) and why.
 * Parsed-but-failing evidence is reported with findings, never thrown.
 */
export type Severity = 'error' | 'warning' | 'info'

export interface Finding {
  /** Stable identifier, e.g. `EVENT_DIGEST_MISMATCH`. Documented in docs/findings.md. */
  code: string
  severity: Severity
  message: string
  pcr?: number
  bank?: string
  eventIndex?: number
  /** Other events involved (e.g. the first separator when flagging a duplicate). */
  relatedEvents?: number[]
  offset?: number
  /** Human component name ("shim", "dbx", "kernel command line", ...). */
  component?: string
  expected?: string
  observed?: string
}

export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error')
}
