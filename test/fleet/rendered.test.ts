/**
 * `renderedFleetResult`: what a worker pool with `renderLines` posts instead of the verdict
 * object. The output line must be the one the writing thread would render, and a summary built
 * from the reduced results must equal the one built from whole verdicts.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { fleetResultLine, summarizeFleet, verifyFleet, type FleetResult } from '../../src/index.js'
import { renderedFleetResult } from '../../src/fleet/output.js'
import { escapeText } from '../../src/text/escape.js'
import { makeFleet } from '../../scripts/make-fleet.js'
import { REPO_ROOT } from '../helpers/corpus.js'

const POLICY = JSON.parse(readFileSync(join(REPO_ROOT, 'examples/policies/ovmf-sb-esp.derived.json'), 'utf8'))

describe('renderedFleetResult', () => {
  let results: FleetResult[]
  beforeAll(async () => {
    results = []
    const lines = makeFleet(80, 'rendered-test').map((f) => f.line)
    for await (const r of verifyFleet(lines, { policy: POLICY })) results.push(r)
  }, 120_000)

  it('carries the escaped output line and no verdict object', () => {
    expect(results.some((r) => r.error)).toBe(true)
    expect(results.some((r) => r.ear_status === 'affirming')).toBe(true)
    for (const r of results) {
      const slim = renderedFleetResult(r)
      expect(slim.ndjson).toBe(escapeText(fleetResultLine(r)))
      expect(slim.verdict).toBeUndefined()
      expect(JSON.parse(slim.ndjson!)).toEqual(JSON.parse(fleetResultLine(r)))
      if (r.verdict) expect(slim.verdictDigest?.bootproof_findings.map((f) => f.code)).toEqual(r.verdict.bootproof_findings.map((f) => f.code))
      // Plain data: what postMessage can clone.
      expect(structuredClone(slim)).toEqual(slim)
    }
  })

  it('gives the same summary as whole verdicts', () => {
    const whole = summarizeFleet(results, { baseline: POLICY })
    const slim = summarizeFleet(results.map(renderedFleetResult), { baseline: POLICY })
    expect(slim).toEqual(whole)
    expect(whole.topFindings.length).toBeGreaterThan(0)
  })

  it('a verdict member that is a bigint is written as its decimal string (the natively serialised line is the same text otherwise)', () => {
    const r = results.find((x) => x.verdict)!
    const plain = fleetResultLine(r)
    const withBig = { ...r, verdict: { ...r.verdict!, bootproof_clock: 18446744073709551615n } as unknown as NonNullable<FleetResult['verdict']> }
    const line = fleetResultLine(withBig)
    expect(JSON.parse(line).verdict.bootproof_clock).toBe('18446744073709551615')
    expect(line).toBe(plain.slice(0, -2) + ',"bootproof_clock":"18446744073709551615"}}')
  })
})
