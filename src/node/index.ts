/**
 * Node-only helpers (subpath `bootproof/node`). The core never imports `node:*`; reading files
 * and the kernel's securityfs lives here.
 */
import { readFile } from 'node:fs/promises'
import { parseEventLog, type ParseEventLogOptions } from '../eventlog/parse.js'
import type { EventLog } from '../eventlog/types.js'

/** Where Linux exposes the firmware event log (read it whole: tpm2-tools #1975). */
export const LINUX_EVENTLOG_PATH = '/sys/kernel/security/tpm0/binary_bios_measurements'

/** Read a file fully as a Uint8Array. */
export async function readBytes(path: string): Promise<Uint8Array> {
  const b = await readFile(path)
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}

/** Read and parse an event log file (default: this machine's firmware log). */
export async function readEventLog(path: string = LINUX_EVENTLOG_PATH, options?: ParseEventLogOptions): Promise<EventLog> {
  return parseEventLog(await readBytes(path), options)
}
