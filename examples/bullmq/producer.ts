/**
 * Enqueue an NDJSON fleet file (the `bootproof batch` input contract) on a BullMQ queue and write
 * the workers' results in input order: the same bytes `bootproof batch -o` writes, apart from
 * each verdict's `iat` (the time it was issued; give every worker the same `--now` to fix it).
 *
 *   npx tsx examples/bullmq/producer.ts fleet.ndjson --redis redis://127.0.0.1:6379 \
 *     [-o out.ndjson] [--queue bootproof-fleet] [--window 1024] [--window-mib 64]
 *
 * Lines are split and blank lines skipped by src/fleet's splitLines / isBlankLine (the same line
 * numbers as batch). At most `window` jobs and `maxInFlightBytes` of line bytes are in flight (at
 * least one line), as in batch, so Redis and this process hold a bounded number of bytes whatever
 * the input length; results wait in that window until every earlier line is done. A line longer
 * than batch's DEFAULT_MAX_LINE_BYTES never becomes a job: its ERR_LINE_TOO_LONG line is made
 * here by the same per-line verifier (it refuses such a line before reading it), so a file of
 * over-long lines cannot put tens of megabytes per line into Redis. Completed jobs are left for BullMQ to remove after an hour; failed jobs
 * (a worker crashed twice on one, say) stay a day for inspection and become ERR_WORKER_FAILED
 * lines, as in `bootproof batch`.
 */
import { randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import type { Writable } from 'node:stream'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { Job, Queue, QueueEvents } from 'bullmq'
import { createFleetLineVerifier, DEFAULT_MAX_LINE_BYTES, isBlankLine, splitLines } from '../../src/fleet/index.js'
import { DEFAULT_QUEUE, encodeJob, failedLine, JOB_NAME, outputLine, type FleetJobData } from './job.js'

export interface ProduceOptions {
  /** redis://host:port */
  redis: string
  queue?: string
  /** Most jobs in flight (default 1024). */
  window?: number
  /** Most bytes of line text in flight (default 64 MiB, as batch); at least one line is always in flight. */
  maxInFlightBytes?: number
  /** A waiting head-of-line job is looked up directly after this long (a missed event). Default 5 s. */
  pollMs?: number
}

interface Slot {
  jobId: string
  line: number
  bytes: number
  since: number
  result: Promise<string>
  resolve: (line: string) => void
}

const ADD_CHUNK = 64

/** Output lines (no LF) in input order, one per non-blank input line. */
export async function* produce(input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: ProduceOptions): AsyncGenerator<string> {
  const name = options.queue ?? DEFAULT_QUEUE
  const connection = { url: options.redis, maxRetriesPerRequest: null }
  // NaN (a window read from a bad flag) would compare false and leave the window unbounded.
  const window = Math.max(1, options.window ?? 1024) || 1024
  const maxBytes = options.maxInFlightBytes ?? 64 * 1024 * 1024
  const order: Slot[] = []
  let inFlightBytes = 0
  const full = () => order.length >= window || (inFlightBytes > maxBytes && order.length > 0)
  // Policy-free: it is used only for lines it refuses by their length, before any policy applies.
  const tooLong = createFleetLineVerifier({ bootChains: false })
  const pollMs = options.pollMs ?? 5000
  const queue = new Queue<FleetJobData, string>(name, { connection, defaultJobOptions: { removeOnComplete: { age: 3600, count: 100_000 }, removeOnFail: { age: 24 * 3600 } } })
  const events = new QueueEvents(name, { connection })
  const waiting = new Map<string, Slot>()
  const settle = (jobId: string, line: (s: Slot) => string) => {
    const s = waiting.get(jobId)
    if (!s) return // another producer's job
    waiting.delete(jobId)
    s.resolve(line(s))
  }
  events.on('completed', ({ jobId, returnvalue }) => settle(jobId, () => String(returnvalue)))
  events.on('failed', ({ jobId, failedReason }) => settle(jobId, (s) => failedLine(s.line, failedReason)))
  const run = randomUUID()
  let toAdd: { name: string; data: FleetJobData; opts: { jobId: string } }[] = []
  const flush = async () => {
    if (!toAdd.length) return
    const batch = toAdd
    toAdd = []
    await queue.addBulk(batch)
  }
  /** The head-of-line result; looks the job up itself when no event came (events can be trimmed). */
  const head = async (): Promise<string> => {
    const s = order.shift()!
    inFlightBytes -= s.bytes
    for (;;) {
      const timer = new Promise<null>((r) => setTimeout(r, Math.max(0, s.since + pollMs - Date.now()), null).unref())
      const r = await Promise.race([s.result, timer])
      if (r !== null) return r
      s.since = Date.now()
      const job = await Job.fromId<FleetJobData, string>(queue, s.jobId)
      if (job && (await job.isCompleted())) settle(s.jobId, () => String(job.returnvalue))
      else if (job && (await job.isFailed())) settle(s.jobId, (x) => failedLine(x.line, job.failedReason))
      else if (!job) settle(s.jobId, (x) => failedLine(x.line, 'the job is gone from the queue'))
    }
  }
  try {
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()])
    let line = 0
    let index = 0
    for await (const bytes of splitLines(input, DEFAULT_MAX_LINE_BYTES)) {
      line++
      if (isBlankLine(bytes, line === 1)) continue
      const jobId = `${run}-${index++}`
      let resolve!: (l: string) => void
      const result = new Promise<string>((r) => (resolve = r))
      const local = bytes.length > DEFAULT_MAX_LINE_BYTES
      const slot: Slot = { jobId, line, bytes: local ? 0 : bytes.length, since: Date.now(), result, resolve }
      order.push(slot)
      if (local) resolve(outputLine(await tooLong({ index: 0, line, data: bytes })))
      else {
        // Registered before the job exists: its completion cannot be missed between add and listen.
        waiting.set(jobId, slot)
        inFlightBytes += slot.bytes
        toAdd.push({ name: JOB_NAME, data: encodeJob(bytes, line), opts: { jobId } })
      }
      if (toAdd.length >= ADD_CHUNK) await flush()
      if (full()) {
        await flush()
        while (full()) yield await head()
      }
    }
    await flush()
    while (order.length) yield await head()
  } finally {
    await Promise.allSettled([events.close(), queue.close()])
  }
}

