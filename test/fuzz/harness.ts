/**
 * The fuzz harness: for each family, measure every seed (median of several runs, time and heap),
 * then feed mutated inputs and check
 *   (a) only BootproofError escapes (anything else is a finding),
 *   (b) time <= timeFactor × seed median × max(1, input size / seed size) + slack (re-measured
 *       before it counts, to ride out GC pauses on a noisy machine),
 *   (c) heap growth per input bounded the same way (heapUsed after − before), and heap retained
 *       across the run (after a forced GC) bounded.
 * Failing inputs are saved under test/fuzz/findings/<family>/<sha256>.bin with a .json sidecar.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { BootproofError } from '../../src/errors.js'
import { inputSeed, Rng } from './lib/prng.js'

export const FUZZ_DIR = dirname(fileURLToPath(import.meta.url))
export const FINDINGS_DIR = resolve(FUZZ_DIR, 'findings')

export interface Seed<T> {
  name: string
  value: T
  /** Free-form per-seed data for the family (e.g. which sub-target applies). */
  meta?: Record<string, unknown>
}

export interface SeedSet<T> {
  seeds: Seed<T>[]
  /** Printed: e.g. "corpus absent: 0 corpus seeds". */
  notes: string[]
}

export interface Family<T> {
  name: string
  description: string
  seeds(): Promise<SeedSet<T>>
  /** A mutated input derived from `seed` (deterministic given `rng`). */
  mutate(seed: Seed<T>, rng: Rng, all: readonly Seed<T>[]): T
  /** Feed the input to the library. May return a promise. */
  run(input: T, seed: Seed<T>): unknown
  size(input: T): number
  toBytes(input: T): Uint8Array
  /**
   * Unmutated inputs representative of what `mutate` derives from this seed when that differs
   * from the seed itself (tokens re-signed with the harness key go down the full verification
   * path, the recorded token stops at key selection): the time and heap baselines take the max.
   */
  baselineInputs?(seed: Seed<T>): T[]
}

export interface FamilyOptions {
  runSeed: number
  inputs?: number
  seconds?: number
  /** Only this input index (replay). */
  index?: number
  timeFactor?: number
  timeSlackMs?: number
  heapFactor?: number
  heapSlackBytes?: number
  /** Retained heap (after GC) allowed to grow over the run. */
  retainedSlackBytes?: number
  save?: boolean
  findingsDir?: string
  /** Runs per seed for the baseline median. */
  baselineRuns?: number
  log?: (line: string) => void
  /** Keep at most this many saved inputs per distinct failure signature (default 5). */
  maxSavedPerSignature?: number
  /** Called before each input runs (the CLI's hang watchdog). */
  onInput?: (family: string, index: number, bytes: () => Uint8Array) => void
}

export interface Failure {
  kind: 'exception' | 'slow' | 'heap'
  family: string
  seed: string
  index: number
  runSeed: number
  inputSeed: number
  size: number
  error?: { name: string; message: string; code?: string }
  stackTop?: string[]
  timeMs?: number
  boundMs?: number
  heapBytes?: number
  heapBoundBytes?: number
  signature: string
  file?: string
}

export interface FamilyStats {
  family: string
  seeds: number
  inputs: number
  bootproofErrors: number
  /** Non-library exceptions (the count that must be zero). */
  exceptions: number
  slow: number
  heap: number
  /** Max of time / (seed median × size ratio). */
  slowestRatio: number
  /** Which input gave `slowestRatio`. */
  slowestInput?: string
  slowestMs: number
  slowestMsInput?: string
  /** Peak per-input heap growth / largest input size. */
  peakHeapRatio: number
  peakHeapBytes: number
  largestInput: number
  retainedGrowthBytes: number
  harnessErrors: number
  elapsedMs: number
  failures: Failure[]
  signatures: Map<string, number>
  notes: string[]
}

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

const heapUsed = (): number => process.memoryUsage().heapUsed

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? 0
}

