/**
 * Named, overridable limits for unified kernel images and `.pcrsig` documents. A PE section's
 * VirtualSize is a u32 the stub hashes in full (zero-filled past SizeOfRawData), so a header
 * alone could demand gigabytes of hashing: every section is checked against these first.
 */
import { resolveLimitOverrides } from '../limits.js'

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

/**
 * The defaults with the caller's overrides over them, resolved like every other area's limits:
 * a negative, fractional, NaN or infinite value throws a TypeError naming `limits.<field>`.
 */
export function resolveUkiLimits(overrides?: Partial<UkiLimits>): UkiLimits {
  return resolveLimitOverrides(DEFAULT_UKI_LIMITS, overrides)
}
