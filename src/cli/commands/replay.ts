/**
 * `bootproof replay <log|ima-list> [--json] [--expect <pcrs.json|pcrread.yaml>] [--pcrs <list>]
 *   [--ima <ima-list>] [--ccel] [--ima-banks <rules>]`: replay every bank, check event
 * integrity and structure, and compare with expected values.
 *
 * `--expect` takes JSON (`{"sha256":{"0":"<hex>"}}`, optionally under `pcrs`) or what
 * `tpm2_pcrread` prints, auto-detected. `--pcrs 0-9,14` compares only those registers: a full
 * PCR dump also holds PCRs no firmware log speaks for (IMA's 10, OS-owned 11-15). `--ima <list>`
 * replays the IMA list alongside the firmware log, so PCR 10 is compared with the list's replay.
 *
 * JSON contract (issue 2): `{"pcrs":{"sha256":{"0":"<hex>"}}, "findings":[{code, severity,
 * pcr, eventIndex, ...}], ...}`; with `--ima` also `"ima": {format, entryCount, integrity,
 * findings}` (IMA findings stay there: their event indices are IMA entry indices). Exit 0 ok,
 * 1 an error-severity finding or a mismatch against --expect, 2 usage error or unparseable input.
 */
import { analyzeEventLog } from '../../attest/analyze.js'
import { parseEventLog } from '../../eventlog/parse.js'
import { normalizePcrValues, pcrValuesToJSON, type PcrValues } from '../../eventlog/pcr_values.js'
import { initialPcrValue, replayedValues, type PcrComparison, type ReplayResult } from '../../eventlog/replay.js'
import type { EventLog } from '../../eventlog/types.js'
import type { Finding } from '../../findings.js'
import { toHex } from '../../bytes/hex.js'
import { BootproofError } from '../../errors.js'
import { CLI_INPUT_LIMITS, EXIT_FAILED, EXIT_OK, logPathOrDefault, parseArgs, progress, readEventLogInput, readInputFile, reportError, UsageError, type CliIO } from '../io.js'
import { formatFinding } from '../format.js'
import { looksLikePcrreadYaml, parsePcrreadYaml } from '../pcr_yaml.js'
import { parsePcrList } from '../pcr_list.js'
import { analyzeImaLog, isImaList, parseImaBankRules, parseImaLog } from '../../ima/index.js'
import type { ImaAnalysis, ImaLog } from '../../ima/types.js'
import { detectCelFormat, parseCel, replayCelLog, verifyCelContent } from '../../cel/index.js'
import { hasErrors } from '../../findings.js'

/**
 * Read an expectations file: `tpm2_pcrread` output, `{"sha256":{...}}`, or a wrapper with a
 * `pcrs` member. Values are checked here (bank names, sizes), so a bad file is exit 2.
 */
export function readPcrFile(path: string): PcrValues {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(readInputFile(path, CLI_INPUT_LIMITS.json))
  } catch (e) {
    if (e instanceof BootproofError) throw e
    throw new BootproofError('ERR_JSON_INVALID', `${path}: not UTF-8 text (${(e as Error).message})`)
  }
  if (looksLikePcrreadYaml(text)) return normalizePcrValues(parsePcrreadYaml(text, path), path)
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (e) {
    throw new BootproofError('ERR_JSON_INVALID', `${path}: neither JSON nor tpm2_pcrread output (${(e as Error).message})`)
  }
  if (parsed && typeof parsed === 'object' && 'pcrs' in parsed) parsed = (parsed as { pcrs: unknown }).pcrs
  return normalizePcrValues(parsed, path)
}

/** The expected values of the selected PCRs only (`keep` true for a PCR to compare). */
function selectPcrs(v: PcrValues, keep: (pcr: number) => boolean): PcrValues {
  const out: PcrValues = {}
  for (const [bank, regs] of Object.entries(v)) {
    const kept = Object.entries(regs).filter(([i]) => keep(Number(i)))
    if (kept.length) out[bank] = Object.fromEntries(kept)
  }
  return out
}

