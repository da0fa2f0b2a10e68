/** The shapes `diffBootChains` returns (documented in docs/diff.md). */
import type { HashProvider } from '../hash/provider.js'
import type { ComponentKind } from './describe.js'

/** One event, as referenced from a diff. */
export interface EventRef {
  /** Event index in its log. */
  index: number
  type: string
  /** Digest in the compared bank, lowercase hex ('' when the event has none). */
  digest: string
  component: ComponentKind
  name: string
  summary: string
}

export interface PcrDiff {
  identical: boolean
  /** Replayed value in the compared bank (absent when the bank cannot be replayed). */
  valueA?: string
  valueB?: string
  eventCountA: number
  eventCountB: number
  /** Events only in B. */
  added: EventRef[]
  /** Events only in A. */
  removed: EventRef[]
  /** Events of A replaced by an event of B for the same component. */
  changed: { a: EventRef; b: EventRef }[]
  /** Aligned events (same type and digest) whose decoded name differs: a hint moved, the measurement did not. */
  hintsDiffer: { a: EventRef; b: EventRef }[]
}

export interface SignatureEntryRef {
  type: 'x509' | 'sha256' | 'other'
  /** x509: certificate SHA-256 fingerprint; sha256: the hash; other: SHA-256 of the entry data. */
  sha256: string
  subject?: string
  owner?: string
}

export interface SignatureEntriesDiff {
  added: SignatureEntryRef[]
  removed: SignatureEntryRef[]
  unchanged: number
}

export interface ComponentSide {
  /** First event of the component on this side. */
  eventIndex?: number
  /** Event digest in the compared bank; for Windows boot drivers the Authenticode hash. */
  digest?: string
  /** Decoded content: a variable's value, a path, a command line, a certificate. */
  value?: string
  path?: string
}

export interface ComponentChange {
  component: ComponentKind
  /** Decoded name: variable, path, firmware volume, module, claim. */
  name: string
  change: 'added' | 'removed' | 'changed'
  pcr: number
  before?: ComponentSide
  after?: ComponentSide
  /** Events of log A / B behind this change. */
  eventsA: number[]
  eventsB: number[]
  /** One line for a human. */
  summary: string
  /** Secure Boot databases: entries added / removed. */
  entries?: SignatureEntriesDiff
}

export interface BootChainDiff {
  identical: boolean
  /** Bank the digests were compared in; null when the logs share none (event data compared). */
  bank: string | null
  registerKind: 'pcr' | 'cc-mr'
  /** Every register either log extends, keyed by index. */
  pcrs: Record<string, PcrDiff>
  components: ComponentChange[]
  notes: string[]
}

export interface DiffBootChainsOptions {
  /** Bank to compare in (default: sha256, else the strongest bank both logs carry). */
  bank?: string
  /** Decode Windows SIPA data into boot-driver / ELAM / claim components (default true). */
  windows?: boolean
  hash?: HashProvider
}
