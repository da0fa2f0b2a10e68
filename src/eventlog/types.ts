/**
 * The parsed event log: plain typed objects. `eventLogToJSON` turns them into the documented
 * JSON shape (schema/eventlog.schema.json) with lowercase hex.
 */
import type { Finding } from '../findings.js'
import type { DecodedEventData } from './decode/types.js'

export interface EventDigest {
  /** TPM_ALG_ID */
  algId: number
  /** Bank name: `sha1`, `sha256`, … or `alg_0x1234` for an algorithm the library does not know. */
  bank: string
  digest: Uint8Array
}

export interface TcgEvent {
  /** Record index in the file, 0-based (the Spec ID record of a crypto-agile log is 0). */
  index: number
  /** Absolute byte offset of the record. */
  offset: number
  /** Record length in bytes (header + digests + data). */
  length: number
  /** PCR index; in CCEL logs the CC measurement-register index. */
  pcrIndex: number
  eventType: number
  /** `EV_SEPARATOR`, … or `UNKNOWN_0x…`. */
  typeName: string
  /** In record order. SHA-1 format logs have exactly one (sha1). */
  digests: EventDigest[]
  /** Raw event data (view into the input). */
  data: Uint8Array
  /** Absolute offset of the event data. */
  dataOffset: number
  /** Decoded event data; `{kind:'raw'}` when decoding is off or the type has no decoder. */
  decoded: DecodedEventData
}

export interface SpecIdAlgorithm {
  algId: number
  bank: string
  digestSize: number
  /** Whether the library knows (and can replay) this algorithm. */
  known: boolean
}

/** TCG_EfiSpecIDEvent (PFP §10.4.5.1). */
export interface SpecIdEvent {
  signature: string
  platformClass: number
  specVersionMinor: number
  specVersionMajor: number
  specErrata: number
  uintnSize: number
  algorithms: SpecIdAlgorithm[]
  vendorInfo: Uint8Array
}

export type EventLogFormat = 'tcg-sha1' | 'tcg-crypto-agile'

export interface StartupLocalityInfo {
  locality: number
  /** The record that set it: a StartupLocality EV_NO_ACTION or an EV_EFI_HCRTM_EVENT. */
  eventIndex: number
  source: 'StartupLocality' | 'H-CRTM'
}

export interface EventLog {
  format: EventLogFormat
  /**
   * `pcr` for TPM PCR logs; `cc-mr` for confidential-computing logs (CCEL: TDX, Hygon CSV) whose
   * index field is a measurement-register index (TDX: 1-4 = RTMR0-3).
   */
  registerKind: 'pcr' | 'cc-mr'
  specId: SpecIdEvent | undefined
  /** Algorithms whose digests each event carries (Spec ID order; SHA-1 format: sha1 only). */
  algorithms: SpecIdAlgorithm[]
  events: TcgEvent[]
  /** PCR 0 starting locality (PFP §10.4.5.3), or undefined when the log does not state one. */
  startupLocality: StartupLocalityInfo | undefined
  /** Trailing padding after the last record (CCEL areas are 0xFF-filled), if any. */
  padding: { offset: number; length: number; byte: number } | undefined
  /** Size of the input in bytes. */
  size: number
  /** Parse-time findings: unknown event types, undecodable bodies, locality problems. */
  findings: Finding[]
}