/** What both log kinds report; printed in one shape (the issue 2 contract). */
interface ReplayReport {
  ok: boolean
  format: string
  registerKind: string
  count: number
  countNoun: 'events' | 'entries' | 'records'
  startupLocality: unknown
  replay: ReplayResult
  integrity: Record<string, number>
  findings: Finding[]
  /** The firmware log, when it is one (for initial values of registers no event extends). */
  log?: EventLog
  /** `--ima`: the IMA list replayed alongside the firmware log. */
  ima?: { list: ImaLog; analysis: ImaAnalysis }
  /** A CEL log's NV indices (systemd NvPCRs), printed under their own key. */
  nvpcrs?: Record<string, Record<string, string>>
}

/**
 * Replayed values, plus PCR 0 at its initial value when a StartupLocality / H-CRTM event set it
 * and no event extends it (PFP §10.4.5.3; go-attestation short_no_action_eventlog): that value
 * is what a quote must show, so it is printed rather than left out.
 */
function printedValues(r: ReplayReport): ReturnType<typeof replayedValues> {
  const values = replayedValues(r.replay)
  const log = r.log
  if (log?.startupLocality) {
    for (const bank of r.replay.banks.values()) {
      const regs = values[bank.bank]
      if (!bank.replayable || !regs || bank.pcrs.has(0)) continue
      values[bank.bank] = { '0': initialPcrValue(log, 0, bank.size), ...regs }
    }
  }
  // The IMA list's registers (PCR 10) next to the firmware ones, so one table shows the machine.
  if (r.ima) {
    for (const [bank, regs] of Object.entries(replayedValues(r.ima.analysis.replay))) values[bank] = { ...(values[bank] ?? {}), ...regs }
  }
  return values
}

/** Firmware and IMA comparisons in one list, by bank then PCR; IMA ones are marked. */
function allComparisons(r: ReplayReport): (PcrComparison & { source?: 'ima' })[] | undefined {
  const fw = r.replay.comparisons
  const ima = r.ima?.analysis.replay.comparisons
  if (!fw && !ima) return undefined
  const list = [...(fw ?? []), ...(ima ?? []).map((c) => ({ ...c, source: 'ima' as const }))]
  return list.sort((a, b) => (a.bank === b.bank ? a.pcr - b.pcr : a.bank < b.bank ? -1 : 1))
}

