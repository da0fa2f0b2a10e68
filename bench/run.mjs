#!/usr/bin/env node
/**
 * `npm run bench`: cost of the event-log verification path per log, as µs/log and MB/s, and as a
 * ratio against a floor measured in the same run: bare node:crypto hashing of exactly the same
 * PCR extends and integrity hashes (the work no implementation can skip). Target: <= 1.5x.
 *
 * Logs: the committed recorded vectors (test-vectors/ovmf) and, when present, every TCG log of
 * ../shared/corpus. Optional sections (quote parsing, peers) run when their modules exist.
 */
import { hash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as bp from '../dist/index.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const corpus = resolve(root, '../shared/corpus')
const NODE = { sha1: 'sha1', sha256: 'sha256', sha384: 'sha384', sha512: 'sha512', sm3_256: 'sm3' }

/** µs per call: warm up (JIT) for ~warmMs, then the median of 7 rounds of ~roundMs each. */
function time(fn, roundMs = 15, warmMs = 40) {
  const until = (ms) => {
    let n = 0
    const t0 = process.hrtime.bigint()
    let el = 0
    while (el < ms * 1e6) {
      fn()
      n++
      el = Number(process.hrtime.bigint() - t0)
    }
    return el / n / 1000
  }
  until(warmMs)
  const rounds = Array.from({ length: 7 }, () => until(roundMs)).sort((a, b) => a - b)
  return rounds[3]
}

function logs() {
  const out = []
  const ovmf = join(root, 'test-vectors/ovmf')
  if (existsSync(ovmf)) for (const d of readdirSync(ovmf).sort()) {
    const p = join(ovmf, d, 'binary_bios_measurements')
    if (existsSync(p)) out.push({ name: `ovmf/${d}`, bytes: new Uint8Array(readFileSync(p)) })
  }
  if (existsSync(join(corpus, 'expected'))) {
    for (const f of readdirSync(join(corpus, 'expected')).sort()) {
      const e = JSON.parse(readFileSync(join(corpus, 'expected', f), 'utf8'))
      if (!/^(tcg-pc-client|windows-wbcl|ccel \()/.test(e.format) || !e.log?.startsWith('logs/')) continue
      const bytes = new Uint8Array(readFileSync(join(corpus, e.log)))
      try { bp.parseEventLog(bytes) } catch { continue }
      out.push({ name: e.name, bytes })
    }
  } else console.log('(corpus not found at ../shared/corpus: benchmarking the committed vectors only)')
  return out
}

/** The exact hashing work: every extend of every replayable bank, and every integrity hash. */
function floorWork(log) {
  const integrity = bp.verifyEventIntegrity(log)
  const extends_ = []
  const hashes = []
  for (const ev of log.events) {
    if (ev.eventType === 3 || ev.pcrIndex > 23) continue
    for (const d of ev.digests) if (NODE[d.bank]) extends_.push([NODE[d.bank], d.digest])
  }
  for (const ev of log.events) {
    if (integrity.events[ev.index].status === 'not-applicable') continue
    for (const d of ev.digests) if (NODE[d.bank]) hashes.push([NODE[d.bank], ev.data])
  }
  // The fastest bare node:crypto form: one-shot crypto.hash over PCR ‖ digest and over the data.
  const buf = new Uint8Array(128)
  return () => {
    for (const [alg, d] of extends_) {
      buf.set(d, d.length)
      hash(alg, buf.subarray(0, 2 * d.length), 'buffer')
    }
    for (const [alg, data] of hashes) hash(alg, data, 'buffer')
  }
}

const list = logs()
console.log(`bootproof bench: node ${process.version}, hash provider ${bp.defaultHashProvider().name}, ${list.length} logs\n`)
console.log('log'.padEnd(58), 'bytes'.padStart(7), 'events'.padStart(6), 'floor µs'.padStart(9), 'verify µs'.padStart(10), 'ratio'.padStart(6), 'MB/s'.padStart(6), '+decode µs'.padStart(11), 'ratio'.padStart(6))
let sumFloor = 0, sumVerify = 0, sumFull = 0, sumBytes = 0
const ratios = []
for (const { name, bytes } of list) {
  const log = bp.parseEventLog(bytes, { decode: false })
  const floor = time(floorWork(log))
  // The verification path: parse (no decoding), replay every bank, integrity of every event.
  const verify = time(() => {
    const l = bp.parseEventLog(bytes, { decode: false })
    bp.replayEventLog(l)
    bp.verifyEventIntegrity(l)
  })
  // Everything `bootproof replay` does: decoding, structure checks and all findings.
  const full = time(() => bp.analyzeEventLog(bp.parseEventLog(bytes)))
  sumFloor += floor; sumVerify += verify; sumFull += full; sumBytes += bytes.length
  ratios.push(verify / floor)
  console.log(name.slice(0, 58).padEnd(58), String(bytes.length).padStart(7), String(log.events.length).padStart(6), floor.toFixed(1).padStart(9), verify.toFixed(1).padStart(10), (verify / floor).toFixed(2).padStart(6), (bytes.length / verify).toFixed(0).padStart(6), full.toFixed(1).padStart(11), (full / floor).toFixed(2).padStart(6))
}
ratios.sort((a, b) => a - b)
console.log(`\ntotal: floor ${sumFloor.toFixed(0)} µs, verify ${sumVerify.toFixed(0)} µs (${(sumVerify / sumFloor).toFixed(2)}x floor, ${(sumBytes / sumVerify).toFixed(0)} MB/s), with decoding and all checks ${sumFull.toFixed(0)} µs (${(sumFull / sumFloor).toFixed(2)}x)`)
console.log(`verify/floor ratio: median ${ratios[Math.floor(ratios.length / 2)].toFixed(2)}x, worst ${ratios[ratios.length - 1].toFixed(2)}x (target <= 1.5x)`)

// Quote section: runs once the TPM module exports exist.
const quoteDir = join(root, 'test-vectors/quotes/rsassa-sha256')
if (typeof bp.parseTpmsAttest === 'function' && existsSync(quoteDir)) {
  const attest = new Uint8Array(readFileSync(join(quoteDir, 'quote.msg')))
  const parse = time(() => bp.parseTpmsAttest(attest))
  console.log(`\nTPMS_ATTEST parse: ${parse.toFixed(2)} µs/call`)
  if (existsSync(join(root, 'bench/quote.mjs'))) await import('./quote.mjs').then((m) => m.run(bp, time))
}
