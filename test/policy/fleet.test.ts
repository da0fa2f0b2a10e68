/**
 * Fleet golden image: derivePolicy merges two machines' logs of the same platform (GCE COS 85 and
 * COS 93 on AMD SEV, go-tpm-tools corpus) into alternatives; both affirm, a third release does not.
 * The corpus has no quotes: the "authenticated" PCRs are the logs' own replay (selfQuote).
 */
import { describe, expect, it } from 'vitest'
import { parseEventLog } from '../../src/index.js'
import { appraisePolicy, derivePolicy } from '../../src/policy/index.js'
import { announceCorpus, CORPUS, corpusBytes } from '../helpers/corpus.js'
import { errors, selfQuote } from './helpers.js'

announceCorpus('policy fleet-merge tests (test/policy/fleet.test.ts)')

describe.skipIf(!CORPUS)('fleet merge of two corpus logs of the same platform', () => {
  const load = (n: string) => parseEventLog(corpusBytes(`logs/google-go-tpm-tools--${n}.bin`))
  const cos85 = CORPUS ? load('cos-85-amd-sev') : undefined!
  const cos93 = CORPUS ? load('cos-93-amd-sev') : undefined!
  const appraise = (policy: unknown, log = cos85) => appraisePolicy({ policy, log, quote: selfQuote(log), nonceChecked: true })

  it('both machines affirm against the merged policy', () => {
    const policy = derivePolicy([cos85, cos93], { id: 'fleet/cos-amd-sev' })
    for (const log of [cos85, cos93]) {
      const r = appraise(policy, log)
      expect(errors(r.findings)).toEqual([])
      expect(r.components.every((c) => c.status === 'affirming')).toBe(true)
    }
  })
  it('components that differ become alternatives; identical firmware stays one', () => {
    const policy = derivePolicy([cos85, cos93], { id: 'fleet/cos-amd-sev' })
    const loader = policy.eventRules!.find((r) => r.pcr === 4 && r.component === 'boot-loader' && r.eventTypes?.[0] === 'EV_EFI_BOOT_SERVICES_APPLICATION')!
    expect(loader.alternatives).toHaveLength(2)
    expect(loader.alternatives!.map((a) => a.name)).toEqual(['log 1', 'log 2'])
    const scrtm = policy.eventRules!.find((r) => r.pcr === 0 && r.eventTypes?.[0] === 'EV_S_CRTM_VERSION')!
    expect(scrtm.alternatives).toHaveLength(1)
    expect(policy.linux!.kernelCmdline!.exact).toHaveLength(2)
    // GPT (disk GUIDs) is allow-listed by type only
    expect(policy.eventRules!.find((r) => r.pcr === 5 && r.eventTypes?.[0] === 'EV_EFI_GPT_EVENT')!.match).toBe('any')
  })
  it('a single-machine policy rejects the other machine, naming its boot loader and kernel events', () => {
    const r = appraise(derivePolicy([cos85], { id: 'one' }), cos93)
    expect(r.ok).toBe(false)
    const unknown = r.findings.filter((f) => f.code === 'POLICY_COMPONENT_UNKNOWN')
    expect(unknown.find((f) => f.eventIndex === 22)).toMatchObject({ component: 'boot-loader', pcr: 4 })
    expect(unknown.find((f) => f.eventIndex === 41)).toMatchObject({ component: 'os-kernel', pcr: 4 })
    expect(r.findings.find((f) => f.code === 'POLICY_CMDLINE')).toBeDefined()
  })
  it('a release outside the fleet (COS 101) is not affirmed', () => {
    const r = appraise(derivePolicy([cos85, cos93], { id: 'fleet' }), load('cos-101-amd-sev'))
    expect(r.ok).toBe(false)
    expect(r.findings.some((f) => f.code === 'POLICY_COMPONENT_UNKNOWN' && f.component === 'os-kernel')).toBe(true)
  })
})

describe.skipIf(!CORPUS)('Windows claims from a real WBCL (go-attestation windows_gcp_shielded_vm, SHA-1 log)', () => {
  it('claims under MAA names are evaluated from trusted SIPA facts', () => {
    const log = parseEventLog(corpusBytes('logs/google-go-attestation--windows_gcp_shielded_vm.bin'))
    const policy = { id: 'win', version: 1, pcrs: { banks: ['sha1'], required: [12, 13, 14] }, windows: { claims: { bootDebuggingDisabled: true, testSigningDisabled: true, notSafeMode: true, vbsEnabled: true } } }
    // The real quote's PCR values (sha1 0-23, recorded next to the log): the claims rest on the
    // absence of contrary events in PCR 11-14 and 19-20, which a self-made quote would not cover.
    const att = JSON.parse(new TextDecoder().decode(corpusBytes('attestations/google-go-attestation--windows_gcp_shielded_vm.json')))
    const r = appraisePolicy({ policy, log, quote: { valid: true, pcrs: att.quotes[0].pcrs }, nonceChecked: true })
    // this shielded VM booted without VBS: the only finding
    expect(r.findings).toEqual([expect.objectContaining({ code: 'POLICY_WINDOWS_CLAIM', componentName: 'vbsEnabled', observed: 'false', component: 'windows-boot' })])
  })
  it('with only the PCRs the log extends quoted, the absence-based claims cannot be used', () => {
    const log = parseEventLog(corpusBytes('logs/google-go-attestation--windows_gcp_shielded_vm.bin'))
    const policy = { id: 'win', version: 1, pcrs: { banks: ['sha1'], required: [12, 13, 14] }, windows: { claims: { testSigningDisabled: true } } }
    const r = appraisePolicy({ policy, log, quote: selfQuote(log), nonceChecked: true })
    expect(r.findings.filter((f) => f.code === 'POLICY_PCR_NOT_QUOTED').map((f) => f.pcr)).toEqual([19, 20])
    expect(r.ok).toBe(false)
  })
})
