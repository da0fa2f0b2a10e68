/**
 * What one more thread can give on this machine, measured without `bootproof batch` around it:
 * the ceiling against which `bench/fleet.mjs`'s 1 → 2 worker scaling is read.
 *
 *   npm run build && npx tsx scripts/make-fleet.ts 4000 --out /tmp/f4k.ndjson
 *   node bench/fleet_ceiling.mjs /tmp/f4k.ndjson [--seconds 5] [--repeat 3]
 *
 * Each row runs the same work in 1 and then in 2 worker threads for a fixed time and prints the
 * ratio of the total rates (x2.00 = perfect):
 * - integer arithmetic (no memory, no library): what the vCPUs themselves give;
 * - allocation of small objects: what V8's per-isolate heaps give;
 * - node:crypto `crypto.hash` over 64 bytes (a PCR extend's size) and one RSA-2048 `crypto.verify`:
 *   the native calls a line's verification makes (about a hundred small hashes and one verify per
 *   line of a generated fleet);
 * - the fleet line verifier itself (`createFleetLineVerifier` + the output line, as a worker of
 *   `batch` runs it) on the lines of the given fleet, read into memory first: no main thread, no
 *   I/O, no pool. Its CPU per line with 1 and with 2 threads shows what contention costs.
 */
import { Worker } from 'node:worker_threads'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { root } from './lib.mjs'

const args = process.argv.slice(2)
const flag = (n, d) => (args.includes(n) ? Number(args[args.indexOf(n) + 1]) : d)
const seconds = flag('--seconds', 5)
const repeat = flag('--repeat', 3)
const fleet = args.find((a, i) => !a.startsWith('--') && !['--seconds', '--repeat'].includes(args[i - 1]))
const dist = pathToFileURL(join(root, 'dist/index.js')).href
const policyPath = join(root, 'examples/policies/ovmf-sb-esp.derived.json')

// Each worker: prepares its work, says 'ready', waits for 'go', runs it for `seconds`, posts the
// number of operations done. CPU is the process's (all threads), taken around the timed part.
const WORKER = `
const { parentPort, workerData: w } = require('node:worker_threads')
const c = require('node:crypto')
;(async () => {
  let op
  if (w.kind === 'integer') {
    let x = 1
    op = () => { for (let i = 0; i < 1000; i++) x = (x * 1103515245 + 12345) | 0; return x }
  } else if (w.kind === 'allocation') {
    op = () => { const a = []; for (let i = 0; i < 20; i++) a.push({ i, s: 'x' + i, b: new Uint8Array(32) }); return a }
  } else if (w.kind === 'hash') {
    const buf = new Uint8Array(64)
    op = () => c.hash('sha256', buf, 'latin1')
  } else if (w.kind === 'verify') {
    const { publicKey, privateKey } = c.generateKeyPairSync('rsa', { modulusLength: 2048 })
    const data = new Uint8Array(100)
    const sig = c.sign('sha256', data, privateKey)
    op = () => c.verify('sha256', data, publicKey, sig)
  } else {
    const bp = await import(w.dist)
    const fs = require('node:fs')
    const policy = JSON.parse(fs.readFileSync(w.policy, 'utf8'))
    const text = fs.readFileSync(w.fleet, 'utf8')
    const lines = []
    for (let at = 0; lines.length < 3000 && at < text.length; ) {
      let end = text.indexOf('\\n', at)
      if (end < 0) end = text.length
      if (end > at) lines.push(new TextEncoder().encode(text.slice(at, end)))
      at = end + 1
    }
    const verify = bp.createFleetLineVerifier({ policy, bootChains: false })
    let n = 0
    op = async () => bp.fleetResultLine(await verify({ index: n, line: n + 2, data: lines[n++ % lines.length] }))
    for (let i = 0; i < 1500; i++) await op()
  }
  for (let t = Date.now(); Date.now() - t < 300; ) await op()
  parentPort.postMessage('ready')
  await new Promise((r) => parentPort.once('message', r))
  let n = 0
  const t0 = Date.now()
  while (Date.now() - t0 < w.seconds * 1000) { await op(); n++ }
  parentPort.postMessage(n)
})()
`

async function rate(kind, threads) {
  const ws = Array.from({ length: threads }, () => new Worker(WORKER, { eval: true, workerData: { kind, seconds, dist, policy: policyPath, fleet } }))
  try {
    await Promise.all(ws.map((w) => new Promise((res, rej) => (w.once('message', res), w.once('error', rej)))))
    const c0 = process.cpuUsage()
    ws.forEach((w) => w.postMessage('go'))
    const ns = await Promise.all(ws.map((w) => new Promise((res) => w.once('message', res))))
    const c = process.cpuUsage(c0)
    const n = ns.reduce((a, b) => a + b, 0)
    return { rate: n / seconds, cpuPerOp: (c.user + c.system) / n }
  } finally {
    await Promise.all(ws.map((w) => w.terminate()))
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const kinds = [
  ['integer', 'integer arithmetic (1,000 multiply-adds)'],
  ['allocation', 'allocation (20 small objects)'],
  ['hash', 'node:crypto crypto.hash sha256, 64 bytes'],
  ['verify', 'node:crypto RSA-2048 verify'],
  ...(fleet ? [['line', 'fleet line verification (verifier + output line)']] : []),
]
console.log(`node ${process.version}, OpenSSL ${process.versions.openssl}; ${seconds} s per run, median of ${repeat} rounds (each round: 1 thread, then 2)`)
if (!fleet) console.log('(no fleet file given: the fleet line row is skipped)')
console.log(`${'work'.padEnd(52)} ${'1 thread /s'.padStart(12)} ${'2 threads /s'.padStart(13)} ${'scaling'.padStart(8)} ${'CPU µs/op 1 → 2'.padStart(18)}`)
for (const [kind, label] of kinds) {
  const rounds = []
  for (let i = 0; i < repeat; i++) rounds.push([await rate(kind, 1), await rate(kind, 2)])
  const one = median(rounds.map((r) => r[0].rate))
  const two = median(rounds.map((r) => r[1].rate))
  const scaling = median(rounds.map((r) => r[1].rate / r[0].rate))
  const cpu1 = median(rounds.map((r) => r[0].cpuPerOp))
  const cpu2 = median(rounds.map((r) => r[1].cpuPerOp))
  const cpu = cpu1 >= 10 ? `${cpu1.toFixed(0)} → ${cpu2.toFixed(0)}` : `${cpu1.toFixed(2)} → ${cpu2.toFixed(2)}`
  console.log(`${label.padEnd(52)} ${one.toFixed(0).padStart(12)} ${two.toFixed(0).padStart(13)} ${('x' + scaling.toFixed(2)).padStart(8)} ${cpu.padStart(18)}`)
}
