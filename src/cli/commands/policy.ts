/**
 * `bootproof policy derive <log...> [--id <id>] [--pcrs 0-9] [--pin <pcrs>] [--bank sha256]...
 *   [--no-secure-boot] [--no-cmdline] [--ccel] [-o <file>]`: derive a policy (reference values)
 * from known-good logs, merging several machines' logs into alternatives (a fleet image).
 * `bootproof policy check <policy.json>`: validate a policy strictly.
 * `bootproof policy import-pcrlock <dir> [--id <id>] [--bank <b>]... [-o <file>]`: a
 *   systemd-pcrlock directory (`NNN-name.pcrlock`, `NNN-name.pcrlock.d/*.pcrlock`) as a policy.
 * `bootproof policy import-keylime <refstate.json> [--id <id>] [-o <file>]`: a Keylime
 *   measured-boot reference state (mb_refstate) as a policy.
 * `bootproof policy check-log <log> --policy <policy.json>`: golden-image check, NOT attested
 *   (policy_check_log.ts).
 * Exit 0 on success, 2 on a usage error, an unparseable log, or an invalid policy or input.
 */
import { readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { importKeylimeRefstate } from '../../policy/import_keylime.js'
import { importPcrlock, type PcrlockFile } from '../../policy/import_pcrlock.js'
import type { Policy } from '../../policy/types.js'
import { parsePcrList } from '../pcr_list.js'
import { runPolicyCheckLog } from './policy_check_log.js'
import { parseEventLog } from '../../eventlog/parse.js'
import { derivePolicy, type DerivePolicyOptions } from '../../policy/derive.js'
import type { PolicyBank } from '../../policy/types.js'
import { validatePolicy } from '../../policy/validate.js'
import { BootproofError } from '../../errors.js'
import { CLI_INPUT_LIMITS, EXIT_OK, parseArgs, readInputFile, reportError, UsageError, type CliIO } from '../io.js'

/** A UTF-8 text input (JSON documents); bad UTF-8 is an unparseable input (exit 2), not a crash. */
function readText(path: string): string {
  const bytes = readInputFile(path, CLI_INPUT_LIMITS.json)
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new BootproofError('ERR_INPUT_INVALID', `${path}: not UTF-8 text`)
  }
}

const USAGE =
  'usage: bootproof policy derive <log...> [--id <id>] [-o <file>] | policy check <policy.json> | policy import-pcrlock <dir> [--id <id>] [--bank <b>]... [-o <file>] | policy import-keylime <refstate.json> [--id <id>] [-o <file>] | policy check-log <log> --policy <policy.json> [--json]'

/** `-o file` or standard output; the policy always ends with a newline. */
function emitPolicy(policy: Policy, out: unknown, io: CliIO): void {
  const text = JSON.stringify(policy, null, 2) + '\n'
  if (typeof out === 'string') {
    writeFileSync(out, text)
    io.err(`wrote ${out}`)
  } else io.out(text)
}

/**
 * The `.pcrlock` files of a pcrlock.d directory, named relative to it as `importPcrlock` expects.
 * Only what systemd-pcrlock reads is taken (`*.pcrlock` files and `*.pcrlock.d/` directories
 * one level deep); anything else in the directory is not a component and is skipped.
 */
function readPcrlockDir(dir: string): PcrlockFile[] {
  let st
  try {
    st = statSync(dir)
  } catch (e) {
    throw new BootproofError('ERR_INPUT_INVALID', `${dir}: ${(e as Error).message}`)
  }
  if (!st.isDirectory()) throw new UsageError(`policy import-pcrlock takes a directory (pcrlock.d), not a file: ${dir}`)
  const files: PcrlockFile[] = []
  const read = (rel: string) => files.push({ name: rel, content: readText(join(dir, rel)) })
  for (const name of readdirSync(dir).sort()) {
    if (name.endsWith('.pcrlock.d') && statSync(join(dir, name)).isDirectory()) {
      for (const v of readdirSync(join(dir, name)).sort()) if (v.endsWith('.pcrlock')) read(`${name}/${v}`)
    } else if (name.endsWith('.pcrlock')) read(name)
  }
  if (!files.length) throw new BootproofError('ERR_INPUT_INVALID', `${dir}: no .pcrlock files or .pcrlock.d directories`)
  return files
}

export async function runPolicy(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv
  const json = true
  try {
    if (sub === 'check') {
      if (rest.length !== 1) throw new UsageError('policy check needs one <policy.json>')
      let parsed: unknown
      try {
        parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(readInputFile(rest[0]!, CLI_INPUT_LIMITS.json)))
      } catch (e) {
        if (e instanceof BootproofError) throw e
        throw new BootproofError('ERR_JSON_INVALID', `${rest[0]}: not valid JSON (${(e as Error).message})`)
      }
      const p = validatePolicy(parsed)
      io.out(`policy ${p.id} (version ${p.version}) is valid`)
      return EXIT_OK
    }
    if (sub === 'check-log') return runPolicyCheckLog(rest, io)
    if (sub === 'import-pcrlock' || sub === 'import-keylime') {
      const { flags, positional } = parseArgs(rest.map((a) => (a === '-o' ? '--out' : a)), { booleans: ['json'], strings: ['id', 'description', 'out'], multi: sub === 'import-pcrlock' ? ['bank'] : [] })
      if (positional.length !== 1) throw new UsageError(`policy ${sub} needs one ${sub === 'import-pcrlock' ? '<pcrlock.d directory>' : '<refstate.json>'}`)
      const base = { id: typeof flags.id === 'string' ? flags.id : 'imported', ...(typeof flags.description === 'string' ? { description: flags.description } : {}) }
      const policy =
        sub === 'import-pcrlock'
          ? importPcrlock(readPcrlockDir(positional[0]!), { ...base, ...(flags.bank ? { banks: flags.bank as PolicyBank[] } : {}) })
          : importKeylimeRefstate(readText(positional[0]!), base)
      emitPolicy(policy, flags.out, io)
      return EXIT_OK
    }
    if (sub !== 'derive') throw new UsageError(USAGE)
    const { flags, positional } = parseArgs(rest.map((a) => (a === '-o' ? '--out' : a)), {
      booleans: ['no-secure-boot', 'no-cmdline', 'ccel', 'allow-findings'],
      strings: ['id', 'description', 'pcrs', 'pin', 'out'],
      multi: ['bank'],
    })
    if (positional.length === 0) throw new UsageError('policy derive needs at least one known-good log')
    const logs = positional.map((p) => parseEventLog(readInputFile(p), flags.ccel ? { registers: 'cc-mr' } : {}))
    const opts: DerivePolicyOptions = { id: typeof flags.id === 'string' ? flags.id : 'derived' }
    if (typeof flags.description === 'string') opts.description = flags.description
    if (typeof flags.pcrs === 'string') opts.pcrs = parsePcrList(flags.pcrs, '--pcrs')
    if (typeof flags.pin === 'string') opts.pinnedPcrs = parsePcrList(flags.pin, '--pin')
    if (flags.bank) opts.banks = flags.bank as PolicyBank[]
    if (flags['no-secure-boot']) opts.secureBoot = false
    if (flags['no-cmdline']) opts.kernelCmdline = false
    if (flags['allow-findings']) opts.allowFindings = true
    emitPolicy(derivePolicy(logs, opts), flags.out, io)
    return EXIT_OK
  } catch (e) {
    return reportError(e, io, json && argv.includes('--json'))
  }
}
