/**
 * A CCEL through verifyAttestation: the TD quote of `cvm` (a bare TDX quote, or the one endorsing
 * an Azure HCL report) is the register source of the authentication stage once verifyCvm verified
 * it. Real bytes: go-tdx-guest's GCP cos-113 quote and the CCEL of the same TD; the shared corpus's
 * Azure TDX evidence (whose TD quote belongs to another TD) for the HCL path.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { derivePolicy, eventTrust, parseEventLog, parseEvidenceBundle, parseTdxQuote, pcrTrust, verifyAttestation, type AttestationResult, type Policy } from '../../src/index.js'
import { createSoftwareAk } from '../../src/testing/index.js'
import { announceCorpus, CORPUS, REPO_ROOT } from '../helpers/corpus.js'
import { azureSamples, bundleText, NOW as AZURE_NOW } from '../cvm/azure/helpers.js'
import { bodyOffset, flip, vector } from '../cvm/tdx/helpers.js'

announceCorpus('a CCEL with the Azure TDX HCL evidence through verifyAttestation')

const LOG = 'go-tdx-guest/ccel_data.dat'
const QUOTE = 'go-tdx-guest/cos-113-tdx-quote.dat'
const NOW = new Date('2025-01-01T00:00:00Z')
const ccel = (bytes: Uint8Array = vector(LOG)) => parseEventLog(bytes, { registers: 'cc-mr' })

/** The CCEL's own golden policy: event rules on MR 1-4 in sha384 (no absence-based facts). */
const policy = (): Policy => derivePolicy([ccel()], { id: 'tdx/cos-113', banks: ['sha384'], pcrs: [1, 2, 3, 4], kernelCmdline: false, secureBoot: false, startupLocality: false })

/** A bare TDX attestation: the CCEL, its TD quote, no TPM quote (a software AK stands in for the unused TPM input). */
async function attest(log: Uint8Array, quote: Uint8Array, withPolicy = false): Promise<AttestationResult> {
  const ak = await createSoftwareAk()
  return verifyAttestation({ eventLog: log, eventLogOptions: { registers: 'cc-mr' }, quotes: [], ak: ak.tpm2bPublic, nonce: undefined, cvm: { tdxQuote: quote }, now: NOW, ...(withPolicy ? { policy: policy() } : {}) })
}

const submod = (r: AttestationResult, name: string) => r.verdict.submods[name]!
const mrStatus = (r: AttestationResult) => [1, 2, 3, 4].map((mr) => pcrTrust(r.evidence!, mr).status)

/** Offset of the sha384 digest of the first extended record on `mr`. */
function digestOn(bytes: Uint8Array, mr: number): number {
  const log = ccel(bytes)
  return log.events.find((e) => e.pcrIndex === mr && e.eventType !== 3)!.offset + 12 + 2
}

describe('a bare TD quote verified by verifyCvm authenticates the CCEL', () => {
  it('RTMR0-3 reproduced: MR 1-4 authenticated, facts from them trusted under a quote basis, the replay step says so', async () => {
    const r = await attest(vector(LOG), vector(QUOTE))
    expect(r.cvm!.hardwareVerified).toBe(true)
    expect(r.evidence!.basis).toBe('quote')
    expect(r.trustedPcrs).toEqual([1, 2, 3, 4])
    expect(r.state!.linux.grubCommands.events.every((i) => eventTrust(r.evidence!, i).trusted)).toBe(true)
    expect(r.verdict.bootproof_steps.replay).toMatchObject({ status: 'success', note: '4/4 RTMRs of the verified TD quote reproduced by the CCEL' })
    expect(r.verdict.bootproof_findings.filter((f) => f.step === 'replay')).toEqual([])
  })

  it('with the CCEL\'s policy the boot submodules it governs are affirming; the missing TPM quote and nonce still keep the verdict from affirming', async () => {
    const r = await attest(vector(LOG), vector(QUOTE), true)
    expect(submod(r, 'platform-firmware').ear_status).toBe('affirming')
    expect(submod(r, 'boot-loader').ear_status).toBe('affirming')
    expect(submod(r, 'tpm').bootproof_findings.map((f) => f.code)).toEqual(expect.arrayContaining(['ERR_QUOTES_EMPTY', 'POLICY_FRESHNESS_NONCE']))
    expect(r.verdict.ear_status).not.toBe('affirming')
  })
})

