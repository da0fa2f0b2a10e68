/**
 * Where `bootproof batch` writes, settled before any line is verified: a run of 8.5 M lines must
 * not learn at its end that its summary cannot be written, nor truncate its own input. Then the
 * write errors of the run itself (disk full, the reader of standard output gone), told in one
 * line instead of a stack trace.
 */
import { accessSync, constants, createWriteStream, fstatSync, realpathSync, statSync, type Stats } from 'node:fs'
import { isatty } from 'node:tty'
import { basename, dirname, resolve } from 'node:path'
import type { Writable } from 'node:stream'
import { UsageError } from './io.js'

/** An output argument that cannot work (exit 2: the caller's argument, said in one line without the usage text). */
export class OutputArgumentError extends UsageError {}

/** A write to the output failed during the run (exit 1: the run stops). */
export class OutputWriteError extends Error {
  constructor(
    /** How the output is named to the user: `-o out.ndjson`, `standard output`, `--summary s.json`. */
    readonly target: string,
    /** The stream's or the file system's error. */
    readonly error: NodeJS.ErrnoException,
  ) {
    super(`cannot write ${target}: ${reasonOf(error)}`)
  }

  /** The reader of standard output left (`batch ... | head`): like other filters, stop without a word. */
  get readerGone(): boolean {
    return this.target === STDOUT && (this.error.code === 'EPIPE' || this.error.code === 'ERR_STREAM_DESTROYED')
  }
}

const STDOUT = 'standard output'

const REASONS: Record<string, string> = {
  ENOENT: 'no such directory',
  ENOTDIR: 'a path component is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EIO: 'input/output error',
  EPIPE: 'the reader closed it',
}

function reasonOf(e: NodeJS.ErrnoException): string {
  const code = typeof e?.code === 'string' ? e.code : undefined
  const reason = (code !== undefined ? REASONS[code] : undefined) ?? String(e?.message ?? e).split('\n')[0]!
  return code && !reason.includes(code) ? `${reason} (${code})` : reason
}

/**
 * What a path refers to: device and inode of an existing file (so a symbolic link, a hard link or
 * `./` spelling of one file all compare equal), else the absolute path through its directory's
 * real path (two spellings of one file still to be created compare equal too).
 */
function identity(path: string): string {
  let st: Stats | undefined
  try {
    st = statSync(path)
  } catch {
    // Not there (yet): compared by path below.
  }
  if (st) return `${st.dev}:${st.ino}`
  let dir = dirname(resolve(path))
  try {
    dir = realpathSync(dir)
  } catch {
    // A missing directory is refused later, with its own message.
  }
  return `path:${resolve(dir, basename(path))}`
}

/** Identity of an open descriptor when it is a regular file (a pipe or terminal cannot be a file argument). */
function fdIdentity(fd: number): string | undefined {
  try {
    const st = fstatSync(fd)
    return st.isFile() ? `${st.dev}:${st.ino}` : undefined
  } catch {
    return undefined
  }
}

/**
 * Refuse, before anything is opened for writing, an output that is the input (writing it would
 * truncate the input, or feed the output back in as input) or two outputs that are one file.
 * Standard input and output count when they are redirected from or to a regular file.
 */
export function checkDistinctFiles(input: string, out: string | undefined, summary: string | undefined): void {
  const inputId = input === '-' ? fdIdentity(0) : identity(input)
  const outId = out !== undefined ? identity(out) : undefined
  const summaryId = summary !== undefined ? identity(summary) : undefined
  const same = 'is the same file as the input: it would be overwritten while it is read'
  if (inputId !== undefined && outId === inputId) throw new OutputArgumentError(`-o ${out} ${same}`)
  if (inputId !== undefined && summaryId === inputId) throw new OutputArgumentError(`--summary ${summary} ${same}`)
  if (outId !== undefined && outId === summaryId) throw new OutputArgumentError(`-o and --summary name the same file (${out}): give each its own`)
  if (out === undefined) {
    const stdoutId = fdIdentity(1)
    if (stdoutId !== undefined && stdoutId === inputId) throw new OutputArgumentError(`standard output ${same}`)
    if (stdoutId !== undefined && stdoutId === summaryId) throw new OutputArgumentError(`--summary ${summary} is the same file as standard output`)
  }
}

/**
 * The summary is written once, at the end: prove now that it can be (its directory exists and
 * may be written; an existing file is not a directory and may be written). Nothing is created,
 * so a run refused later leaves no empty summary behind.
 */
export function checkSummaryTarget(path: string): void {
  const fail = (e: NodeJS.ErrnoException) => new OutputArgumentError(`--summary ${path}: ${reasonOf(e)}`)
  let st: Stats | undefined
  try {
    st = statSync(path)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fail(e as NodeJS.ErrnoException)
  }
  try {
    if (st) {
      if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' })
      accessSync(path, constants.W_OK)
      return
    }
    const dir = dirname(resolve(path))
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' })
    accessSync(dir, constants.W_OK | constants.X_OK)
  } catch (e) {
    throw fail(e as NodeJS.ErrnoException)
  }
}

/** Open (create or truncate) the -o file now: a path that cannot be written is refused before the run. */
export async function openOutputFile(path: string): Promise<Writable> {
  const stream = createWriteStream(path)
  try {
    await new Promise<void>((resolve, reject) => {
      stream.once('ready', resolve)
      stream.once('error', reject)
    })
  } catch (e) {
    throw new OutputArgumentError(`-o ${path}: ${reasonOf(e as NodeJS.ErrnoException)}`)
  }
  return stream
}

/** How the output is named in messages. */
export function outputTarget(out: string | undefined): string {
  return out === undefined ? STDOUT : `-o ${out}`
}

/**
 * The stream for standard output. Redirected to a file or a device (`> out.ndjson`, a full
 * disk), Node's process.stdout writes synchronously and its errors reach the executable's
 * process-wide handler, which only forgives EPIPE; a stream of batch's own on descriptor 1 reports
 * them to the run instead. Pipes and terminals keep process.stdout.
 */
export function stdoutStream(): Writable {
  let st: Stats
  try {
    st = fstatSync(1)
  } catch {
    return process.stdout
  }
  if (st.isFile() || (st.isCharacterDevice() && !isatty(1))) return createWriteStream('/dev/stdout', { fd: 1, autoClose: false })
  return process.stdout
}
