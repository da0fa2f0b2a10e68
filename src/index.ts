/**
 * bootproof: verify a machine's boot path from TPM evidence.
 *
 * Parse TCG event logs, replay every PCR bank, check that event content matches its digest,
 * verify TPM 2.0 quotes, and report findings that say what failed, where and why.
 */
export * as errors from './errors.js'
export { BootproofError, TruncatedInputError, LimitExceededError, isBootproofError } from './errors.js'
export type { BootproofErrorCode, EventLogErrorCode, CommonErrorCode, TpmErrorCode } from './errors.js'
export type { Finding, Severity } from './findings.js'
export { hasErrors } from './findings.js'
export { DEFAULT_EVENTLOG_LIMITS, type EventLogLimits } from './limits.js'
export { HASH_ALGS, bankName, hashAlgName, type HashAlgName } from './alg.js'
export { defaultHashProvider, nobleHashProvider, nodeCryptoHashProvider, type HashProvider } from './hash/provider.js'
export { toHex, fromHex } from './bytes/hex.js'

export { parseEventLog, type ParseEventLogOptions } from './eventlog/parse.js'
export type { EventLog, TcgEvent, EventDigest, SpecIdEvent, SpecIdAlgorithm, StartupLocalityInfo, EventLogFormat } from './eventlog/types.js'
export type { DecodedEventData } from './eventlog/decode/types.js'
export { EV, eventTypeName } from './eventlog/event_types.js'
export { replayEventLog, replayedValues, initialPcrValue, type ReplayResult, type ReplayOptions, type ReplayedBank, type ReplayedPcr, type PcrComparison } from './eventlog/replay.js'
export { verifyEventIntegrity, type IntegrityReport, type EventIntegrity, type IntegrityStatus } from './eventlog/integrity.js'
export { checkEventLogStructure } from './eventlog/structure.js'
export { analyzeEventLog, type EventLogAnalysis } from './eventlog/analyze.js'
export { normalizePcrValues, pcrValuesToJSON, type PcrValues, type PcrValuesInput } from './eventlog/pcr_values.js'
export { eventLogToJSON, eventToJSON } from './eventlog/json.js'
