/**
 * bootproof/testing (src/testing): a built log, quoted by a software AK, verifies affirming
 * against a policy derived from it; the matchers pass and fail as they should; recorded
 * fixtures load into verifyAttestation input.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { derivePolicy, parseEventLog, replayEventLog, replayedValues, toHex, verifyAttestation, verifyQuote } from '../../src/index.js'
import {
  attestEventLog,
  bootproofMatchers,
  buildEventLog,
  buildQuote,
  createSoftwareAk,
  events,
  loadEvidenceBundleFixture,
  loadTpm2ToolsFixture,
  readFixture,
  registerBootproofMatchers,
  standardBoot,
  type BootproofMatchers,
} from '../../src/testing/index.js'
import { REPO_ROOT } from '../helpers/corpus.js'

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Assertion<T = any> extends BootproofMatchers<T> {}
}
registerBootproofMatchers(expect)

const policyFor = (log: Uint8Array) => derivePolicy([parseEventLog(log)], { id: 'test/testing' })

describe('log builder', () => {
  it('writes a log the parser reads and that replays to the values computed from its events', () => {
    const built = buildEventLog({ banks: ['sha1', 'sha256', 'sha384'], events: standardBoot() })
    const log = parseEventLog(built.bytes)
    expect(log.events.length).toBe(built.events.length + 1)
    expect(built.records[3]!.offset).toBe(log.events[3]!.offset)
    const replayed = replayedValues(replayEventLog(log))
    for (const bank of ['sha1', 'sha256', 'sha384']) {
      const got = Object.fromEntries(Object.entries(replayed[bank]!).map(([p, v]) => [p, toHex(v)]))
      expect(got, bank).toEqual(built.pcrs[bank])
    }
    expect(Object.keys(built.pcrs.sha256!)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7'])
  })
})

describe('software AK and quote', () => {
  for (const kind of ['ecdsa-p256', 'ecdsa-p384', 'rsassa', 'rsapss'] as const) {
    it(`${kind}: verifyQuote accepts the quote, and rejects another nonce`, async () => {
      const ak = await createSoftwareAk({ kind })
      const nonce = Uint8Array.of(1, 2, 3, 4)
      const pcrs = buildEventLog({ events: standardBoot() }).pcrs
      const q = await buildQuote(ak, { nonce, pcrs, banks: ['sha256'] })
      const ok = await verifyQuote({ attest: q.attest, signature: q.signature, ak: ak.tpm2bPublic, nonce, pcrs: q.pcrs })
      expect(ok.valid, JSON.stringify(ok.errors)).toBe(true)
      const bad = await verifyQuote({ attest: q.attest, signature: q.signature, ak: ak.tpm2bPublic, nonce: Uint8Array.of(9), pcrs: q.pcrs })
      expect(bad.valid).toBe(false)
    })
  }
})

describe('end to end with the matchers', () => {
  it('a built boot, quoted by a software AK, is affirming against a policy derived from it', async () => {
    const { bytes } = buildEventLog({ events: standardBoot() })
    const { input } = await attestEventLog(bytes)
    const result = await verifyAttestation({ ...input, policy: policyFor(bytes) })
    expect(result).toBeAffirming()
    expect(result.verdict).toBeAffirming()
    expect(result).not.toHaveFinding('LOG_DOES_NOT_MATCH_QUOTE')
  })

  it('an updated boot application is not affirming against the old policy, and says why', async () => {
    const policy = policyFor(buildEventLog({ events: standardBoot() }).bytes)
    const updated = buildEventLog({ events: standardBoot({ bootSeed: 2 }) }).bytes
    const result = await verifyAttestation({ ...(await attestEventLog(updated)).input, policy })
    expect(result).not.toBeAffirming()
    const errors = result.verdict.bootproof_findings.filter((f) => f.severity === 'error')
    // Only the boot applications (PCR 4) differ; the rest of the boot still matches the policy.
    expect(errors.length).toBeGreaterThan(0)
    expect(errors.filter((f) => f.pcr !== undefined && f.pcr !== 4)).toEqual([])
    expect(result).toHaveFinding(errors[0]!.code, { severity: 'error' })
  })

  it('a log that lies about an event is caught: the quote does not match it', async () => {
    const honest = buildEventLog({ events: standardBoot() })
    const { input } = await attestEventLog(honest.bytes)
    const lying = buildEventLog({ events: [...standardBoot(), events.efiAction(4, 'extra')] })
    const result = await verifyAttestation({ ...input, eventLog: lying.bytes, policy: policyFor(honest.bytes) })
    expect(result).not.toBeAffirming()
    expect(result.verdict.ear_status).not.toBe('affirming')
  })

  it('the matchers report what they saw when they fail', async () => {
    const { input } = await attestEventLog(buildEventLog({ events: standardBoot() }).bytes)
    const result = await verifyAttestation(input) // no policy: never affirming
    const affirming = bootproofMatchers.toBeAffirming.call({}, result)
    expect(affirming.pass).toBe(false)
    expect(affirming.message()).toMatch(/to be affirming, but it is /)
    const finding = bootproofMatchers.toHaveFinding.call({}, result, 'NO_SUCH_CODE')
    expect(finding.pass).toBe(false)
    expect(finding.message()).toMatch(/expected a finding NO_SUCH_CODE/)
    expect(bootproofMatchers.toBeAffirming.call({}, { not: 'a verdict' }).pass).toBe(false)
    expect(() => expect(result).toBeAffirming()).toThrow(/to be affirming/)
    expect(() => expect([{ code: 'X', severity: 'error' }]).toHaveFinding('X', { severity: 'warning' })).toThrow(/expected a finding X/)
    expect([{ code: 'X', severity: 'error' }]).toHaveFinding('X', { severity: 'error' })
  })
})

describe('recorded fixtures', () => {
  it('the demo evidence bundle loads and verifies affirming against its committed policy', async () => {
    const policy = JSON.parse(new TextDecoder().decode(readFixture(join(REPO_ROOT, 'examples/policies/ovmf-sb-esp.derived.json'))))
    const input = loadEvidenceBundleFixture(join(REPO_ROOT, 'test-vectors/demo/evidence.json'), { policy })
    expect(input.akEnrolled).toBe(true)
    expect(await verifyAttestation(input)).toBeAffirming()
  })

  it('a tpm2-tools quote directory loads; its quote verifies', async () => {
    const input = loadTpm2ToolsFixture(join(REPO_ROOT, 'test-vectors/quotes/ecdsa-p256-sha256'))
    expect(input.eventLog).toBeUndefined()
    const r = await verifyQuote({ attest: input.quotes[0]!.attest, signature: input.quotes[0]!.signature, ak: input.ak as Uint8Array, nonce: input.nonce, pcrs: input.pcrs! })
    expect(r.valid, JSON.stringify(r.errors)).toBe(true)
  })
})
