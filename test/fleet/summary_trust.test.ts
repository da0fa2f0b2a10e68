/**
 * A fleet summary decides nothing from attacker data: clusters, labels shown, baseline reports and
 * query answers follow the digests the quotes authenticate, never a log's stated event types,
 * labels or events in PCRs the quote does not cover. Regressions from a review of the fleet
 * summary, each reproduced on lines generated from the recorded evidence (scripts/make-fleet.ts).
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { assertFleetSummary, compareWithBaseline, createFleetLineVerifier, isFleetSummary, parseEventLog, queryFleet, replayEventLog, replayedValues, summarizeFleet, type FleetResult } from '../../src/index.js'
import { makeFleet, type MachineKind } from '../../scripts/make-fleet.js'
import { makeQuote, pcrValuesFor, softwareAk, tpm2bPublic } from '../fixtures/tpm/builders.js'
import { REPO_ROOT } from '../helpers/corpus.js'

const POLICY = JSON.parse(readFileSync(join(REPO_ROOT, 'examples/policies/ovmf-sb-esp.derived.json'), 'utf8'))
const NOW = new Date('2025-06-01T00:00:00Z')
const fleet = makeFleet(120)
const lineOf = (kind: MachineKind) => fleet.find((l) => l.kind === kind)!.line
const ALG_ID: Record<string, number> = { sha1: 4, sha256: 11, sha384: 12, sha512: 13 }
const EV_SEPARATOR = 4

/** The line with a new id and its event log edited (the quote is left as it was). */
function edited(line: string, id: string, edit: (log: Uint8Array) => Uint8Array = (l) => l): string {
  const o = JSON.parse(line)
  o.id = id
  o.bundle.eventLog = Buffer.from(edit(new Uint8Array(Buffer.from(o.bundle.eventLog, 'base64')))).toString('base64')
  return JSON.stringify(o)
}

/** The stated event type of the events `pick` selects, rewritten (digests and data unchanged). */
function retype(pick: (e: ReturnType<typeof parseEventLog>['events'][number]) => boolean, type: number) {
  return (log: Uint8Array) => {
    const out = log.slice()
    for (const e of parseEventLog(log).events) if (pick(e)) new DataView(out.buffer).setUint32(e.offset + 4, type, true)
    return out
  }
}

/** A crypto-agile event appended with digests that bind its data, in every bank of the last event. */
function appendEvent(pcr: number, type: number, data: Uint8Array) {
  return (log: Uint8Array) => {
    const banks = parseEventLog(log).events.at(-1)!.digests.map((d) => d.bank)
    const head = Buffer.alloc(12)
    head.writeUInt32LE(pcr, 0)
    head.writeUInt32LE(type, 4)
    head.writeUInt32LE(banks.length, 8)
    const parts = [head]
    for (const b of banks) {
      const id = Buffer.alloc(2)
      id.writeUInt16LE(ALG_ID[b]!, 0)
      parts.push(id, createHash(b).update(data).digest())
    }
    const size = Buffer.alloc(4)
    size.writeUInt32LE(data.length, 0)
    return new Uint8Array(Buffer.concat([Buffer.from(log), ...parts, size, Buffer.from(data)]))
  }
}

async function verifyLines(lines: string[]): Promise<FleetResult[]> {
  const v = createFleetLineVerifier({ policy: POLICY, now: NOW })
  const out: FleetResult[] = []
  for (let i = 0; i < lines.length; i++) out.push(await v({ index: i, line: i + 1, data: lines[i]! }))
  return out
}

