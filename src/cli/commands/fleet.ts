/**
 * `bootproof fleet query <summary.json> --component <name or hash> [--json]`
 *
 * Which machines loaded a component, from a `batch --summary` file. A hex query (8+ digits, with
 * or without `sha256:`) matches the measured digests the quotes authenticated; anything else
 * matches labels, which are marked unverified unless a digest binds them (an image path never
 * is). Exit 0 when something matched, 1 when nothing did, 2 on a usage error.
 */
import { assertFleetSummary } from '../../fleet/summary_shape.js'
import { queryFleet } from '../../fleet/query.js'
import { EXIT_FAILED, EXIT_OK, parseArgs, reportError, UsageError, type CliIO } from '../io.js'
import { MAX_SUMMARY_BYTES } from './batch.js'
import { readJsonFile } from '../io.js'

/** Machine ids printed per match in text output (--json lists all). */
const SHOWN_IDS = 20

export async function runFleet(argv: string[], io: CliIO): Promise<number> {
  let json = argv.includes('--json')
  try {
    const [sub, ...rest] = argv
    if (sub !== 'query') throw new UsageError('usage: bootproof fleet query <summary.json> --component <name or hash> [--json]')
    const { flags, positional } = parseArgs(rest, { booleans: ['json'], strings: ['component'] })
    json = flags.json === true
    if (positional.length !== 1) throw new UsageError('give one summary file (from bootproof batch --summary)')
    if (typeof flags.component !== 'string' || !flags.component.trim()) throw new UsageError('--component <name or hash> is required')
    const summary = assertFleetSummary(readJsonFile(positional[0]!, MAX_SUMMARY_BYTES, 'fleet summary'), positional[0]!)
    const res = queryFleet(summary, flags.component)
    if (json) io.out(JSON.stringify(res, null, 2))
    else {
      const lines: string[] = []
      for (const m of res.matches) {
        const c = m.component
        const label = `${c.label}${c.labelVerified ? '' : ' (unverified label)'}`
        lines.push(`${c.digest}  ${c.group}, PCR ${c.pcr}: ${label}${m.by === 'label' ? '  [matched by label]' : ''}`)
        const ids = m.machineIds.slice(0, SHOWN_IDS).join(', ')
        const more = m.machineIds.length + (m.machineIdsOmitted ?? 0) - Math.min(m.machineIds.length, SHOWN_IDS)
        lines.push(`  ${m.machines} machine(s) in ${m.clusters.length} cluster(s): ${ids}${more > 0 ? `, … (${more} more)` : ''}`)
      }
      const q = JSON.stringify(res.query)
      const unproven = res.machines - res.verifiedMachines
      if (!res.matches.length) lines.push(`no component matches ${q}`)
      else if (unproven === 0) lines.push(`${res.machines} machine(s) loaded a component matching ${q}`)
      else lines.push(`${res.verifiedMachines} machine(s) loaded a component matching ${q} (by digest or a label the digest binds); ${unproven} more only by unverified labels: their logs say so, no measured digest shows it`)
      io.out(lines.join('\n'))
    }
    return res.matches.length ? EXIT_OK : EXIT_FAILED
  } catch (e) {
    return reportError(e, io, json)
  }
}
