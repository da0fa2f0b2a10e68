/**
 * The TCG Canonical Event Log (CEL) record model, shared by the TLV and JSON encodings (TCG CEL
 * Specification v1.0, §4 "Information model" / TPMS_CEL_EVENT): a record number, one handle (a
 * PCR or an NV index), one digest per algorithm, and one content of a content type.
 */
import type { Finding } from '../findings.js'

/**
 * Which register a record extends. `pcr` and `nv_index` are the spec's handles (TLV types 1, 2);
 * `cc_mr` is the confidential-computing MR handle (TLV type 0x6C) that Google's COS launcher
 * writes, not in the TCG tables, accepted because real logs carry it.
 */
export type CelHandleKind = 'pcr' | 'nv_index' | 'cc_mr'

export interface CelDigest {
  /** Bank name (`sha256`, ...). Only known algorithms are accepted. */
  bank: string
  algId: number
  digest: Uint8Array
}

/** CEL management content (content type `cel`, §5.2): version, firmware end, timestamp, state transition. */
export type CelManagement =
  | { kind: 'cel_version'; major: number; minor: number }
  | { kind: 'firmware_end' }
  | { kind: 'cel_timestamp'; value: bigint }
  | { kind: 'state_trans'; value: number; name: 'suspend' | 'hibernate' | 'kexec' | 'unknown' }
  | { kind: 'unknown'; type: number; value: Uint8Array }

export type CelContent =
  /** A TCG_PCR_EVENT2-style event (PC Client STD content, §5.3). JSON: the content object as given. */
  | { type: 'pcclient_std'; eventType: number; eventData?: Uint8Array; json?: unknown }
  /** An IMA template entry (§5.4). */
  | { type: 'ima_template'; templateName: string; templateData?: Uint8Array; json?: unknown }
  | { type: 'cel'; management: CelManagement }
  /** systemd's userspace measurement (CEL-JSON content_type "systemd"). */
  | { type: 'systemd'; string?: string; eventType?: string; json: unknown }
  /** Any other content type, kept as it was (a finding says it was not decoded). */
  | { type: 'raw'; contentType: number | string; value?: Uint8Array; json?: unknown }

export interface CelRecord {
  /** Position in the log (0-based): the index findings and replay use. */
  index: number
  /** The record's recnum; absent in systemd's tpm2-measure.log, which omits it. */
  recnum?: number
  handle: CelHandleKind
  /** PCR, NV index or MR index. */
  register: number
  digests: CelDigest[]
  /** TLV content type number, or CEL-JSON content_type string. */
  contentType: number | string
  content: CelContent
  /** TLV: the whole content TLV (type ‖ length ‖ value), what COS content digests cover. */
  contentTlv?: Uint8Array
  /** TLV: byte offset of the record; JSON: character offset of the record's text. */
  offset: number
}

export type CelFormat = 'cel-tlv' | 'cel-json'

export interface CelLog {
  format: CelFormat
  records: CelRecord[]
  /** Banks seen in any record, in first-seen order. */
  banks: string[]
  /** `cc-mr` when the records use MR handles, else `pcr` (NV indices are replayed apart). */
  registerKind: 'pcr' | 'cc-mr'
  /** Parse findings: undecoded content types, unknown JSON members, recnum gaps. */
  findings: Finding[]
}
