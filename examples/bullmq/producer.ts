/**
 * Enqueue an NDJSON fleet file (the `bootproof batch` input contract) on a BullMQ queue and write
 * the workers' results in input order: the same bytes `bootproof batch -o` writes, apart from
 * each verdict's `iat` (the time it was issued; give every worker the same `--now` to fix it).
 *
 *   npx tsx examples/bullmq/producer.ts fleet.ndjson --redis redis://127.0.0.1:6379 \
 *     [-o out.ndjson] [--queue bootproof-fleet] [--window 1024]
 *
 * Lines are split and blank lines skipped by src/fleet's splitLines / isBlankLine (the same line
 * numbers as batch). At most `window` jobs are in flight, so Redis and this process hold a
 * bounded number of lines whatever the input length; results wait in that window until every
 * earlier line is done. Completed jobs are left for BullMQ to remove after an hour; failed jobs
 * (a worker crashed twice on one, say) stay a day for inspection and become ERR_WORKER_FAILED
 * lines, as in `bootproof batch`.
 */
import { randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import type { Writable } from 'node:stream'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { Job, Queue, QueueEvents } from 'bullmq'
import { DEFAULT_MAX_LINE_BYTES, isBlankLine, splitLines } from '../../src/fleet/index.js'
import { DEFAULT_QUEUE, encodeJob, failedLine, JOB_NAME, type FleetJobData } from './job.js'

export interface ProduceOptions {
  /** redis://host:port */
  redis: string
  queue?: string
  /** Most jobs in flight (default 1024). */
  window?: number
  /** A waiting head-of-line job is looked up directly after this long (a missed event). Default 5 s. */
  pollMs?: number
}

interface Slot {
  jobId: string
  line: number
  since: number
  result: Promise<string>
  resolve: (line: string) => void
}

const ADD_CHUNK = 64

/** Output lines (no LF) in input order, one per non-blank input line. */
export async function* produce(input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: ProduceOptions): AsyncGenerator<string> {
  const name = options.queue ?? DEFAULT_QUEUE
  const connection = { url: options.redis, maxRetriesPerRequest: null }
  const window = Math.max(1, options.window ?? 1024)
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
  const order: Slot[] = []
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
      const slot: Slot = { jobId, line, since: Date.now(), result, resolve }
      // Registered before the job exists: its completion cannot be missed between add and listen.
      waiting.set(jobId, slot)
      order.push(slot)
      toAdd.push({ name: JOB_NAME, data: encodeJob(bytes, line), opts: { jobId } })
      if (toAdd.length >= ADD_CHUNK) await flush()
      if (order.length >= window) {
        await flush()
        while (order.length >= window) yield await head()
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
    options: { redis: { type: 'string' }, out: { type: 'string', short: 'o' }, queue: { type: 'string' }, window: { type: 'string' } },
    strict: true,
    allowPositionals: true,
  })
  if (positionals.length !== 1 || !values.redis) throw new Error('usage: producer.ts <in.ndjson | -> --redis redis://host:port [-o out.ndjson] [--queue name] [--window N]')
  const input = positionals[0] === '-' ? process.stdin : createReadStream(positionals[0]!, { highWaterMark: 1024 * 1024 })
  const out = values.out ? createWriteStream(values.out) : process.stdout
  const started = performance.now()
  let n = 0
  for await (const l of produce(input, { redis: values.redis, queue: values.queue ?? DEFAULT_QUEUE, ...(values.window ? { window: Number(values.window) } : {}) })) {
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
