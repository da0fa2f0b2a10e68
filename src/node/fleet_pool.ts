/**
 * A worker-thread pool for `verifyFleet` (node:worker_threads, no dependency): each worker
 * builds the line verifier once (policy validated once per thread) and verifies the lines it is
 * sent, several at a time (the signature check is asynchronous, so one worker overlaps lines).
 * Lines go to the least-loaded worker; raw line bytes are transferred, not copied, and parsed
 * in the worker, so the main thread only splits, orders and writes.
 *
 * The worker runs this same module: `new Worker(import.meta.url)` with a marker in workerData.
 * Under tsx (a .ts URL) the worker first registers tsx's loader, which a worker does not
 * inherit from `--import`.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { availableParallelism } from 'node:os'
import { createFleetLineVerifier, type FleetLineVerifier, type FleetTask, type FleetVerifyOptions } from '../fleet/line.js'
import type { FleetResult } from '../fleet/types.js'
import { renderedFleetResult } from '../fleet/output.js'

const MARK = 'bootproofFleetWorker'

export interface FleetWorkerPoolOptions {
  /** Worker threads (default: os.availableParallelism()). */
  workers?: number
  /** Passed to every worker's `createFleetLineVerifier` (structured-cloned: plain data only). */
  verify: FleetVerifyOptions
  /**
   * Results carry their output line (`ndjson`, rendered and made terminal-safe in the worker)
   * and a `verdictDigest` instead of the `verdict` object, which then never crosses threads
   * (`renderedFleetResult`). What `bootproof batch` uses; default false (whole verdicts).
   */
  renderLines?: boolean
}

export interface FleetWorkerPool {
  /** The runner for `verifyFleet({ runner })`. */
  run: FleetLineVerifier
  readonly workers: number
  /** Terminate every worker (pending lines reject). */
  close(): Promise<void>
}

interface Slot {
  worker: Worker
  pending: Map<number, { resolve: (r: FleetResult) => void; reject: (e: Error) => void }>
}

type Reply = { id: number; result: FleetResult } | { id: number; error: string }

function spawn(verify: FleetVerifyOptions, renderLines: boolean): Worker {
  const url = import.meta.url
  const data = { [MARK]: true, verify, renderLines }
  if (url.endsWith('.ts')) {
    const api = import.meta.resolve('tsx/esm/api')
    const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url)}) })`
    return new Worker(boot, { eval: true, workerData: data })
  }
  return new Worker(new URL(url), { workerData: data })
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
  const slots: Slot[] = []
  let nextId = 1
  let respawns = 0
  let closed = false
  const start = (): Promise<Slot> =>
    new Promise((resolve, reject) => {
      const slot: Slot = { worker: spawn(options.verify, options.renderLines === true), pending: new Map() }
      let ready = false
      slot.worker.on('message', (m: Reply | { ready: true }) => {
        if ('ready' in m) {
          ready = true
          resolve(slot)
          return
        }
        const p = slot.pending.get(m.id)
        if (!p) return
        slot.pending.delete(m.id)
        if ('result' in m) p.resolve(m.result)
        else p.reject(new Error(m.error))
      })
      const died = (why: string) => {
        if (!ready) return reject(new Error(`fleet worker failed to start: ${why}`))
        for (const p of slot.pending.values()) p.reject(new Error(`worker thread ${why}`))
        slot.pending.clear()
        const i = slots.indexOf(slot)
        if (i < 0 || closed) return
        // Replace a crashed worker so one poisonous line cannot stop the run; give up after
        // a few crashes per worker rather than loop on a broken environment.
        if (++respawns > count * 4) slots.splice(i, 1)
        else start().then((s) => (slots[i] = s), () => slots.splice(i, 1))
      }
      slot.worker.on('error', (e) => died(`crashed: ${e.message}`))
      slot.worker.on('exit', (code) => died(`exited with code ${code}`))
    })
  try {
    for (const s of await Promise.all(Array.from({ length: count }, start))) slots.push(s)
  } catch (e) {
    closed = true
    await Promise.all(slots.map((s) => s.worker.terminate()))
    throw e
  }
  const run: FleetLineVerifier = (task) => {
    let slot: Slot | undefined
    for (const s of slots) if (!slot || s.pending.size < slot.pending.size) slot = s
    if (!slot) return Promise.reject(new Error('no fleet worker is running'))
    const id = nextId++
    const target = slot
    return new Promise<FleetResult>((resolve, reject) => {
      target.pending.set(id, { resolve, reject })
      const d = task.data
      // Transfer the line's buffer when the line owns all of it (splitLines' lines do).
      const transfer = typeof d !== 'string' && d.byteOffset === 0 && d.byteLength === d.buffer.byteLength && d.buffer instanceof ArrayBuffer ? [d.buffer] : []
      target.worker.postMessage({ id, task }, transfer)
    })
  }
  return {
    run,
    workers: count,
    async close() {
      closed = true
      await Promise.all(slots.map((s) => s.worker.terminate()))
    },
  }
}

function serveWorker(verify: FleetVerifyOptions, renderLines: boolean): void {
  const port = parentPort!
  // An invalid policy throws here, before `ready`: the pool fails to start with that error
  // instead of failing every line.
  const verifier = createFleetLineVerifier(verify)
  port.on('message', ({ id, task }: { id: number; task: FleetTask }) => {
    verifier(task).then(
      (result) => port.postMessage({ id, result: renderLines ? renderedFleetResult(result) : result }),
      (e: unknown) => port.postMessage({ id, error: String((e as Error)?.message ?? e) }),
    )
  })
  port.postMessage({ ready: true })
}

if (!isMainThread && (workerData as Record<string, unknown> | null)?.[MARK]) {
  const data = workerData as { verify: FleetVerifyOptions; renderLines?: boolean }
  serveWorker(data.verify, data.renderLines === true)
}
