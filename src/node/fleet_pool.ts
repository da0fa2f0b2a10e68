/**
 * A worker-thread pool for `verifyFleet` (node:worker_threads, no dependency): each worker
 * builds the line verifier once (policy validated once per thread) and verifies the lines it is
 * sent one after another. Lines go to the least-loaded worker and are parsed there, so the main
 * thread only splits, orders and writes.
 *
 * Bytes go through shared memory (src/node/byte_ring.ts): each worker has an input ring the main
 * thread copies line bytes into and an output ring the worker encodes rendered output lines
 * into; messages carry offsets. Posting bytes costs about 3 ns a byte on the 2-vCPU machine
 * this was measured on (a 3.5 KB output line ~12 µs, ~22 µs as a two-byte string) and a fresh
 * buffer per line (the old transfer of each ~22 KB input line) costs an allocation and page
 * faults; encoding into a ring costs ~1 µs. With `bootproof batch` reading lines as views of
 * the file's chunks, a run over 20,000 generated lines took 5-11 % less CPU with one worker
 * (system time -20 %). A line or output that does not fit (ring full, or larger than the
 * ring) goes in its message as before, so the rings change costs, never results.
 *
 * Messages carry batches: the lines submitted in one turn of the main thread's event loop go in
 * one message, and a worker posts its results every RESULT_BATCH lines (and whenever it has no
 * line left, having taken every message already waiting on its port), so each wake-up of the
 * other thread serves several lines.
 *
 * The worker runs this same module: `new Worker(import.meta.url)` with a marker in workerData.
 * Under tsx (a .ts URL) the worker first registers tsx's loader, which a worker does not
 * inherit from `--import`.
 */
import { isMainThread, parentPort, receiveMessageOnPort, Worker, workerData } from 'node:worker_threads'
import { availableParallelism } from 'node:os'
import { createFleetLineVerifier, type FleetLineVerifier, type FleetTask, type FleetVerifyOptions } from '../fleet/line.js'
import type { FleetResult } from '../fleet/types.js'
import { renderedFleetResult } from '../fleet/output.js'
import { createRingBuffer, RingReader, RingWriter, type RingRecord } from './byte_ring.js'

const MARK = 'bootproofFleetWorker'

export interface FleetWorkerPoolOptions {
  /** Worker threads (default: os.availableParallelism()). */
  workers?: number
  /** Passed to every worker's `createFleetLineVerifier` (structured-cloned: plain data only). */
  verify: FleetVerifyOptions
  /**
   * Results carry their output line (`ndjson`, rendered and made terminal-safe in the worker)
   * and a `verdictDigest` instead of the `verdict` object, which then never crosses threads
   * (`renderedFleetResult`); default false (whole verdicts). `'utf8'`: the same, with the line
   * as UTF-8 bytes in `ndjsonUtf8` instead of `ndjson`, copied straight from the worker's output
   * ring (what `bootproof batch` uses: it writes bytes).
   */
  renderLines?: boolean | 'utf8'
  /**
   * Shared-memory rings per worker, in bytes (powers of two): `input` for line bytes (default
   * 4 MiB), `output` for rendered lines (default 1 MiB); `false`: every line and result in its
   * message. Lines and outputs that do not fit go in their message either way.
   */
  rings?: false | { input?: number; output?: number }
}

export interface FleetWorkerPool {
  /** The runner for `verifyFleet({ runner })`. */
  run: FleetLineVerifier
  readonly workers: number
  /** Terminate every worker (pending lines reject). */
  close(): Promise<void>
}

/** Results a worker collects before posting them (it also posts whenever its queue is empty). */
const RESULT_BATCH = 8

interface Slot {
  worker: Worker
  pending: Map<number, { resolve: (r: FleetResult) => void; reject: (e: Error) => void }>
  /** Lines submitted this turn of the event loop, posted together after it (setImmediate). */
  outbox: WireTask[]
  transfer: ArrayBuffer[]
  /** The thread has exited: the slot is out of service (lines still in its outbox were rejected). */
  dead: boolean
  input?: RingWriter
  output?: RingReader
}

