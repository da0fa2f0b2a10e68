/**
 * Types of the Linux IMA runtime measurement list (`/sys/kernel/security/ima/
 * binary_runtime_measurements` and `ascii_runtime_measurements`).
 */
import type { HashAlgName } from '../alg.js'
import type { Finding } from '../findings.js'
import type { HashProvider } from '../hash/provider.js'
import type { PcrValues, PcrValuesInput } from '../pcr_values.js'
import type { ReplayedBank, ReplayResult } from '../eventlog/replay.js'

export type ImaListFormat = 'ima-binary' | 'ima-ascii'

/** A file or buffer digest from a `d`, `d-ng`, `d-ngv2` or `d-modsig` field. */
export interface ImaDigest {
  /** Hash algorithm name as the kernel prints it (`sha1`, `sha256`, `sm3`, `md5`, …). */
  alg: string
  digest: Uint8Array
  /** `d-ngv2` only: the digest type, `ima` or `verity`. */
  type?: string
}

/**
 * Decoded template fields, keyed by kernel field id. A field that failed to decode is absent
 * (and reported); every field, decoded or not, known or not, is in `ImaEntry.rawFields`.
 */
export interface ImaFields {
  d?: ImaDigest
  'd-ng'?: ImaDigest
  'd-ngv2'?: ImaDigest
  /** Absent when the entry carries no appended signature (empty field). */
  'd-modsig'?: ImaDigest
  /** Event name (`ima` template: the file name, at most 255 bytes). */
  n?: string
  /** Event name: file path, `boot_aggregate`, or the buffer name of `ima-buf` entries. */
  'n-ng'?: string
  /** security.ima xattr (signature or digest), possibly empty. */
  sig?: Uint8Array
  /** Measured buffer (`ima-buf`: keys, kexec command line, critical data). */
  buf?: Uint8Array
  /** Appended (module-style) signature. */
  modsig?: Uint8Array
  /** security.evm xattr. */
  evmsig?: Uint8Array
  /** `|`-separated xattr names. */
  xattrnames?: string
  xattrlengths?: Uint8Array
  xattrvalues?: Uint8Array
  iuid?: number
  igid?: number
  imode?: number
}

export interface ImaRawField {
  /** Field id from the template descriptor, or `#<position>` for an undescribed field. */
  id: string
  /** Field data without its length prefix. Binary lists: a view into the list's private copy of the input. */
  data: Uint8Array
  /** Absolute byte offset of the field data (binary lists only). */
  offset?: number
  /** ASCII lists: the field as printed. */
  text?: string
}

export type ImaTemplateHashStatus = 'verified' | 'mismatch' | 'not-applicable'

export interface ImaEntry {
  /** 0-based position in the list. */
  index: number
  /** Absolute byte offset of the entry (binary) or of its line (ASCII). */
  offset: number
  /** ASCII lists: 1-based line number. */
  line?: number
  pcr: number
  /** The template hash as listed (the list's bank, see `ImaLog.templateHashAlg`). */
  templateHash: Uint8Array
  templateName: string
  /**
   * The template data. Binary lists: the bytes after the template-data length (for the `ima`
   * template, which has no length field: `d[20] ‖ u32 len ‖ name`), a view into the list's
   * private copy of the input.
   * ASCII lists: rebuilt from the printed fields; undefined when the template has fields that
   * cannot be rebuilt from their printed form (unknown fields, iuid/igid/imode, ambiguous
   * spacing).
   */
  templateData: Uint8Array | undefined
  fields: ImaFields
  rawFields: ImaRawField[]
  /** From `n-ng` or `n`. Untrusted unless `templateHashStatus` is `verified`. */
  filename?: string
  /** From `d-ng`, `d-ngv2` or `d`. Untrusted unless `templateHashStatus` is `verified`. */
  fileDigest?: ImaDigest
  /** All-zero template hash: a ToMToU / open-writers violation, extended as all-0xFF. */
  violation: boolean
  /**
   * `verified`: H(template data) equals the template hash; `mismatch`: it does not (finding
   * IMA_TEMPLATE_HASH_MISMATCH); `not-applicable`: a violation, verification switched off, or
   * ASCII template data that could not be rebuilt.
   */
  templateHashStatus: ImaTemplateHashStatus
}

