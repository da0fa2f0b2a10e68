/**
 * The bounds of a fleet summary must not become an attacker's lever, and a policy is read as
 * the appraisal reads it. Regressions from a second review: the kept stated types and labels are
 * bounded (more seen = assume any), a policy may name event types in hex, the first affirming
 * machine's readings lead a cluster, and a query's id lists are bounded while its counts stay exact.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { compareWithBaseline, createFleetLineVerifier, parseEventLog, queryFleet, summarizeFleet, validatePolicy, type FleetResult, type FleetSummary } from '../../src/index.js'
import { makeFleet, type MachineKind } from '../../scripts/make-fleet.js'
import { REPO_ROOT } from '../helpers/corpus.js'

const POLICY = JSON.parse(readFileSync(join(REPO_ROOT, 'examples/policies/ovmf-sb-esp.derived.json'), 'utf8'))
const NOW = new Date('2025-06-01T00:00:00Z')
const fleet = makeFleet(120)
const lineOf = (kind: MachineKind) => fleet.find((l) => l.kind === kind)!.line
type Ev = ReturnType<typeof parseEventLog>['events'][number]

function edited(line: string, id: string, edit: (log: Uint8Array) => Uint8Array = (l) => l, enrolled = true): string {
  const o = JSON.parse(line)
  o.id = id
  o.bundle.eventLog = Buffer.from(edit(new Uint8Array(Buffer.from(o.bundle.eventLog, 'base64')))).toString('base64')
  if (!enrolled) {
    delete o.ak
    delete o.akEnrolled
  }
  return JSON.stringify(o)
}

function retype(pick: (e: Ev) => boolean, type: number) {
  return (log: Uint8Array) => {
    const out = log.slice()
    for (const e of parseEventLog(log).events) if (pick(e)) new DataView(out.buffer).setUint32(e.offset + 4, type, true)
    return out
  }
}

async function verifyLines(lines: string[], policy: unknown = POLICY): Promise<FleetResult[]> {
  const v = createFleetLineVerifier({ policy, now: NOW })
  const out: FleetResult[] = []
  for (let i = 0; i < lines.length; i++) out.push(await v({ index: i, line: i + 1, data: lines[i]! }))
  return out
}

const newKernel = (e: Ev) => (e.pcrIndex === 4 && e.typeName === 'EV_EFI_BOOT_SERVICES_APPLICATION') || (e.pcrIndex === 9 && e.typeName === 'EV_IPL')

describe('policy baseline', () => {
  it('nine lines stating other types before the honest ones cannot push the pinned type out (the bound means "any")', async () => {
    const ku = lineOf('kernel-update')
    const honest = await verifyLines([edited(ku, 'h1'), edited(ku, 'h2')])
    const expected = compareWithBaseline(summarizeFleet(honest), POLICY).changes.map((c) => c.digest).sort()
    expect(expected.length).toBeGreaterThan(0)
    // Machines with enrolled AKs whose OS is compromised: their logs' types are theirs to state.
    const attackers = await verifyLines(Array.from({ length: 9 }, (_, i) => edited(ku, `a${i}`, retype(newKernel, 0x1000 + i))))
    for (const a of attackers) expect(a.bootChain!.fingerprint).toBe(honest[0]!.bootChain!.fingerprint)
    const s = summarizeFleet([...attackers, ...honest], { baseline: POLICY })
    expect(s.baseline!.changes.map((c) => c.digest).sort()).toEqual(expected)
    const kept = s.clusters[0]!.components.find((c) => c.digest === expected[0])!
    expect(kept.otherEvents).toHaveLength(8)
    expect(kept.otherEventsTruncated).toBe(true)
  })

  it('a policy that gives its event types in hex pins the same events as one that names them', async () => {
    const hexPolicy = JSON.parse(JSON.stringify(POLICY))
    const NUM: Record<string, number> = { EV_EFI_BOOT_SERVICES_APPLICATION: 0x80000003, EV_IPL: 0x0d, EV_SEPARATOR: 4, EV_EFI_ACTION: 0x80000007 }
    for (const r of hexPolicy.eventRules) if (r.eventTypes) r.eventTypes = r.eventTypes.map((t: string) => (NUM[t] !== undefined ? `0x${NUM[t]!.toString(16)}` : t))
    validatePolicy(hexPolicy)
    const [r] = await verifyLines([edited(lineOf('kernel-update'), 'h1')])
    const named = compareWithBaseline(summarizeFleet([r!]), POLICY).changes
    expect(named.length).toBeGreaterThan(0)
    expect(compareWithBaseline(summarizeFleet([r!]), hexPolicy).changes).toEqual(named)
  })
})

describe('labels', () => {
  it('an unaffirmed line that restates a variable\'s type first does not choose its cluster\'s label; every verified reading stays searchable', async () => {
    const good = lineOf('sb-esp')
    const attacker = edited(good, 'att', retype((e) => e.pcrIndex === 7 && (e.decoded as { known?: string }).known === 'SecureBoot', 0x80000007))
    const rs = await verifyLines([attacker, edited(good, 'g1'), edited(good, 'g2')])
    expect(new Set(rs.map((r) => r.bootChain!.fingerprint)).size).toBe(1)
    expect(rs[0]!.ear_status).not.toBe('affirming')
    const digest = rs[1]!.bootChain!.components.find((c) => c.label === 'SecureBoot')!.digest
    const attackerReading = rs[0]!.bootChain!.components.find((c) => c.digest === digest)!
    expect(attackerReading.label).not.toBe('SecureBoot')
    const s = summarizeFleet(rs)
    const shown = s.clusters[0]!.components.find((c) => c.digest === digest)!
    expect(shown).toMatchObject({ label: 'SecureBoot', labelVerified: true })
    expect(shown.otherLabels).toContain(attackerReading.label)
    expect(queryFleet(s, 'SecureBoot').verifiedMachines).toBe(3)
    // The attacker first and no affirming machine after it: the honest reading is still found.
    const s2 = summarizeFleet([rs[0]!, { ...rs[1]!, ear_status: 'contraindicated' }])
    expect(queryFleet(s2, 'SecureBoot').verifiedMachines).toBe(2)
  })
})

describe('fleet query', () => {
  it('lists at most maxMachineIds ids over all matches, with exact counts and the number left out', () => {
    const ids = Array.from({ length: 500 }, (_, i) => `m${i}`)
    const components = Array.from({ length: 50 }, (_, i) => ({ group: 'boot-loader' as const, pcr: 4, digest: `sha256:${i.toString(16).padStart(64, '0')}`, event: 'EV_EFI_BOOT_SERVICES_APPLICATION', label: 'x', labelVerified: false }))
    const summary = { clusters: [{ id: 'c', machines: 500, ear_status: { none: 0, affirming: 500, warning: 0, contraindicated: 0 }, groups: {} as FleetSummary['clusters'][number]['groups'], components, machineIds: ids }] }
    const q = queryFleet(summary, 'x', { maxMachineIds: 1200 })
    expect(q.matches).toHaveLength(50)
    expect(q.machines).toBe(500)
    expect(q.matches.reduce((n, m) => n + m.machineIds.length, 0)).toBe(1200)
    expect(q.matches[0]!.machineIds).toHaveLength(500)
    expect(q.matches[2]!.machineIds).toHaveLength(200)
    expect(q.matches[2]!.machineIdsOmitted).toBe(300)
    expect(q.matches[49]!.machineIdsOmitted).toBe(500)
    expect(q.matches.every((m) => m.machines === 500)).toBe(true)
  })
})

describe('machines whose AK nobody vouches for', () => {
  it('have nothing authenticated: no component attributed, so they neither inflate a cluster nor a query\'s proven count', async () => {
    const good = lineOf('sb-esp')
    const rs = await verifyLines([edited(good, 'g1'), edited(good, 'stranger1', undefined, false), edited(good, 'stranger2', undefined, false)])
    expect(rs.map((r) => r.ear_status)).toEqual(['affirming', 'contraindicated', 'contraindicated'])
    expect(rs[1]!.bootChain!.components).toEqual([])
    expect(rs[1]!.bootChain!.fingerprint).not.toBe(rs[0]!.bootChain!.fingerprint)
    const s = summarizeFleet(rs)
    const digest = rs[0]!.bootChain!.components.find((c) => c.pcr === 4)!.digest
    expect(queryFleet(s, digest)).toMatchObject({ machines: 1, verifiedMachines: 1 })
  })
})
