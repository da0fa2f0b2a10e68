/**
 * `npm run fuzz -- [options]`
 *
 *   --inputs N         inputs per family (default 2000 when --seconds is not given)
 *   --seconds N        time budget per family (with --inputs: whichever ends first)
 *   --family a,b       only these families (names: --list)
 *   --seed S           run seed (default: random, printed); replays a run exactly
 *   --index I          run only input I (replay one finding: the sidecar prints the command)
 *   --time-factor F    time bound: F × seed median × size ratio + slack (default 10)
 *   --slack-ms M       fixed slack of the time bound (default 25)
 *   --memory-factor F  peak memory bound per input: F × input size + overhead (default 4)
 *   --memory-overhead-mib M   the fixed overhead of that bound (default 8)
 *   --hang-seconds H   watchdog: an input running longer is saved as a hang and the run aborts (default 60)
 *   --no-save          do not write findings
 *   --list             list families and exit
 * Exit code: 0 when no non-library exception, slow or heap finding; 1 otherwise; 3 on a hang.
 *
 * The run re-executes itself once with `--expose-gc --max-semi-space-size=1`: a forced GC for the
 * memory measurement, and a young generation of about 2 MiB, so that peak memory counts what an
 * input keeps live plus at most that much not-yet-scavenged garbage (the default semi-space lets
 * 16-32 MiB of garbage accumulate, more than the fixed overhead the bound allows).
 */
