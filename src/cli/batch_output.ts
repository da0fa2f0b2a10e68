/**
 * Where `bootproof batch` writes, settled before any line is verified: a run of 8.5 M lines must
 * not learn at its end that its summary cannot be written, nor truncate its own input. Then the
 * write errors of the run itself (disk full, the reader of standard output gone), told in one
 * line instead of a stack trace.
 */
import { randomBytes } from 'node:crypto'
import { accessSync, constants, createWriteStream, fstatSync, lstatSync, readlinkSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync, type Stats } from 'node:fs'
import { isatty } from 'node:tty'
import { basename, dirname, isAbsolute, join, resolve } from 'node:path'
import type { Writable } from 'node:stream'
import { quotePath } from '../node/read_file.js'
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

/** Symbolic links followed while resolving one path (Linux's own limit, MAXSYMLINKS, is 40). */
export const MAX_SYMLINK_HOPS = 40

/**
 * The absolute path the kernel would reach for `path`, also when it does not exist yet: each
 * component is resolved in turn, symbolic links followed (a dangling one to its target path), so
 * `..` after a link goes up from the link's target as the kernel does (POSIX.1-2017, 4.13
 * "Pathname Resolution"), not textually. From the first missing component on, the rest is
 * joined textually (creating it fails anyway when it holds a missing directory). undefined: a
 * loop or a chain of more than {@link MAX_SYMLINK_HOPS} links (ELOOP).
 */
export function resolveTarget(path: string): string | undefined {
  let cur = '/'
  // Not path.resolve: it would fold `..` textually. The working directory is a real path (getcwd).
  const rest = (isAbsolute(path) ? path : `${process.cwd()}/${path}`).split('/').reverse()
  let hops = 0
  let missing = false
  while (rest.length) {
    const part = rest.pop()!
    if (part === '' || part === '.') continue
    if (part === '..') {
      cur = dirname(cur)
      continue
    }
    const next = join(cur, part)
    if (missing) {
      cur = next
      continue
    }
    let st: Stats
    try {
      st = lstatSync(next)
    } catch {
      missing = true
      cur = next
      continue
    }
    if (!st.isSymbolicLink()) {
      cur = next
      continue
    }
    if (++hops > MAX_SYMLINK_HOPS) return undefined
    let target: string
    try {
      target = readlinkSync(next)
    } catch {
      return undefined
    }
    if (isAbsolute(target)) cur = '/'
    rest.push(...target.split('/').reverse())
  }
  return cur
}

/**
 * What a path refers to: device and inode of an existing file, FIFO or socket (so a symbolic
 * link, a hard link, `./` or `/dev/stdin` spelling of one file all compare equal), else its
 * resolved path (two spellings of one file still to be created compare equal too). A character
 * device has no identity: /dev/null may take every output, and a terminal is not overwritten.
 */
function identity(path: string): string | undefined {
  let st: Stats | undefined
  try {
    st = statSync(path)
  } catch {
    // Not there (yet): compared by resolved path below.
  }
  if (st) return st.isCharacterDevice() ? undefined : `${st.dev}:${st.ino}`
  const target = resolveTarget(path)
  // A loop: refused later (it cannot be written); compare by its spelling meanwhile.
  return `path:${target ?? resolve(path)}`
}

/** Identity of an open descriptor (standard input or output): a file, FIFO or socket; never a character device. */
function fdIdentity(fd: number): string | undefined {
  try {
    const st = fstatSync(fd)
    return st.isFile() || st.isFIFO() || st.isSocket() ? `${st.dev}:${st.ino}` : undefined
  } catch {
    return undefined
  }
}

/** The files of one batch run that are not its outputs. */
export interface BatchFiles {
  /** The input path, or `-` for standard input. */
  input: string
  out?: string
  summary?: string
  policy?: string
  baseline?: string
}

/**
 * Refuse, before anything is opened (the input too: a FIFO's open waits for its writer), an empty
 * output path, an output that is the input (writing it would truncate the input, or feed the
 * output back in as input), two outputs that are one file, and an output that is the --policy
 * or (for -o) the --baseline file. Standard input and output count when they are a file, a pipe
 * or a socket. --summary may name the --baseline file: the baseline is read before the run, so
 * the summary rolls it forward.
 */
