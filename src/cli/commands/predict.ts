/**
 * `bootproof predict-pcr4 <pe...> [--template <log>] [--bank <list>] [--json | --policy]`:
 * Authenticode digests of PE/EFI binaries (boot order) and the PCR 4 policy alternatives they
 * imply; with a template log of the same platform, the predicted PCR 4 value. `--policy` prints
 * policy v1 `eventRules` / `pcrValues` to paste into a policy. Shape: docs/diff.md.
 * Exit 0 ok, 2 usage error or unparseable input.
 */
import { parseBankList, pcr4PolicyRules, predictPcr4 } from '../../authenticode/predict_pcr4.js'
import { parseEventLog } from '../../eventlog/parse.js'
import { CLI_INPUT_LIMITS, EXIT_OK, parseArgs, readInputFile, reportError, UsageError, type CliIO } from '../io.js'

export async function runPredictPcr4(argv: string[], io: CliIO): Promise<number> {
  let json = argv.includes('--json')
  try {
    const { flags, positional } = parseArgs(argv, { booleans: ['json', 'policy'], strings: ['template', 'bank'] })
    json = flags.json === true
    if (positional.length === 0) throw new UsageError('predict-pcr4 needs at least one PE/EFI binary')
    const banks = typeof flags.bank === 'string' ? parseBankList(flags.bank) : undefined
    const template = typeof flags.template === 'string' ? parseEventLog(readInputFile(flags.template)) : undefined
    const binaries = positional.map((p) => ({ name: p, bytes: readInputFile(p, CLI_INPUT_LIMITS.pe) }))
    const p = predictPcr4(binaries, { ...(banks ? { banks } : {}), ...(template ? { template } : {}) })
    if (flags.policy) io.out(JSON.stringify(pcr4PolicyRules([p]), null, 2))
    else if (json) io.out(JSON.stringify(p, null, 2))
    else {
      const lines = p.components.map((c) => `${c.sha256}  ${c.role.padEnd(16)} ${c.signed ? 'signed  ' : 'unsigned'} ${c.name}`)
      for (const [bank, v] of Object.entries(p.values ?? {})) lines.push(`predicted PCR 4 (${bank}): ${v}`)
      io.out(lines.join('\n'))
    }
    return EXIT_OK
  } catch (e) {
    return reportError(e, io, json)
  }
}
