/**
 * Named hard limits (file-type style). Every length read from input is checked against what
 * remains and against one of these before anything is allocated or sliced. All overridable.
 * Defaults follow `tcg-event-log.md` §1.7: real logs > 64 KiB are normal, 16 MiB is generous.
 */
export interface EventLogLimits {
  /** Largest accepted log, in bytes. */
  maxLogBytes: number
  /** Largest number of records (including the Spec ID record). */
  maxEvents: number
  /** Largest event data (EventSize) of one record. */
  maxEventDataBytes: number
  /** Largest number of algorithms in the Spec ID event (= digests per crypto-agile event). */
  maxAlgorithms: number
  /** Depth cap for nested structures (device paths, SIPA containers). */
  maxNestingDepth: number
  /** Largest number of device-path nodes, signature lists or entries decoded from one event. */
  maxItemsPerEvent: number
}

export const DEFAULT_EVENTLOG_LIMITS: Readonly<EventLogLimits> = Object.freeze({
  maxLogBytes: 16 * 1024 * 1024,
  maxEvents: 65536,
  maxEventDataBytes: 4 * 1024 * 1024,
  maxAlgorithms: 8,
  maxNestingDepth: 16,
  maxItemsPerEvent: 8192,
})

export function resolveLimits(overrides?: Partial<EventLogLimits>): EventLogLimits {
  const out = { ...DEFAULT_EVENTLOG_LIMITS, ...(overrides ?? {}) }
  for (const [k, v] of Object.entries(out)) {
    if (!Number.isSafeInteger(v) || v < 0) throw new TypeError(`limits.${k} must be a non-negative safe integer`)
  }
  return out
}
