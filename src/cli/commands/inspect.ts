/**
 * `bootproof inspect [<log>] [--json] [--state [--cel <file>]] [--ccel]`: a decoded event table,
 * the parsed log as JSON, or (--state) the boot state with each fact's event references. `--cel`
 * adds the Canonical Event Log of the same boot (systemd's tpm2-measure.log), replayed after the
 * firmware events of each PCR; its facts land under `state.systemd`. Without `<log>`, this
 * machine's log (io.ts `DEFAULT_EVENT_LOG`).
 */
import { toHex } from '../../bytes/hex.js'
import { eventLogToJSON } from '../../eventlog/json.js'
import { parseEventLog } from '../../eventlog/parse.js'
import { summarizeEventData } from '../../eventlog/decode/index.js'
import type { EventLog } from '../../eventlog/types.js'
import { EXIT_FAILED, EXIT_OK, logPathOrDefault, parseArgs, progress, readEventLogInput, readInputFile, reportError, UsageError, CLI_INPUT_LIMITS, type CliIO } from '../io.js'
import { formatFinding, pcrLabel } from '../format.js'
import { authenticateLog } from '../../attest/authenticate_log.js'
import { hasErrors } from '../../findings.js'
import { stateFromEvidence } from '../../state/boot_state.js'
import { renderState, stateToJSON } from '../../state/render.js'
import { parseCel } from '../../cel/index.js'

export async function runInspect(argv: string[], io: CliIO): Promise<number> {
  let json = argv.includes('--json')
  try {
    const { flags, positional } = parseArgs(argv, { booleans: ['json', 'state', 'ccel'], strings: ['cel'] })
    if (typeof flags.cel === 'string' && !flags.state) throw new UsageError('--cel applies to --state (the boot state of the firmware log and the CEL together)')
    json = flags.json === true
    const bytes = readEventLogInput(logPathOrDefault(positional, 'inspect'))
    progress('parsing')
    const log = parseEventLog(bytes, flags.ccel ? { registers: 'cc-mr' } : {})
    if (flags.state) {
      // The log alone (no quote): facts are what a consistent log says. Its own findings
      // (structure, integrity) come first: a tampered log must not exit 0 (attacks L-04, S-02).
      progress('replaying and checking integrity')
      const celLog = typeof flags.cel === 'string' ? parseCel(readInputFile(flags.cel, CLI_INPUT_LIMITS.log)) : undefined
      const evidence = authenticateLog(log, celLog ? { celLog } : {})
      progress('reading the boot state')
      const r = stateFromEvidence(evidence)
      const findings = [...evidence.findings.filter((f) => f.severity !== 'info'), ...r.findings]
      if (json) io.out(JSON.stringify({ state: stateToJSON(r.state), findings }, null, 2))
      else io.out(renderState(r.state, findings))
      return hasErrors(findings) ? EXIT_FAILED : EXIT_OK
    }
    if (json) io.out(JSON.stringify(eventLogToJSON(log), null, 2))
    else io.out(renderTable(log))
    return EXIT_OK
  } catch (e) {
    return reportError(e, io, json)
  }
}

/** Prefer the strongest bank for the digest column. */
function mainDigest(log: EventLog, ev: EventLog['events'][number]): string {
  const order = ['sha256', 'sha384', 'sha512', 'sm3_256', 'sha1']
  for (const b of order) {
    const d = ev.digests.find((x) => x.bank === b)
    if (d) return `${b}:${toHex(d.digest).slice(0, 16)}`
  }
  const d = ev.digests[0]
  return d ? `${d.bank}:${toHex(d.digest).slice(0, 16)}` : '-'
}

function renderTable(log: EventLog): string {
  const lines: string[] = []
  const banks = log.algorithms.map((a) => a.bank).join(', ')
  lines.push(`format: ${log.format}${log.registerKind === 'cc-mr' ? ' (CC measurement registers)' : ''}, ${log.events.length} events, banks: ${banks}, ${log.size} bytes`)
  if (log.startupLocality) lines.push(`startup locality: ${log.startupLocality.locality} (${log.startupLocality.source}, event ${log.startupLocality.eventIndex})`)
  lines.push('')
  // The PCR column widens only when an index needs hex (0xFFFFFFFF), so ordinary tables keep their layout.
  const w = Math.max(3, ...log.events.map((ev) => pcrLabel(ev.pcrIndex).length))
  lines.push(`${'#'.padStart(4)}  ${'PCR'.padStart(w)}  ${'type'.padEnd(34)} ${'digest'.padEnd(25)} summary`)
  for (const ev of log.events) {
    const pcr = pcrLabel(ev.pcrIndex).padStart(w)
    lines.push(`${String(ev.index).padStart(4)}  ${pcr}  ${ev.typeName.padEnd(34)} ${mainDigest(log, ev).padEnd(25)} ${summarizeEventData(ev.decoded)}`)
  }
  if (log.findings.length) {
    lines.push('', 'findings:')
    for (const f of log.findings) lines.push('  ' + formatFinding(f))
  }
  return lines.join('\n')
}
