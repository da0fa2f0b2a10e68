/** Boot-chain diffs: what changed between two event logs of the same platform. */
export { diffBootChains, type BootChainDiff, type ComponentChange, type ComponentSide, type DiffBootChainsOptions, type EventRef, type PcrDiff, type SignatureEntriesDiff, type SignatureEntryRef } from './diff_boot_chains.js'
export { COMPONENT_LABELS, describeEvents, type ComponentKind, type EventDescription } from './describe.js'
export { renderBootChainDiff } from './render.js'
export { align, type AlignOp } from './lcs.js'
