/**
 * The worker pool of `bootproof batch` (bootproof/node): every way a line and its result can
 * cross the thread boundary (shared-memory rings, messages when a ring is full or too small,
 * string lines) gives exactly the results of verifying in this thread.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { createFleetLineVerifier, verifyFleet, type FleetResult } from '../../src/index.js'
import { createFleetWorkerPool, type FleetWorkerPool, type FleetWorkerPoolOptions } from '../../src/node/index.js'
import { renderedFleetResult } from '../../src/fleet/output.js'
import { makeFleet } from '../../scripts/make-fleet.js'
import { REPO_ROOT } from '../helpers/corpus.js'

const POLICY = JSON.parse(readFileSync(join(REPO_ROOT, 'examples/policies/ovmf-sb-esp.derived.json'), 'utf8'))
const verify = { policy: POLICY, now: new Date('2026-12-01T00:00:00Z'), bootChains: false }
const enc = new TextEncoder()

// 24 generated machines (every kind, tampered and bad lines included), plus lines the verifier
// cannot read: invalid UTF-8, not JSON, a non-ASCII id (multi-byte output).
const fleet = makeFleet(24, 'pool-test').map((f) => f.line)
const extra = [new Uint8Array([0x7b, 0xff, 0x7d]), enc.encode('not json'), enc.encode(JSON.stringify({ id: 'ünïcødé—😀', bundle: {} }))]
const lineBytes = (): Uint8Array[] => [...fleet.map((l) => enc.encode(l)), ...extra.map((b) => b.slice())]

async function collect(it: AsyncIterable<FleetResult>): Promise<FleetResult[]> {
  const out: FleetResult[] = []
  for await (const r of it) out.push(r)
  return out
}

async function viaPool(options: Omit<FleetWorkerPoolOptions, 'verify'>, lines: (string | Uint8Array)[]): Promise<FleetResult[]> {
  const pool: FleetWorkerPool = await createFleetWorkerPool({ verify, workers: 2, ...options })
  try {
    return await collect(verifyFleet(lines, { runner: pool.run, window: 12 }))
  } finally {
    await pool.close()
  }
}

describe('createFleetWorkerPool', () => {
  let expected: FleetResult[]
  beforeAll(async () => {
    expected = await collect(verifyFleet(lineBytes(), verify))
    expect(expected.length).toBe(fleet.length + extra.length)
    expect(new Set(expected.map((r) => r.ear_status ?? r.error!.code)).size).toBeGreaterThanOrEqual(4)
  }, 120_000)

  const rendered = () => expected.map((r) => renderedFleetResult(r))

  it('renders lines through the shared rings: same output lines and digests as in this thread', async () => {
    expect(await viaPool({ renderLines: true }, lineBytes())).toEqual(rendered())
  }, 120_000)

  it('falls back to messages when a line or output does not fit its ring, with the same results', async () => {
    // A 16 KiB input ring holds no generated line (~20 KB) but the short bad lines; a 4 KiB
    // output ring holds some rendered lines and not others.
    expect(await viaPool({ renderLines: true, rings: { input: 16 * 1024, output: 4 * 1024 } }, lineBytes())).toEqual(rendered())
    expect(await viaPool({ renderLines: true, rings: false }, lineBytes())).toEqual(rendered())
  }, 120_000)

  it('posts whole verdicts without renderLines, and takes string lines', async () => {
    expect(await viaPool({}, lineBytes())).toEqual(expected)
    const strings = [...fleet, ...extra.slice(1).map((b) => new TextDecoder().decode(b))]
    const want = await collect(verifyFleet(strings, verify))
    expect(await viaPool({ renderLines: true }, strings)).toEqual(want.map((r) => renderedFleetResult(r)))
  }, 120_000)

  it('the line verifier has read a line\'s bytes when its call returns (the ring space is reused at once)', async () => {
    const v = createFleetLineVerifier(verify)
    const bytes = lineBytes()
    for (let i = 0; i < 6; i++) {
      const data = bytes[i]!
      const pending = v({ index: i, line: i + 1, data })
      data.fill(0x20)
      expect(await pending).toEqual(expected[i])
    }
  }, 60_000)
})