/** A line as posted: its bytes in the input ring (`ring`, `data` omitted) or in the message. */
type WireTask = { id: number; index: number; line: number; data?: string | Uint8Array; ring?: RingRecord }
/** A result as posted: a rendered line's text in the output ring (`ring`) or in the result. */
type Reply = { id: number; result: FleetResult; ring?: RingRecord } | { id: number; error: string }

interface WorkerData {
  verify: FleetVerifyOptions
  renderLines: boolean
  input?: SharedArrayBuffer
  output?: SharedArrayBuffer
}

const DEFAULT_RINGS = { input: 4 * 1024 * 1024, output: 1024 * 1024 }

/** Post a slot's collected lines as one message (their buffers transferred, not copied). */
function postOutbox(slot: Slot, transferring: Set<ArrayBuffer>): void {
  if (slot.outbox.length === 0) return
  const tasks = slot.outbox
  const transfer = slot.transfer
  slot.outbox = []
  slot.transfer = []
  for (const b of transfer) transferring.delete(b)
  // A thread that has exited drops messages silently; its lines were rejected when it died.
  if (slot.dead) return
  try {
    slot.worker.postMessage({ tasks }, transfer)
  } catch (e) {
    // Never lose a line silently: a message that cannot be sent fails its lines.
    for (const t of tasks) {
      const p = slot.pending.get(t.id)
      slot.pending.delete(t.id)
      p?.reject(e as Error)
    }
  }
}

/**
 * The task as posted: its bytes copied into the worker's input ring when they fit, else in the
 * message. There the line's buffer is transferred when the line owns all of it (splitLines'
 * copies do) and no other message queued this turn transfers it: a message whose transfer list
 * holds a buffer already detached is dropped without an error (Node 20). Any other line (a view
 * of a larger buffer, as `splitLines({ views: true })` yields; a buffer already queued for
 * transfer) is copied first: a view would carry its whole buffer into the message.
 */
function wireTask(slot: Slot, id: number, task: FleetTask, transferring: Set<ArrayBuffer>): WireTask {
  const d = task.data
  if (typeof d === 'string') return { id, index: task.index, line: task.line, data: d }
  const ring = slot.input?.writeBytes(d)
  if (ring) return { id, index: task.index, line: task.line, ring }
  const owned = d.byteOffset === 0 && d.byteLength === d.buffer.byteLength && d.buffer instanceof ArrayBuffer && !transferring.has(d.buffer)
  const data = owned ? d : Uint8Array.prototype.slice.call(d)
  transferring.add(data.buffer as ArrayBuffer)
  slot.transfer.push(data.buffer as ArrayBuffer)
  return { id, index: task.index, line: task.line, data }
}

