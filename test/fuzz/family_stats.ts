/**
 * The figures of one family's run (counts, slowest and largest inputs, peak memory against its
 * bound, retained heap, failures) and the summary table printed for all families.
 */
import type { Failure } from './failures.js'

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
  /** Largest per-input peak memory (heap + external, over the post-GC level before the input). */
  peakMemoryBytes: number
  /** Which input gave `peakMemoryBytes`. */
  peakMemoryInput?: string
  /** Max over inputs of peak / (memoryFactor × size + memoryOverheadBytes): at most 1 when the bound holds. */
  memoryBoundRatio: number
  /** Which input gave `memoryBoundRatio`. */
  memoryBoundInput?: string
  memoryFactor: number
  memoryOverheadBytes: number
  /** Max over seeds of (seed peak − memoryFactor × seed size): what the unmutated inputs need beyond the factor. */
  seedOverheadBytes: number
  /** Inputs measured again after a full GC (a major GC ran during the first measurement). */
  remeasured: number
  /** V8 young-generation capacity at the end of the run (garbage up to this much is counted in peaks). */
  youngGenerationBytes: number
  largestInput: number
  retainedGrowthBytes: number
  harnessErrors: number
  elapsedMs: number
  failures: Failure[]
  signatures: Map<string, number>
  notes: string[]
}

export function formatTable(all: FamilyStats[]): string {
  const head = ['family', 'seeds', 'inputs', 'lib errors', 'exceptions', 'slow', 'heap', 'slowest ratio', 'slowest ms', 'largest KB', 'peak MB', 'bound MB', 'mem ratio', 'retained MB', 'time s']
  const rows = all.map((s) => [
    s.family, String(s.seeds), String(s.inputs), String(s.bootproofErrors), String(s.exceptions), String(s.slow), String(s.heap), s.slowestRatio.toFixed(1),
    s.slowestMs.toFixed(1), (s.largestInput / 1024).toFixed(0), (s.peakMemoryBytes / 1048576).toFixed(2), ((s.memoryFactor * s.largestInput + s.memoryOverheadBytes) / 1048576).toFixed(2),
    s.memoryBoundRatio.toFixed(2), (s.retainedGrowthBytes / 1048576).toFixed(1), (s.elapsedMs / 1000).toFixed(1),
  ])
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')
  return [line(head), w.map((x) => '-'.repeat(x)).join('  '), ...rows.map(line)].join('\n')
}
