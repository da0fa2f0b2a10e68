/** CLI plumbing: output streams, file reading, argument parsing, progress, exit codes, and the JSON error shape. */
import { parseArgs as nodeParseArgs } from 'node:util'
import { BootproofError, isBootproofError } from '../errors.js'
import { DEFAULT_EVENTLOG_LIMITS } from '../limits.js'
import { DEFAULT_IMA_LIMITS } from '../ima/types.js'
import { MAX_BUNDLE_CHARS } from '../evidence/bundle.js'
import { DEFAULT_MAX_TOKEN_BYTES } from '../token/compact.js'
import { quotePath, readFileBoundedSync } from '../node/read_file.js'
import { escapeText } from '../text/escape.js'
import { assertEventLogInput } from './input_kind.js'

/** Exit codes shared by every command (issue contract): 0 ok, 1 verification failed, 2 usage/parse error. */
export const EXIT_OK = 0
export const EXIT_FAILED = 1
export const EXIT_ERROR = 2

export interface CliIO {
  out(s: string): void
  err(s: string): void
  /** Whether stdout / stderr is a terminal (colour, progress lines). Absent: neither is. */
  tty?: { out: boolean; err: boolean }
  /** The environment read for NO_COLOR / FORCE_COLOR / TERM. Absent: empty. */
  env?: Readonly<Record<string, string | undefined>>
  /** Set by `main`: the running command's usage, printed on stderr after a usage error. */
  usage?: string
}

export const processIO: CliIO = {
  out: (s) => process.stdout.write(s.endsWith('\n') ? s : s + '\n'),
  err: (s) => process.stderr.write(s.endsWith('\n') ? s : s + '\n'),
  // Getters: read when main starts, so a test or a wrapper that swaps streams is seen.
  get tty() {
    return { out: process.stdout.isTTY === true, err: process.stderr.isTTY === true }
  },
  get env() {
    return process.env
  },
}

/**
 * `io` with everything printed made terminal-safe: controls, Unicode format characters (bidi
 * overrides, zero-width) and lone surrogates become `\uXXXX` (text/escape.ts). Applied once, at
 * the boundary, because every command prints attacker-influenced strings (variable names, paths,
 * claims, error messages quoting input). JSON output stays the same JSON value: the escape is
 * JSON's own, and these characters only ever occur inside JSON strings.
 */
export function terminalSafeIO(io: CliIO): CliIO {
  return {
    ...io,
    out: (s) => io.out(escapeText(s, { keepNewlines: true })),
    err: (s) => io.err(escapeText(s, { keepNewlines: true })),
  }
}

/** A usage mistake on the command line. */
export class UsageError extends Error {
  readonly code = 'ERR_USAGE'
}

const MiB = 1024 * 1024

/**
 * Largest accepted input file per kind, in bytes. Where a parser has a named limit the CLI uses
 * it, so an oversized file is refused before it is read rather than after; the rest are
 * CLI-level caps far above any real input of that kind.
 */
export const CLI_INPUT_LIMITS = Object.freeze({
  /** TCG event logs (`DEFAULT_EVENTLOG_LIMITS.maxLogBytes`). */
  log: DEFAULT_EVENTLOG_LIMITS.maxLogBytes,
  /** `replay` input, an event log or an IMA list: the larger of both parsers' limits. */
  logOrImaList: Math.max(DEFAULT_EVENTLOG_LIMITS.maxLogBytes, DEFAULT_IMA_LIMITS.maxListBytes),
  /** Evidence bundles (`MAX_BUNDLE_CHARS`; bundles are ASCII JSON, so bytes = characters). */
  bundle: MAX_BUNDLE_CHARS,
  /** Compact JWS tokens (`DEFAULT_MAX_TOKEN_BYTES` plus the 64 characters of whitespace the parser trims). */
  token: DEFAULT_MAX_TOKEN_BYTES + 64,
  /** JSON documents: policies, PCR value files, JWKS, EAR signing keys. */
  json: 16 * MiB,
  /** PEM / DER certificates and keys, TPM2B_PUBLIC AK files (a whole CA bundle fits). */
  pem: 4 * MiB,
  /** TPM structures: TPMS_ATTEST, TPMT_SIGNATURE, tpm2-tools PCR files (all a few KiB). */
  tpm: 1 * MiB,
  /** PE/COFF images for `predict-pcr4` (unified kernel images run to tens of MiB). */
  pe: 512 * MiB,
})

