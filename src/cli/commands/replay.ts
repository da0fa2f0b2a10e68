/**
 * `bootproof replay <log> [--json] [--expect <pcrs.json>]`: replay every bank, check event
 * integrity and structure, and compare with expected values.
 *
 * JSON contract (issue 2): `{"pcrs":{"sha256":{"0":"<hex>"}}, "findings":[{code, severity,
 * pcr, eventIndex, ...}], ...}`; exit 0 ok, 1 an error-severity finding or a mismatch against
 * --expect, 2 usage error or unparseable input.
 */
import { analyzeEventLog } from '../../eventlog/analyze.js'
import { parseEventLog } from '../../eventlog/parse.js'
import { pcrValuesToJSON, type PcrValuesInput } from '../../eventlog/pcr_values.js'
import { replayedValues } from '../../eventlog/replay.js'
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

export async function runReplay(argv: string[], io: CliIO): Promise<number> {
  let json = argv.includes('--json')
  try {
    const { flags, positional } = parseArgs(argv, { booleans: ['json', 'ccel'], strings: ['expect', 'ima-banks'] })
    json = flags.json === true
    if (positional.length !== 1) throw new UsageError('replay needs exactly one <log> path')
    const expected = typeof flags.expect === 'string' ? readPcrFile(flags.expect) : undefined
    const bytes = readInputFile(positional[0]!)
    if (isImaList(bytes)) return replayIma(bytes, expected, flags, json, io)
    const log = parseEventLog(bytes, flags.ccel ? { registers: 'cc-mr' } : {})
    const a = analyzeEventLog(log, expected ? { expected } : {})
    const pcrs = pcrValuesToJSON(replayedValues(a.replay))
    if (json) {
      io.out(
        JSON.stringify(
          {
            ok: a.ok,
            format: log.format,
            registerKind: log.registerKind,
            eventCount: log.events.length,
            startupLocality: log.startupLocality ?? null,
            pcrs,
            ...(a.replay.comparisons
              ? {
                  comparisons: a.replay.comparisons.map((c) => ({
                    bank: c.bank,
                    pcr: String(c.pcr),
                    status: c.status,
                    expected: toHex(c.expected),
                    observed: c.observed ? toHex(c.observed) : null,
                    events: c.events,
                  })),
                }
              : {}),
            integrity: a.integrity.counts,
            findings: a.findings,
          },
          null,
          2,
        ),
      )
    } else {
      const lines: string[] = [`${log.format}, ${log.events.length} events`]
      for (const [bank, regs] of Object.entries(pcrs)) {
        lines.push(`${bank}:`)
        for (const [idx, v] of Object.entries(regs)) {
          const cmp = a.replay.comparisons?.find((c) => c.bank === bank && String(c.pcr) === idx)
          lines.push(`  ${idx.padStart(2)}: ${v}${cmp ? `  ${cmp.status}` : ''}`)
        }
      }
      const c = a.integrity.counts
      lines.push(`integrity: ${c.verified} verified, ${c.mismatch} mismatch, ${c['not-applicable']} not applicable`)
      if (a.replay.comparisons) {
        const m = a.replay.comparisons.filter((x) => x.status === 'match').length
        lines.push(`expected values: ${m}/${a.replay.comparisons.length} match`)
      }
      if (a.findings.length) {
        lines.push('findings:')
        for (const f of a.findings) lines.push('  ' + formatFinding(f))
      }
      lines.push(a.ok ? 'result: OK' : 'result: FAILED')
      io.out(lines.join('\n'))
    }
    return a.ok ? EXIT_OK : EXIT_FAILED
  } catch (e) {
    return reportError(e, io, json)
  }
}

/**
 * Linux IMA lists (binary or ASCII) replay into PCR 10 with the same JSON shape as firmware logs.
 * A partial entry at the end is reported (IMA_TRUNCATED_TAIL) rather than fatal: securityfs is
 * read while IMA appends, and any real loss shows up as a PCR 10 mismatch against a quote.
 */
function replayIma(bytes: Uint8Array, expected: PcrValuesInput | undefined, flags: Record<string, unknown>, json: boolean, io: CliIO): number {
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
  const pcrs = pcrValuesToJSON(replayedValues(a.replay))
  if (json) {
    io.out(
      JSON.stringify(
        {
          ok: a.ok,
          format: list.format,
          registerKind: 'pcr',
          eventCount: list.entries.length,
          startupLocality: null,
          pcrs,
          ...(a.replay.comparisons
            ? { comparisons: a.replay.comparisons.map((c) => ({ bank: c.bank, pcr: String(c.pcr), status: c.status, expected: toHex(c.expected), observed: c.observed ? toHex(c.observed) : null, events: c.events })) }
            : {}),
          integrity: a.integrity.counts,
          findings: a.findings,
        },
        null,
        2,
      ),
    )
  } else {
    const lines = [`${list.format}, ${list.entries.length} entries`]
    for (const [bank, regs] of Object.entries(pcrs)) for (const [idx, v] of Object.entries(regs)) lines.push(`${bank}:${idx.padStart(2)}: ${v}`)
    for (const f of a.findings) lines.push('  ' + formatFinding(f))
    lines.push(a.ok ? 'result: OK' : 'result: FAILED')
    io.out(lines.join('\n'))
  }
  return a.ok ? EXIT_OK : EXIT_FAILED
}
