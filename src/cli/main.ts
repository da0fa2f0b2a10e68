/** `bootproof` command dispatcher: one module per command. The executable is `bin.ts`. */
import { createRequire } from 'node:module'
import { processIO, terminalSafeIO, startProgress, endProgress, EXIT_ERROR, EXIT_OK, type CliIO } from './io.js'
import { colorEnabled, colorIO } from './color.js'
import { cliWording } from './format.js'

const USAGE = `usage: bootproof <command> [options]

commands:
  inspect [<log>] [--json] [--state] [--ccel] [--cel <f>]
                                                 decoded event table / boot state (--cel, with --state: systemd's tpm2-measure.log)
                                                 (no <log>: /sys/kernel/security/tpm0/binary_bios_measurements)
  replay [<log|ima-list>] [--json] [--expect <pcrs.json|pcrread.yaml>] [--pcrs <list>] [--ima <ima-list>]
         [--ccel] [--ima-banks <rules>]         replay every bank, integrity and structure checks
  verify-quote --ak <file>... --quote <file> --sig <file> [--pcrs <file>] (--nonce <hex> | --no-nonce)
               [--ca <pem>...] [--now <iso>] [--allow-sha1] [--ak-eku <oid>... | --cloud gce] [--json]
                                                 verify a tpm2_quote signature, nonce and PCR digest
  verify-cvm (--hcl-report <file> [--vcek <pem>] [--ak <file>...] [--tdx-quote <file>] | --snp-report <file> --vcek <pem>
             | --tdx-quote <file> [--collateral <dir>] [--ccel <log>]) [--now <iso>] [--allow-debug] [--json]
                                                 confidential-VM evidence: SEV-SNP / TDX reports, Azure HCL report AK binding
  verify (--bundle <json> (--nonce <hex> | --nonce-from-bundle) | --log <f> --quote <f> --sig <f> --nonce <hex> [--pcrs <f>])
         [--cel <f>] [--ak <f>... [--ak-enrolled]] [--policy <json>] [--ca <pem>...] [--now <iso>] [--allow-sha1] [--ccel]
         [--ak-eku <oid>... | --cloud gce]
         [--maa <jwt> (--maa-jwks <f> | --maa-root <pem>...) --maa-issuer <url> [--maa-nonce <s>]]
         [--json | --report md|text] [--ear-key <private-jwk> [--ear-out <file>]]
                                                 the whole pipeline: an EAR-shaped verdict
  token verify <file> (--jwks <file> | --root <pem>...) [--issuer <url>] [--now <iso>] [--nonce <b64url>] [--policy-hash <h>]
               [--attestation-type <t>] [--max-age <s>] [--kind maa|ear] [--json]
                                                 verify an Azure Attestation (MAA) or EAR token
  policy derive <log...> [--id <id>] [--pcrs 0-9] [--pin <pcrs>] [--bank <b>]... [-o <file>]
  policy check <policy.json>                     derive reference values from known-good logs / validate a policy
  policy import-pcrlock <dir> | import-keylime <refstate.json> [--id <id>] [-o <file>]
                                                 a policy from systemd-pcrlock or Keylime reference values
  policy check-log <log> --policy <json> [--json]
                                                 golden-image check of a log alone: NOT ATTESTED, never affirming
  diff <logA> <logB> [--json] [--bank <b>]       what changed in the boot chain
  predict-pcr4 <pe...> [--template <log>] [--json|--policy]
                                                 Authenticode digests and PCR 4 policy alternatives
  predict-pcr11 <uki.efi> [--bank <alg>]... [--phase <path>]... [--stub-version <n>] [--json]
                                                 PCR 11 of a UKI as systemd-stub measures it (systemd-measure calculate)
  verify-pcrsig <uki.efi|pcrsig.json> [--key <pem>] [--pcrsig <json>] [--phase <path>]... [--stub-version <n>] [--json]
                                                 verify a UKI's signed PCR 11 policies and the phases they authorise
  batch <in.ndjson|-> --policy <json> [-o <out.ndjson>] [--summary <json>] [--baseline <policy|summary>] [--workers N]
                                                 verify one attestation per line on all cores, in input order
                                                 -o / --summary checked first (unwritable, or the input: exit 2);
                                                 a write error stops the run (exit 1; quietly when stdout's reader left)
  fleet query <summary.json> --component <name|hash> [--json]
                                                 which machines loaded a component (from batch --summary)

options: --flag value or --flag=value; -- ends options; bootproof <command> --help; bootproof --version
files: a regular file (or a symlink to one), or - for standard input; each kind has a size limit
colour: on a terminal only; NO_COLOR disables it, FORCE_COLOR forces it, --json never has it
exit codes: 0 ok, 1 verification failed, 2 usage error or unparseable input`

/** The lines of USAGE after "commands:" up to the first blank line. */
function commandLines(): string[] {
  const lines = USAGE.split('\n')
  const start = lines.indexOf('commands:') + 1
  const end = lines.indexOf('', start)
  return lines.slice(start, end < 0 ? undefined : end)
}

/**
 * One command's usage, cut from USAGE so the two cannot drift: the lines that start with the
 * command's name (`policy derive` and `policy check` both belong to `policy`) and the indented
 * continuation lines after each. Then the shared footer (options, files, exit codes).
 */
