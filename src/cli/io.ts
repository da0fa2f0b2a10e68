/** CLI plumbing: output streams, file reading, exit codes, and the JSON error shape. */
import { readFileSync } from 'node:fs'
import { BootproofError, isBootproofError } from '../errors.js'

/** Exit codes shared by every command (issue contract): 0 ok, 1 verification failed, 2 usage/parse error. */
export const EXIT_OK = 0
export const EXIT_FAILED = 1
export const EXIT_ERROR = 2

export interface CliIO {
  out(s: string): void
  err(s: string): void
}

export const processIO: CliIO = {
  out: (s) => process.stdout.write(s.endsWith('\n') ? s : s + '\n'),
  err: (s) => process.stderr.write(s.endsWith('\n') ? s : s + '\n'),
}

/** A usage mistake on the command line. */
export class UsageError extends Error {
  readonly code = 'ERR_USAGE'
}

export function readInputFile(path: string): Uint8Array {
  try {
    const b = readFileSync(path)
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
  } catch (e) {
    throw new BootproofError('ERR_INPUT_INVALID', `cannot read ${path}: ${(e as Error).message}`, { cause: e })
  }
}

/** Minimal flag parser: `--flag value`, `--bool`, repeated flags collect into arrays. */
export function parseArgs(
  argv: string[],
  spec: { booleans?: string[]; strings?: string[]; multi?: string[] },
): { flags: Record<string, string | boolean | string[]>; positional: string[] } {
  const flags: Record<string, string | boolean | string[]> = {}
  const positional: string[] = []
  const booleans = new Set(spec.booleans ?? [])
  const strings = new Set(spec.strings ?? [])
  const multi = new Set(spec.multi ?? [])
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a.startsWith('--')) {
      const name = a.slice(2)
      if (booleans.has(name)) flags[name] = true
      else if (strings.has(name) || multi.has(name)) {
        const v = argv[++i]
        if (v === undefined) throw new UsageError(`--${name} needs a value`)
        if (multi.has(name)) ((flags[name] ??= []) as string[]).push(v)
        else flags[name] = v
      } else throw new UsageError(`unknown option --${name}`)
    } else positional.push(a)
  }
  return { flags, positional }
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
  if (json) io.out(JSON.stringify({ error: payload }, null, 2))
  return EXIT_ERROR
}
