/**
 * The job format shared by producer.ts and processor.ts: one job per non-blank input line of the
 * `bootproof batch` contract, its result the output line `bootproof batch` writes for that line.
 *
 * The line travels as its bytes (UTF-8 text when it is UTF-8, base64 otherwise), with its line
 * number in the input file, so the worker verifies exactly what `bootproof batch` verifies and its
 * error messages ("line 67: missing "nonce"…") name the same line.
 */
import { escapeText } from '../../src/text/escape.js'
import { fleetResultLine } from '../../src/fleet/output.js'
import type { FleetLineVerifier, FleetResult } from '../../src/fleet/index.js'

export const DEFAULT_QUEUE = 'bootproof-fleet'
export const JOB_NAME = 'verify'

/** BullMQ job data: one input line. */
export type FleetJobData =
  | { /** 1-based line number in the input (blank lines counted). */ line: number; /** The line, when it is UTF-8. */ text: string }
  | { line: number; /** The line's bytes, when they are not UTF-8. */ base64: string }

// ignoreBOM: a BOM is part of the line's bytes (batch sees it and so must the worker).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

export function encodeJob(bytes: Uint8Array, line: number): FleetJobData {
  try {
    return { line, text: utf8.decode(bytes) }
  } catch {
    return { line, base64: Buffer.from(bytes).toString('base64') }
  }
}

export function decodeJob(data: FleetJobData): Uint8Array {
  return 'text' in data ? new TextEncoder().encode(data.text) : new Uint8Array(Buffer.from(data.base64, 'base64'))
}

/**
 * The output line of one result, exactly as `bootproof batch` writes it (without the LF):
 * `fleetResultLine` with the terminal-safety escape every CLI command applies.
 */
export function outputLine(r: FleetResult): string {
  return escapeText(fleetResultLine(r))
}

/** One job → its output line, through src/fleet's per-line verifier (never rejects for a bad line). */
export async function processLine(verify: FleetLineVerifier, data: FleetJobData, index = 0): Promise<string> {
  return outputLine(await verify({ index, line: data.line, data: decodeJob(data) }))
}

/** The line `verifyFleet` yields when its runner fails, for a job that failed in the queue. */
export function failedLine(line: number, reason: string): string {
  return outputLine({ index: 0, line, id: null, error: { code: 'ERR_WORKER_FAILED', message: `line ${line}: the verifier failed: ${reason}` } })
}
