/**
 * Measuring one fuzz input: its time and its peak memory (V8 heap + external buffers over the level
 * before it), with the collections that make the peak exact; `getGc` reaches V8's collector
 * without a command-line flag when the run was not started with --expose-gc.
 */
import { GCProfiler, getHeapStatistics, setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { Family, Seed } from './family.js'

let gcFn: (() => void) | undefined
export function getGc(): (() => void) | undefined {
  if (gcFn) return gcFn
  const g = (globalThis as { gc?: () => void }).gc
  if (g) return (gcFn = g)
  try {
    setFlagsFromString('--expose-gc')
    gcFn = runInNewContext('gc') as () => void
  } catch {
    gcFn = undefined
  }
  return gcFn
}

export const heapUsed = (): number => process.memoryUsage().heapUsed
/** V8 heap in use plus memory outside it that V8 accounts for (ArrayBuffer backing stores). */
const memoryInUse = (): number => {
  const h = getHeapStatistics()
  return h.used_heap_size + h.external_memory
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? 0
}

export interface Measured {
  ms: number
  error: unknown
  threw: boolean
  /** Peak memory over the level before the input (bytes). */
  peak: number
  /** A major GC ran during the input (then `peak` may miss garbage of earlier inputs it freed). */
  majorGc: boolean
}

/**
 * Run one input: the thrown value (if any), the time, and the peak memory. Heap use only grows
 * between collections, so its peak is the largest of the levels just before each GC during the
 * input (GCProfiler) and the level at its end; minus the level at its start, taken after a
 * collection of the young generation (`minor`, ~0.1 ms) or of the whole heap (`full`, tens of ms:
 * used to re-measure). After a minor collection the old generation may still hold garbage of
 * earlier inputs; while no major GC runs it is a constant that cancels out, so an input during
 * which one ran is measured again after a full collection. Young-generation garbage not yet
 * scavenged is counted: `npm run fuzz` runs with a 1 MiB semi-space so that it stays small.
 */
export async function timed<T>(f: Family<T>, input: T, seed: Seed<T>, prep: 'minor' | 'full' = 'minor'): Promise<Measured> {
  const gc = getGc() as ((o?: { type: 'minor' | 'major' }) => void) | undefined
  if (gc) gc(prep === 'minor' ? { type: 'minor' } : undefined)
  const m0 = memoryInUse()
  const profiler = new GCProfiler()
  profiler.start()
  const t0 = performance.now()
  let error: unknown
  let threw = false
  try {
    const r = f.run(input, seed)
    if (r && typeof (r as Promise<unknown>).then === 'function') await r
  } catch (e) {
    error = e
    threw = true
  }
  const ms = performance.now() - t0
  let peak = memoryInUse() - m0
  let majorGc = false
  for (const g of profiler.stop().statistics) {
    const b = g.beforeGC.heapStatistics
    peak = Math.max(peak, b.usedHeapSize + b.externalMemory - m0)
    if (!/scavenge|minor/i.test(g.gcType)) majorGc = true
  }
  return { ms, error, threw, peak: Math.max(0, peak), majorGc }
}
