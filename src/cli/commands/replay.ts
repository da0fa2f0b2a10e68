/**
 * `bootproof replay <log|ima-list> [--json] [--expect <pcrs.json>] [--ccel] [--ima-banks <rules>]`:
 * replay every bank, check event
 * integrity and structure, and compare with expected values.
 *
 * JSON contract (issue 2): `{"pcrs":{"sha256":{"0":"<hex>"}}, "findings":[{code, severity,
 * pcr, eventIndex, ...}], ...}`; exit 0 ok, 1 an error-severity finding or a mismatch against
 * --expect, 2 usage error or unparseable input.
 */
import { analyzeEventLog } from '../../attest/analyze.js'
import { parseEventLog } from '../../eventlog/parse.js'
import { pcrValuesToJSON, type PcrValuesInput } from '../../eventlog/pcr_values.js'
import { replayedValues, type ReplayResult } from '../../eventlog/replay.js'
import type { Finding } from '../../findings.js'
import { toHex } from '../../bytes/hex.js'
import { BootproofError } from '../../errors.js'
import { EXIT_FAILED, EXIT_OK, parseArgs, readInputFile, reportError, UsageError, type CliIO } from '../io.js'
import { formatFinding } from '../format.js'
import { analyzeImaLog, isImaList, parseImaBankRules, parseImaLog } from '../../ima/index.js'

/** Read an expectations file: `{"sha256":{...}}` or a wrapper with a `pcrs` member. */
export function readPcrFile(path: string): PcrValuesInput {
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(readInputFile(path)))
  } catch (e) {
    if (e instanceof BootproofError) throw e
    throw new BootproofError('ERR_JSON_INVALID', `${path}: not valid JSON (${(e as Error).message})`)
  }
  if (parsed && typeof parsed === 'object' && 'pcrs' in parsed) parsed = (parsed as { pcrs: unknown }).pcrs
  return parsed as PcrValuesInput
}

/** What both log kinds report; printed in one shape (the issue 2 contract). */
interface ReplayReport {
  ok: boolean
  format: string
  registerKind: string
  count: number
  countNoun: 'events' | 'entries'
  startupLocality: unknown
  replay: ReplayResult
  integrity: Record<string, number>
  findings: Finding[]
}

function print(r: ReplayReport, json: boolean, io: CliIO): number {
  const pcrs = pcrValuesToJSON(replayedValues(r.replay))
  if (json) {
    io.out(
      JSON.stringify(
        {
          ok: r.ok,
          format: r.format,
          registerKind: r.registerKind,
          eventCount: r.count,
          startupLocality: r.startupLocality ?? null,
          pcrs,
          ...(r.replay.comparisons
            ? {
                comparisons: r.replay.comparisons.map((c) => ({
                  bank: c.bank,
                  pcr: String(c.pcr),
                  status: c.status,
                  expected: toHex(c.expected),
                  observed: c.observed ? toHex(c.observed) : null,
                  events: c.events,
                })),
              }
            : {}),
          integrity: r.integrity,
          findings: r.findings,
        },
        null,
        2,
      ),
    )
  } else {
    const lines: string[] = [`${r.format}, ${r.count} ${r.countNoun}`]
    for (const [bank, regs] of Object.entries(pcrs)) {
      lines.push(`${bank}:`)
      for (const [idx, v] of Object.entries(regs)) {
        const cmp = r.replay.comparisons?.find((c) => c.bank === bank && String(c.pcr) === idx)
        lines.push(`  ${idx.padStart(2)}: ${v}${cmp ? `  ${cmp.status}` : ''}`)
      }
    }
    const c = r.integrity
    lines.push(`integrity: ${c.verified ?? 0} verified, ${c.mismatch ?? 0} mismatch, ${c['not-applicable'] ?? 0} not applicable`)
    if (r.replay.comparisons) {
      const m = r.replay.comparisons.filter((x) => x.status === 'match').length
      lines.push(`expected values: ${m}/${r.replay.comparisons.length} match`)
    }
    if (r.findings.length) {
      lines.push('findings:')
      for (const f of r.findings) lines.push('  ' + formatFinding(f))
    }
    lines.push(r.ok ? 'result: OK' : 'result: FAILED')
    io.out(lines.join('\n'))
  }
  return r.ok ? EXIT_OK : EXIT_FAILED
}

export async function runReplay(argv: string[], io: CliIO): Promise<number> {
  let json = argv.includes('--json')
  try {
    const { flags, positional } = parseArgs(argv, { booleans: ['json', 'ccel'], strings: ['expect', 'ima-banks'] })
    json = flags.json === true
    if (positional.length !== 1) throw new UsageError('replay needs exactly one <log> path')
    const expected = typeof flags.expect === 'string' ? readPcrFile(flags.expect) : undefined
    const bytes = readInputFile(positional[0]!)
    if (isImaList(bytes)) return print(replayIma(bytes, expected, flags), json, io)
    const log = parseEventLog(bytes, flags.ccel ? { registers: 'cc-mr' } : {})
    const a = analyzeEventLog(log, expected ? { expected } : {})
    return print(
      { ok: a.ok, format: log.format, registerKind: log.registerKind, count: log.events.length, countNoun: 'events', startupLocality: log.startupLocality, replay: a.replay, integrity: a.integrity.counts, findings: a.findings },
      json,
      io,
    )
  } catch (e) {
    return reportError(e, io, json)
  }
}

/**
 * Linux IMA lists (binary or ASCII) replay into PCR 10 with the same JSON shape as firmware logs.
 * A partial entry at the end is reported (IMA_TRUNCATED_TAIL) rather than fatal: securityfs is
 * read while IMA appends, and any real loss shows up as a PCR 10 mismatch against a quote.
 */
function replayIma(bytes: Uint8Array, expected: PcrValuesInput | undefined, flags: Record<string, unknown>): ReplayReport {
  let extendBanks
  if (typeof flags['ima-banks'] === 'string') {
    try {
      extendBanks = parseImaBankRules(flags['ima-banks'])
    } catch (e) {
      throw new UsageError(`--ima-banks: ${(e as Error).message}`)
    }
  }
  const list = parseImaLog(bytes, { truncatedTail: 'finding' })
  const a = analyzeImaLog(list, { ...(expected ? { expected } : {}), ...(extendBanks ? { extendBanks } : {}) })
  return { ok: a.ok, format: list.format, registerKind: 'pcr', count: list.entries.length, countNoun: 'entries', startupLocality: null, replay: a.replay as ReplayResult, integrity: a.integrity.counts, findings: a.findings }
}
