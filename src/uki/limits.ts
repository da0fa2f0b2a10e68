/**
 * Named, overridable limits for unified kernel images and `.pcrsig` documents. A PE section's
 * VirtualSize is a u32 the stub hashes in full (zero-filled past SizeOfRawData), so a header
 * alone could demand gigabytes of hashing: every section is checked against these first.
 */
export interface UkiLimits {
  /** Largest measured section, in bytes, its zero-filled tail included (VirtualSize). */
  maxSectionBytes: number
  /** Largest `.pcrsig` JSON, in bytes. */
  maxPcrsigBytes: number
  /** Largest number of entries in a `.pcrsig` document (all banks together). */
  maxPcrsigEntries: number
  /** Largest number of phase paths predicted or tried at once. */
  maxPhases: number
  /** Longest phase path, in UTF-8 bytes. */
  maxPhaseBytes: number
}

export const DEFAULT_UKI_LIMITS: Readonly<UkiLimits> = Object.freeze({
  maxSectionBytes: 512 * 1024 * 1024,
  maxPcrsigBytes: 1024 * 1024,
  maxPcrsigEntries: 1024,
  maxPhases: 256,
  maxPhaseBytes: 4096,
})

export function resolveUkiLimits(overrides?: Partial<UkiLimits>): UkiLimits {
  const out = { ...DEFAULT_UKI_LIMITS, ...(overrides ?? {}) }
  for (const [k, v] of Object.entries(out)) {
    if (!Number.isSafeInteger(v) || v < 0) throw new TypeError(`limits.${k} must be a non-negative safe integer`)
  }
  return out
}
