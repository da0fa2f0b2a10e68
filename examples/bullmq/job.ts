/**
 * The job format shared by producer.ts and processor.ts: one job per non-blank input line of the
 * `bootproof batch` contract, its result the output line `bootproof batch` writes for that line.
 *
 * The line travels as its bytes (UTF-8 text when it is UTF-8, base64 otherwise), with its line
 * number in the input file, so the worker verifies exactly what `bootproof batch` verifies and its
 * error messages ("line 67: missing "nonce"…") name the same line.
 */
import { UnrecoverableError } from 'bullmq'
import { escapeText } from '../../src/text/escape.js'
import { fleetResultLine } from '../../src/fleet/output.js'
import { DEFAULT_MAX_LINE_BYTES, type FleetLineVerifier, type FleetResult } from '../../src/fleet/index.js'

export const DEFAULT_QUEUE = 'bootproof-fleet'
export const JOB_NAME = 'verify'

/** BullMQ job data: one input line. */
export type FleetJobData =
  | { /** 1-based line number in the input (blank lines counted). */ line: number; /** The line, when it is UTF-8. */ text: string }
  | { line: number; /** The line's bytes, when they are not UTF-8. */ base64: string }

// ignoreBOM: a BOM is part of the line's bytes (batch sees it and so must the worker).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
// RFC 4648 §4, padded, as Buffer writes it: anything else was not written by encodeJob.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

export function encodeJob(bytes: Uint8Array, line: number): FleetJobData {
  try {
    return { line, text: utf8.decode(bytes) }
  } catch {
    return { line, base64: Buffer.from(bytes).toString('base64') }
  }
}

/**
 * The job's data checked member by member. Job data is whatever reached the queue (another
 * producer, a hand-added job): a malformed job is a fault of its producer, not of the line, so it
 * fails with BullMQ's UnrecoverableError (never retried, whatever `attempts` the job carries), and
 * the producer that waits for it writes an ERR_WORKER_FAILED line, as batch does for a failed run.
 */
export function readJob(data: unknown): FleetJobData {
  const bad = (why: string) => new UnrecoverableError(`malformed job data: ${why}`)
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw bad('not an object')
  const o = data as Record<string, unknown>
  for (const k of Object.keys(o)) if (k !== 'line' && k !== 'text' && k !== 'base64') throw bad(`unknown member ${JSON.stringify(k).slice(0, 80)}`)
  if (typeof o.line !== 'number' || !Number.isSafeInteger(o.line) || o.line < 1) throw bad('"line" must be a positive integer')
  if ((o.text === undefined) === (o.base64 === undefined)) throw bad('exactly one of "text" and "base64"')
  if (o.text !== undefined) {
    if (typeof o.text !== 'string') throw bad('"text" must be a string')
    return { line: o.line, text: o.text }
  }
  if (typeof o.base64 !== 'string' || !BASE64.test(o.base64)) throw bad('"base64" must be a padded base64 string')
  return { line: o.line, base64: o.base64 }
}

/**
 * The line the verifier reads: the text as a string (the verifier refuses an over-long string by
 * its length before encoding it), base64 decoded only as far as one byte past `maxLineBytes`,
 * which is enough for ERR_LINE_TOO_LONG, the outcome batch gives the whole line.
 */
export function decodeJob(data: FleetJobData, maxLineBytes = DEFAULT_MAX_LINE_BYTES): string | Uint8Array {
  if ('text' in data) return data.text
  const chars = Math.ceil((maxLineBytes + 1) / 3) * 4
  return new Uint8Array(Buffer.from(data.base64.length > chars ? data.base64.slice(0, chars) : data.base64, 'base64'))
}

/**
 * The output line of one result, exactly as `bootproof batch` writes it (without the LF):
 * `fleetResultLine` with the terminal-safety escape every CLI command applies.
 */
export function outputLine(r: FleetResult): string {
  return escapeText(fleetResultLine(r))
}

/**
 * One job → its output line, through src/fleet's per-line verifier, which never rejects for a bad
 * line (a deterministic outcome is a result, so nothing is retried); rejects only for malformed
 * job data (readJob). `maxLineBytes`: the verifier's.
 */
export async function processLine(verify: FleetLineVerifier, data: unknown, maxLineBytes = DEFAULT_MAX_LINE_BYTES): Promise<string> {
  const job = readJob(data)
  return outputLine(await verify({ index: 0, line: job.line, data: decodeJob(job, maxLineBytes) }))
}

/** The line `verifyFleet` yields when its runner fails, for a job that failed in the queue. */
export function failedLine(line: number, reason: string): string {
  return outputLine({ index: 0, line, id: null, error: { code: 'ERR_WORKER_FAILED', message: `line ${line}: the verifier failed: ${reason}` } })
}
