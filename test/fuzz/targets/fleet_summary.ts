/**
 * Fleet summaries read back (`batch --baseline`, `fleet query`): the file is input, possibly
 * edited or cut by hand. JSON.parse (as the CLI reads it), assertFleetSummary / isFleetSummary
 * (which must agree, and refuse only with ERR_JSON_INVALID), then on what they accept queryFleet
 * (digest, prefix, label queries; a small id budget, which the answer must keep) and
 * compareWithBaseline both ways and against the policy. A refused summary is refused as a
 * baseline too; a file that does not claim to be a summary is read as a policy, as batch does.
 * Seeds: summaries (`summarizeFleet`) of the fleet-line seeds verified, with and without baselines.
 */
import { BootproofError } from '../../../src/errors.js'
import { renderedFleetResult } from '../../../src/fleet/output.js'
import { queryFleet } from '../../../src/fleet/query.js'
import { compareWithBaseline, summarizeFleet } from '../../../src/fleet/summary.js'
import { assertFleetSummary, claimsFleetSummary, isFleetSummary } from '../../../src/fleet/summary_shape.js'
import type { FleetResult, FleetSummary } from '../../../src/fleet/types.js'
import { mutateJson } from '../lib/json.js'
import type { Family, Seed, SeedSet } from '../family.js'
import { broken, seedLines, thePolicy, verifierFor } from './fleet.js'

let baseSummary: FleetSummary | undefined
let queries: string[] = []

export const fleetSummaryFamily: Family<string> = {
  name: 'fleet-summary',
  description: 'fleet summaries read back: assertFleetSummary/isFleetSummary, queryFleet, compareWithBaseline (both ways, and against the policy)',
  async seeds(): Promise<SeedSet<string>> {
    const verify = verifierFor(0)
    const results: FleetResult[] = []
    for (const [i, { line }] of seedLines().entries()) {
      const r = await verify({ index: 2 * i, line: 2 * i + 1, data: line })
      // a second machine of the same cluster, without verifying again
      results.push(r, { ...r, index: 2 * i + 1, line: 2 * i + 2, id: r.id === null ? null : `${r.id}-b` })
    }
    const base = (baseSummary = summarizeFleet(results))
    const comps = base.clusters.flatMap((c) => c.components)
    const verified = comps.find((c) => c.labelVerified) ?? comps[0]
    const digest = verified?.digest ?? 'sha256:00000000'
    queries = [digest, digest.slice(digest.indexOf(':') + 1, digest.indexOf(':') + 9), digest.slice(0, digest.indexOf(':') + 9), (verified?.label ?? 'shim').slice(0, 12), 'BOOTX64', ' ']
    const write = (s: FleetSummary) => JSON.stringify(s, null, 1) + '\n'
    const seeds: Seed<string>[] = [
      { name: 'summary', value: write(base) },
      { name: 'summary (policy baseline)', value: write(summarizeFleet(results, { baseline: thePolicy() })) },
      { name: 'summary (summary baseline)', value: write(summarizeFleet(results.slice(0, 9), { baseline: base })) },
      { name: 'summary (rendered results)', value: write(summarizeFleet(results.filter((_, i) => i % 3 === 0).map(renderedFleetResult))) },
      { name: 'summary (empty fleet)', value: write(summarizeFleet([])) },
    ]
    // a seed its reader refused would leave only the refusal path to fuzz
    for (const s of seeds) assertFleetSummary(JSON.parse(s.value), s.name)
    return { seeds, notes: [`${seeds.length} seeds (summaries of ${results.length} verified seed lines)`] }
  },
  mutate(seed, rng, all) {
    return mutateJson(JSON.parse(seed.value), rng, { donors: all.map((s) => JSON.parse(s.value) as unknown) })
  },
  run(input) {
    let doc: unknown
    try {
      doc = JSON.parse(input)
    } catch {
      return // the CLI refuses text that is not JSON before any reader sees it
    }
    const accepted = isFleetSummary(doc)
    let summary: FleetSummary
    try {
      summary = assertFleetSummary(doc)
    } catch (e) {
      if (!(e instanceof BootproofError)) throw e
      if (e.code !== 'ERR_JSON_INVALID') broken(`assertFleetSummary threw ${e.code}, not ERR_JSON_INVALID`)
      if (accepted) broken('isFleetSummary accepts what assertFleetSummary refuses')
      // batch --baseline: a file that claims to be a summary is refused as one; anything else is read as a policy
      try {
        compareWithBaseline(baseSummary!, doc)
      } catch (e2) {
        if (claimsFleetSummary(doc) && !(e2 instanceof BootproofError && e2.code === 'ERR_JSON_INVALID')) broken(`a refused summary as a baseline: ${(e2 as Error).name} ${(e2 as { code?: string }).code}`)
        throw e2
      }
      if (claimsFleetSummary(doc)) broken('compareWithBaseline accepted a baseline assertFleetSummary refuses')
      return
    }
    if (!accepted) broken('assertFleetSummary accepts what isFleetSummary refuses')
    // queries come from the command line (`--component`); two taken from the file itself, cut to a query's size
    const own = summary.clusters.flatMap((c) => c.components.slice(0, 1)).slice(0, 1)
    for (const q of [...queries, ...own.flatMap((c) => [c.digest.slice(0, 80), c.label.slice(0, 64)])]) {
      for (const maxMachineIds of [undefined, 2]) {
        const res = queryFleet(summary, q, maxMachineIds === undefined ? {} : { maxMachineIds })
        if (!(res.verifiedMachines <= res.machines)) broken(`query ${JSON.stringify(q).slice(0, 40)}: ${res.verifiedMachines} verified of ${res.machines} machines`)
        if (maxMachineIds !== undefined && res.matches.reduce((n, m) => n + m.machineIds.length, 0) > maxMachineIds) broken('query lists more machine ids than its budget')
        JSON.stringify(res)
      }
    }
    if (compareWithBaseline(baseSummary!, summary).source !== 'summary') broken('a summary baseline compared as a policy')
    compareWithBaseline(summary, baseSummary!)
    if (compareWithBaseline(summary, thePolicy()).source !== 'policy') broken('a policy baseline compared as a summary')
  },
  size: (s) => s.length,
  toBytes: (s) => new TextEncoder().encode(s),
}
