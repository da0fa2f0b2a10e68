/**
 * A fleet line carries an evidence bundle: every evidence member of the bundle must reach
 * `verifyAttestation` exactly as `verify --bundle` passes it (one mapping, `bundleEvidence`).
 * Regression: `batch` dropped the bundle's `celLog` (systemd's tpm2-measure.log), so every
 * systemd/UKI machine whose PCR 11 the CEL continues failed with PCR_MISMATCH.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { bundleEvidence, createFleetLineVerifier, parseEvidenceBundle, parseTpm2ToolsPcrFile, verifyAttestation } from '../../src/index.js'
import { REPO_ROOT } from '../helpers/corpus.js'
import { loadEvidenceBundleFixture } from '../../src/testing/index.js'

const DIR = join(REPO_ROOT, 'test-vectors/uki/boot-cel-ovmf')
const bytes = (p: string) => new Uint8Array(readFileSync(join(DIR, p)))
const b64 = (p: string) => Buffer.from(bytes(p)).toString('base64')
const hex = (v: unknown) => (typeof v === 'string' ? v : Buffer.from(v as Uint8Array).toString('hex'))

/** The recorded UKI boot (firmware log + systemd CEL + quote) as a bundle and as a fleet line. */
function celBoot() {
  const nonce = readFileSync(join(DIR, 'quote/nonce.hex'), 'utf8').trim()
  const pcrs = parseTpm2ToolsPcrFile(bytes('quote/quote.pcrs')).pcrs as Record<string, Record<string, unknown>>
  const pcrsHex = Object.fromEntries(Object.entries(pcrs).map(([bank, regs]) => [bank, Object.fromEntries(Object.entries(regs).map(([i, v]) => [i, hex(v)]))]))
  const ak = { public: b64('quote/ak.pub') }
  const bundle = { version: 1, eventLog: b64('binary_bios_measurements'), celLog: b64('tpm2-measure.log'), quotes: [{ attest: b64('quote/quote.msg'), signature: b64('quote/quote.sig') }], pcrs: pcrsHex, ak }
  return { nonce, ak, bundle, line: JSON.stringify({ id: 'uki-cel', bundle, nonce, ak, akEnrolled: true }) }
}

const errorCodes = (findings: { code: string; severity: string; pcr?: number }[]) => findings.filter((f) => f.severity === 'error').map((f) => `${f.code}${f.pcr !== undefined ? `@${f.pcr}` : ''}`).sort()

describe('fleet line: the bundle evidence reaches verifyAttestation whole', () => {
  it('replays the bundle celLog after the firmware log (PCR 11 reproduced), as verify --bundle does', async () => {
    const { nonce, bundle, line } = celBoot()
    const b = parseEvidenceBundle(bundle)
    const direct = await verifyAttestation({ ...bundleEvidence(b), ak: b.ak, nonce: Buffer.from(nonce, 'hex'), akEnrolled: true })
    // Without the CEL, PCR 11 cannot be reproduced: this is what a dropped celLog looked like.
    const withoutCel = await verifyAttestation({ ...bundleEvidence(b), celLog: undefined, ak: b.ak, nonce: Buffer.from(nonce, 'hex'), akEnrolled: true })
    expect(errorCodes(withoutCel.verdict.bootproof_findings)).toContain('PCR_MISMATCH@11')

    const res = await createFleetLineVerifier({})({ index: 0, line: 1, data: line })
    expect(res.error).toBeUndefined()
    expect(errorCodes(res.verdict!.bootproof_findings)).not.toContain('PCR_MISMATCH@11')
    expect(errorCodes(res.verdict!.bootproof_findings)).toEqual(errorCodes(direct.verdict.bootproof_findings))
    expect(res.ear_status).toBe(direct.verdict.ear_status)
  })

  it('the test kit\'s bundle loader uses the same mapping (celLog included)', async () => {
    const { nonce, bundle } = celBoot()
    const input = loadEvidenceBundleFixture({ text: JSON.stringify({ ...bundle, nonce }) })
    expect(input.celLog).toEqual(parseEvidenceBundle(bundle).celLog)
    const r = await verifyAttestation({ ...input, akEnrolled: true })
    expect(errorCodes(r.verdict.bootproof_findings)).not.toContain('PCR_MISMATCH@11')
  })

  it('bundleEvidence keeps every evidence member and drops the attester\'s ak and nonce', () => {
    const { bundle } = celBoot()
    const pcrSignature = readFileSync(join(REPO_ROOT, 'test-vectors/uki/signed/pcrsig.json'), 'utf8')
    const b = parseEvidenceBundle({ ...bundle, nonce: '00112233', pcrSignature })
    const e = bundleEvidence(b)
    expect(Object.keys(e).sort()).toEqual(['celLog', 'eventLog', 'pcrSignature', 'pcrs', 'quotes'])
    expect(e.celLog).toBe(b.celLog)
    expect(e.eventLog).toBe(b.eventLog)
    expect(e.pcrSignature).toBe(b.pcrSignature)
    expect('ak' in e || 'nonce' in e).toBe(false)
  })
})
