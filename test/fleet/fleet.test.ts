/**
 * Fleet verification in the library: order, isolation of bad lines, bounded pulling, and the
 * summary's counts and clusters on a generated fleet (scripts/make-fleet.ts, recorded evidence).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { bootChainOf, fleetResultLine, isBlankLine, queryFleet, splitLines, summarizeFleet, verifyFleet, type FleetResult, type FleetSummary, type FleetTask } from '../../src/index.js'
import { parseEvidenceBundle, verifyAttestation } from '../../src/index.js'
import { makeFleet, type FleetLine, type MachineKind } from '../../scripts/make-fleet.js'
import { REPO_ROOT } from '../helpers/corpus.js'

const POLICY = JSON.parse(readFileSync(join(REPO_ROOT, 'examples/policies/ovmf-sb-esp.derived.json'), 'utf8'))
const enc = new TextEncoder()

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

describe('verifyFleet ordering and back-pressure', () => {
  it('yields results in input order when later lines finish first', async () => {
    const pending: { task: FleetTask; resolve: (r: FleetResult) => void }[] = []
    // Resolve tasks last-in first-out whenever 4 are waiting: completion order is the reverse of input order.
    const runner = (task: FleetTask) =>
      new Promise<FleetResult>((resolve) => {
        pending.push({ task, resolve })
        if (pending.length === 4 || task.index === 9) while (pending.length) {
          const p = pending.pop()!
          p.resolve({ index: p.task.index, line: p.task.line, id: String(p.task.data), ear_status: 'affirming' })
        }
      })
    const lines = Array.from({ length: 10 }, (_, i) => `L${i}`)
    const res = await collect(verifyFleet(lines, { runner, window: 4 }))
    expect(res.map((r) => r.id)).toEqual(lines)
    expect(res.map((r) => r.index)).toEqual([...Array(10).keys()])
  })

  it('pulls input only as results are consumed (bounded window), and skips blank lines', async () => {
    let pulled = 0
    let inFlight = 0
    let maxInFlight = 0
    function* endless() {
      for (let i = 0; ; i++) {
        pulled++
        yield i % 3 === 2 ? '  ' : `line${i}`
      }
    }
    const runner = async (task: FleetTask): Promise<FleetResult> => {
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      await Promise.resolve()
      inFlight--
      return { index: task.index, line: task.line, id: String(task.data) }
    }
    const got: FleetResult[] = []
    for await (const r of verifyFleet(endless(), { runner, window: 8 })) {
      got.push(r)
      if (got.length === 5) break
    }
    expect(got.map((r) => r.id)).toEqual(['line0', 'line1', 'line3', 'line4', 'line6'])
    expect(got.map((r) => r.line)).toEqual([1, 2, 4, 5, 7])
    // 5 consumed + a window of 8 in flight, plus the blank lines skipped between them.
    expect(pulled).toBeLessThanOrEqual(20)
    expect(maxInFlight).toBeLessThanOrEqual(8)
  })

  it('turns a runner rejection into an error result for that line only', async () => {
    const runner = async (t: FleetTask): Promise<FleetResult> => {
      if (t.data === 'boom') throw new Error('worker died')
      return { index: t.index, line: t.line, id: String(t.data), ear_status: 'affirming' }
    }
    const res = await collect(verifyFleet(['a', 'boom', 'c'], { runner }))
    expect(res.map((r) => r.error?.code ?? r.id)).toEqual(['a', 'ERR_WORKER_FAILED', 'c'])
  })
})

describe('splitLines', () => {
  it('splits across chunk boundaries, keeps a last line without LF, cuts an overlong line', async () => {
    const chunks = [enc.encode('ab'), enc.encode('c\nde'), enc.encode('f\n'), enc.encode('x'.repeat(50)), enc.encode('y'.repeat(50) + '\nlast')]
    const lines = (await collect(splitLines(chunks, 20))).map((l) => new TextDecoder().decode(l))
    expect(lines).toEqual(['abc', 'def', 'x'.repeat(21), 'last'])
    expect(isBlankLine(enc.encode(' \r'))).toBe(true)
    expect(isBlankLine(enc.encode(' {'))).toBe(false)
  })

  it('yields the same lines with views: lines inside one chunk share its memory, lines across chunks are joined copies', async () => {
    const chunks = [enc.encode('ab\ncd'), enc.encode('ef\ngh\n'), enc.encode('x'.repeat(50) + '\n'), enc.encode('tail')]
    const copies = await collect(splitLines(chunks, 20))
    const views = await collect(splitLines(chunks, 20, { views: true }))
    expect(views).toEqual(copies)
    expect(views.map((l) => new TextDecoder().decode(l))).toEqual(['ab', 'cdef', 'gh', 'x'.repeat(21), 'tail'])
    expect(views.map((l) => chunks.findIndex((c) => c.buffer === l.buffer))).toEqual([0, -1, 1, 2, 3])
    expect(copies.every((l) => chunks.every((c) => c.buffer !== l.buffer))).toBe(true)
  })
})

describe('a generated fleet of 200', () => {
  let fleet: FleetLine[]
  let results: FleetResult[]
  let summary: FleetSummary
  const kindOf = new Map<string, MachineKind>()
  const idsOf = (...kinds: MachineKind[]) => fleet.filter((f) => kinds.includes(f.kind)).map((f) => f.id).sort()

  beforeAll(async () => {
    fleet = makeFleet(200, 'fleet-test')
    for (const f of fleet) kindOf.set(f.id, f.kind)
    results = await collect(verifyFleet(fleet.map((f) => enc.encode(f.line)), { policy: POLICY, window: 8 }))
    summary = summarizeFleet(results, { baseline: POLICY })
  }, 120_000)

  it('has one result per line, in order, and bad lines isolated with typed codes', () => {
    expect(results).toHaveLength(200)
    results.forEach((r, i) => expect(r.index).toBe(i))
    for (const [i, f] of fleet.entries()) {
      const r = results[i]!
      if (f.kind === 'bad-not-json') expect([r.id, r.error?.code]).toEqual([null, 'ERR_LINE_NOT_JSON'])
      else if (f.kind === 'bad-duplicate-key') expect([r.id, r.error?.code]).toEqual([null, 'ERR_LINE_DUPLICATE_KEY'])
      else if (f.kind === 'bad-missing-nonce') expect([r.id, r.error?.code]).toEqual([f.id, 'ERR_LINE_INVALID'])
      else {
        expect(r.id).toBe(f.id)
        expect(r.error).toBeUndefined()
        const affirming = ['sb-esp', 'sb-esp-ecdsa', 'sb-esp-relabel'].includes(f.kind)
        expect(r.ear_status === 'affirming', `${f.id} (${f.kind}): ${r.ear_status}`).toBe(affirming)
      }
    }
  })

  it('counts statuses, errors and submodules', () => {
    const bad = idsOf('bad-not-json', 'bad-duplicate-key', 'bad-missing-nonce').length
    expect(bad).toBeGreaterThan(0)
    expect(summary.lines).toBe(200)
    expect(summary.errors).toBe(bad)
    expect(summary.verified).toBe(200 - bad)
    expect(summary.ear_status.affirming).toBe(idsOf('sb-esp', 'sb-esp-ecdsa', 'sb-esp-relabel').length)
    expect(Object.values(summary.ear_status).reduce((a, b) => a + b, 0)).toBe(summary.verified)
    expect(summary.submods.tpm!.affirming + summary.submods.tpm!.contraindicated + summary.submods.tpm!.warning + summary.submods.tpm!.none).toBe(summary.verified)
    // Wrong nonces fail the quote: the nonce finding is counted once per such machine.
    expect(summary.topFindings.find((f) => f.code === 'ERR_QUOTE_NONCE_MISMATCH')?.machines).toBe(idsOf('wrong-nonce').length)
  })

  it('clusters by authenticated digests: one cluster per boot chain', () => {
    const clusterOf = (id: string) => summary.clusters.find((c) => c.machineIds.includes(id))!
    // The demo boot, whichever AK quoted it and whatever its unbound labels say, plus the tampered
    // machines (same measured digests; their status tells them apart).
    const demo = clusterOf(idsOf('sb-esp')[0]!)
    expect([...demo.machineIds].sort()).toEqual(idsOf('sb-esp', 'sb-esp-ecdsa', 'sb-esp-relabel', 'tampered'))
    // An AK nobody vouches for authenticates nothing: the same digests, but no component attributed.
    const ne = clusterOf(idsOf('not-enrolled')[0]!)
    expect([...ne.machineIds].sort()).toEqual(idsOf('not-enrolled'))
    expect(Object.values(ne.groups).map((g) => g.status)).toEqual(['unknown', 'unknown', 'unknown', 'unknown', 'unknown'])
    expect(ne.components).toEqual([])
    for (const k of ['kernel-update', 'dbx-update', 'cmdline-change', 'plain-esp', 'plain-direct', 'wrong-nonce'] as const) {
      const c = clusterOf(idsOf(k)[0]!)
      expect([...c.machineIds].sort(), k).toEqual(idsOf(k))
      expect(c.id).not.toBe(demo.id)
    }
    // What changed is where it changed: a kernel update differs in the boot loaders (PCR 4) and kernel (PCR 9) only.
    const ku = clusterOf(idsOf('kernel-update')[0]!)
    const changed = (['firmware', 'secure-boot', 'boot-loader', 'kernel'] as const).filter((g) => ku.groups[g].fingerprint !== demo.groups[g].fingerprint)
    expect(changed).toEqual(['boot-loader', 'kernel'])
    const dbx = clusterOf(idsOf('dbx-update')[0]!)
    expect((['firmware', 'secure-boot', 'boot-loader', 'kernel'] as const).filter((g) => dbx.groups[g].fingerprint !== demo.groups[g].fingerprint)).toEqual(['secure-boot'])
    // A failed quote authenticates nothing: no component is attributed to those machines.
    const wn = clusterOf(idsOf('wrong-nonce')[0]!)
    expect(wn.groups.firmware.status).toBe('unknown')
    expect(wn.components).toEqual([])
  })

  it('puts the tampered machine in its own status: contraindicated with the digest mismatch', () => {
    for (const id of idsOf('tampered')) {
      const r = results.find((x) => x.id === id)!
      expect(r.ear_status).toBe('contraindicated')
      expect(r.verdict!.bootproof_findings.map((f) => f.code)).toContain('EVENT_DIGEST_MISMATCH')
    }
    const demo = summary.clusters.find((c) => c.machineIds.includes(idsOf('sb-esp')[0]!))!
    expect(demo.ear_status.contraindicated).toBe(idsOf('tampered').length)
  })

  it('answers which machines loaded the shim, by digest, and marks path matches unverified', () => {
    const demo = summary.clusters.find((c) => c.machineIds.includes(idsOf('sb-esp')[0]!))!
    const shim = demo.components.find((c) => c.label.endsWith('BOOTX64.EFI'))!
    expect(shim.labelVerified).toBe(false)
    const q = queryFleet(summary, shim.digest)
    // Every machine whose quote authenticated the demo's PCR 4 loaded it (the variants kept shim).
    expect(q.matches).toHaveLength(1)
    // plain-esp boots the same signed shim binary with Secure Boot off: same digest, same answer.
    expect([...q.matches[0]!.machineIds].sort()).toEqual(idsOf('sb-esp', 'sb-esp-ecdsa', 'sb-esp-relabel', 'tampered', 'kernel-update', 'dbx-update', 'cmdline-change', 'plain-esp'))
    expect(queryFleet(summary, shim.digest.slice('sha256:'.length, 'sha256:'.length + 12)).machines).toBe(q.machines)
    const byName = queryFleet(summary, 'bootx64')
    expect(byName.matches.every((m) => m.by === 'label' && !m.component.labelVerified)).toBe(true)
    expect(queryFleet(summary, 'sha256:' + '0'.repeat(64)).matches).toEqual([])
  })

  it('reports the components the baseline policy does not know, with machine counts', () => {
    const added = summary.baseline!.changes
    expect(summary.baseline!.source).toBe('policy')
    const kernel = added.filter((c) => c.group === 'boot-loader')
    // The kernel update's Authenticode digest (measured twice into PCR 4) on every updated machine.
    expect(kernel.map((c) => c.machines)).toContain(idsOf('kernel-update').length)
    // dbx is accepted with any digest by this policy (match "any": its secureBoot rules decide), so not listed.
    expect(added.some((c) => c.label.endsWith('dbx'))).toBe(false)
    expect(added.filter((c) => c.group === 'kernel').map((c) => c.machines)).toContain(idsOf('cmdline-change').length)
    // Nothing of the demo boot itself is new.
    const demo = summary.clusters.find((c) => c.machineIds.includes(idsOf('sb-esp')[0]!))!
    for (const c of demo.components) expect(added.map((a) => a.digest)).not.toContain(c.digest)
  })

  it('compares with an earlier summary: added and removed components', () => {
    const before = summarizeFleet(results.filter((r) => kindOf.get(r.id ?? '') !== 'kernel-update'))
    const after = summarizeFleet(results.filter((r) => kindOf.get(r.id ?? '') !== 'dbx-update'), { baseline: before })
    const ch = after.baseline!.changes
    expect(after.baseline!.source).toBe('summary')
    expect(ch.filter((c) => c.change === 'added').every((c) => c.machines === idsOf('kernel-update').length)).toBe(true)
    expect(ch.filter((c) => c.change === 'removed').every((c) => c.machines === idsOf('dbx-update').length)).toBe(true)
    expect(ch.some((c) => c.change === 'added') && ch.some((c) => c.change === 'removed')).toBe(true)
  })
})

describe('bootChains: false (batch without --summary)', () => {
  it('gives the same verdicts without computing a boot chain', async () => {
    const lines = makeFleet(24, 'no-chains').map((f) => enc.encode(f.line))
    // one verification time for both runs: the verdicts' issue time would otherwise differ across a second boundary
    const now = new Date()
    const withChains = await collect(verifyFleet(lines.map((l) => l.slice()), { policy: POLICY, window: 4, now }))
    const without = await collect(verifyFleet(lines.map((l) => l.slice()), { policy: POLICY, window: 4, bootChains: false, now }))
    expect(withChains.filter((r) => r.verdict).every((r) => r.bootChain !== undefined)).toBe(true)
    expect(without.every((r) => r.bootChain === undefined)).toBe(true)
    expect(without.map(fleetResultLine)).toEqual(withChains.map(fleetResultLine))
  })
})

describe('labels no digest binds never split clusters', () => {
  it('a renamed boot loader path keeps the fingerprint (digest changes split: see the kernel update above)', async () => {
    const text = readFileSync(join(REPO_ROOT, 'test-vectors/demo/evidence.json'), 'utf8')
    const b = parseEvidenceBundle(text)
    const input = { eventLog: b.eventLog!, quotes: b.quotes, ak: b.ak, nonce: b.nonce, akEnrolled: true, policy: POLICY }
    const base = bootChainOf(await verifyAttestation(input))
    // Same-length edit of the UTF-16 path inside the first PCR 4 application event.
    const log = b.eventLog!.slice()
    const from = new TextEncoder().encode('B\0O\0O\0T\0X\x006\x004\0')
    const at = log.findIndex((_, i) => from.every((x, j) => log[i + j] === x))
    expect(at).toBeGreaterThan(0)
    log.set(new TextEncoder().encode('E\0V\0I\0L\0X\x006\x004\0'), at)
    const relabelled = await verifyAttestation({ ...input, eventLog: log })
    expect(relabelled.verdict.ear_status).toBe('affirming')
    const chain = bootChainOf(relabelled)
    expect(chain.fingerprint).toBe(base.fingerprint)
    expect(chain.components.some((c) => c.label.includes('EVILX64'))).toBe(true)
    expect(base.components.some((c) => c.label.includes('EVILX64'))).toBe(false)
  })
})