describe('labels and clusters', () => {
  it('a label never carries the stated event type, and the verified flag covers only bound data', async () => {
    const [retyped, genuine] = await verifyLines([
      edited(lineOf('sb-esp'), 'retyped', retype((e) => e.pcrIndex === 7 && (e.decoded as { known?: string }).known === 'db', 0x800000e0)),
      edited(lineOf('sb-esp'), 'genuine'),
    ])
    const db = (r: FleetResult) => r.bootChain!.components.find((c) => c.pcr === 7 && c.label === 'db')!
    expect(retyped!.bootChain!.fingerprint).toBe(genuine!.bootChain!.fingerprint)
    expect(db(genuine!)).toMatchObject({ event: 'EV_EFI_VARIABLE_DRIVER_CONFIG', label: 'db', labelVerified: true })
    expect(db(retyped!)).toMatchObject({ event: 'EV_EFI_VARIABLE_AUTHORITY', label: 'db' })
    for (const r of [retyped!, genuine!]) for (const c of r.bootChain!.components) expect(c.label.startsWith('EV_')).toBe(false)
    // The cluster records both stated types for the one measured digest.
    const s = summarizeFleet([genuine!, retyped!])
    expect(s.clusters).toHaveLength(1)
    const kept = s.clusters[0]!.components.find((c) => c.digest === db(genuine!).digest)!
    expect([kept.event, ...(kept.otherEvents ?? [])].sort()).toEqual(['EV_EFI_VARIABLE_AUTHORITY', 'EV_EFI_VARIABLE_DRIVER_CONFIG'])
    expect(isFleetSummary(JSON.parse(JSON.stringify(s)))).toBe(true)
  })

  it('a tampered log seen first does not choose the labels its cluster shows, nor a label query\'s answer', async () => {
    const rs = await verifyLines([edited(lineOf('tampered'), 'attacker'), edited(lineOf('sb-esp'), 'good1'), edited(lineOf('sb-esp'), 'good2')])
    const s = summarizeFleet(rs)
    expect(s.clusters.map((c) => c.machines)).toEqual([3])
    const cmdline = s.clusters[0]!.components.find((c) => c.pcr === 8 && c.label.includes('linux /vmlinuz'))!
    expect(cmdline.labelVerified).toBe(true)
    expect(cmdline.label).toContain('quiet')
    expect(queryFleet(s, 'debug').matches).toEqual([])
    const quiet = queryFleet(s, 'quiet')
    expect(quiet.verifiedMachines).toBe(3)
    expect(quiet.machines).toBe(3)
  })

  it('a label query says how many machines it proves and how many only their logs claim', async () => {
    // The PCR 4 image path is bound by no digest: every match on it is unverified.
    const rs = await verifyLines([edited(lineOf('sb-esp'), 'a'), edited(lineOf('sb-esp'), 'b')])
    const s = summarizeFleet(rs)
    const path = s.clusters[0]!.components.find((c) => c.pcr === 4 && !c.labelVerified && c.label)!.label
    const q = queryFleet(s, path)
    expect(q.machines).toBe(2)
    expect(q.verifiedMachines).toBe(0)
    const byDigest = queryFleet(s, s.clusters[0]!.components.find((c) => c.pcr === 4)!.digest)
    expect(byDigest.verifiedMachines).toBe(2)
  })

  it('machines are counted by line: repeated ids give the same count in every match and the total', async () => {
    const rs = await verifyLines([edited(lineOf('sb-esp'), 'dup'), edited(lineOf('sb-esp'), 'dup'), edited(lineOf('sb-esp'), 'other')])
    const s = summarizeFleet(rs)
    const q = queryFleet(s, s.clusters[0]!.components[0]!.digest)
    expect(q.matches[0]!.machines).toBe(3)
    expect(q.machines).toBe(3)
  })

  it('a "WBCL" separator in a PCR the quote does not cover does not move a machine to another cluster', async () => {
    const wbcl = new TextEncoder().encode('WBCL')
    const rs = await verifyLines([edited(lineOf('sb-esp'), 'A'), edited(lineOf('sb-esp'), 'B', appendEvent(14, EV_SEPARATOR, wbcl)), edited(lineOf('sb-esp'), 'C', appendEvent(23, EV_SEPARATOR, wbcl))])
    expect(new Set(rs.map((r) => r.bootChain!.fingerprint)).size).toBe(1)
    expect(rs.map((r) => r.bootChain!.groups['windows-drivers'].status)).toEqual(['absent', 'absent', 'absent'])
  })
})

describe('machines without an event log', () => {
  const ak = softwareAk('rsassa')
  const nonce = new Uint8Array(32).fill(7)
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64')
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
  const akJson = { public: b64(tpm2bPublic(ak.tpmtPublic)) }
  const PCRS = [0, 1, 2, 3, 4, 5, 6, 7]
  const quoteOnly = (id: string, seed: string, tamper = false) => {
    const values = pcrValuesFor([{ bank: 'sha256', pcrs: PCRS }], seed)
    const q = makeQuote(ak, { selection: [{ bank: 'sha256', pcrs: PCRS }], values, extraData: nonce })
    const sig = q.signature.slice()
    if (tamper) sig[sig.length - 1]! ^= 1
    const bundle = { version: 1, pcrs: values, quotes: [{ attest: b64(q.attest), signature: b64(sig) }], ak: akJson }
    return JSON.stringify({ id, bundle, nonce: hex(nonce), ak: akJson, akEnrolled: true })
  }

  it('are told apart by the PCR values their quotes authenticate; a quote that fails authenticates nothing', async () => {
    const rs = await verifyLines([quoteOnly('A1', 'A'), quoteOnly('A2', 'A'), quoteOnly('B', 'B'), quoteOnly('bad1', 'C', true), quoteOnly('bad2', 'D', true)])
    const fp = rs.map((r) => r.bootChain!.fingerprint)
    expect(fp[0]).toBe(fp[1])
    expect(fp[2]).not.toBe(fp[0])
    expect(fp[3]).toBe(fp[4])
    expect(new Set(fp).size).toBe(3)
    for (const r of rs) expect(Object.values(r.bootChain!.groups).map((g) => g.status)).toEqual(['absent', 'absent', 'absent', 'absent', 'absent'])
  })
})