describe('what the pipeline does not authenticate', () => {
  it('one record digest on MR 3 (RTMR2) edited: MR 3 tainted, PCR_MISMATCH in os-kernel, the GRUB commands untrusted, the policy\'s MR 3 rules fail', async () => {
    const log = vector(LOG)
    const r = await attest(flip(log, digestOn(log, 3) + 9), vector(QUOTE), true)
    expect(mrStatus(r)).toEqual(['authenticated', 'authenticated', 'tainted', 'authenticated'])
    expect(r.trustedPcrs).toEqual([1, 2, 4])
    expect(r.state!.linux.grubCommands).toMatchObject({ trusted: false, reasonCode: 'PCR_NOT_REPRODUCED' })
    const mismatch = r.verdict.bootproof_findings.filter((f) => f.code === 'PCR_MISMATCH')
    expect(mismatch.map((f) => [f.step, f.submod, f.pcr, f.bank])).toEqual([['replay', 'os-kernel', 3, 'sha384']])
    expect(submod(r, 'os-kernel').ear_status).toBe('contraindicated')
    // The derived policy names MR 3's rules by the RTMR's role (GRUB strings and files, kernel):
    // their failure lands in os-kernel; MR 1 (platform configuration) is untouched and affirms.
    expect(submod(r, 'os-kernel').bootproof_findings.map((f) => f.code)).toEqual(expect.arrayContaining(['PCR_MISMATCH']))
    expect(submod(r, 'platform-firmware').ear_status).toBe('affirming')
    expect(r.verdict.bootproof_steps.replay).toMatchObject({ status: 'failed', note: '3/4 RTMRs of the verified TD quote reproduced by the CCEL' })
  })

  it('the TD quote does not verify (a REPORTDATA byte flipped under its signature): QUOTE_INVALID on every MR, nothing trusted', async () => {
    const r = await attest(vector(LOG), flip(vector(QUOTE), bodyOffset(4) + 520), true)
    expect(r.cvm!.hardwareVerified).toBe(false)
    expect([1, 2, 3, 4].map((mr) => pcrTrust(r.evidence!, mr).reason?.code)).toEqual(['QUOTE_INVALID', 'QUOTE_INVALID', 'QUOTE_INVALID', 'QUOTE_INVALID'])
    expect(pcrTrust(r.evidence!, 1).reason!.message).toContain('ERR_TDX_SIGNATURE')
    expect(r.trustedPcrs).toEqual([])
    expect(r.state!.linux.grubCommands).toMatchObject({ trusted: false, reasonCode: 'QUOTE_INVALID' })
    expect(r.verdict.bootproof_steps.replay.status).toBe('failed')
    expect(submod(r, 'platform-firmware').ear_status).not.toBe('affirming')
    expect(submod(r, 'boot-loader').ear_status).not.toBe('affirming')
  })

  it('a CCEL without any TD quote: NO_QUOTE on every MR (the TPM quote step never speaks for CC MRs)', async () => {
    const ak = await createSoftwareAk()
    const r = await verifyAttestation({ eventLog: vector(LOG), eventLogOptions: { registers: 'cc-mr' }, quotes: [], ak: ak.tpm2bPublic, nonce: undefined, now: NOW })
    expect([1, 2, 3, 4].map((mr) => pcrTrust(r.evidence!, mr).reason?.code)).toEqual(['NO_QUOTE', 'NO_QUOTE', 'NO_QUOTE', 'NO_QUOTE'])
    expect(r.trustedPcrs).toEqual([])
    expect(r.verdict.bootproof_steps.replay.status).toBe('failed')
  })
})