export function commandUsage(cmd: string): string | undefined {
  const out: string[] = []
  let inBlock = false
  for (const line of commandLines()) {
    const name = /^  (\S+)/.exec(line)?.[1]
    if (name !== undefined) inBlock = name === cmd
    if (inBlock) out.push(line.slice(2))
  }
  if (!out.length) return undefined
  const footer = USAGE.split('\n').filter((l) => /^(options|files|exit codes):/.test(l))
  return [`usage: bootproof ${out[0]}`, ...out.slice(1).map((l) => `  ${l}`), '', ...footer].join('\n')
}

/**
 * The package version, read from package.json next to the sources (src/cli → ../../) or the
 * build (dist/cli/main.js → ../../, a shared chunk in dist/ → ../). Checking the name keeps a
 * parent project's package.json from answering.
 */
export function packageVersion(): string {
  const require = createRequire(import.meta.url)
  for (const rel of ['../../package.json', '../package.json']) {
    try {
      const pkg = require(rel) as { name?: unknown; version?: unknown }
      if (pkg.name === 'bootproof' && typeof pkg.version === 'string') return pkg.version
    } catch {
      // not at this level: try the next
    }
  }
  return 'unknown'
}

/** `--help` / `-h` among the options (not after `--`, where it would be a path). */
function asksForHelp(args: string[]): boolean {
  const end = args.indexOf('--')
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h')
}

/**
 * The io the commands see. Text passes, in order: CLI wording (library option names → flags,
 * format.ts), the terminal-safety escape (io.ts), colour (color.ts: after the escape, so the
 * escape never hides it and input text can never emit its own). `--json` output is never coloured.
 */
function commandIO(rawIO: CliIO, json: boolean): CliIO {
  const tty = rawIO.tty ?? { out: false, err: false }
  const env = rawIO.env ?? {}
  const safe = terminalSafeIO(colorIO(rawIO, { out: colorEnabled(tty.out, env, json), err: colorEnabled(tty.err, env, json) }))
  return { ...safe, out: (s) => safe.out(cliWording(s)), err: (s) => safe.err(cliWording(s)) }
}

/** What a command module exports: its runner. */
export type CommandRunner = (argv: string[], io: CliIO) => Promise<number>

/**
 * Each command's module, loaded only when that command runs: `bootproof --version` or `replay`
 * does not load X.509, token or confidential-VM code (issue "Fleet scale": the CLI loaded all of
 * it on every run).
 */
export const COMMANDS: Record<string, () => Promise<CommandRunner>> = {
  inspect: () => import('./commands/inspect.js').then((m) => m.runInspect),
  replay: () => import('./commands/replay.js').then((m) => m.runReplay),
  'verify-quote': () => import('./commands/verify_quote.js').then((m) => m.runVerifyQuote),
  'verify-cvm': () => import('./commands/verify_cvm.js').then((m) => m.runVerifyCvm),
  verify: () => import('./commands/verify.js').then((m) => m.runVerify),
  token: () => import('./commands/token.js').then((m) => m.runToken),
  diff: () => import('./commands/diff.js').then((m) => m.runDiff),
  policy: () => import('./commands/policy.js').then((m) => m.runPolicy),
  'predict-pcr4': () => import('./commands/predict.js').then((m) => m.runPredictPcr4),
  'predict-pcr11': () => import('./commands/predict_pcr11.js').then((m) => m.runPredictPcr11),
  'verify-pcrsig': () => import('./commands/verify_pcrsig.js').then((m) => m.runVerifyPcrsig),
  batch: () => import('./commands/batch.js').then((m) => m.runBatch),
  fleet: () => import('./commands/fleet.js').then((m) => m.runFleet),
}

export async function main(argv: string[], rawIO: CliIO = processIO): Promise<number> {
  const end = argv.indexOf('--')
  const io = commandIO(rawIO, (end < 0 ? argv : argv.slice(0, end)).includes('--json'))
  const [cmd, ...rest] = argv
  if (cmd === '--version' || cmd === '-V') {
    io.out(packageVersion())
    return EXIT_OK
  }
  // Asked-for help is the result: stdout, exit 0. Usage after a mistake is an error: stderr, exit 2.
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.out((rest[0] !== undefined && COMMANDS[rest[0]] ? commandUsage(rest[0]) : undefined) ?? USAGE)
    return EXIT_OK
  }
  if (!cmd) {
    io.err(USAGE)
    return EXIT_ERROR
  }
  const load = COMMANDS[cmd]
  if (!load) {
    io.err(`bootproof: ERR_USAGE: unknown ${cmd.startsWith('-') ? 'option' : 'command'} ${cmd}\n${USAGE}`)
    return EXIT_ERROR
  }
  const usage = commandUsage(cmd)
  if (asksForHelp(rest)) {
    io.out(usage ?? USAGE)
    return EXIT_OK
  }
  if (usage) io.usage = usage
  // Progress lines only on a terminal; they start once a command reads a large input (io.ts).
  if (rawIO.tty?.err) startProgress((line) => io.err(line))
  try {
    const run = await load()
    return await run(rest, io)
  } finally {
    endProgress()
  }
}
