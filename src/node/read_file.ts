/**
 * Bounded, checked file reading for the CLI and `bootproof/node`.
 *
 * Why not `readFile(path)`: it reads before anything is checked. `/dev/zero` never ends and
 * grows without bound, a FIFO blocks forever, and a 200 MB file is read whole before a parser's
 * 16 MiB limit can reject it. So: lstat + stat first (a symlink is followed only to a regular
 * file), accept only regular files, open non-blocking (so a path swapped for a FIFO after the
 * stat cannot block the open), fstat the opened fd again (closes the stat/open race), and read
 * at most `maxBytes + 1` bytes — the extra byte is how "too large" is detected without trusting
 * `st_size` (securityfs and procfs files report size 0 but have content).
 *
 * Every failure is an {@link InputFileError} (a `BootproofError`) with a stable code and the path.
 */
import { closeSync, constants, createReadStream, fstatSync, lstatSync, openSync, readSync, statSync, type Stats } from 'node:fs'
import { open, lstat, stat } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { BootproofError } from '../errors.js'
import { escapeText } from '../text/escape.js'

/** First allocation when the size is unknown (stdin, size-0 pseudo-files). */
const CHUNK = 64 * 1024
// O_NONBLOCK does not exist on Windows (constants omit it); there FIFOs are not plain paths anyway.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0)

export const SECURITYFS_HINT =
  'reading /sys/kernel/security needs root (or the tss group on some distributions) and securityfs mounted (mount -t securityfs securityfs /sys/kernel/security)'

/** A file could not be used as input. `code` is stable; `path` is the path as given. */
export class InputFileError extends BootproofError {
  /** The path as given (`-` for standard input). */
  readonly path: string
  /** The operating-system error code (`ENOENT`, `EACCES`, ...) when one caused this. */
  readonly sysCode: string | undefined

  constructor(code: 'ERR_INPUT_INVALID' | 'ERR_INPUT_NOT_FILE' | 'ERR_INPUT_TOO_LARGE', path: string, message: string, options: { cause?: unknown; sysCode?: string } = {}) {
    super(code, message, options.cause === undefined ? {} : { cause: options.cause })
    this.path = path
    this.sysCode = options.sysCode
  }

  override toJSON(): ReturnType<BootproofError['toJSON']> & { path: string; sysCode?: string } {
    return { ...super.toJSON(), path: this.path, ...(this.sysCode ? { sysCode: this.sysCode } : {}) }
  }
}

export interface ReadFileBoundedOptions {
  /** Largest accepted size in bytes; more is `ERR_INPUT_TOO_LARGE`. */
  maxBytes: number
  /** What the file is, for messages (`event log`, `policy`, ...). */
  what?: string
}

/** A path quoted and escaped for a message (JSON, then terminal-safe): a newline in it cannot forge a line. */
export function quotePath(path: string): string {
  return escapeText(JSON.stringify(path))
}

/**
 * A path as an input error shows it: as given when it is plain text, quoted (`quotePath`) when it
 * holds a control or line-separator character.
 */
export function shownPath(path: string): string {
  return /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(path) ? quotePath(path) : path
}

function label(path: string, what: string | undefined): string {
  return `${what ? `${what} ` : ''}${path === '-' ? 'standard input' : shownPath(path)}`
}

function securityfsHint(path: string): string {
  return path.startsWith('/sys/kernel/security') ? `; ${SECURITYFS_HINT}` : ''
}

/** Map any error from `fs` to an {@link InputFileError}; pass through our own errors. */
export function fsError(e: unknown, path: string, what?: string): BootproofError {
  if (e instanceof BootproofError) return e
  const sysCode = typeof (e as { code?: unknown })?.code === 'string' ? (e as { code: string }).code : undefined
  const reason =
    sysCode === 'ENOENT' ? 'no such file'
    : sysCode === 'EACCES' || sysCode === 'EPERM' ? 'permission denied'
    : sysCode === 'ELOOP' ? 'too many symbolic links'
    : sysCode === 'ENOTDIR' ? 'a path component is not a directory'
    : sysCode === 'EISDIR' ? 'is a directory'
    : (e as Error)?.message ?? String(e)
  const code = sysCode === 'EISDIR' ? 'ERR_INPUT_NOT_FILE' : 'ERR_INPUT_INVALID'
  return new InputFileError(code, path, `cannot read ${label(path, what)}: ${reason}${sysCode && !reason.includes(sysCode) ? ` (${sysCode})` : ''}${securityfsHint(path)}`, { cause: e, ...(sysCode ? { sysCode } : {}) })
}

function kindOf(st: Stats): string {
  return st.isDirectory() ? 'a directory'
    : st.isFIFO() ? 'a FIFO'
    : st.isCharacterDevice() ? 'a character device'
    : st.isBlockDevice() ? 'a block device'
    : st.isSocket() ? 'a socket'
    : 'not a regular file'
}

/** The check shared by both stats and the post-open fstat. */
function requireRegular(st: Stats, path: string, what: string | undefined, viaLink: boolean, maxBytes: number): void {
  if (!st.isFile()) throw new InputFileError('ERR_INPUT_NOT_FILE', path, `${label(path, what)} is ${viaLink ? 'a symbolic link to ' : ''}${kindOf(st)}; give a regular file or - for standard input`)
  if (st.size > maxBytes) throw tooLarge(path, what, maxBytes, st.size)
}

