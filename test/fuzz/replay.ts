/**
 * Re-run one saved finding with a full stack: `npx tsx test/fuzz/replay.ts test/fuzz/findings/<family>/<sha256>.bin`
 * Prints the error (all frames, library frames marked) and the time. The family comes from the
 * sidecar; the seed named there is used for seed-specific options (token clock, IMA format, ...).
 */
import { readFileSync } from 'node:fs'
import { BootproofError } from '../../src/errors.js'
import { FAMILIES } from './targets/index.js'

Error.stackTraceLimit = Infinity
const file = process.argv[2]
if (!file) throw new Error('usage: replay.ts <finding.bin>')
const side = JSON.parse(readFileSync(file.replace(/\.bin$/, '.json'), 'utf8')) as { family: string; seed: string }
const fam = FAMILIES.find((f) => f.name === side.family)
if (!fam) throw new Error(`unknown family ${side.family}`)
const { seeds } = await fam.seeds()
const seed = seeds.find((s) => s.name === side.seed) ?? seeds[0]!
const raw = new Uint8Array(readFileSync(file))
const input = typeof seed.value === 'string' ? new TextDecoder().decode(raw) : raw
const t0 = performance.now()
try {
  await fam.run(input, seed)
  console.log(`no exception (${(performance.now() - t0).toFixed(1)} ms)`)
} catch (e) {
  const ms = (performance.now() - t0).toFixed(1)
  const lib = e instanceof BootproofError
  console.log(`${lib ? 'BootproofError (allowed)' : 'ESCAPED'} after ${ms} ms: ${(e as Error).name}: ${(e as Error).message?.slice(0, 300)}`)
  const frames = String((e as Error).stack ?? '').split('\n').filter((l) => l.trim().startsWith('at '))
  const srcFrames = frames.filter((l) => l.includes('/src/'))
  console.log(`${frames.length} frames; library frames (outermost last):`)
  for (const l of srcFrames.slice(0, 12)) console.log('  ' + l.trim())
  if (srcFrames.length > 12) console.log(`  ... ${srcFrames.length - 12} more, outermost: ${srcFrames[srcFrames.length - 1]!.trim()}`)
  process.exitCode = lib ? 0 : 1
}
