/**
 * `analyzeEventLog`: a log checked on its own (no quote) with every finding gathered
 * (parse-time, structural, integrity, comparison) and one `ok` that fails closed on any
 * error-severity finding. This is what `bootproof replay` prints. It is the authentication
 * stage's log-only pass (`authenticateLog`) seen as a report.
 */
import type { Finding } from '../findings.js'
import type { HashProvider } from '../hash/provider.js'
import type { IntegrityReport } from '../eventlog/integrity.js'
import type { PcrValues, PcrValuesInput } from '../eventlog/pcr_values.js'
import type { ReplayResult } from '../eventlog/replay.js'
import type { EventLog } from '../eventlog/types.js'
import { authenticateLog } from './authenticate_log.js'
import type { AuthenticatedEvidence } from './evidence.js'

export interface EventLogAnalysis {
  replay: ReplayResult
  integrity: IntegrityReport
  findings: Finding[]
  ok: boolean
  /** The evidence value the analysis was read from (log basis). */
  evidence?: AuthenticatedEvidence
}

export function analyzeEventLog(log: EventLog, options: { expected?: PcrValues | PcrValuesInput; hash?: HashProvider } = {}): EventLogAnalysis {
  const evidence = authenticateLog(log, options)
  return { replay: evidence.replay, integrity: evidence.integrity, findings: [...evidence.findings], ok: evidence.ok, evidence }
}
