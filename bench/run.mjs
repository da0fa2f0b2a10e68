#!/usr/bin/env node
/**
 * `npm run bench`: every figure as a ratio to a floor measured in the same run (rounds
 * interleaved, so both see the same load), and whether each target is met:
 *
 * - event logs: parse + replay + integrity per log vs bare node:crypto hashing of exactly the
 *   same PCR extends and integrity hashes (the work no implementation can skip); target: median
 *   over the corpus logs <= 1.5x;
 * - TPM quotes (quote.mjs): verifyQuote vs a bare node:crypto verify (KeyObject made beforehand);
 *   target <= 1.5x; WebCrypto as a reference column;
 * - one attestation (attestation.mjs): verifyAttestation vs the node:crypto hashing of the
 *   quoted bank's extends and integrity data + one node:crypto verify; target <= 3x;
 * - peers (peers.mjs): go-attestation, tpm2_eventlog, SimpleWebAuthn where installed.
 *
 * Logs: the committed recorded vectors (test-vectors/ovmf) and, when present, every TCG log of
 * ../shared/corpus.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import * as bp from '../dist/index.js'
import { hashingFloor } from './attestation.mjs'
import { median, root, target, targets, time, timeSync } from './lib.mjs'

const corpus = resolve(root, '../shared/corpus')

function logs() {
  const out = []
  const ovmf = join(root, 'test-vectors/ovmf')
  if (existsSync(ovmf)) for (const d of readdirSync(ovmf).sort()) {
    const p = join(ovmf, d, 'binary_bios_measurements')
    if (existsSync(p)) out.push({ name: `ovmf/${d}`, path: p, bytes: new Uint8Array(readFileSync(p)), corpus: false })
  }
  if (existsSync(join(corpus, 'expected'))) {
    for (const f of readdirSync(join(corpus, 'expected')).sort()) {
      const e = JSON.parse(readFileSync(join(corpus, 'expected', f), 'utf8'))
      if (!/^(tcg-pc-client|windows-wbcl|ccel \()/.test(e.format) || !e.log?.startsWith('logs/')) continue
      const path = join(corpus, e.log)
      const bytes = new Uint8Array(readFileSync(path))
      try { bp.parseEventLog(bytes) } catch { continue }
      out.push({ name: e.name, path, bytes, corpus: true, windows: e.format.startsWith('windows-wbcl') })
    }
  } else console.log('(corpus not found at ../shared/corpus: benchmarking the committed vectors only)')
  return out
}

const list = logs()
console.log(`bootproof bench: node ${process.version}, hash provider ${bp.defaultHashProvider().name}, ${list.length} logs\n`)
console.log('== Event logs: µs per log; floor = bare node:crypto hashing of the same extends + integrity hashes (every bank) ==')
console.log('log'.padEnd(58), 'bytes'.padStart(7), 'events'.padStart(6), 'floor µs'.padStart(9), 'verify µs'.padStart(10), 'ratio'.padStart(6), 'MB/s'.padStart(6), '+decode µs'.padStart(11), 'ratio'.padStart(6))
let sumFloor = 0, sumVerify = 0, sumFull = 0, sumBytes = 0
const rows = []
for (const entry of list) {
  const { name, bytes } = entry
  const log = bp.parseEventLog(bytes, { decode: false })
  const [floor, verify, full] = timeSync([
    hashingFloor(bp, log).fn,
    // The verification path: parse (no decoding), replay every bank, integrity of every event.
    () => {
      const l = bp.parseEventLog(bytes, { decode: false })
      bp.replayEventLog(l)
      bp.verifyEventIntegrity(l)
    },
    // Everything `bootproof replay` does: decoding, structure checks and all findings.
    () => bp.analyzeEventLog(bp.parseEventLog(bytes)),
  ])
  sumFloor += floor; sumVerify += verify; sumFull += full; sumBytes += bytes.length
  // Windows logs: also with the boot state (parse with decoding, authentication, secure boot and
  // Windows state: extractBootState), the figure compared with go-attestation's ParseEventLog +
  // Verify + ParseSecurebootState + ParseWinEvents. A call takes milliseconds, so the warm-up is
  // longer (600 ms: the optimizing compiler needs some hundred calls; steady state is what a
  // verifier serving a fleet runs at).
  const state = entry.windows ? timeSync([() => bp.extractBootState(bp.parseEventLog(bytes))], 30, 600)[0] : undefined
  rows.push({ ...entry, floor, verify, full, ...(state !== undefined ? { state } : {}) })
  console.log(name.slice(0, 58).padEnd(58), String(bytes.length).padStart(7), String(log.events.length).padStart(6), floor.toFixed(1).padStart(9), verify.toFixed(1).padStart(10), (verify / floor).toFixed(2).padStart(6), (bytes.length / verify).toFixed(0).padStart(6), full.toFixed(1).padStart(11), (full / floor).toFixed(2).padStart(6))
}
const judged = rows.some((r) => r.corpus) ? rows.filter((r) => r.corpus) : rows
const ratios = judged.map((r) => r.verify / r.floor)
const fullRatios = judged.map((r) => r.full / r.floor)
console.log('verify = parseEventLog({ decode: false }) + replayEventLog + verifyEventIntegrity; +decode = analyzeEventLog(parseEventLog(bytes)).')
console.log('Rounds of floor, verify and +decode interleaved per log (same load), median of 7.')
console.log(`\ntotal: floor ${sumFloor.toFixed(0)} µs, verify ${sumVerify.toFixed(0)} µs (${(sumVerify / sumFloor).toFixed(2)}x floor, ${(sumBytes / sumVerify).toFixed(0)} MB/s), with decoding and all checks ${sumFull.toFixed(0)} µs (${(sumFull / sumFloor).toFixed(2)}x)`)
console.log(`parse + replay + integrity / floor over ${judged.length} ${judged === rows ? '' : 'corpus '}logs: worst ${Math.max(...ratios).toFixed(2)}x, median ${target('parse + replay + integrity / hashing floor (median over corpus logs)', median(ratios), 1.5)}`)
console.log(`  with decoding and every check (analyzeEventLog): median ${median(fullRatios).toFixed(2)}x, worst ${Math.max(...fullRatios).toFixed(2)}x (no target)`)

// Quote section: runs once the TPM module exports exist.
const quoteDir = join(root, 'test-vectors/quotes/rsassa-sha256')
if (typeof bp.parseTpmsAttest === 'function' && existsSync(quoteDir)) {
  const attest = new Uint8Array(readFileSync(join(quoteDir, 'quote.msg')))
  const parse = time(() => bp.parseTpmsAttest(attest))
  console.log(`\nTPMS_ATTEST parse: ${parse.toFixed(2)} µs/call`)
  if (existsSync(join(root, 'bench/quote.mjs'))) await import('./quote.mjs').then((m) => m.run(bp, time))
}
await import('./attestation.mjs').then((m) => m.run(bp))

const peers = await import('./peers.mjs')
let tmp
const tmpWrite = (name, bytes) => {
  tmp ??= mkdtempSync(join(tmpdir(), 'bootproof-bench-'))
  const p = join(tmp, name.replace(/[^A-Za-z0-9._-]/g, '_'))
  writeFileSync(p, bytes)
  return p
}
peers.eventLogPeers(judged, tmpWrite)
await peers.simpleWebAuthn(bp, time)

console.log('\n== Targets (ratios to floors measured in this run) ==')
for (const t of targets) console.log(`${t.label.padEnd(72)} ${t.ratio.toFixed(2).padStart(6)}x  target <= ${t.max}x  ${t.ratio <= t.max ? 'met' : 'NOT met'}`)