describe.skipIf(!CORPUS)('Azure TDX: the HCL report\'s verified TD quote is the register source', () => {
  it('a CCEL of another TD: RTMR0-2 of the Azure quote (zero) are not reproduced, MR 1-3 tainted; only the empty MR 4 matches', async () => {
    const s = azureSamples().find((x) => x.platform === 'tdx')!
    const b = parseEvidenceBundle(bundleText(s))
    const r = await verifyAttestation({ eventLog: vector(LOG), eventLogOptions: { registers: 'cc-mr' }, quotes: b.quotes, ak: b.ak, nonce: b.nonce, ...(b.pcrs ? { pcrs: b.pcrs } : {}), cvm: b.cvm!, now: AZURE_NOW })
    expect(r.cvm!).toMatchObject({ platform: 'tdx', hardwareVerified: true, akBound: true })
    expect(r.quote.valid).toBe(true)
    expect(mrStatus(r)).toEqual(['tainted', 'tainted', 'tainted', 'authenticated'])
    expect(r.trustedPcrs).toEqual([4])
    expect(r.state!.linux.grubCommands).toMatchObject({ trusted: false, reasonCode: 'PCR_NOT_REPRODUCED' })
    const mismatch = r.verdict.bootproof_findings.filter((f) => f.code === 'PCR_MISMATCH')
    expect(mismatch.map((f) => [f.pcr, f.submod])).toEqual([[1, 'platform-firmware'], [2, 'boot-loader'], [3, 'os-kernel']])
    expect(r.verdict.ear_status).toBe('contraindicated')
  })
})

describe('derivePolicy on a CCEL', () => {
  it('defaults to the CC registers: sha384, MR 1-4, no command-line pin (the explicit options give the same policy)', () => {
    const implicit = derivePolicy([ccel()], { id: 'tdx/cos-113' })
    expect(implicit.pcrs).toEqual({ banks: ['sha384'], required: [1, 2, 3, 4] })
    expect(implicit.linux).toBeUndefined()
    expect(implicit).toEqual(policy())
  })

  it('pins what RTMR0 holds of PCR 7 (a CCEL has no trusted Secure Boot facts for secureBoot rules to stand in): the variables as a sequence, the authorities as a set, by digest', () => {
    const p = derivePolicy([ccel()], { id: 'tdx/cos-113' })
    const vars = p.eventRules!.filter((r) => r.pcr === 1 && r.eventTypes?.includes('EV_EFI_VARIABLE_DRIVER_CONFIG'))
    expect(vars.length).toBe(1)
    expect(vars[0]).toMatchObject({ component: 'secure-boot', match: 'sequence' })
    const entries = vars[0]!.alternatives!.flatMap((a) => a.events)
    expect(entries.length).toBeGreaterThanOrEqual(5)
    expect(entries.every((e) => typeof e.sha384 === 'string' && e.sha384.length === 96 && !e.any)).toBe(true)
    // boot variables may vary; nothing else on MR 1 is left unpinned
    for (const r of p.eventRules!.filter((x) => x.pcr === 1)) {
      if (r.match === 'any') expect(r.eventTypes!.every((t) => t === 'EV_EFI_VARIABLE_BOOT' || t === 'EV_EFI_VARIABLE_BOOT2')).toBe(true)
    }
  })

  it('refuses to mix CC event logs and TPM logs in one policy', () => {
    const tpmLog = parseEventLog(new Uint8Array(readFileSync(join(REPO_ROOT, 'test-vectors/ovmf/plain-direct/binary_bios_measurements'))))
    expect(() => derivePolicy([ccel(), tpmLog], { id: 'mixed' })).toThrow(/mix CC event logs/)
  })
})