async function write(out: Writable, s: string): Promise<void> {
  if (!out.write(s)) await new Promise<void>((resolve) => out.once('drain', resolve))
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { redis: { type: 'string' }, out: { type: 'string', short: 'o' }, queue: { type: 'string' }, window: { type: 'string' }, 'window-mib': { type: 'string' } },
    strict: true,
    allowPositionals: true,
  })
  if (positionals.length !== 1 || !values.redis) throw new Error('usage: producer.ts <in.ndjson | -> --redis redis://host:port [-o out.ndjson] [--queue name] [--window N] [--window-mib N]')
  const positive = (flag: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined
    const n = Number(v)
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag} takes a positive integer`)
    return n
  }
  const window = positive('window', values.window)
  const mib = positive('window-mib', values['window-mib'])
  const input = positionals[0] === '-' ? process.stdin : createReadStream(positionals[0]!, { highWaterMark: 1024 * 1024 })
  const out = values.out ? createWriteStream(values.out) : process.stdout
  const started = performance.now()
  let n = 0
  const options: ProduceOptions = { redis: values.redis, queue: values.queue ?? DEFAULT_QUEUE, ...(window ? { window } : {}), ...(mib ? { maxInFlightBytes: mib * 1024 * 1024 } : {}) }
  for await (const l of produce(input, options)) {
    await write(out, l + '\n')
    n++
  }
  if (out !== process.stdout) await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())))
  console.error(`producer: ${n} lines in ${((performance.now() - started) / 1000).toFixed(1)} s`)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(`producer: ${(e as Error)?.message ?? e}`)
    process.exit(2)
  })
}