export interface ImaLog {
  format: ImaListFormat
  /** Bank of the template hashes (from their size unless given: 20 sha1, 32 sha256, …). */
  templateHashAlg: HashAlgName
  templateHashSize: number
  /** Byte order of the binary list (the kernel writes host order unless ima_canonical_fmt). */
  endianness: 'le' | 'be'
  entries: ImaEntry[]
  /** Parse-time findings (violations, template-hash mismatches, malformed fields, …). */
  findings: Finding[]
  /** Input size in bytes. */
  size: number
  /** Set when an incomplete final entry was tolerated (`truncatedTail: 'finding'`). */
  truncatedTail?: { offset: number; bytes: number }
}

/** Named hard limits for IMA lists. All overridable. */
export interface ImaLimits {
  /** Largest accepted list, in bytes (busy servers reach tens of MiB). */
  maxListBytes: number
  /** Largest number of entries. */
  maxEntries: number
  /** Largest template name / descriptor (kernel: well under 255). */
  maxTemplateNameBytes: number
  /** Largest template data of one entry (ima-buf entries carry certificates). */
  maxTemplateDataBytes: number
  /** Largest number of fields in one template (kernel IMA_TEMPLATE_NUM_FIELDS_MAX = 15). */
  maxFields: number
}

export const DEFAULT_IMA_LIMITS: Readonly<ImaLimits> = Object.freeze({
  maxListBytes: 256 * 1024 * 1024,
  maxEntries: 4 * 1024 * 1024,
  maxTemplateNameBytes: 255,
  maxTemplateDataBytes: 4 * 1024 * 1024,
  maxFields: 32,
})

export interface ParseImaLogOptions {
  /** Default `auto`: ASCII when the input starts like `10 <hex> <name>`, binary otherwise. */
  format?: 'auto' | ImaListFormat
  /**
   * Bank of the template hashes. Default: by size (20 sha1, 32 sha256, 48 sha384, 64 sha512).
   * Give it for per-bank lists of same-size algorithms (e.g. `sm3_256`). Binary lists: it also
   * fixes the template-hash size instead of detecting it from the first entry.
   */
  templateHashAlg?: HashAlgName
  /** Binary lists: byte order of the integers. Default `auto` (from the first PCR field). */
  endianness?: 'auto' | 'le' | 'be'
  /**
   * What to do with an incomplete final entry. `error` (default): throw
   * ERR_EVENTLOG_TRUNCATED with its offset. `finding`: stop before it and report
   * IMA_TRUNCATED_TAIL (warning); the replay covers the complete entries only. A list with no
   * complete entry is always rejected.
   */
  truncatedTail?: 'error' | 'finding'
  /** Check every template hash against its template data (default true). */
  verifyTemplateHashes?: boolean
  hash?: HashProvider
  limits?: Partial<ImaLimits>
}

/**
 * How an entry is extended into one PCR bank.
 * - `template-hash`: the listed template hash (only for the bank of the list);
 * - `recompute`: H_bank(template data), what a kernel >= 5.8 does for every allocated bank
 *   whose hash it has a crypto driver for;
 * - `pad`: the listed template hash zero-padded to the bank size, what a kernel >= 5.8 does
 *   for banks it cannot hash (no driver loaded when measuring), and what kernels < 5.8 did
 *   for every bank.
 * Violations extend all-0xFF of the bank size under every rule.
 */
export type ImaBankRule = 'template-hash' | 'recompute' | 'pad'

export interface ReplayImaOptions {
  expected?: PcrValues | PcrValuesInput
  hash?: HashProvider
  /**
   * Banks to replay and the rule for each, merged over the default
   * `{ [log.templateHashAlg]: 'template-hash' }`. Which rule a real kernel used per bank
   * depends on its configuration; e.g. Debian 12 (6.1, ima_hash=sha256) with an sha1+sha256+
   * sha384 TPM: `{ sha256: 'recompute', sha384: 'pad' }` (see src/ima/README.md).
   */
  extendBanks?: Partial<Record<HashAlgName, ImaBankRule>>
  /**
   * PCRs the list is authoritative for. Expected values of these PCRs are compared even when
   * no entry extends them (an emptied list must not pass); expected values of other PCRs the
   * list does not extend are not IMA's and are skipped. Default `[10]`.
   */
  pcrs?: number[]
}

export interface ImaReplayedBank extends ReplayedBank {
  rule: ImaBankRule
}

export interface ImaReplayResult extends ReplayResult {
  banks: Map<string, ImaReplayedBank>
}

export interface ImaAnalysis {
  replay: ImaReplayResult
  integrity: { counts: Record<ImaTemplateHashStatus, number> }
  /** Parse-time findings followed by comparison findings. */
  findings: Finding[]
  /** False when any finding has error severity. */
  ok: boolean
}