function print(r: ReplayReport, json: boolean, io: CliIO): number {
  const pcrs = pcrValuesToJSON(printedValues(r))
  const comparisons = allComparisons(r)
  const ok = r.ok && (r.ima?.analysis.ok ?? true)
  if (json) {
    io.out(
      JSON.stringify(
        {
          ok,
          format: r.format,
          registerKind: r.registerKind,
          eventCount: r.count,
          startupLocality: r.startupLocality ?? null,
          pcrs,
          ...(r.nvpcrs ? { nvpcrs: r.nvpcrs } : {}),
          ...(comparisons
            ? {
                comparisons: comparisons.map((c) => ({
                  bank: c.bank,
                  pcr: String(c.pcr),
                  status: c.status,
                  expected: toHex(c.expected),
                  observed: c.observed ? toHex(c.observed) : null,
                  events: c.events,
                  ...(c.source ? { source: c.source } : {}),
                })),
              }
            : {}),
          integrity: r.integrity,
          findings: r.findings,
          ...(r.ima
            ? { ima: { format: r.ima.list.format, entryCount: r.ima.list.entries.length, integrity: r.ima.analysis.integrity.counts, findings: r.ima.analysis.findings } }
            : {}),
        },
        null,
        2,
      ),
    )
  } else {
    const lines: string[] = [`${r.format}, ${r.count} ${r.countNoun}`]
    if (r.ima) lines.push(`ima: ${r.ima.list.format}, ${r.ima.list.entries.length} entries`)
    for (const [bank, regs] of Object.entries(pcrs)) {
      lines.push(`${bank}:`)
      for (const [idx, v] of Object.entries(regs)) {
        const cmp = comparisons?.find((c) => c.bank === bank && String(c.pcr) === idx)
        lines.push(`  ${idx.padStart(2)}: ${v}${cmp ? `  ${cmp.status}` : ''}`)
      }
    }
    for (const [bank, regs] of Object.entries(r.nvpcrs ?? {})) {
      lines.push(`${bank} (NV indices):`)
      for (const [idx, v] of Object.entries(regs)) lines.push(`  0x${Number(idx).toString(16)}: ${v}`)
    }
    const c = r.integrity
    lines.push(`integrity: ${c.verified ?? 0} verified, ${c.mismatch ?? 0} mismatch, ${c['not-applicable'] ?? 0} not applicable`)
    if (r.ima) {
      const ic = r.ima.analysis.integrity.counts
      lines.push(`ima template hashes: ${ic.verified} verified, ${ic.mismatch} mismatch, ${ic['not-applicable']} not applicable`)
    }
    if (comparisons) {
      const m = comparisons.filter((x) => x.status === 'match').length
      lines.push(`expected values: ${m}/${comparisons.length} match`)
    }
    if (r.findings.length) {
      lines.push('findings:')
      for (const f of r.findings) lines.push('  ' + formatFinding(f))
    }
    if (r.ima?.analysis.findings.length) {
      lines.push('ima findings (event = IMA entry index):')
      for (const f of r.ima.analysis.findings) lines.push('  ' + formatFinding(f))
    }
    lines.push(ok ? 'result: OK' : 'result: FAILED')
    io.out(lines.join('\n'))
  }
  return ok ? EXIT_OK : EXIT_FAILED
}

export async function runReplay(argv: string[], io: CliIO): Promise<number> {
  let json = argv.includes('--json')
  try {
    const { flags, positional } = parseArgs(argv, { booleans: ['json', 'ccel'], strings: ['expect', 'ima-banks', 'pcrs', 'ima'] })
    json = flags.json === true
    if (typeof flags.pcrs === 'string' && typeof flags.expect !== 'string') throw new UsageError('--pcrs selects which --expect values are compared: give --expect too')
    let expected = typeof flags.expect === 'string' ? readPcrFile(flags.expect) : undefined
    if (expected && typeof flags.pcrs === 'string') {
      const only = new Set(parsePcrList(flags.pcrs, '--pcrs'))
      expected = selectPcrs(expected, (p) => only.has(p))
    }
    // This machine's log when no path is given; recognisably-not-a-log inputs are named (IMA
    // lists pass the check and are replayed as such).
    const bytes = readEventLogInput(logPathOrDefault(positional, 'replay'), CLI_INPUT_LIMITS.logOrImaList)
    progress('parsing')
    if (isImaList(bytes)) {
      if (typeof flags.ima === 'string') throw new UsageError('--ima adds an IMA list to a firmware log; the input is already an IMA list')
      return print(replayIma(bytes, expected, flags), json, io)
    }
    if (detectCelFormat(bytes)) {
      if (typeof flags.ima === 'string' || flags.ccel) throw new UsageError('--ima and --ccel apply to a TCG event log; the input is a CEL log')
      return print(replayCel(bytes, expected), json, io)
    }
    const log = parseEventLog(bytes, flags.ccel ? { registers: 'cc-mr' } : {})
    let ima: ReplayReport['ima']
    if (typeof flags.ima === 'string') {
      if (log.registerKind !== 'pcr') throw new UsageError('--ima applies to a TPM event log, not to CC measurement registers')
      const list = parseImaList(readInputFile(flags.ima, CLI_INPUT_LIMITS.logOrImaList), flags.ima)
      // IMA's registers (10, and any other its policy names) are compared with the list's
      // replay; the firmware log is compared on the rest.
      const imaPcrs = new Set([10, ...list.entries.map((e) => e.pcr).filter((p) => p <= 23)])
      const both = log.events.find((e) => imaPcrs.has(e.pcrIndex) && e.eventType !== 3)
      if (both) throw new UsageError(`--ima: the firmware log also extends PCR ${both.pcrIndex} (event ${both.index}); a combined replay of one register from two logs is not supported`)
      const imaExpected = expected ? selectPcrs(expected, (p) => imaPcrs.has(p)) : undefined
      if (expected) expected = selectPcrs(expected, (p) => !imaPcrs.has(p))
      ima = { list, analysis: analyzeImaLog(list, { ...(imaExpected ? { expected: imaExpected, pcrs: [...imaPcrs] } : {}), ...imaBankOptions(flags) }) }
    }
    progress('replaying')
    const a = analyzeEventLog(log, expected ? { expected } : {})
    return print(
      { ok: a.ok, format: log.format, registerKind: log.registerKind, count: log.events.length, countNoun: 'events', startupLocality: log.startupLocality, replay: a.replay, integrity: a.integrity.counts, findings: a.findings, log, ...(ima ? { ima } : {}) },
      json,
      io,
    )
  } catch (e) {
    return reportError(e, io, json)
  }
}

