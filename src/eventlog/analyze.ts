/**
 * `analyzeEventLog`: replay + integrity + structure in one call, with every finding gathered
 * (parse-time, structural, integrity, comparison) and one `ok` that fails closed on any
 * error-severity finding. This is what `bootproof replay` prints.
 */
import { hasErrors, type Finding } from '../findings.js'
import type { HashProvider } from '../hash/provider.js'
import { verifyEventIntegrity, type IntegrityReport } from './integrity.js'
import type { PcrValues, PcrValuesInput } from './pcr_values.js'
import { replayEventLog, type ReplayResult } from './replay.js'
import { checkEventLogStructure } from './structure.js'
import type { EventLog } from './types.js'

export interface EventLogAnalysis {
  replay: ReplayResult
  integrity: IntegrityReport
  findings: Finding[]
  ok: boolean
}

export function analyzeEventLog(log: EventLog, options: { expected?: PcrValues | PcrValuesInput; hash?: HashProvider } = {}): EventLogAnalysis {
  const replay = replayEventLog(log, options)
  const integrity = verifyEventIntegrity(log, options)
  const structure = checkEventLogStructure(log, { ...options, integrity })
  const findings = [...log.findings, ...structure, ...integrity.findings, ...replay.findings]
  return { replay, integrity, findings, ok: !hasErrors(findings) }
}
