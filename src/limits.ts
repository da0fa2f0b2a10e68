/**
 * The one resolution of a limits override, for every area's limits: the defaults with the
 * caller's values over them, each of which must be a non-negative safe integer (a NaN,
 * fractional, infinite or negative limit would make every bound check against it pass or fail
 * silently). An override is the caller's code, not input, so a bad one is a TypeError naming
 * the field (`limits.<name>`), like every other bad option.
 */
export function resolveLimitOverrides<T extends Record<keyof T, number>>(defaults: Readonly<T>, overrides: Partial<T> | undefined): T {
  const out = { ...defaults, ...(overrides ?? {}) } as T
  for (const [k, v] of Object.entries(out) as [string, unknown][]) {
    if (!Number.isSafeInteger(v) || (v as number) < 0) throw new TypeError(`limits.${k} must be a non-negative safe integer`)
  }
  return out
}

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
  return resolveLimitOverrides(DEFAULT_EVENTLOG_LIMITS, overrides)
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
  return resolveLimitOverrides(DEFAULT_BOOT_STATE_LIMITS, overrides)
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
  return resolveLimitOverrides(DEFAULT_CEL_LIMITS, overrides)
}

/**
 * Limits on X.509 certificate decoding (src/x509/), checked by a scan of the DER that allocates
 * nothing before asn1js and pkijs build their object graphs. Their cost follows the number of
 * DER values, not the bytes: about 2-3.5 KiB of peak memory per value (a 70 KB certificate of
 * small fields peaked at 44 MiB). Defaults from the 126 distinct certificates of the committed
 * vectors and the shared corpus (UEFI PK/KEK/db and authorities, EK/AK and their CAs, SGX PCK,
 * SEV-SNP VCEK/ASK/ARK, MAA token chains): at most 1 860 bytes (an MAA token-signing chain), 181
 * values and 291 OID sub-identifiers (an SGX PCK certificate, its SGX extension counted) and
 * depth 15; Microsoft Azure Attestation signing certificates, which embed an SGX quote with its
 * collateral, are about 5.5 KB. At the defaults the costliest certificate peaks near 3 MiB.
 */
export interface X509Limits {
  /** Largest certificate, in DER bytes (default 16 KiB: 3x the largest known real one). */
  maxCertificateBytes: number
  /**
   * Most DER values (TLVs) in one certificate, counting those inside extension values and keys
   * (default 1024: 5.6x the largest seen).
   */
  maxCertificateDerNodes: number
  /** Deepest nesting of DER values (the outer SEQUENCE is 1), counting extension values (default 32: 2x the deepest seen). */
  maxCertificateDerDepth: number
  /**
   * Most OBJECT IDENTIFIER sub-identifiers (arcs) over all OIDs of one certificate: asn1js builds
   * an object per arc, so one OID of 12 000 one-byte arcs costs what 12 000 values do (default
   * 2048: 7x the most seen).
   */
  maxCertificateOidArcs: number
}

export const DEFAULT_X509_LIMITS: Readonly<X509Limits> = Object.freeze({
  maxCertificateBytes: 16 * 1024,
  maxCertificateDerNodes: 1024,
  maxCertificateDerDepth: 32,
  maxCertificateOidArcs: 2048,
})

export function resolveX509Limits(overrides?: Partial<X509Limits>): X509Limits {
  return resolveLimitOverrides(DEFAULT_X509_LIMITS, overrides)
}