/** `--ima-banks sha256=recompute,...`: the bank rules the kernel used (src/ima/README.md). */
function imaBankOptions(flags: Record<string, unknown>): { extendBanks?: ReturnType<typeof parseImaBankRules> } {
  if (typeof flags['ima-banks'] !== 'string') return {}
  try {
    return { extendBanks: parseImaBankRules(flags['ima-banks']) }
  } catch (e) {
    throw new UsageError(`--ima-banks: ${(e as Error).message}`)
  }
}

/**
 * A partial entry at the end is reported (IMA_TRUNCATED_TAIL) rather than fatal: securityfs is
 * read while IMA appends, and any real loss shows up as a PCR 10 mismatch against a quote.
 */
function parseImaList(bytes: Uint8Array, path?: string): ImaLog {
  if (path !== undefined && !isImaList(bytes)) throw new BootproofError('ERR_INPUT_INVALID', `--ima ${path}: not an IMA measurement list (binary or ASCII)`)
  return parseImaLog(bytes, { truncatedTail: 'finding' })
}

/** Linux IMA lists (binary or ASCII) replay into PCR 10 with the same JSON shape as firmware logs. */
function replayIma(bytes: Uint8Array, expected: PcrValues | undefined, flags: Record<string, unknown>): ReplayReport {
  const list = parseImaList(bytes)
  const a = analyzeImaLog(list, { ...(expected ? { expected } : {}), ...imaBankOptions(flags) })
  return { ok: a.ok, format: list.format, registerKind: 'pcr', count: list.entries.length, countNoun: 'entries', startupLocality: null, replay: a.replay as ReplayResult, integrity: a.integrity.counts, findings: a.findings }
}

/** TCG CEL logs (TLV or JSON, e.g. systemd's tpm2-measure.log): PCRs / MRs under `pcrs`, NV indices under `nvpcrs`. */
function replayCel(bytes: Uint8Array, expected: PcrValues | undefined): ReplayReport {
  const log = parseCel(bytes)
  const r = replayCelLog(log, expected ? { expected } : {})
  // Content binding (verifyCelContent): an edited systemd string or COS TLV is an error finding.
  const content = verifyCelContent(log)
  const findings = [...log.findings, ...content.findings, ...r.findings]
  const nvpcrs = Object.fromEntries(Object.entries(pcrValuesToJSON(replayedValues(r.nvpcrs))).filter(([, regs]) => Object.keys(regs).length))
  return { ok: !hasErrors(findings), format: log.format, registerKind: log.registerKind, count: log.records.length, countNoun: 'records', startupLocality: null, replay: r, integrity: content.counts, findings, nvpcrs }
}
