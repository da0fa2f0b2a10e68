/**
 * `bootproof diff <logA> <logB> [--json] [--bank <name>] [--ccel]`: what changed in the boot chain
 * between two event logs (components added, removed or changed, per PCR). JSON contract:
 * docs/diff.md. Exit 0 identical, 1 different, 2 usage error or unparseable input.
 */
import { diffBootChains } from '../../diff/diff_boot_chains.js'
import { renderBootChainDiff } from '../../diff/render.js'
import { parseEventLog } from '../../eventlog/parse.js'
import { EXIT_FAILED, EXIT_OK, parseArgs, progress, readEventLogInput, reportError, UsageError, type CliIO } from '../io.js'

export async function runDiff(argv: string[], io: CliIO): Promise<number> {
  let json = argv.includes('--json')
  try {
    const { flags, positional } = parseArgs(argv, { booleans: ['json', 'ccel', 'no-windows'], strings: ['bank'] })
    json = flags.json === true
    if (positional.length !== 2) throw new UsageError('diff needs exactly two paths: <logA> <logB>')
    const opts = flags.ccel ? { registers: 'cc-mr' as const } : {}
    // Both read (and their kinds checked) before either is parsed: a wrong second file fails fast.
    const bytesA = readEventLogInput(positional[0]!)
    const bytesB = readEventLogInput(positional[1]!)
    progress('parsing')
    const a = parseEventLog(bytesA, opts)
    const b = parseEventLog(bytesB, opts)
    progress('comparing')
    let d
    try {
      d = diffBootChains(a, b, { ...(typeof flags.bank === 'string' ? { bank: flags.bank } : {}), windows: flags['no-windows'] !== true })
    } catch (e) {
      if (e instanceof TypeError) throw new UsageError(e.message)
      throw e
    }
    if (json) io.out(JSON.stringify({ logA: positional[0], logB: positional[1], ...d }, null, 2))
    else io.out(renderBootChainDiff(d, { a: positional[0]!, b: positional[1]! }))
    return d.identical ? EXIT_OK : EXIT_FAILED
  } catch (e) {
    return reportError(e, io, json)
  }
}
