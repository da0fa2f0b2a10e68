/**
 * The worker pool of `bootproof batch` (bootproof/node): every way a line and its result can
 * cross the thread boundary (shared-memory rings, messages when a ring is full or too small,
 * string lines) gives exactly the results of verifying in this thread.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { createFleetLineVerifier, splitLines, verifyFleet, type FleetResult } from '../../src/index.js'
import { createFleetWorkerPool, type FleetWorkerPool, type FleetWorkerPoolOptions } from '../../src/node/index.js'
import { renderedFleetResult } from '../../src/fleet/output.js'
import { makeFleet } from '../../scripts/make-fleet.js'
import { REPO_ROOT } from '../helpers/corpus.js'

const POLICY = JSON.parse(readFileSync(join(REPO_ROOT, 'examples/policies/ovmf-sb-esp.derived.json'), 'utf8'))
const verify = { policy: POLICY, now: new Date('2026-12-01T00:00:00Z'), bootChains: false }
const enc = new TextEncoder()

// 24 generated machines (every kind, tampered and bad lines included), plus lines the verifier
// cannot read: invalid UTF-8, not JSON, a non-ASCII id (multi-byte output).
const fleet = makeFleet(24, 'pool-test').map((f) => f.line)
const extra = [new Uint8Array([0x7b, 0xff, 0x7d]), enc.encode('not json'), enc.encode(JSON.stringify({ id: 'ünïcødé—😀', bundle: {} }))]
const lineBytes = (): Uint8Array[] => [...fleet.map((l) => enc.encode(l)), ...extra.map((b) => b.slice())]

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const r of it) out.push(r)
  return out
}

async function viaPool(options: Omit<FleetWorkerPoolOptions, 'verify'>, lines: (string | Uint8Array)[]): Promise<FleetResult[]> {
  const pool: FleetWorkerPool = await createFleetWorkerPool({ verify, workers: 2, ...options })
  try {
    return await collect(verifyFleet(lines, { runner: pool.run, window: 12 }))
  } finally {
    await pool.close()
  }
}

describe('createFleetWorkerPool', () => {
  let expected: FleetResult[]
  beforeAll(async () => {
    expected = await collect(verifyFleet(lineBytes(), verify))
    expect(expected.length).toBe(fleet.length + extra.length)
    expect(new Set(expected.map((r) => r.ear_status ?? r.error!.code)).size).toBeGreaterThanOrEqual(4)
  }, 120_000)

  const rendered = () => expected.map((r) => renderedFleetResult(r))

  it('renders lines through the shared rings: same output lines and digests as in this thread', async () => {
    const got = await viaPool({ renderLines: true }, lineBytes())
    expect(got).toEqual(rendered())
    // Same members in the same order as on the message path (a caller may serialize the result).
    expect(got.map((r) => Object.keys(r))).toEqual(rendered().map((r) => Object.keys(r)))
  }, 120_000)

  it('falls back to messages when a line or output does not fit its ring, with the same results', async () => {
    // A 16 KiB input ring holds no generated line (~20 KB) but the short bad lines; a 4 KiB
    // output ring holds some rendered lines and not others.
    expect(await viaPool({ renderLines: true, rings: { input: 16 * 1024, output: 4 * 1024 } }, lineBytes())).toEqual(rendered())
    expect(await viaPool({ renderLines: true, rings: false }, lineBytes())).toEqual(rendered())
  }, 120_000)

  it("renderLines 'utf8': the same output lines as UTF-8 bytes, through the ring or in the message", async () => {
    const want = rendered().map(({ ndjson, ...r }) => ({ ...r, ndjsonUtf8: new TextEncoder().encode(ndjson) }))
    // A 4 KiB output ring: some lines come from the ring, others in their message.
    for (const rings of [undefined, { output: 4 * 1024 }, false as const]) {
      const got = await viaPool({ renderLines: 'utf8', ...(rings === undefined ? {} : { rings }) }, lineBytes())
      expect(got.map((r) => ({ ...r, ndjsonUtf8: new Uint8Array(r.ndjsonUtf8!) }))).toEqual(want)
      expect(got.map((r) => Object.keys(r))).toEqual(want.map((r) => Object.keys(r)))
    }
  }, 120_000)

  it('posts whole verdicts without renderLines, and takes string lines', async () => {
    expect(await viaPool({}, lineBytes())).toEqual(expected)
    const strings = [...fleet, ...extra.slice(1).map((b) => new TextDecoder().decode(b))]
    const want = await collect(verifyFleet(strings, verify))
    expect(await viaPool({ renderLines: true }, strings)).toEqual(want.map((r) => renderedFleetResult(r)))
  }, 120_000)

  it('the line verifier has read a line\'s bytes when its call returns (the ring space is reused at once)', async () => {
    const v = createFleetLineVerifier(verify)
    const bytes = lineBytes()
    for (let i = 0; i < 6; i++) {
      const data = bytes[i]!
      const pending = v({ index: i, line: i + 1, data })
      data.fill(0x20)
      expect(await pending).toEqual(expected[i])
    }
  }, 60_000)

  it('sends a line given twice (one buffer, two workers, no ring) to both workers intact', async () => {
    // Each worker's message goes out after the event-loop turn: the first transfer must not
    // detach the bytes the second message still carries.
    const l = enc.encode(fleet[0]!)
    const want = await collect(verifyFleet([l.slice(), l.slice()], verify))
    const pool = await createFleetWorkerPool({ verify, workers: 2, rings: false })
    try {
      expect(await within(collect(verifyFleet([l, l], { runner: pool.run, window: 4 })), 60_000)).toEqual(want)
    } finally {
      await pool.close()
    }
  }, 120_000)

  it('a line that is a view of a larger buffer goes in its message as its own bytes, not the whole buffer', async () => {
    const post = vi.spyOn(Worker.prototype, 'postMessage')
    const text = Array.from({ length: 6 }, (_, i) => JSON.stringify({ id: `vïew-${i}`, bundle: {} }) + '\n').join('')
    const lines = await collect(splitLines([enc.encode(text)], 1 << 20, { views: true }))
    expect(lines.every((l) => l.byteLength > 16 && l.byteLength < l.buffer.byteLength)).toBe(true)
    const want = await collect(verifyFleet(lines.map((l) => l.slice()), verify))
    // A 16-byte input ring holds none of these lines: every one goes in a message.
    const pool = await createFleetWorkerPool({ verify, workers: 1, rings: { input: 16 } })
    try {
      expect(await collect(verifyFleet(lines, { runner: pool.run, window: 4 }))).toEqual(want)
    } finally {
      await pool.close()
    }
    const sent = post.mock.calls.flatMap(([m]) => ((m as { tasks?: { data?: Uint8Array }[] }).tasks ?? []).map((t) => t.data!))
    expect(sent.length).toBe(lines.length)
    for (const d of sent) expect(d.buffer.byteLength).toBe(d.byteLength)
  }, 60_000)
})

/** `p`, or a rejection after `ms` (a lost line shows as a failure, not a hung test). */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))
  return Promise.race([p, late]).finally(() => clearTimeout(timer))
}

