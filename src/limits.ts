/**
 * Named hard limits (file-type style). Every length read from input is checked against what
 * remains and against one of these before anything is allocated or sliced. All overridable.
 * Defaults follow attack L-01 (global caps): real logs > 64 KiB are normal (tpm2-tools issue
 * #2243), 16 MiB is generous.
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
  /**
   * Most bytes of one string (EV_IPL, EV_EFI_ACTION, descriptors, text variables) decoded into
   * text; the rest of a longer string stays in the event's data only and the decoded value is
   * marked `truncated`. Real strings are far shorter (corpus maximum: a 10 200-byte GRUB
   * `submenu` block; Linux caps its command line at 2-4 KiB on most architectures), while an
   * event of `maxEventDataBytes` escaped as text would cost 4 characters per byte.
   */
  maxDecodedTextBytes: number
}

export const DEFAULT_EVENTLOG_LIMITS: Readonly<EventLogLimits> = Object.freeze({
  maxLogBytes: 16 * 1024 * 1024,
  maxEvents: 65536,
  maxEventDataBytes: 4 * 1024 * 1024,
  maxAlgorithms: 8,
  maxNestingDepth: 16,
  maxItemsPerEvent: 8192,
  maxDecodedTextBytes: 64 * 1024,
})

export function resolveLimits(overrides?: Partial<EventLogLimits>): EventLogLimits {
  const out = { ...DEFAULT_EVENTLOG_LIMITS, ...(overrides ?? {}) }
  for (const [k, v] of Object.entries(out)) {
    if (!Number.isSafeInteger(v) || v < 0) throw new TypeError(`limits.${k} must be a non-negative safe integer`)
  }
  return out
}

/**
 * Limits on work the boot state does per log, beyond parsing. A firmware log can hold
 * signature databases of any size within `maxEventDataBytes` (a 1 MiB `db` event fits a
 * thousand certificates), and a full X.509 decode costs milliseconds each: decoding is capped
 * so that the cost follows what a real platform carries, not what an attester chooses.
 */
export interface BootStateLimits {
  /**
   * Most X.509 certificates decoded (subject, issuer, validity) per log, over PK, KEK, db, dbx,
   * dbt, dbr and EV_EFI_VARIABLE_AUTHORITY together. Real logs carry 2-16 (corpus maximum 16:
   * an AMD desktop); the rest stay
   * undecoded (their SHA-256 is still reported) and a CERTIFICATE_NOT_DECODED warning gives
   * the count.
   */
  maxCertificatesDecoded: number
}

export const DEFAULT_BOOT_STATE_LIMITS: Readonly<BootStateLimits> = Object.freeze({
  maxCertificatesDecoded: 32,
})

export function resolveBootStateLimits(overrides?: Partial<BootStateLimits>): BootStateLimits {
  const out = { ...DEFAULT_BOOT_STATE_LIMITS, ...(overrides ?? {}) }
  for (const [k, v] of Object.entries(out)) {
    if (!Number.isSafeInteger(v) || v < 0) throw new TypeError(`limits.${k} must be a non-negative safe integer`)
  }
  return out
}

/**
 * Limits for TCG Canonical Event Logs (CEL-TLV, CEL-JSON; src/cel/). A CEL record's lengths are
 * u32 big-endian, so every one is compared with what remains and with these before any slice.
 */
export interface CelLimits {
  /** Largest accepted log, in bytes. */
  maxLogBytes: number
  /** Largest number of records. */
  maxRecords: number
  /** Largest value of one TLV (content, event data, template data), in bytes. */
  maxValueBytes: number
  /** Largest number of digests (banks) in one record. */
  maxDigests: number
  /** Largest CEL-JSON record, in characters. */
  maxJsonRecordChars: number
  /** Nesting cap of a CEL-JSON record. */
  maxJsonDepth: number
}

export const DEFAULT_CEL_LIMITS: Readonly<CelLimits> = Object.freeze({
  maxLogBytes: 16 * 1024 * 1024,
  maxRecords: 65536,
  maxValueBytes: 4 * 1024 * 1024,
  maxDigests: 8,
  maxJsonRecordChars: 1024 * 1024,
  maxJsonDepth: 16,
})

export function resolveCelLimits(overrides?: Partial<CelLimits>): CelLimits {
  const out = { ...DEFAULT_CEL_LIMITS, ...(overrides ?? {}) }
  for (const [k, v] of Object.entries(out)) {
    if (!Number.isSafeInteger(v) || v < 0) throw new TypeError(`limits.${k} must be a non-negative safe integer`)
  }
  return out
}