function stackTop(e: unknown, n = 8): string[] {
  const st = e instanceof Error && typeof e.stack === 'string' ? e.stack : String(e)
  return st
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter((l) => l.startsWith('at '))
    .slice(0, n)
    .map((l) => l.replace(/\(?(file:\/\/)?\/[^()]*?\/(src|test|node_modules)\//, '($2/').replace(/\?[^:]*:/, ':'))
}

function describeError(e: unknown): { name: string; message: string; code?: string } {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code
    return { name: e.name, message: e.message.slice(0, 500), ...(typeof code === 'string' ? { code } : {}) }
  }
  return { name: typeof e, message: String(e).slice(0, 500) }
}

/** Run one input; returns the thrown value (if any) and the time. */
async function timed<T>(f: Family<T>, input: T, seed: Seed<T>): Promise<{ ms: number; error: unknown; threw: boolean; heap: number }> {
  const h0 = heapUsed()
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
  return { ms, error, threw, heap: heapUsed() - h0 }
}

interface Baseline {
  ms: number
  heap: number
  size: number
}

export async function runFamily<T>(f: Family<T>, opts: FamilyOptions): Promise<FamilyStats> {
  const log = opts.log ?? (() => {})
  const timeFactor = opts.timeFactor ?? 10
  const slack = opts.timeSlackMs ?? 25
  const heapFactor = opts.heapFactor ?? 10
  const heapSlack = opts.heapSlackBytes ?? 64 * 1024 * 1024
  const retainedSlack = opts.retainedSlackBytes ?? 256 * 1024 * 1024
  const maxSaved = opts.maxSavedPerSignature ?? 5
  const gc = getGc()
  const t0 = performance.now()
  const { seeds, notes } = await f.seeds()
  const stats: FamilyStats = {
    family: f.name, seeds: seeds.length, inputs: 0, bootproofErrors: 0, exceptions: 0, slow: 0, heap: 0, slowestRatio: 0, slowestMs: 0,
    peakHeapRatio: 0, peakHeapBytes: 0, largestInput: 0, retainedGrowthBytes: 0, harnessErrors: 0, elapsedMs: 0, failures: [], signatures: new Map(), notes: [...notes],
  }
  if (!seeds.length) {
    stats.notes.push('no seeds: family skipped')
    return stats
  }
  for (const n of notes) log(`[${f.name}] ${n}`)

  const record = (fail: Omit<Failure, 'signature'>, input: T | undefined, e?: unknown): void => {
    // the first library frame names the bug better than a builtin on top (JSON.stringify, Array.join)
    const frame = fail.stackTop?.find((l) => l.includes('(src/')) ?? fail.stackTop?.[0] ?? ''
    const signature = `${fail.kind}|${fail.error?.name ?? ''}|${fail.error?.code ?? ''}|${fail.kind === 'exception' ? frame : fail.seed}`
    const count = (stats.signatures.get(signature) ?? 0) + 1
    stats.signatures.set(signature, count)
    const full: Failure = { ...fail, signature }
    if (opts.save !== false && input !== undefined && count <= maxSaved) {
      const bytes = f.toBytes(input)
      const sha = createHash('sha256').update(bytes).digest('hex')
      const dir = join(opts.findingsDir ?? FINDINGS_DIR, f.name)
      mkdirSync(dir, { recursive: true })
      const file = join(dir, `${sha}.bin`)
      writeFileSync(file, bytes)
      writeFileSync(join(dir, `${sha}.json`), JSON.stringify({ ...full, sha256: sha, fullStack: e instanceof Error ? e.stack : undefined, replay: `npm run fuzz -- --family ${f.name} --seed ${fail.runSeed} --index ${fail.index}` }, null, 2) + '\n')
      full.file = file
    }
    if (count <= maxSaved) stats.failures.push(full)
    if (count === 1) log(`[${f.name}] FAIL ${fail.kind} ${fail.error ? `${fail.error.name}: ${fail.error.message.slice(0, 160)}` : ''} ${fail.timeMs !== undefined ? `${fail.timeMs.toFixed(1)} ms > ${fail.boundMs?.toFixed(1)} ms` : ''}${fail.heapBytes !== undefined ? `${fail.heapBytes} B > ${fail.heapBoundBytes} B` : ''} (seed ${fail.seed}, index ${fail.index})${fail.stackTop?.length ? `\n    ${fail.stackTop.join('\n    ')}` : ''}`)
  }

  // ---- baselines: every seed, median of several runs (one GC first: a GC per seed costs more than the seeds)
  if (gc) gc()
  const base = new Map<Seed<T>, Baseline>()
  const runs = opts.baselineRuns ?? 5
  for (const s of seeds) {
    let ms = 0
    let heap = 0
    for (const [k, value] of [s.value, ...(f.baselineInputs?.(s) ?? [])].entries()) {
      const times: number[] = []
      const heaps: number[] = []
      for (let i = 0; i < runs; i++) {
        const r = await timed(f, value, s)
        times.push(r.ms)
        heaps.push(Math.max(0, r.heap))
        if (k === 0 && i === 0 && r.threw && !(r.error instanceof BootproofError)) {
          stats.exceptions++
          record({ kind: 'exception', family: f.name, seed: s.name, index: -1, runSeed: opts.runSeed, inputSeed: 0, size: f.size(value), error: describeError(r.error), stackTop: stackTop(r.error) }, value, r.error)
        }
      }
      ms = Math.max(ms, median(times))
      heap = Math.max(heap, ...heaps)
    }
    base.set(s, { ms, heap, size: Math.max(1, f.size(s.value)) })
  }
  if (gc) gc()
  const heapStart = heapUsed()

  const deadline = opts.seconds !== undefined ? performance.now() + opts.seconds * 1000 : Infinity
  const maxInputs = opts.index !== undefined ? 1 : (opts.inputs ?? (opts.seconds !== undefined ? Infinity : 1000))
  let index = opts.index ?? 0
  for (let done = 0; done < maxInputs && performance.now() < deadline; done++, index++) {
    const iseed = inputSeed(opts.runSeed, f.name, index)
    const rng = new Rng(iseed)
    const seed = rng.pick(seeds)
    let input: T
    try {
      input = f.mutate(seed, rng, seeds)
    } catch (e) {
      stats.harnessErrors++
      if (stats.harnessErrors <= 3) log(`[${f.name}] harness error in mutate (index ${index}): ${(e as Error).stack?.split('\n').slice(0, 3).join(' | ')}`)
      continue
    }
    const size = f.size(input)
    opts.onInput?.(f.name, index, () => f.toBytes(input))
    const b = base.get(seed)!
    const scale = Math.max(1, size / b.size)
    let r = await timed(f, input, seed)
    stats.inputs++
    stats.largestInput = Math.max(stats.largestInput, size)
    const common = { family: f.name, seed: seed.name, index, runSeed: opts.runSeed, inputSeed: iseed, size }
    if (r.threw) {
      if (r.error instanceof BootproofError) stats.bootproofErrors++
      else {
        stats.exceptions++
        record({ ...common, kind: 'exception', error: describeError(r.error), stackTop: stackTop(r.error) }, input, r.error)
      }
    }
    // (b) time, relative to the seed's own time
    const boundMs = timeFactor * b.ms * scale + slack
    // below 0.1 ms the timer and the JIT are all noise: the ratio's denominator is floored there
    const ratioOf = (ms: number): number => ms / Math.max(b.ms * scale, 0.1)
    if (r.ms > boundMs || ratioOf(r.ms) > timeFactor) {
      // re-measure (GC pauses, JIT, the other process on a 2-core machine): the best of three counts
      for (let k = 0; k < 2 && (r.ms > boundMs || ratioOf(r.ms) > timeFactor); k++) {
        const again = await timed(f, input, seed)
        if (again.ms < r.ms) r = { ...r, ms: again.ms }
      }
      if (r.ms > boundMs) {
        stats.slow++
        record({ ...common, kind: 'slow', timeMs: r.ms, boundMs }, input)
      }
    }
    if (ratioOf(r.ms) > stats.slowestRatio) {
      stats.slowestRatio = ratioOf(r.ms)
      stats.slowestInput = `index ${index} (seed ${seed.name}, ${size} B, ${r.ms.toFixed(2)} ms vs seed ${b.ms.toFixed(2)} ms at ${b.size} B)`
    }
    if (r.ms > stats.slowestMs) {
      stats.slowestMs = r.ms
      stats.slowestMsInput = `index ${index} (seed ${seed.name}, ${size} B, bound ${boundMs.toFixed(0)} ms)`
    }
    // (c) heap growth of this input
    const heapBound = heapFactor * Math.max(b.heap * scale, size * 16) + heapSlack
    let heap = r.heap
    if (heap > heapBound && gc) {
      gc()
      heap = (await timed(f, input, seed)).heap
    }
    if (heap > heapBound) {
      stats.heap++
      record({ ...common, kind: 'heap', heapBytes: heap, heapBoundBytes: heapBound }, input)
    }
    if (heap > stats.peakHeapBytes) stats.peakHeapBytes = heap
    // retained heap across the run
    if (gc && stats.inputs % 500 === 0) {
      gc()
      const grown = heapUsed() - heapStart
      stats.retainedGrowthBytes = Math.max(stats.retainedGrowthBytes, grown)
      if (grown > retainedSlack) {
        stats.heap++
        record({ ...common, kind: 'heap', heapBytes: grown, heapBoundBytes: retainedSlack, error: { name: 'RetainedHeap', message: `heap retained after GC grew by ${grown} bytes over the run` } }, undefined)
      }
    }
  }
  if (gc) {
    gc()
    stats.retainedGrowthBytes = Math.max(stats.retainedGrowthBytes, heapUsed() - heapStart)
  }
  stats.peakHeapRatio = stats.peakHeapBytes / Math.max(1, stats.largestInput)
  stats.elapsedMs = performance.now() - t0
  return stats
}

export function formatTable(all: FamilyStats[]): string {
  const head = ['family', 'seeds', 'inputs', 'lib errors', 'exceptions', 'slow', 'heap', 'slowest ratio', 'slowest ms', 'peak heap ratio', 'retained MB', 'time s']
  const rows = all.map((s) => [
    s.family, String(s.seeds), String(s.inputs), String(s.bootproofErrors), String(s.exceptions), String(s.slow), String(s.heap), s.slowestRatio.toFixed(1),
    s.slowestMs.toFixed(1), s.peakHeapRatio.toFixed(1), (s.retainedGrowthBytes / 1048576).toFixed(1), (s.elapsedMs / 1000).toFixed(1),
  ])
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')
  return [line(head), w.map((x) => '-'.repeat(x)).join('  '), ...rows.map(line)].join('\n')
}
