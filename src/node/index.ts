/**
 * Node-only helpers (subpath `bootproof/node`). The core never imports `node:*`; reading files
 * and the kernel's securityfs lives here. Every failure is a `BootproofError` (an
 * `InputFileError` carrying the path): `ERR_INPUT_INVALID` when the file cannot be read (missing,
 * permission, I/O; the message names the cause and, under /sys/kernel/security, how to get
 * access), `ERR_INPUT_NOT_FILE` for anything but a regular file, `ERR_INPUT_TOO_LARGE` past the
 * limit.
 */
import { DEFAULT_EVENTLOG_LIMITS } from '../limits.js'
import { DEFAULT_IMA_LIMITS } from '../ima/types.js'
import { parseEventLog, type ParseEventLogOptions } from '../eventlog/parse.js'
import type { EventLog } from '../eventlog/types.js'
import { readFileBounded } from './read_file.js'

export { InputFileError, SECURITYFS_HINT, type ReadFileBoundedOptions } from './read_file.js'

/** Where Linux exposes the firmware event log (read it whole: tpm2-tools #1975). */
export const LINUX_EVENTLOG_PATH = '/sys/kernel/security/tpm0/binary_bios_measurements'

/** Default cap of {@link readBytes}: the largest input any bootproof parser accepts by default (an IMA list). */
export const DEFAULT_READ_MAX_BYTES: number = Math.max(DEFAULT_EVENTLOG_LIMITS.maxLogBytes, DEFAULT_IMA_LIMITS.maxListBytes)

export interface ReadBytesOptions {
  /** Largest accepted size (default {@link DEFAULT_READ_MAX_BYTES}). */
  maxBytes?: number
}

/** Read a regular file fully as a Uint8Array, refusing more than `maxBytes`. */
export async function readBytes(path: string, options?: ReadBytesOptions): Promise<Uint8Array> {
  return readFileBounded(path, { maxBytes: options?.maxBytes ?? DEFAULT_READ_MAX_BYTES })
}

/**
 * Read and parse an event log file (default: this machine's firmware log). The read stops at
 * the parser's `maxLogBytes` (overridable through `options.limits`), so an oversized file is
 * never read whole.
 */
export async function readEventLog(path: string = LINUX_EVENTLOG_PATH, options?: ParseEventLogOptions): Promise<EventLog> {
  const maxBytes = options?.limits?.maxLogBytes ?? DEFAULT_EVENTLOG_LIMITS.maxLogBytes
  return parseEventLog(await readFileBounded(path, { maxBytes, what: 'event log' }), options)
}
export { createFleetWorkerPool, type FleetWorkerPool, type FleetWorkerPoolOptions } from './fleet_pool.js'
