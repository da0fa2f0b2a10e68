/**
 * `bootproof fleet query` (and `batch --baseline`) on summary files: a file that is not a usable
 * summary is a clean error (exit 2, the first bad member named, no stack trace), and an answer by
 * label separates the machines it proves from those only their logs claim.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { createFleetLineVerifier, summarizeFleet, type FleetResult, type FleetSummary } from '../../src/index.js'
import { makeFleet } from '../../scripts/make-fleet.js'
import { REPO_ROOT } from '../helpers/corpus.js'
import { runCli } from './run.js'

const POLICY_PATH = join(REPO_ROOT, 'examples/policies/ovmf-sb-esp.derived.json')
const dir = mkdtempSync(join(tmpdir(), 'bootproof-fleet-query-'))
let summary: FleetSummary
const put = (name: string, value: unknown) => {
  const p = join(dir, name)
  writeFileSync(p, JSON.stringify(value))
  return p
}

beforeAll(async () => {
  const v = createFleetLineVerifier({ policy: JSON.parse(readFileSync(POLICY_PATH, 'utf8')), now: new Date('2025-06-01T00:00:00Z') })
  const lines = makeFleet(40, 'fleet-query').filter((f) => f.kind === 'sb-esp').slice(0, 3)
  const rs: FleetResult[] = []
  for (let i = 0; i < lines.length; i++) rs.push(await v({ index: i, line: i + 1, data: lines[i]!.line }))
  summary = JSON.parse(JSON.stringify(summarizeFleet(rs)))
}, 60_000)

describe('bootproof fleet query', () => {
  it('refuses a summary whose clusters lack their members: exit 2, the member named, no TypeError', async () => {
    const bad = put('broken.json', { ...summary, clusters: [{ ...summary.clusters[0], components: undefined }] })
    const r = await runCli('fleet', 'query', bad, '--component', 'abc')
    expect(r.code).toBe(2)
    expect(r.err).toContain('ERR_JSON_INVALID')
    expect(r.err).toContain('/clusters/0/components')
    expect(r.err).not.toMatch(/TypeError|ERR_INTERNAL|\n\s+at /)
  })

  it('refuses the same file as a --baseline before any line is verified', async () => {
    const bad = put('broken-baseline.json', { ...summary, clusters: [{}] })
    const input = join(dir, 'one.ndjson')
    writeFileSync(input, makeFleet(4, 'fleet-query-baseline')[0]!.line + '\n')
    const r = await runCli('batch', input, '--policy', POLICY_PATH, '-o', join(dir, 'out.ndjson'), '--summary', join(dir, 's.json'), '--baseline', bad, '--workers', '1')
    expect(r.code).toBe(2)
    expect(r.err).toContain('/clusters/0/id')
  })

  it('says how many machines a label match proves and how many only their logs claim', async () => {
    const f = put('summary.json', summary)
    const path = summary.clusters[0]!.components.find((c) => c.pcr === 4 && !c.labelVerified && c.label)!.label
    const byLabel = await runCli('fleet', 'query', f, '--component', path)
    expect(byLabel.code).toBe(0)
    expect(byLabel.out).toContain(`0 machine(s) loaded a component matching ${JSON.stringify(path)} (by digest or a label the digest binds); 3 more only by unverified labels`)
    const digest = summary.clusters[0]!.components.find((c) => c.pcr === 4 && c.label === path)!.digest
    const byDigest = await runCli('fleet', 'query', f, '--component', digest)
    expect(byDigest.out).toContain(`3 machine(s) loaded a component matching ${JSON.stringify(digest)}`)
  })
})