export function checkDistinctFiles(files: BatchFiles): void {
  const { input, out, summary } = files
  if (out === '') throw new OutputArgumentError('-o: an empty path; give a file name (or leave -o out for standard output)')
  if (summary === '') throw new OutputArgumentError('--summary: an empty path; give a file name')
  const inputId = input === '-' ? fdIdentity(0) : identity(input)
  const outId = out !== undefined ? identity(out) : undefined
  const summaryId = summary !== undefined ? identity(summary) : undefined
  const same = 'is the same file as the input: it would be overwritten while it is read'
  if (inputId !== undefined && outId === inputId) throw new OutputArgumentError(`-o ${quotePath(out!)} ${same}`)
  if (inputId !== undefined && summaryId === inputId) throw new OutputArgumentError(`--summary ${quotePath(summary!)} ${same}`)
  if (outId !== undefined && outId === summaryId) throw new OutputArgumentError(`-o and --summary name the same file (${quotePath(out!)}): give each its own`)
  const policyId = files.policy !== undefined ? identity(files.policy) : undefined
  const baselineId = files.baseline !== undefined ? identity(files.baseline) : undefined
  const overwritten = (flag: string) => `is the ${flag} file: it would be overwritten`
  if (outId !== undefined && outId === policyId) throw new OutputArgumentError(`-o ${quotePath(out!)} ${overwritten('--policy')}`)
  if (outId !== undefined && outId === baselineId) throw new OutputArgumentError(`-o ${quotePath(out!)} ${overwritten('--baseline')}`)
  if (summaryId !== undefined && summaryId === policyId) throw new OutputArgumentError(`--summary ${quotePath(summary!)} ${overwritten('--policy')}`)
  if (out === undefined) {
    const stdoutId = fdIdentity(1)
    if (stdoutId !== undefined && stdoutId === inputId) throw new OutputArgumentError(`standard output ${same}`)
    if (stdoutId !== undefined && stdoutId === summaryId) throw new OutputArgumentError(`--summary ${quotePath(summary!)} is the same file as standard output`)
  }
}

/**
 * The summary is written once, at the end: prove now that it can be (the directory of the file
 * the path resolves to exists and may be written, for the temporary file renamed into place; an
 * existing file is not a directory; a device or FIFO may be written). Nothing is created, so a
 * run refused later leaves no empty summary behind.
 */
export function checkSummaryTarget(path: string): void {
  const fail = (e: NodeJS.ErrnoException) => new OutputArgumentError(`--summary ${quotePath(path)}: ${reasonOf(e)}`)
  let dest: SummaryDestination
  try {
    dest = summaryDestination(path)
  } catch (e) {
    throw fail(e as NodeJS.ErrnoException)
  }
  try {
    if (dest.inPlace) {
      accessSync(path, constants.W_OK)
      return
    }
    const dir = dirname(dest.path)
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' })
    accessSync(dir, constants.W_OK | constants.X_OK)
  } catch (e) {
    throw fail(e as NodeJS.ErrnoException)
  }
}

interface SummaryDestination {
  /** Written in place (`path` itself), or replaced by a renamed temporary file. */
  inPlace: boolean
  /** The path written: the argument when in place, else the regular file it resolves to. */
  path: string
  /** The existing file's permission bits, kept by its replacement. */
  mode?: number
}

/**
 * Where a summary path leads. An existing device, FIFO or socket (`/dev/null`, `/dev/stdout`)
 * is written in place: it cannot be replaced, and the /proc links behind /dev/stdout name no
 * file. Else the regular file it is or will be (through links, a dangling one too).
 */
function summaryDestination(path: string): SummaryDestination {
  let st: Stats | undefined
  try {
    st = statSync(path)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e
  }
  if (st?.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' })
  // open(2) of a socket by its name fails (ENXIO, also through /dev/stdout): refused before the run.
  if (st?.isSocket()) throw Object.assign(new Error('a socket cannot be opened by its path'), { code: 'ENXIO' })
  if (st && !st.isFile()) return { inPlace: true, path }
  const target = st ? realpathSync(path) : resolveTarget(path)
  if (target === undefined) throw Object.assign(new Error('too many symbolic links'), { code: 'ELOOP' })
  return { inPlace: false, path: target, ...(st ? { mode: st.mode & 0o777 } : {}) }
}

/**
 * Write the summary: to a temporary file beside the file the path resolves to, renamed into
 * place (rename(2) replaces atomically), so a failed write (disk full, a file size limit) leaves
 * an earlier summary whole and no partial one; the temporary file is removed on failure. A
 * device or FIFO (`/dev/null`, `/dev/stdout`) is written directly: it cannot be replaced.
 */
export function writeSummaryFile(path: string, text: string): void {
  const dest = summaryDestination(path)
  if (dest.inPlace) {
    writeFileSync(dest.path, text)
    return
  }
  const tmp = join(dirname(dest.path), `.${basename(dest.path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    // wx: never through a file (or link) someone placed at that name.
    writeFileSync(tmp, text, { flag: 'wx', mode: dest.mode ?? 0o666 })
    renameSync(tmp, dest.path)
  } catch (e) {
    try {
      unlinkSync(tmp)
    } catch {
      // Never created, or already renamed.
    }
    throw e
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
    throw new OutputArgumentError(`-o ${quotePath(path)}: ${reasonOf(e as NodeJS.ErrnoException)}`)
  }
  return stream
}

/** How the output is named in messages. */
export function outputTarget(out: string | undefined): string {
  return out === undefined ? STDOUT : `-o ${quotePath(out)}`
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
