/**
 * The fuzz harness: for each family, measure every seed (median of several runs: time, peak memory),
 * then feed mutated inputs and check
 *   (a) only BootproofError escapes (anything else is a finding),
 *   (b) time <= timeFactor × seed median × max(1, input size / seed size) + slack (re-measured
 *       before it counts, to ride out GC pauses on a noisy machine),
 *   (c) peak memory per input (V8 heap + external buffers, see `timed` in measure.ts) <=
 *       memoryFactor × input size + a fixed overhead, and heap retained across the run (after a
 *       forced GC) bounded.
 * Failing inputs are saved under test/fuzz/findings/<family>/<sha256>.bin with a .json sidecar.
 *
 * The pieces: family.ts (what a target provides), measure.ts (time and peak memory of one input),
 * failures.ts (what a failure records), family_stats.ts (the figures and the summary table).
 */
import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { getHeapSpaceStatistics } from 'node:v8'
import { BootproofError } from '../../src/errors.js'
import type { Family, Seed } from './family.js'
import type { FamilyStats } from './family_stats.js'
import { describeError, stackTop, type Failure } from './failures.js'
import { inputSeed, Rng } from './lib/prng.js'
import { getGc, heapUsed, median, timed } from './measure.js'

export const FUZZ_DIR = dirname(fileURLToPath(import.meta.url))
export const FINDINGS_DIR = resolve(FUZZ_DIR, 'findings')

export interface FamilyOptions {
  runSeed: number
  inputs?: number
  seconds?: number
  /** Only this input index (replay). */
  index?: number
  timeFactor?: number
  timeSlackMs?: number
  /** Peak memory bound per input: memoryFactor × input size + memoryOverheadBytes (defaults 4 and 8 MiB). */
  memoryFactor?: number
  memoryOverheadBytes?: number
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

interface Baseline {
  ms: number
  size: number
}

export async function runFamily<T>(f: Family<T>, opts: FamilyOptions): Promise<FamilyStats> {
  const log = opts.log ?? (() => {})
  const timeFactor = opts.timeFactor ?? 10
  const slack = opts.timeSlackMs ?? 25
  const memFactor = opts.memoryFactor ?? 4
  const memOverhead = opts.memoryOverheadBytes ?? 8 * 1024 * 1024
  const memBound = (size: number): number => memFactor * size + memOverhead
  const retainedSlack = opts.retainedSlackBytes ?? 256 * 1024 * 1024
  const maxSaved = opts.maxSavedPerSignature ?? 5
  const gc = getGc()
  const t0 = performance.now()
  const { seeds, notes } = await f.seeds()
  const stats: FamilyStats = {
    family: f.name, seeds: seeds.length, inputs: 0, bootproofErrors: 0, exceptions: 0, slow: 0, heap: 0, slowestRatio: 0, slowestMs: 0,
    peakMemoryBytes: 0, memoryBoundRatio: 0, memoryFactor: memFactor, memoryOverheadBytes: memOverhead, seedOverheadBytes: 0, remeasured: 0, youngGenerationBytes: 0, largestInput: 0, retainedGrowthBytes: 0, harnessErrors: 0, elapsedMs: 0, failures: [], signatures: new Map(), notes: [...notes],
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
    let peak = 0
    for (const [k, value] of [s.value, ...(f.baselineInputs?.(s) ?? [])].entries()) {
      const times: number[] = []
      const peaks: number[] = []
      for (let i = 0; i < runs; i++) {
        const r = await timed(f, value, s)
        times.push(r.ms)
        // the first run of a family pays one-time costs (module state, JIT): not the seed's
        if (i > 0 || runs === 1) peaks.push(r.majorGc ? (await timed(f, value, s, 'full')).peak : r.peak)
        if (k === 0 && i === 0 && r.threw && !(r.error instanceof BootproofError)) {
          stats.exceptions++
          record({ kind: 'exception', family: f.name, seed: s.name, index: -1, runSeed: opts.runSeed, inputSeed: 0, size: f.size(value), error: describeError(r.error), stackTop: stackTop(r.error) }, value, r.error)
        }
      }
      ms = Math.max(ms, median(times))
      peak = Math.max(peak, median(peaks))
    }
    base.set(s, { ms, size: Math.max(1, f.size(s.value)) })
    stats.seedOverheadBytes = Math.max(stats.seedOverheadBytes, peak - memFactor * f.size(s.value))
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
    // a new slowest ratio is re-measured too: one GC pause or a busy core must not set the figure
    if (r.ms > boundMs || ratioOf(r.ms) > timeFactor || (ratioOf(r.ms) > 2 && ratioOf(r.ms) > stats.slowestRatio)) {
      // re-measure (GC pauses, JIT, the other process on a 2-core machine): the best of three counts
      for (let k = 0; k < 2 && (r.ms > boundMs || ratioOf(r.ms) > Math.min(timeFactor, Math.max(2, stats.slowestRatio))); k++) {
        const again = await timed(f, input, seed)
        if (again.ms < r.ms) r = { ...r, ms: again.ms }
      }
      // Still over: time the seed (and its baseline inputs) again now. A machine that became
      // busier slows the seed as much as the input; the bound is relative to the seed's own time.
      let nowBoundMs = boundMs
      if (r.ms > boundMs) {
        let seedNow = 0
        for (const value of [seed.value, ...(f.baselineInputs?.(seed) ?? [])]) seedNow = Math.max(seedNow, (await timed(f, value, seed)).ms)
        nowBoundMs = Math.max(boundMs, timeFactor * seedNow * scale + slack)
        if (r.ms > nowBoundMs) r = { ...r, ms: Math.min(r.ms, (await timed(f, input, seed)).ms) }
      }
      if (r.ms > nowBoundMs) {
        stats.slow++
        record({ ...common, kind: 'slow', timeMs: r.ms, boundMs: nowBoundMs }, input)
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
    // (c) peak memory of this input: exact unless a major GC ran (then again after a full GC);
    // over the bound, measured again after a full GC before it counts
    let peak = r.peak
    if (gc && (r.majorGc || peak > memBound(size))) {
      stats.remeasured++
      peak = (await timed(f, input, seed, 'full')).peak
    }
    if (peak > memBound(size)) {
      stats.heap++
      record({ ...common, kind: 'heap', heapBytes: peak, heapBoundBytes: memBound(size) }, input)
    }
    if (peak > stats.peakMemoryBytes) {
      stats.peakMemoryBytes = peak
      stats.peakMemoryInput = `index ${index} (seed ${seed.name}, ${size} B)`
    }
    if (peak / memBound(size) > stats.memoryBoundRatio) {
      stats.memoryBoundRatio = peak / memBound(size)
      stats.memoryBoundInput = `index ${index} (seed ${seed.name}, ${size} B, peak ${peak} B)`
    }
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
  stats.youngGenerationBytes = getHeapSpaceStatistics().filter((x) => /new_space/.test(x.space_name)).reduce((a, x) => a + x.space_size, 0)
  stats.elapsedMs = performance.now() - t0
  return stats
}