function spawn(data: WorkerData): Worker {
  const url = import.meta.url
  const workerData = { [MARK]: true, ...data }
  if (url.endsWith('.ts')) {
    const api = import.meta.resolve('tsx/esm/api')
    const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url)}) })`
    return new Worker(boot, { eval: true, workerData })
  }
  return new Worker(new URL(url), { workerData })
}

/**
 * Start `workers` threads. Resolves once every worker has built its verifier, so an invalid
 * policy surfaces here (as the worker's error) rather than on the first line.
 */
export async function createFleetWorkerPool(options: FleetWorkerPoolOptions): Promise<FleetWorkerPool> {
  const count = Math.max(1, Math.floor(options.workers ?? availableParallelism()))
  if (/\/cli\/main\.js$/.test(import.meta.url)) {
    // Bundled into the CLI's entry file, a worker would run the CLI again: refuse (tsup splits
    // this module into a shared chunk because bootproof/node exports it too).
    throw new Error('fleet worker pool: this module was bundled into the CLI entry point; use workers from bootproof/node')
  }
  /** Live workers only: a slot leaves as soon as its thread dies. */
  const slots: Slot[] = []
  /** Replacements being started (a line finding no live worker waits for one). */
  const restarting = new Set<Promise<void>>()
  /** Buffers in some slot's transfer list this turn. */
  const transferring = new Set<ArrayBuffer>()
  let nextId = 1
  let respawns = 0
  let closed = false
  const renderLines = options.renderLines === true || options.renderLines === 'utf8'
  const utf8 = options.renderLines === 'utf8'
  const rings = options.rings === false ? undefined : { ...DEFAULT_RINGS, ...options.rings }
  const start = (): Promise<Slot> =>
    new Promise((resolve, reject) => {
      // Fresh rings for every worker started (a replacement never inherits a dead worker's state).
      const input = rings ? createRingBuffer(rings.input) : undefined
      const output = rings && renderLines ? createRingBuffer(rings.output) : undefined
      const slot: Slot = {
        worker: spawn({ verify: options.verify, renderLines, ...(input ? { input } : {}), ...(output ? { output } : {}) }),
        pending: new Map(),
        outbox: [],
        transfer: [],
        dead: false,
        ...(input ? { input: new RingWriter(input) } : {}),
        ...(output ? { output: new RingReader(output) } : {}),
      }
      let ready = false
      slot.worker.on('message', (m: { results: Reply[] } | { ready: true }) => {
        if ('ready' in m) {
          ready = true
          resolve(slot)
          return
        }
        let last: RingRecord | undefined
        for (const r of m.results) {
          if ('result' in r) {
            // The output line: text in `ndjson`, or with 'utf8' its bytes in `ndjsonUtf8` (last
            // among the members on either path). A ring record is read before any release: the
            // worker may reuse the space at once.
            const res = r.result
            if (r.ring && slot.output) {
              if (utf8) res.ndjsonUtf8 = Buffer.from(slot.output.bytes(r.ring))
              else res.ndjson = slot.output.text(r.ring)
              last = r.ring
            } else if (utf8 && res.ndjson !== undefined) res.ndjsonUtf8 = Buffer.from(res.ndjson, 'utf8')
            if (utf8) delete res.ndjson
          }
          const p = slot.pending.get(r.id)
          if (!p) continue
          slot.pending.delete(r.id)
          if ('result' in r) p.resolve(r.result)
          else p.reject(new Error(r.error))
        }
        if (last) slot.output!.release(last)
      })
      const died = (why: string) => {
        if (!ready) return reject(new Error(`fleet worker failed to start: ${why}`))
        for (const p of slot.pending.values()) p.reject(new Error(`worker thread ${why}`))
        slot.pending.clear()
        // A crash emits 'error' and then 'exit': act on the first only.
        if (slot.dead) return
        slot.dead = true
        // Out of service at once: the least-loaded choice would otherwise pick the dead slot
        // (it has no pending line) and its lines would never be answered.
        const i = slots.indexOf(slot)
        if (i < 0) return
        slots.splice(i, 1)
        // Replace a crashed worker so one poisonous line cannot stop the run; give up after
        // a few crashes per worker rather than loop on a broken environment.
        if (closed || ++respawns > count * 4) return
        const replaced: Promise<void> = start()
          .then(
            // Closed meanwhile: end the replacement too (a running thread keeps the process alive).
            (s) => (closed ? s.worker.terminate().then(() => undefined) : void slots.push(s)),
            () => undefined,
          )
          .finally(() => restarting.delete(replaced))
        restarting.add(replaced)
      }
      slot.worker.on('error', (e) => died(`crashed: ${e.message}`))
      slot.worker.on('exit', (code) => died(`exited with code ${code}`))
    })
  // Every start settled before deciding: a worker that started while another failed is ended too.
  const started = await Promise.allSettled(Array.from({ length: count }, start))
  for (const s of started) if (s.status === 'fulfilled' && !s.value.dead) slots.push(s.value)
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected')
  if (failed) {
    closed = true
    await Promise.all(slots.map((s) => s.worker.terminate()))
    throw failed.reason
  }
  const run: FleetLineVerifier = (task) => {
    if (closed) return Promise.reject(new Error('fleet worker pool is closed'))
    let slot: Slot | undefined
    for (const s of slots) if (!slot || s.pending.size < slot.pending.size) slot = s
    if (!slot) {
      // Every worker has crashed: wait for a replacement rather than fail the line.
      if (restarting.size > 0) return Promise.race(restarting).then(() => run(task))
      return Promise.reject(new Error('no fleet worker is running'))
    }
    const id = nextId++
    const target = slot
    return new Promise<FleetResult>((resolve, reject) => {
      const wire = wireTask(target, id, task, transferring)
      target.pending.set(id, { resolve, reject })
      if (target.outbox.push(wire) === 1) setImmediate(postOutbox, target, transferring)
    })
  }
  return {
    run,
    workers: count,
    async close() {
      closed = true
      await Promise.all([...slots.map((s) => s.worker.terminate()), ...restarting])
    },
  }
}

function serveWorker(data: WorkerData): void {
  const port = parentPort!
  // An invalid policy throws here, before `ready`: the pool fails to start with that error
  // instead of failing every line.
  const verifier = createFleetLineVerifier(data.verify)
  const input = data.input ? new RingReader(data.input) : undefined
  const output = data.output ? new RingWriter(data.output) : undefined
  const queue: WireTask[] = []
  let head = 0
  let running = false
  let results: Reply[] = []
  const post = () => {
    if (results.length === 0) return
    port.postMessage({ results })
    results = []
  }
  const reply = (id: number, result: FleetResult): Reply => {
    if (!data.renderLines) return { id, result }
    const rendered = renderedFleetResult(result)
    const ring = rendered.ndjson !== undefined && output ? output.writeText(rendered.ndjson) : undefined
    if (!ring) return { id, result: rendered }
    // Emptied, not deleted: the main thread puts the text back in the same place among the members.
    rendered.ndjson = ''
    return { id, result: rendered, ring }
  }
  /** Move every message already waiting on the port into the queue (without an event-loop turn). */
  const drain = () => {
    for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) for (const t of (m.message as { tasks: WireTask[] }).tasks) queue.push(t)
  }
  // One line at a time: verification is synchronous work between a few awaits (node:crypto),
  // so overlapping lines in one thread gains nothing and would hold every result back until
  // all of them finished. Lines that arrived meanwhile are taken from the port directly, so
  // results go back in batches however the lines were grouped into messages.
  const pump = async () => {
    running = true
    for (;;) {
      if (head === queue.length) {
        queue.length = head = 0
        drain()
        if (queue.length === 0) break
      }
      const w = queue[head]!
      queue[head++] = undefined as never
      try {
        let pending: Promise<FleetResult>
        if (w.ring && input) {
          // The verifier reads a line's bytes synchronously, before its first await (it
          // decodes them first: src/fleet/line.ts), so the ring space is released once the
          // call returns; test/node/fleet_pool.test.ts pins that.
          pending = verifier({ index: w.index, line: w.line, data: input.bytes(w.ring) })
          input.release(w.ring)
        } else pending = verifier({ index: w.index, line: w.line, data: w.data! })
        results.push(reply(w.id, await pending))
      } catch (e) {
        results.push({ id: w.id, error: String((e as Error)?.message ?? e) })
      }
      if (results.length >= RESULT_BATCH) post()
    }
    post()
    running = false
  }
  port.on('message', ({ tasks }: { tasks: WireTask[] }) => {
    for (const t of tasks) queue.push(t)
    if (!running) void pump()
  })
  port.postMessage({ ready: true })
}

if (!isMainThread && (workerData as Record<string, unknown> | null)?.[MARK]) serveWorker(workerData as WorkerData)