/**
 * Read an input file: a regular file (a symlink only when it leads to one) or `-` for standard
 * input, refusing more than `maxBytes` (default: the event-log limit) without reading past
 * `maxBytes + 1`. Errors are `BootproofError`s: `ERR_INPUT_INVALID` (unreadable),
 * `ERR_INPUT_NOT_FILE`, `ERR_INPUT_TOO_LARGE` — all exit 2 through {@link reportError}.
 * A large input starts progress lines (see {@link progress}).
 */
export function readInputFile(path: string, maxBytes: number = CLI_INPUT_LIMITS.log, what?: string): Uint8Array {
  const bytes = readFileBoundedSync(path, { maxBytes, ...(what ? { what } : {}) })
  noteInputSize(path, bytes.length)
  return bytes
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** A bounded input file read as JSON (`readInputFile`); text that is not UTF-8 JSON is `ERR_JSON_INVALID`. */
export function readJsonFile(path: string, maxBytes: number, what: string): unknown {
  const bytes = readInputFile(path, maxBytes, what)
  try {
    return JSON.parse(utf8.decode(bytes))
  } catch (e) {
    throw new BootproofError('ERR_JSON_INVALID', `${quotePath(path)}: not valid JSON (${(e as Error).message})`)
  }
}

/** The firmware event log Linux exposes (securityfs); `inspect` / `replay` read it when no path is given. */
export const DEFAULT_EVENT_LOG = '/sys/kernel/security/tpm0/binary_bios_measurements'

/**
 * The event-log path a command was given, or {@link DEFAULT_EVENT_LOG} when none was: the
 * common case is "this machine's log". More than one path is a usage error naming `command`.
 */
export function logPathOrDefault(positional: string[], command: string): string {
  if (positional.length > 1) throw new UsageError(`${command} takes one <log> path (or none: ${DEFAULT_EVENT_LOG})`)
  return positional[0] ?? DEFAULT_EVENT_LOG
}

/**
 * Read an input that must be a TCG event log. Inputs that are recognisably something else
 * (JSON, a JWT, YAML, PEM, an ACPI table, ...) fail with `ERR_INPUT_KIND` naming the kind and
 * the command that takes it, before the parser misreads them (input_kind.ts). Reading the
 * default path says so in its error, with the securityfs / root hint (node/read_file.ts).
 */
export function readEventLogInput(path: string, maxBytes: number = CLI_INPUT_LIMITS.log): Uint8Array {
  const bytes = readInputFile(path, maxBytes, path === DEFAULT_EVENT_LOG ? 'default event log' : undefined)
  assertEventLogInput(bytes, path)
  return bytes
}

/**
 * Flag parser on `util.parseArgs`: `--flag value` and `--flag=value`, `--bool`, repeated `multi`
 * flags collect into arrays (other repeated flags: the last wins), `-` is a positional (standard
 * input), `--` ends options. Unknown options, a value on a boolean and a missing value are
 * usage errors. Short options are not defined: `-x` is unknown (main handles `-h` / `-V`).
 */
export function parseArgs(
  argv: string[],
  spec: { booleans?: string[]; strings?: string[]; multi?: string[] },
): { flags: Record<string, string | boolean | string[]>; positional: string[] } {
  const options: Record<string, { type: 'boolean' | 'string'; multiple?: boolean }> = {}
  for (const n of spec.booleans ?? []) options[n] = { type: 'boolean' }
  for (const n of spec.strings ?? []) options[n] = { type: 'string' }
  for (const n of spec.multi ?? []) options[n] = { type: 'string', multiple: true }
  let parsed: { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] }
  try {
    parsed = nodeParseArgs({ args: argv, options, strict: true, allowPositionals: true })
  } catch (e) {
    throw new UsageError(argsMessage(e, options))
  }
  // util.parseArgs returns a null-prototype object; commands index it like a plain record.
  const flags: Record<string, string | boolean | string[]> = {}
  for (const [k, v] of Object.entries(parsed.values)) if (v !== undefined) flags[k] = v as string | boolean | string[]
  return { flags, positional: parsed.positionals }
}

