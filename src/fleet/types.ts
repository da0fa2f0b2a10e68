/**
 * Fleet verification types (issue "Fleet scale"): one NDJSON line per attestation in, one
 * result per line out, in input order, and a summary that clusters machines by the boot chain
 * their quotes authenticate.
 */
import type { EarStatus } from '../ear/model.js'
import type { Verdict } from '../verdict/types.js'

/**
 * Why a line produced no verdict. The `ERR_LINE_*` codes are the line itself (too long, not
 * UTF-8, not JSON, a repeated member, a missing or mistyped member); any other code is the
 * `BootproofError` the evidence raised (`ERR_BUNDLE_INVALID`, `ERR_EVENTLOG_TRUNCATED`, ...), or
 * `ERR_WORKER_FAILED` / `ERR_INTERNAL` when the verifier itself failed on that line.
 */
export type FleetLineErrorCode =
  | 'ERR_LINE_TOO_LONG'
  | 'ERR_LINE_ENCODING'
  | 'ERR_LINE_NOT_JSON'
  | 'ERR_LINE_DUPLICATE_KEY'
  | 'ERR_LINE_INVALID'
  | 'ERR_WORKER_FAILED'
  | 'ERR_INTERNAL'

export interface FleetLineError {
  code: FleetLineErrorCode | (string & {})
  message: string
}

/** Boot-chain groups a machine is clustered by (see fingerprint.ts for the PCRs of each). */
export type FleetGroup = 'firmware' | 'secure-boot' | 'boot-loader' | 'kernel' | 'windows-drivers'
export const FLEET_GROUPS: readonly FleetGroup[] = ['firmware', 'secure-boot', 'boot-loader', 'kernel', 'windows-drivers']

/**
 * One measured component. Its identity is `digest`, which the quote authenticates (an event
 * digest in a quoted, reproduced PCR; for a Windows boot driver, the Authenticode hash inside a
 * SIPA record whose event digest binds it). `label` is for people: it decides nothing, and
 * `labelVerified` says whether the digest binds it (an image path in PCR 4 never is).
 */
export interface FleetComponent {
  group: FleetGroup
  pcr: number
  /** `<bank>:<lowercase hex>` (`authenticode-<alg>:<hex>` for a Windows boot driver). */
  digest: string
  /** The event type the log states (unmeasured: display and baseline reports only). */
  event: string
  /**
   * Other event types that machines of the same cluster state for this digest (a summary only;
   * at most MAX_OTHER_EVENTS). Unmeasured, like `event`: logs that disagree on the type of one
   * measurement are worth a look, and a policy baseline reads every stated type, so one log
   * cannot choose for the others.
   */
  otherEvents?: string[]
  /** Machines stated yet more types than `otherEvents` keeps: a reader must assume any type. */
  otherEventsTruncated?: true
  label: string
  labelVerified: boolean
  /**
   * Other verified labels of this digest in the cluster (a summary only; at most
   * MAX_OTHER_EVENTS). The bytes are bound, but how they read depends on the stated type, so
   * machines may render one measurement differently; a label query looks at all of them.
   */
  otherLabels?: string[]
  /** More verified labels than `otherLabels` keeps. */
  otherLabelsTruncated?: true
}

/** Most distinct other event types a summary records for one component of a cluster. */
export const MAX_OTHER_EVENTS = 8

/** How one group was established on one machine. */
export interface FleetGroupState {
  /**
   * `authenticated`: every PCR of the group was quoted and reproduced; otherwise the worst PCR
   * status (`tainted`, `unknown`), or `absent` when there was no event log.
   */
  status: 'authenticated' | 'tainted' | 'unknown' | 'absent'
  /** 16 hex digits over the group's PCR statuses and authenticated digests (never labels). */
  fingerprint: string
}

/** A machine's boot chain as its quote authenticates it. */
export interface FleetBootChain {
  /** 16 hex digits over every group's fingerprint: the cluster key. */
  fingerprint: string
  groups: Record<FleetGroup, FleetGroupState>
  /** Components with authenticated digests, in log order per group. */
  components: FleetComponent[]
}

/** The outcome of one input line, in input order. */
export interface FleetResult {
  /** 0-based position among the non-blank input lines (the output line number). */
  index: number
  /** 1-based physical line number of the input. */
  line: number
  /** The line's `id`, or null when the line could not be read far enough to know it. */
  id: string | null
  ear_status?: EarStatus
  verdict?: Verdict
  error?: FleetLineError
  bootChain?: FleetBootChain
  /**
   * The output line (`fleetResultLine`, terminal-safe), rendered where the line was verified.
   * Set, with `verdictDigest` in place of `verdict`, by a worker pool created with
   * `renderLines: true`: the verdict object then never crosses the thread boundary.
   */
  ndjson?: string
  /**
   * The same output line as UTF-8 bytes, set instead of `ndjson` by a worker pool created with
   * `renderLines: 'utf8'` (for a writer of bytes: no decoding and encoding again on its thread).
   */
  ndjsonUtf8?: Uint8Array
  /** What a summary reads of the verdict (see `ndjson`). */
  verdictDigest?: FleetVerdictDigest
}

/** The parts of a verdict a fleet summary counts: policy id, submodule statuses, finding codes. */
export interface FleetVerdictDigest {
  bootproof_policy_id?: string
  submods: Record<string, { ear_status: EarStatus }>
  bootproof_findings: { code: string; severity: string }[]
}

/** Counts per EAR status. */
export type StatusCounts = Record<EarStatus, number>

export interface FleetCluster {
  /** The boot-chain fingerprint shared by every machine here. */
  id: string
  machines: number
  ear_status: StatusCounts
  groups: Record<FleetGroup, FleetGroupState>
  /**
   * The components of the cluster's machines: their digests are identical across the cluster;
   * each shows a verified label when any machine has one (else the first machine's), and every
   * event type the machines state for it (`event`, `otherEvents`).
   */
  components: FleetComponent[]
  machineIds: string[]
}

export interface FleetChange {
  change: 'added' | 'removed'
  group: FleetGroup
  pcr: number
  digest: string
  event: string
  label: string
  labelVerified: boolean
  /** Machines that loaded it (now for `added`, in the baseline for `removed`). */
  machines: number
}

export interface FleetSummary {
  kind: 'bootproof-fleet-summary'
  version: 1
  policyId?: string
  /** Non-blank input lines. */
  lines: number
  /** Lines with a verdict. */
  verified: number
  /** Lines without one (see `errorCodes`). */
  errors: number
  ear_status: StatusCounts
  errorCodes: Record<string, number>
  /** Per submodule, counts per EAR status. */
  submods: Record<string, StatusCounts>
  /** The most frequent findings: machines that had it, and total occurrences. */
  topFindings: { code: string; severity: string; machines: number; occurrences: number }[]
  /** Distinct variants of each group, most common first. */
  variants: Record<FleetGroup, { fingerprint: string; status: FleetGroupState['status']; machines: number }[]>
  clusters: FleetCluster[]
  baseline?: { source: 'policy' | 'summary'; id: string; changes: FleetChange[] }
}
