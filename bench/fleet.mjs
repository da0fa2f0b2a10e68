/**
 * Fleet throughput and memory: `bootproof batch` over generated fleets with 1..N workers, under
 * `/usr/bin/time -v` for the peak RSS of the whole process (main thread + workers).
 *
 *   npx tsx scripts/make-fleet.ts 10000 --out /tmp/f10k.ndjson
 *   npx tsx scripts/make-fleet.ts 100000 --out /tmp/f100k.ndjson
 *   node bench/fleet.mjs /tmp/f10k.ndjson /tmp/f100k.ndjson [--workers 1,2] [--dist] [--repeat N] [--node-flag F]...
 *
 * Runs the TypeScript sources through tsx by default (`--dist`: node dist/cli/main.js after a
 * build); tsx transpiles on load only, so steady-state rates are close, but startup differs.
 * Output: one row per (file, workers) and the scaling of the rate from 1 worker to the most, over
 * the whole run and over its second half (workers past their JIT warm-up: what an 8.5 M run is).
 * The load average is printed with each row: on a shared machine, compare rates only at similar load.
 * `--repeat N` runs N rounds (each round every worker count once, so neighbouring runs share the
 * machine's load) and summarises medians: of each rate, and of the per-round scaling ratios.
 */
import { spawnSync } from 'node:child_process'
import { statSync } from 'node:fs'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..')
const args = process.argv.slice(2)
const flag = (n) => (args.includes(n) ? args[args.indexOf(n) + 1] : undefined)
const files = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && ['--workers', '--repeat', '--node-flag'].includes(args[i - 1])))
// `--node-flag <flag>` (repeatable): passed to the node that runs batch, e.g. a V8 GC flag.
const nodeFlags = args.flatMap((a, i) => (a === '--node-flag' && args[i + 1] ? [args[i + 1]] : []))
const workers = (flag('--workers') ?? '1,2').split(',').map(Number)
const cli = args.includes('--dist') ? [join(root, 'dist/cli/main.js')] : ['--import', 'tsx', join(root, 'src/cli/bin.ts')]
const policy = join(root, 'examples/policies/ovmf-sb-esp.derived.json')
const repeat = Number(flag('--repeat') ?? 1)
if (!files.length || !Number.isInteger(repeat) || repeat < 1) {
  console.error('usage: node bench/fleet.mjs <fleet.ndjson>... [--workers 1,2] [--dist] [--repeat N] [--node-flag F]...')
  process.exit(2)
}

const rows = []
for (let round = 1; round <= repeat; round++) for (const file of files) {
  for (const w of workers) {
    const r = spawnSync('/usr/bin/time', ['-v', process.execPath, ...nodeFlags, ...cli, 'batch', file, '--policy', policy, '-o', '/dev/null', '--workers', String(w)], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 })
    const err = r.stderr ?? ''
    const final = err.split('\n').find((l) => l.startsWith('batch: ') && l.includes(' attestations in ')) ?? ''
    const m = /batch: (\d+) attestations in ([\d.]+) s \(([\d.]+)\/s.*at this rate: (\d+) min/.exec(final)
    const steady = /second half's rate \(([\d.]+)\/s[^)]*\): (\d+) min/.exec(final)
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(err)
    const wall = /Elapsed \(wall clock\) time.*: ([\d:.]+)/.exec(err)
    // CPU seconds (all threads) per 1000 attestations: what a busy shared machine distorts least.
    const cpu = Number(/User time \(seconds\): ([\d.]+)/.exec(err)?.[1]) + Number(/System time \(seconds\): ([\d.]+)/.exec(err)?.[1])
    const load = (await import('node:os')).loadavg()[0].toFixed(1)
    const row = { round, file, bytes: statSync(file).size, workers: w, exit: r.status, lines: m ? Number(m[1]) : NaN, seconds: m ? Number(m[2]) : NaN, rate: m ? Number(m[3]) : NaN, projectionMin: m ? Number(m[4]) : NaN, steadyRate: steady ? Number(steady[1]) : NaN, steadyProjectionMin: steady ? Number(steady[2]) : NaN, peakRssMiB: rss ? Math.round(Number(rss[1]) / 1024) : NaN, wall: wall?.[1], cpuSecPer1000: m ? Number(((cpu / Number(m[1])) * 1000).toFixed(2)) : NaN, loadavg1: Number(load) }
    rows.push(row)
    console.log(JSON.stringify(row))
    if (!m) console.error(err.slice(-2000))
  }
}
const median = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  return v.length ? (v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2) : NaN
}
const lo = Math.min(...workers)
const hi = Math.max(...workers)
for (const file of files) {
  const of = (w, key) => rows.filter((r) => r.file === file && r.workers === w).map((r) => r[key])
  // Scaling per round (the two runs of a round share the machine's load), then the median.
  const ratio = (key) => median(Array.from({ length: repeat }, (_, i) => {
    const a = rows.find((r) => r.file === file && r.round === i + 1 && r.workers === lo)
    const b = rows.find((r) => r.file === file && r.round === i + 1 && r.workers === hi)
    return a && b ? b[key] / a[key] : NaN
  }))
  if (lo === hi) continue
  const m = (w, key) => median(of(w, key))
  const runs = repeat > 1 ? ` (medians of ${repeat} rounds)` : ''
  console.log(`${file}${runs}: ${m(lo, 'rate')}/s with ${lo} worker(s) → ${m(hi, 'rate')}/s with ${hi}: ×${ratio('rate').toFixed(2)} (second halves: ${m(lo, 'steadyRate')}/s → ${m(hi, 'steadyRate')}/s, ×${ratio('steadyRate').toFixed(2)}); peak RSS ${m(lo, 'peakRssMiB')} → ${m(hi, 'peakRssMiB')} MiB; 8.5 M projection ${m(hi, 'projectionMin')} min (second half's rate: ${m(hi, 'steadyProjectionMin')} min)`)
}
