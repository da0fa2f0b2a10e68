/**
 * `bootproof policy derive <log...> [--id <id>] [--pcrs 0-9] [--pin <pcrs>] [--bank sha256]...
 *   [--no-secure-boot] [--no-cmdline] [--ccel] [-o <file>]`: derive a policy (reference values)
 * from known-good logs, merging several machines' logs into alternatives (a fleet image).
 * `bootproof policy check <policy.json>`: validate a policy strictly.
 * Exit 0 on success, 2 on a usage error, an unparseable log, or an invalid policy.
 */
import { writeFileSync } from 'node:fs'
import { parseEventLog } from '../../eventlog/parse.js'
import { derivePolicy, type DerivePolicyOptions } from '../../policy/derive.js'
import type { PolicyBank } from '../../policy/types.js'
import { validatePolicy } from '../../policy/validate.js'
import { BootproofError } from '../../errors.js'
import { EXIT_OK, parseArgs, readInputFile, reportError, UsageError, type CliIO } from '../io.js'

function pcrList(s: string, flag: string): number[] {
  const out: number[] = []
  for (const part of s.split(',')) {
    const m = part.match(/^(\d{1,2})(?:-(\d{1,2}))?$/)
    if (!m) throw new UsageError(`${flag}: expected a list like 0-7,9`)
    const a = Number(m[1])
    const b = m[2] !== undefined ? Number(m[2]) : a
    if (a > 23 || b > 23 || b < a) throw new UsageError(`${flag}: PCR indices are 0-23`)
    for (let i = a; i <= b; i++) out.push(i)
  }
  return out
}

export async function runPolicy(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv
  const json = true
  try {
    if (sub === 'check') {
      if (rest.length !== 1) throw new UsageError('policy check needs one <policy.json>')
      let parsed: unknown
      try {
        parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(readInputFile(rest[0]!)))
      } catch (e) {
        if (e instanceof BootproofError) throw e
        throw new BootproofError('ERR_JSON_INVALID', `${rest[0]}: not valid JSON (${(e as Error).message})`)
      }
      const p = validatePolicy(parsed)
      io.out(`policy ${p.id} (version ${p.version}) is valid`)
      return EXIT_OK
    }
    if (sub !== 'derive') throw new UsageError('usage: bootproof policy derive <log...> [--id <id>] [-o <file>] | policy check <policy.json>')
    const { flags, positional } = parseArgs(rest.map((a) => (a === '-o' ? '--out' : a)), {
      booleans: ['no-secure-boot', 'no-cmdline', 'ccel', 'allow-findings'],
      strings: ['id', 'description', 'pcrs', 'pin', 'out'],
      multi: ['bank'],
    })
    if (positional.length === 0) throw new UsageError('policy derive needs at least one known-good log')
    const logs = positional.map((p) => parseEventLog(readInputFile(p), flags.ccel ? { registers: 'cc-mr' } : {}))
    const opts: DerivePolicyOptions = { id: typeof flags.id === 'string' ? flags.id : 'derived' }
    if (typeof flags.description === 'string') opts.description = flags.description
    if (typeof flags.pcrs === 'string') opts.pcrs = pcrList(flags.pcrs, '--pcrs')
    if (typeof flags.pin === 'string') opts.pinnedPcrs = pcrList(flags.pin, '--pin')
    if (flags.bank) opts.banks = flags.bank as PolicyBank[]
    if (flags['no-secure-boot']) opts.secureBoot = false
    if (flags['no-cmdline']) opts.kernelCmdline = false
    if (flags['allow-findings']) opts.allowFindings = true
    const policy = derivePolicy(logs, opts)
    const text = JSON.stringify(policy, null, 2) + '\n'
    if (typeof flags.out === 'string') {
      writeFileSync(flags.out, text)
      io.err(`wrote ${flags.out}`)
    } else io.out(text)
    return EXIT_OK
  } catch (e) {
    return reportError(e, io, json && argv.includes('--json'))
  }
}