function tooLarge(path: string, what: string | undefined, maxBytes: number, size?: number): InputFileError {
  return new InputFileError('ERR_INPUT_TOO_LARGE', path, `${label(path, what)} is ${size !== undefined ? `${size} bytes` : 'larger than the limit'}; the limit is ${maxBytes} bytes`)
}

function checkMax(maxBytes: number): void {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new TypeError('maxBytes must be a non-negative safe integer')
}

/** Accumulates reads up to `cap` bytes, growing geometrically from a size hint. */
class Sink {
  buf: Uint8Array
  len = 0
  /** `hint`: st_size, trusted only to size the first buffer (it may be 0 or stale). */
  constructor(readonly cap: number, hint = 0) {
    this.buf = new Uint8Array(Math.min(Math.max(CHUNK, hint + 1), cap))
  }
  /** Free space for the next read (never empty while under the cap). */
  room(): Uint8Array {
    if (this.len === this.buf.length) {
      const next = new Uint8Array(Math.min(this.cap, this.buf.length * 2))
      next.set(this.buf)
      this.buf = next
    }
    return this.buf.subarray(this.len)
  }
  full(): boolean {
    return this.len >= this.cap
  }
  result(): Uint8Array {
    return this.buf.subarray(0, this.len)
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4))

/** Read fd to EOF, at most maxBytes + 1 bytes. EAGAIN (a non-blocking pipe or tty) waits briefly. */
function readFdSync(fd: number, path: string, what: string | undefined, maxBytes: number, sizeHint = 0): Uint8Array {
  const sink = new Sink(maxBytes + 1, sizeHint)
  while (!sink.full()) {
    const room = sink.room()
    let n: number
    try {
      n = readSync(fd, room, 0, room.length, null)
    } catch (e) {
      if ((e as { code?: string }).code === 'EAGAIN') {
        Atomics.wait(sleeper, 0, 0, 10)
        continue
      }
      if ((e as { code?: string }).code === 'EOF') break // Windows pipes report end as EOF
      throw e
    }
    if (n === 0) break
    sink.len += n
  }
  if (sink.len > maxBytes) throw tooLarge(path, what, maxBytes)
  return sink.result()
}

/**
 * Read a regular file (a symlink only if it leads to one), or standard input for `-`, with at
 * most `maxBytes` accepted. Synchronous: the CLI parses synchronously right after.
 */
export function readFileBoundedSync(path: string, options: ReadFileBoundedOptions): Uint8Array {
  const { maxBytes, what } = options
  checkMax(maxBytes)
  if (path === '-') {
    try {
      return readFdSync(0, path, what, maxBytes)
    } catch (e) {
      throw fsError(e, path, what)
    }
  }
  let fd: number | undefined
  try {
    const l = lstatSync(path)
    const viaLink = l.isSymbolicLink()
    requireRegular(viaLink ? statSync(path) : l, path, what, viaLink, maxBytes)
    fd = openSync(path, OPEN_FLAGS)
    const st = fstatSync(fd)
    requireRegular(st, path, what, viaLink, maxBytes)
    return readFdSync(fd, path, what, maxBytes, st.size)
  } catch (e) {
    throw fsError(e, path, what)
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/** The asynchronous form of {@link readFileBoundedSync} (no `-`: a library has no stdin contract). */
export async function readFileBounded(path: string, options: ReadFileBoundedOptions): Promise<Uint8Array> {
  const { maxBytes, what } = options
  checkMax(maxBytes)
  let fh: Awaited<ReturnType<typeof open>> | undefined
  try {
    const l = await lstat(path)
    const viaLink = l.isSymbolicLink()
    requireRegular(viaLink ? await stat(path) : l, path, what, viaLink, maxBytes)
    fh = await open(path, OPEN_FLAGS)
    const st = await fh.stat()
    requireRegular(st, path, what, viaLink, maxBytes)
    const sink = new Sink(maxBytes + 1, st.size)
    while (!sink.full()) {
      const room = sink.room()
      const { bytesRead } = await fh.read(room, 0, room.length, null)
      if (bytesRead === 0) break
      sink.len += bytesRead
    }
    if (sink.len > maxBytes) throw tooLarge(path, what, maxBytes)
    return sink.result()
  } catch (e) {
    throw fsError(e, path, what)
  } finally {
    await fh?.close()
  }
}

/**
 * A stream over a line-oriented input of unbounded length (`bootproof batch`): a regular file, a
 * named pipe (a producer streaming attestations is the point of batch mode), or `-` for
 * standard input. Devices, directories and anything else are refused before anything is read,
 * like every other input (a symlink is followed only to one of those). The size limit applies per
 * line, in the reader.
 */
export function openLineStream(path: string, what: string): { stream: Readable; size: number | undefined } {
  if (path === '-') return { stream: process.stdin, size: undefined }
  let st
  try {
    st = statSync(path)
  } catch (e) {
    throw fsError(e, path, what)
  }
  if (!st.isFile() && !st.isFIFO()) throw new InputFileError('ERR_INPUT_NOT_FILE', path, `${what} ${shownPath(path)}: not a regular file or pipe`)
  return { stream: createReadStream(path, { highWaterMark: 1024 * 1024 }), size: st.isFile() ? st.size : undefined }
}
