/** Fleet verification: NDJSON lines in, ordered verdicts out, a clustered summary, queries. */
export { verifyFleet, type VerifyFleetOptions } from './verify_fleet.js'
export { createFleetLineVerifier, DEFAULT_MAX_LINE_BYTES, MAX_ID_CHARS, type FleetVerifyOptions, type FleetTask, type FleetLineVerifier } from './line.js'
export { splitLines, isBlankLine, type SplitLinesOptions } from './lines.js'
export { bootChainOf, GROUP_PCRS } from './fingerprint.js'
export { summarizeFleet, FleetSummaryBuilder, compareWithBaseline, isFleetSummary, componentIndex, TOP_FINDINGS, type SummarizeFleetOptions } from './summary.js'
export { queryFleet, type FleetQueryMatch, type FleetQueryResult } from './query.js'
export { fleetResultLine } from './output.js'
export * from './types.js'
