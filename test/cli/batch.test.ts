/**
 * `bootproof batch` and `bootproof fleet query` end to end: the real executable (tsx) with two
 * worker threads over a small generated fleet (scripts/make-fleet.ts).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Ajv2020 from 'ajv/dist/2020.js'
import { beforeAll, describe, expect, it } from 'vitest'
import { makeFleet, type FleetLine } from '../../scripts/make-fleet.js'
import { REPO_ROOT } from '../helpers/corpus.js'
import { runCli } from './run.js'
import { steadyRate } from '../../src/cli/commands/batch.js'

const BIN = join(REPO_ROOT, 'src/cli/bin.ts')
const POLICY = join(REPO_ROOT, 'examples/policies/ovmf-sb-esp.derived.json')
const dir = mkdtempSync(join(tmpdir(), 'bootproof-batch-'))

function bootproof(args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', BIN, ...args], { cwd: REPO_ROOT, input, encoding: 'utf8', timeout: 180_000, maxBuffer: 256 << 20 })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

describe('bootproof batch --workers 2', () => {
  let fleet: FleetLine[]
  let run: ReturnType<typeof bootproof>
  const input = join(dir, 'fleet.ndjson')
  const out = join(dir, 'out.ndjson')
  const summaryPath = join(dir, 'summary.json')

  beforeAll(() => {
    fleet = makeFleet(40, 'cli-test')
    // A blank line is skipped (no output line); a last line without LF is still a line.
    writeFileSync(input, fleet.slice(0, 20).map((f) => f.line + '\n').join('') + '\n' + fleet.slice(20).map((f) => f.line).join('\n'))
    run = bootproof(['batch', input, '--policy', POLICY, '-o', out, '--summary', summaryPath, '--baseline', POLICY, '--workers', '2'])
  }, 200_000)

  it('writes one line per attestation in input order, errors typed, and exits 1 when not all affirm', () => {
    expect(run.code, run.err).toBe(1)
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l))
    expect(lines).toHaveLength(fleet.length)
    for (const [i, f] of fleet.entries()) {
      const l = lines[i]
      if (f.kind.startsWith('bad-')) {
        expect(l.error.code).toMatch(/^ERR_LINE_/)
        expect(Object.keys(l).sort()).toEqual(['error', 'id'])
      } else {
        expect(Object.keys(l).sort()).toEqual(['ear_status', 'id', 'verdict'])
        expect(l.id).toBe(f.id)
        expect(l.ear_status).toBe(l.verdict.ear_status)
        expect(l.ear_status === 'affirming').toBe(['sb-esp', 'sb-esp-ecdsa', 'sb-esp-relabel'].includes(f.kind))
      }
    }
    expect(fleet.some((f) => f.kind.startsWith('bad-'))).toBe(true)
    const final = run.err.trim().split('\n').at(-1)!
    expect(final).toMatch(new RegExp(`^batch: ${fleet.length} attestations in [\\d.]+ s \\([\\d.]+/s, 2 workers\\): .*8\\.5 M attestations at this rate: \\d+ min$`))
  })

  it('without --summary (no boot chains computed) writes the same output lines', () => {
    const plain = join(dir, 'plain.ndjson')
    const r = bootproof(['batch', input, '--policy', POLICY, '-o', plain, '--workers', '2'])
    expect(r.code, r.err).toBe(1)
    // Equal but for the issue time of each verdict (the runs are seconds apart).
    const lines = (f: string) => readFileSync(f, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { verdict?: { iat?: number } }).map((l) => (l.verdict ? { ...l, verdict: { ...l.verdict, iat: 0 } } : l))
    expect(lines(plain)).toEqual(lines(out))
  }, 200_000)

  it('writes a summary that validates against schema/fleet-summary.schema.json', () => {
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8'))
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true })
    const validate = ajv.compile(JSON.parse(readFileSync(join(REPO_ROOT, 'schema/fleet-summary.schema.json'), 'utf8')))
    expect(validate(summary), JSON.stringify(validate.errors)).toBe(true)
    expect(summary.lines).toBe(fleet.length)
    expect(summary.errors).toBe(fleet.filter((f) => f.kind.startsWith('bad-')).length)
    expect(summary.baseline.source).toBe('policy')
  })

  it('fleet query finds the machines that loaded the shim digest', () => {
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8'))
    const demoId = fleet.find((f) => f.kind === 'sb-esp')!.id
    const shim = summary.clusters.find((c: { machineIds: string[] }) => c.machineIds.includes(demoId)).components.find((c: { label: string }) => c.label.endsWith('BOOTX64.EFI'))
    const q = bootproof(['fleet', 'query', summaryPath, '--component', shim.digest, '--json'])
    expect(q.code, q.err).toBe(0)
    const res = JSON.parse(q.out)
    const expected = fleet.filter((f) => ['sb-esp', 'sb-esp-ecdsa', 'sb-esp-relabel', 'tampered', 'kernel-update', 'dbx-update', 'cmdline-change', 'plain-esp'].includes(f.kind)).map((f) => f.id).sort()
    expect(res.machines).toBe(expected.length)
    expect([...res.matches[0].machineIds].sort()).toEqual(expected)
    const text = bootproof(['fleet', 'query', summaryPath, '--component', 'bootx64'])
    expect(text.code).toBe(0)
    expect(text.out).toContain('(unverified label)')
    expect(bootproof(['fleet', 'query', summaryPath, '--component', 'ff'.repeat(32)]).code).toBe(1)
  })

  it('exits 0 when every line is affirming (stdin input, stdout output)', () => {
    const good = makeFleet(60, 'cli-test-good').filter((f) => f.kind === 'sb-esp').slice(0, 6)
    const r = bootproof(['batch', '-', '--policy', POLICY, '--workers', '2'], good.map((f) => f.line).join('\n') + '\n')
    expect(r.code, r.err).toBe(0)
    expect(r.out.trimEnd().split('\n').map((l) => JSON.parse(l).id)).toEqual(good.map((f) => f.id))
  })
})

describe('bootproof batch usage errors (exit 2)', () => {
  it('refuses a missing policy, a bad --workers, a missing input and an invalid policy', async () => {
    const f = join(dir, 'one.ndjson')
    writeFileSync(f, '{}\n')
    expect((await runCli('batch', f)).code).toBe(2)
    expect((await runCli('batch', f, '--policy', POLICY, '--workers', '0')).code).toBe(2)
    expect((await runCli('batch', join(dir, 'missing.ndjson'), '--policy', POLICY, '--workers', '1')).code).toBe(2)
    const bad = join(dir, 'bad-policy.json')
    writeFileSync(bad, JSON.stringify({ id: 'x', version: 99 }))
    const r = await runCli('batch', f, '--policy', bad, '--workers', '1')
    expect(r.code).toBe(2)
    expect((await runCli('fleet', 'query', f, '--component', 'x')).code).toBe(2)
  })
})

describe('the steady-state projection rate', () => {
  it('is the rate over the second half of the run (a slow warm-up does not count)', () => {
    // 10 s warming up at 100/s, then 10 s at 300/s: average 200/s, second half 300/s.
    const samples = Array.from({ length: 21 }, (_, t) => ({ t, done: t <= 10 ? 100 * t : 1000 + 300 * (t - 10) }))
    expect(steadyRate(samples, 20, 4000)).toBe(300)
  })
  it('is undefined for a run under 10 s or without a sample early enough in its second half', () => {
    expect(steadyRate([{ t: 0, done: 0 }, { t: 5, done: 50 }], 9, 90)).toBeUndefined()
    expect(steadyRate([{ t: 0, done: 0 }, { t: 19.5, done: 1950 }], 20, 2000)).toBeUndefined()
    expect(steadyRate([{ t: 0, done: 0 }], 20, 2000)).toBeUndefined()
  })
})