import { Worker } from 'node:worker_threads'
import { spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { formatTable, type FamilyStats } from './family_stats.js'
import { FINDINGS_DIR, runFamily } from './harness.js'
import { getGc } from './measure.js'
import { FAMILIES } from './targets/index.js'

if (!process.env.BOOTPROOF_FUZZ_CHILD) {
  const child = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', '--max-semi-space-size=1', ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, BOOTPROOF_FUZZ_CHILD: '1' },
  })
  process.exit(child.status ?? 1)
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  if (i < 0) return undefined
  const v = process.argv[i + 1]
  if (v === undefined || v.startsWith('--')) throw new Error(`--${name} needs a value`)
  return v
}
const flag = (name: string): boolean => process.argv.includes(`--${name}`)
const num = (name: string): number | undefined => {
  const v = arg(name)
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}: not a number: ${v}`)
  return n
}

if (flag('list')) {
  for (const f of FAMILIES) console.log(`${f.name.padEnd(16)} ${f.description}`)
  process.exit(0)
}

const runSeed = num('seed') ?? ((Math.random() * 0x100000000) >>> 0)
const only = arg('family')?.split(',')
const families = only ? FAMILIES.filter((f) => only.includes(f.name)) : FAMILIES
if (only && families.length !== only.length) throw new Error(`unknown family in --family ${only.join(',')} (see --list)`)
const seconds = num('seconds')
const inputs = num('inputs') ?? (seconds === undefined ? 2000 : undefined)
const index = num('index')
const save = !flag('no-save')
const hangSeconds = num('hang-seconds') ?? 60

console.log(`bootproof fuzz: run seed ${runSeed} (replay with --seed ${runSeed}); ${inputs ?? '∞'} inputs${seconds !== undefined ? ` / ${seconds} s` : ''} per family; gc ${getGc() ? 'available' : 'NOT available (heap checks without forced GC)'}`)

// ---- hang watchdog: a worker thread watches a heartbeat in shared memory and, when one input
// runs longer than --hang-seconds, writes that input (copied into shared memory before it ran)
// to findings/<family>/hang-<sha256>.bin and kills the process.
const MAX_SHARED = 32 * 1024 * 1024
const shared = new SharedArrayBuffer(16 + 256 + MAX_SHARED)
const ctl = new Int32Array(shared, 0, 4) // [heartbeat, length, index, nameLength]
const nameBytes = new Uint8Array(shared, 16, 256)
const inputBytes = new Uint8Array(shared, 272, MAX_SHARED)
mkdirSync(FINDINGS_DIR, { recursive: true })
const watchdog = new Worker(
  `
  const { workerData } = require('node:worker_threads')
  const { createHash } = require('node:crypto')
  const { mkdirSync, writeFileSync } = require('node:fs')
  const { shared, dir, hangMs, runSeed } = workerData
  const ctl = new Int32Array(shared, 0, 4)
  let last = -1, since = Date.now()
  setInterval(() => {
    const hb = Atomics.load(ctl, 0)
    if (hb !== last) { last = hb; since = Date.now(); return }
    if (hb === 0 || Date.now() - since < hangMs) return
    const name = Buffer.from(new Uint8Array(shared, 16, Atomics.load(ctl, 3))).toString()
    const input = Buffer.from(new Uint8Array(shared, 272, Atomics.load(ctl, 1)))
    const sha = createHash('sha256').update(input).digest('hex')
    mkdirSync(dir + '/' + name, { recursive: true })
    writeFileSync(dir + '/' + name + '/hang-' + sha + '.bin', input)
    writeFileSync(dir + '/' + name + '/hang-' + sha + '.json', JSON.stringify({ kind: 'hang', family: name, index: Atomics.load(ctl, 2), runSeed, seconds: hangMs / 1000,
      replay: 'npm run fuzz -- --family ' + name + ' --seed ' + runSeed + ' --index ' + Atomics.load(ctl, 2) }, null, 2))
    process.stderr.write('\\nHANG: ' + name + ' input ' + Atomics.load(ctl, 2) + ' ran > ' + hangMs / 1000 + ' s; saved ' + dir + '/' + name + '/hang-' + sha + '.bin\\n')
    process.kill(process.pid, 'SIGKILL')
  }, 1000).unref()
  `,
  { eval: true, workerData: { shared, dir: FINDINGS_DIR, hangMs: hangSeconds * 1000, runSeed } },
)
watchdog.unref()

// Rejections the library leaves unhandled belong to the input that was running.
let current = ''
process.on('unhandledRejection', (e) => {
  console.error(`UNHANDLED REJECTION during ${current}:`, e)
  process.exitCode = 1
})

const all: FamilyStats[] = []
const enc = new TextEncoder()
for (const f of families) {
  console.log(`\n== ${f.name}: ${f.description}`)
  const stats = await runFamily(f, {
    runSeed,
    ...(inputs !== undefined ? { inputs } : {}),
    ...(seconds !== undefined ? { seconds } : {}),
    ...(index !== undefined ? { index } : {}),
    ...(num('time-factor') !== undefined ? { timeFactor: num('time-factor')! } : {}),
    ...(num('slack-ms') !== undefined ? { timeSlackMs: num('slack-ms')! } : {}),
    ...(num('memory-factor') !== undefined ? { memoryFactor: num('memory-factor')! } : {}),
    ...(num('memory-overhead-mib') !== undefined ? { memoryOverheadBytes: num('memory-overhead-mib')! * 1048576 } : {}),
    save,
    log: (l) => console.log(l),
    onInput(family, i, bytes) {
      current = `${family}#${i}`
      const b = bytes()
      const n = Math.min(b.length, MAX_SHARED)
      inputBytes.set(b.subarray(0, n))
      const nb = enc.encode(family).subarray(0, 255)
      nameBytes.set(nb)
      Atomics.store(ctl, 1, n)
      Atomics.store(ctl, 2, i)
      Atomics.store(ctl, 3, nb.length)
      Atomics.add(ctl, 0, 1)
    },
  })
  all.push(stats)
  console.log(`   ${stats.inputs} inputs, ${stats.bootproofErrors} BootproofErrors, ${stats.exceptions} other exceptions, ${stats.slow} slow, ${stats.heap} heap, ${stats.signatures.size} distinct failure signatures, ${(stats.elapsedMs / 1000).toFixed(1)} s${stats.harnessErrors ? `, ${stats.harnessErrors} harness errors` : ''}`)
  if (stats.slowestMsInput) console.log(`   slowest input ${stats.slowestMs.toFixed(1)} ms: ${stats.slowestMsInput}`)
  if (stats.slowestInput) console.log(`   slowest ratio ${stats.slowestRatio.toFixed(1)}: ${stats.slowestInput}`)
  const mib = (b: number): string => `${(b / 1048576).toFixed(2)} MiB`
  console.log(`   peak memory ${mib(stats.peakMemoryBytes)}${stats.peakMemoryInput ? ` (${stats.peakMemoryInput})` : ''}; largest input ${stats.largestInput} B; bound ${stats.memoryFactor} × largest + ${mib(stats.memoryOverheadBytes)} = ${mib(stats.memoryFactor * stats.largestInput + stats.memoryOverheadBytes)}`)
  console.log(`   per-input peak / (${stats.memoryFactor} × size + overhead) max ${stats.memoryBoundRatio.toFixed(3)}${stats.memoryBoundInput ? `: ${stats.memoryBoundInput}` : ''}; seeds need ${mib(Math.max(0, stats.seedOverheadBytes))} beyond ${stats.memoryFactor} × their size; young generation ${mib(stats.youngGenerationBytes)}; ${stats.remeasured} inputs re-measured after a full GC`)
}
Atomics.store(ctl, 0, 0)

console.log(`\nrun seed ${runSeed}\n`)
console.log(formatTable(all))
const failures = all.flatMap((s) => s.failures)
if (failures.length) {
  console.log(`\n${failures.length} failing inputs (up to 5 per signature${save ? `, saved under ${FINDINGS_DIR}` : ", not saved (--no-save)"}), distinct signatures:`)
  for (const s of all) for (const [sig, n] of s.signatures) console.log(`  ${s.family}: ${n}× ${sig}`)
}
console.log('\nslowest ratio: input time / (seed median × max(1, size ratio)), denominator floored at 0.1 ms; peak MB: largest per-input peak memory (V8 heap + external buffers over the level before the input); bound MB: memory factor × largest input + overhead; mem ratio: max over inputs of peak / (factor × that input + overhead), at most 1 when the bound holds')
process.exit(failures.length || process.exitCode ? 1 : 0)