describe('createFleetWorkerPool: a worker thread that crashes', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })
  // Every Worker the pool starts (it listens for 'message' on each).
  const started = (on: { mock: { calls: unknown[][]; contexts: unknown[] } }): Worker[] => [
    ...new Set(on.mock.contexts.filter((w, i) => on.mock.calls[i]![0] === 'message' && w instanceof Worker) as Worker[]),
  ]
  const task = () => ({ index: 0, line: 1, data: enc.encode('not json') })
  // A message the worker cannot read: its handler throws, the thread emits 'error' and exits.
  const crash = async (w: Worker) => {
    const gone = new Promise((resolve) => w.once('exit', resolve))
    w.postMessage({ tasks: null })
    await gone
    await new Promise((resolve) => setImmediate(resolve))
  }
  const allExited = async (ws: Worker[]) => {
    for (let i = 0; i < 200 && ws.some((w) => w.threadId !== -1); i++) await new Promise((resolve) => setTimeout(resolve, 50))
    return ws.map((w) => w.threadId)
  }

  it('is replaced once, and a line submitted while the replacement starts is verified, not sent to the dead thread', async () => {
    const on = vi.spyOn(Worker.prototype, 'on')
    const want = renderedFleetResult(await createFleetLineVerifier(verify)(task()))
    const pool = await createFleetWorkerPool({ verify, workers: 1, renderLines: true })
    try {
      expect(await pool.run(task())).toEqual(want)
      const [first] = started(on)
      await crash(first!)
      expect(await within(pool.run(task()), 20_000)).toEqual(want)
      // One replacement for one crash ('error' and then 'exit' are both emitted).
      expect(started(on).length).toBe(2)
    } finally {
      await pool.close()
    }
    expect(await allExited(started(on))).toEqual(started(on).map(() => -1))
  }, 60_000)

  it('close() while the replacement starts ends it too, and a line after close() is refused', async () => {
    const on = vi.spyOn(Worker.prototype, 'on')
    const pool = await createFleetWorkerPool({ verify, workers: 1 })
    await crash(started(on)[0]!)
    await pool.close()
    await expect(within(pool.run(task()), 10_000)).rejects.toThrow(/closed|no fleet worker/)
    const all = started(on)
    expect(all.length).toBeGreaterThanOrEqual(1)
    expect(await allExited(all)).toEqual(all.map(() => -1))
  }, 60_000)
})
