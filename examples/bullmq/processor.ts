/**
 * A BullMQ worker for fleet verification: run as many of these processes, on as many machines,
 * as the fleet needs; each takes jobs from the queue that producer.ts fills.
 *
 *   npx tsx examples/bullmq/processor.ts --redis redis://127.0.0.1:6379 --policy policy.json \
 *     [--queue bootproof-fleet] [--concurrency 16] [--now <iso>] [--ca <pem>]...
 *
 * A job's data is one input line of the `bootproof batch` contract (job.ts); its result is the
 * output line `bootproof batch` writes for that line, made by the same per-line function
 * (src/fleet's createFleetLineVerifier + fleetResultLine), so the two cannot drift. The policy is
 * validated once per process. SIGINT/SIGTERM (or, when started with an IPC channel, the parent
 * going away) close the worker after its current jobs.
 */
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { Worker, type Job } from 'bullmq'
import { CLI_INPUT_LIMITS, readInputFile, readJsonFile } from '../../src/cli/io.js'
import { createFleetLineVerifier, DEFAULT_MAX_LINE_BYTES, type FleetVerifyOptions } from '../../src/fleet/index.js'
import { parseCertificates } from '../../src/x509/certificate.js'
import { DEFAULT_QUEUE, processLine, type FleetJobData } from './job.js'

export interface FleetWorkerOptions {
  /** redis://host:port */
  redis: string
  queue?: string
  /** Jobs verified at once by this process (the signature checks are asynchronous). Default 16. */
  concurrency?: number
  verify: FleetVerifyOptions
}

/** A BullMQ Worker verifying fleet lines; resolves once it is connected. */
export async function startFleetWorker(options: FleetWorkerOptions): Promise<Worker<FleetJobData, string>> {
  // As batch without --summary: an output line carries no boot chain, so none is computed.
  const verify = createFleetLineVerifier({ bootChains: false, ...options.verify })
  const maxLineBytes = options.verify.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES
  const worker = new Worker<FleetJobData, string>(options.queue ?? DEFAULT_QUEUE, (job: Job<FleetJobData, string>) => processLine(verify, job.data, maxLineBytes), {
    connection: { url: options.redis, maxRetriesPerRequest: null },
    concurrency: options.concurrency ?? 16,
  })
  await worker.waitUntilReady()
  return worker
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { redis: { type: 'string' }, policy: { type: 'string' }, queue: { type: 'string' }, concurrency: { type: 'string' }, now: { type: 'string' }, ca: { type: 'string', multiple: true } },
    strict: true,
  })
  if (!values.redis || !values.policy) throw new Error('usage: processor.ts --redis redis://host:port --policy policy.json [--queue name] [--concurrency N] [--now iso] [--ca pem]...')
  // Read as batch reads them: bounded, and refused before the worker connects.
  const verify: FleetVerifyOptions = { policy: readJsonFile(values.policy, CLI_INPUT_LIMITS.json, 'policy') }
  if (values.now !== undefined) {
    const now = new Date(values.now)
    if (Number.isNaN(now.getTime())) throw new Error(`--now: not an ISO time: ${JSON.stringify(values.now)}`)
    verify.now = now
  }
  if (values.ca) verify.trustAnchors = values.ca.flatMap((p) => parseCertificates(readInputFile(p, CLI_INPUT_LIMITS.pem)))
  const concurrency = values.concurrency ? Number(values.concurrency) : 16
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('--concurrency takes a positive integer')
  const worker = await startFleetWorker({ redis: values.redis, queue: values.queue ?? DEFAULT_QUEUE, concurrency, verify })
  worker.on('error', (e) => console.error(`processor: ${e.message}`))
  let jobs = 0
  worker.on('completed', () => jobs++)
  let closing = false
  const stop = () => {
    if (closing) return
    closing = true
    // Bounded: a worker that cannot finish its jobs in 30 s is left for BullMQ's stalled-job check.
    const hard = setTimeout(() => process.exit(1), 30_000)
    hard.unref()
    const exit = (code: number) => process.stdout.write(`processor: closed after ${jobs} jobs\n`, () => process.exit(code))
    void worker.close().then(() => exit(0), () => exit(1))
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  if (process.send) process.on('disconnect', stop)
  console.log(`processor: ready (pid ${process.pid}, queue ${worker.name}, concurrency ${concurrency})`)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(`processor: ${(e as Error)?.message ?? e}`)
    process.exit(2)
  })
}