/** util.parseArgs's messages suggest its own syntax over several lines; ours name the flag, once. */
function argsMessage(e: unknown, options: Record<string, { type: string }>): string {
  const code = (e as { code?: string }).code
  const msg = String((e as Error)?.message ?? e)
  const name = /'(-{1,2}[^' =]+)/.exec(msg)?.[1] ?? ''
  const flag = name.replace(/^-+/, '')
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${name} (a path starting with - goes after --)`
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (options[flag]?.type === 'boolean') return `--${flag} takes no value`
    if (/ambiguous/.test(msg)) return `--${flag} needs a value (write --${flag}=<value> for a value starting with -)`
    return `--${flag} needs a value`
  }
  return msg.split('\n')[0]!
}

/** Inputs at least this large print progress lines on a terminal (a 15 MB IMA list takes ~10 s). */
export const PROGRESS_MIN_BYTES = 4 * MiB

interface ProgressState {
  write: (line: string) => void
  started: number
  /** Set once a large input was read: only then do phases print. */
  active: boolean
}
let progressState: ProgressState | undefined

/**
 * Start progress reporting for one command run (main does this when stderr is a terminal).
 * Module state rather than a parameter because `readInputFile`, which sees the input size, has
 * no `io`; main ends it in a `finally`.
 */
export function startProgress(write: (line: string) => void): void {
  progressState = { write, started: Date.now(), active: false }
}

/** End the run's progress: a last line with the elapsed time when any progress was printed. */
export function endProgress(): void {
  const p = progressState
  progressState = undefined
  if (p?.active) p.write(`bootproof: done (${seconds(Date.now() - p.started)})`)
}

/** A progress line for a phase of long work (`parsing`, `replaying`); silent unless a large input was read on a terminal. */
export function progress(phase: string): void {
  const p = progressState
  if (p?.active) p.write(`bootproof: ${phase}… (${seconds(Date.now() - p.started)})`)
}

function noteInputSize(path: string, size: number): void {
  const p = progressState
  if (!p || size < PROGRESS_MIN_BYTES) return
  p.active = true
  p.write(`bootproof: read ${path === '-' ? 'standard input' : path} (${(size / MiB).toFixed(1)} MiB); parsing and checking it can take a while`)
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}

/**
 * Report an exception the way every command does: typed errors print their code on stderr
 * (and as `{"error":{code,...}}` on stdout with --json); anything else is a bug, still exit 2.
 */
export function reportError(e: unknown, io: CliIO, json: boolean): number {
  const payload = isBootproofError(e)
    ? (e as BootproofError).toJSON?.() ?? { code: (e as BootproofError).code, message: (e as Error).message }
    : e instanceof UsageError
      ? { code: e.code, message: e.message }
      : { code: 'ERR_INTERNAL', message: String((e as Error)?.stack ?? e) }
  io.err(`bootproof: ${payload.code}: ${payload.message}`)
  // The command's usage, once, on stderr (stdout is for results); some messages already hold it.
  if (e instanceof UsageError && io.usage && !e.message.includes('usage:')) io.err(io.usage)
  if (json) io.out(JSON.stringify({ error: payload }, null, 2))
  return EXIT_ERROR
}
