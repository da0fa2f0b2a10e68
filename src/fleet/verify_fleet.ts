/**
 * `verifyFleet`: verify a stream of NDJSON attestation lines, yielding one result per line in
 * input order.
 *
 * Concurrency comes from the runner (default: in this thread; the CLI passes a worker-thread
 * pool from bootproof/node). The window of lines in flight is bounded in count and in bytes, and
 * results wait in that same window until every earlier line is done, so memory is bounded by
 * the window whatever the input length. Lines are pulled only when the window has room: a
 * consumer that stops reading stops the input (back-pressure).
 */
import { isBlankLine } from './lines.js'
import { createFleetLineVerifier, type FleetLineVerifier, type FleetTask, type FleetVerifyOptions } from './line.js'
import type { FleetResult } from './types.js'

export interface VerifyFleetOptions extends FleetVerifyOptions {
  /**
   * Verifies one line (default: `createFleetLineVerifier(options)` in this thread). It must
   * resolve, not reject, for a bad line; a rejection becomes an ERR_WORKER_FAILED result.
   */
  runner?: FleetLineVerifier
  /** Most lines in flight (default 16). */
  window?: number
  /** Most bytes of line text in flight (default 64 MiB); at least one line is always in flight. */
  maxInFlightBytes?: number
}

export async function* verifyFleet(
  lines: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  options: VerifyFleetOptions = {},
): AsyncGenerator<FleetResult> {
  const run = options.runner ?? createFleetLineVerifier(options)
  const window = Math.max(1, options.window ?? 16)
  const maxBytes = options.maxInFlightBytes ?? 64 * 1024 * 1024
  const queue: { result: Promise<FleetResult>; bytes: number }[] = []
  let inFlightBytes = 0
  let index = 0
  let line = 0
  const next = async (): Promise<FleetResult> => {
    const head = queue.shift()!
    inFlightBytes -= head.bytes
    return head.result
  }
  for await (const data of lines) {
    line++
    // Line 1 is the start of the input: the one place a byte order mark is ignored.
    if (isBlankLine(data, line === 1)) continue
    const task: FleetTask = { index: index++, line, data }
    const bytes = data.length
    // The failure handler keeps the numbers, not the task: a line's bytes (possibly a view of a
    // whole read chunk) are then free once the runner has taken them.
    const at = task.index
    const ln = task.line
    const result = run(task).catch((e: unknown): FleetResult => ({
      index: at,
      line: ln,
      id: null,
      error: { code: 'ERR_WORKER_FAILED', message: `line ${ln}: the verifier failed: ${String((e as Error)?.message ?? e)}` },
    }))
    queue.push({ result, bytes })
    inFlightBytes += bytes
    while (queue.length >= window || (inFlightBytes > maxBytes && queue.length > 0)) yield await next()
  }
  while (queue.length) yield await next()
}