describe('baseline: a policy', () => {
  const kernelUpdate = lineOf('kernel-update')
  // The new kernel's boot application (PCR 4) and its files (PCR 9) retyped to types no rule pins.
  const hide = retype((e) => (e.pcrIndex === 4 && e.typeName === 'EV_EFI_BOOT_SERVICES_APPLICATION') || (e.pcrIndex === 9 && e.typeName === 'EV_IPL'), 0x80000004)
  let honest: FleetResult[]
  beforeAll(async () => {
    honest = await verifyLines([edited(kernelUpdate, 'h1'), edited(kernelUpdate, 'h2')])
  })

  it('one log that restates its event types cannot hide a change the other machines carry', async () => {
    const expected = compareWithBaseline(summarizeFleet(honest), POLICY).changes.map((c) => c.digest).sort()
    expect(expected.length).toBeGreaterThan(0)
    const [attacker] = await verifyLines([edited(kernelUpdate, 'attacker', hide)])
    expect(attacker!.bootChain!.fingerprint).toBe(honest[0]!.bootChain!.fingerprint)
    const s = summarizeFleet([attacker!, ...honest], { baseline: POLICY })
    expect(s.baseline!.changes.map((c) => c.digest).sort()).toEqual(expected)
    expect(s.baseline!.changes.every((c) => c.machines === 3)).toBe(true)
    // The retyped line alone: its verdict, not this report, is what rejects it.
    expect(attacker!.ear_status).not.toBe('affirming')
  })

  it('a digest the policy revokes or forbids is not a known one', () => {
    const added = compareWithBaseline(summarizeFleet(honest), POLICY).changes
    const app = added.find((c) => c.pcr === 4)!
    const hexOf = app.digest.slice(app.digest.indexOf(':') + 1)
    const revoking = { ...POLICY, secureBoot: { ...POLICY.secureBoot, dbx: { mustContain: [{ sha256: hexOf }] } }, digests: { forbidden: [{ anyOf: [{ sha256: hexOf }] }] } }
    expect(compareWithBaseline(summarizeFleet(honest), revoking).changes.map((c) => c.digest)).toContain(app.digest)
    const allowing = { ...POLICY, digests: { required: [{ anyOf: [{ sha256: hexOf }] }] } }
    expect(compareWithBaseline(summarizeFleet(honest), allowing).changes.map((c) => c.digest)).not.toContain(app.digest)
  })
})

describe('a summary read back from a file', () => {
  it('is refused with a library error naming the first bad member, never a TypeError', async () => {
    const good = JSON.parse(JSON.stringify(summarizeFleet(await verifyLines([edited(lineOf('sb-esp'), 'a')]))))
    expect(() => assertFleetSummary(good)).not.toThrow()
    const cases: [unknown, string][] = [
      [{ ...good, clusters: [{}] }, '/clusters/0/id'],
      [{ ...good, clusters: [{ ...good.clusters[0], components: null }] }, '/clusters/0/components'],
      [{ ...good, clusters: [{ ...good.clusters[0], components: [{ ...good.clusters[0].components[0], digest: 7 }] }] }, '/clusters/0/components/0/digest'],
      [{ ...good, clusters: [{ ...good.clusters[0], machineIds: [1] }] }, '/clusters/0/machineIds'],
      [{ ...good, lines: -1 }, '/lines'],
    ]
    for (const [bad, pointer] of cases) {
      expect(isFleetSummary(bad)).toBe(false)
      expect(() => assertFleetSummary(bad)).toThrowError(expect.objectContaining({ code: 'ERR_JSON_INVALID', message: expect.stringContaining(pointer) }))
      expect(() => compareWithBaseline(good, bad)).toThrowError(expect.objectContaining({ code: 'ERR_JSON_INVALID' }))
    }
  })
})