describe('freshness of a bare TD quote: the REPORTDATA the verifier expects (cvmOptions.tdx.reportData)', () => {
  const run = async (reportData: Uint8Array) => {
    const ak = await createSoftwareAk()
    return verifyAttestation({ eventLog: vector(LOG), eventLogOptions: { registers: 'cc-mr' }, quotes: [], ak: ak.tpm2bPublic, nonce: undefined, cvm: { tdxQuote: vector(QUOTE) }, cvmOptions: { tdx: { reportData } }, now: NOW, policy: policy() })
  }
  const codes = (r: AttestationResult) => r.verdict.bootproof_findings.map((f) => f.code)

  it('equal to the REPORTDATA of the quote: the freshness rule is met, the RTMRs stay authenticated', async () => {
    const r = await run(parseTdxQuote(vector(QUOTE)).body.reportData)
    expect(r.cvm!.checks.find((c) => c.id === 'tdx.td.reportData')).toMatchObject({ ok: true })
    expect(r.trustedPcrs).toEqual([1, 2, 3, 4])
    expect(codes(r)).not.toContain('POLICY_FRESHNESS_NONCE')
    // Without it the same attestation fails freshness (the TPM quotes' nonce never speaks for RTMRs).
    const without = await attest(vector(LOG), vector(QUOTE), true)
    expect(codes(without)).toContain('POLICY_FRESHNESS_NONCE')
  })

  it('another REPORTDATA (a replayed quote): ERR_TDX_REPORT_DATA, the quote does not authenticate the RTMRs', async () => {
    const stale = parseTdxQuote(vector(QUOTE)).body.reportData.slice()
    stale[0]! ^= 1
    const r = await run(stale)
    expect(r.cvm!.checks.find((c) => c.id === 'tdx.td.reportData')).toMatchObject({ ok: false, code: 'ERR_TDX_REPORT_DATA' })
    expect(r.cvm!.hardwareVerified).toBe(false)
    expect([1, 2, 3, 4].map((mr) => pcrTrust(r.evidence!, mr).reason?.code)).toEqual(['QUOTE_INVALID', 'QUOTE_INVALID', 'QUOTE_INVALID', 'QUOTE_INVALID'])
    expect(codes(r)).toContain('POLICY_FRESHNESS_NONCE')
    expect(r.verdict.ear_status).not.toBe('affirming')
  })
})

describe('a debug TD quote authenticates no RTMR unless the verifier allows debug TDs', () => {
  // trustee's tdx_quote_4.dat: validly signed, TDATTRIBUTES bit 0 (DEBUG) set, RTMR2 and RTMR3 zero.
  const DEBUG_QUOTE = 'trustee/tdx_quote_4.dat'
  const specIdOnly = () => {
    const full = vector(LOG)
    return full.slice(0, ccel(full).events[1]!.offset)
  }
  const run = async (allowDebug?: boolean) => {
    const ak = await createSoftwareAk()
    return verifyAttestation({ eventLog: specIdOnly(), eventLogOptions: { registers: 'cc-mr' }, quotes: [], ak: ak.tpm2bPublic, nonce: undefined, cvm: { tdxQuote: vector(DEBUG_QUOTE) }, now: new Date('2023-07-01T00:00:00Z'), ...(allowDebug ? { cvmOptions: { allowDebug } } : {}) })
  }

  it('by default: QUOTE_INVALID (ERR_TDX_DEBUG) on every MR, even the ones the log reproduces', async () => {
    const r = await run()
    expect(r.cvm!).toMatchObject({ debug: true, hardwareVerified: true })
    expect([1, 2, 3, 4].map((mr) => pcrTrust(r.evidence!, mr).reason?.code)).toEqual(['QUOTE_INVALID', 'QUOTE_INVALID', 'QUOTE_INVALID', 'QUOTE_INVALID'])
    expect(pcrTrust(r.evidence!, 3).reason!.message).toContain('ERR_TDX_DEBUG')
    expect(r.trustedPcrs).toEqual([])
    expect(r.verdict.ear_status).not.toBe('affirming')
  })

  it('with allowDebug the zero RTMRs the empty log reproduces are authenticated, the others tainted', async () => {
    const r = await run(true)
    expect([1, 2, 3, 4].map((mr) => pcrTrust(r.evidence!, mr).status)).toEqual(['tainted', 'tainted', 'authenticated', 'authenticated'])
    expect(r.trustedPcrs).toEqual([3, 4])
  })
})
