/**
 * verifyAttestation end to end on the committed recorded attestation (test-vectors/demo, a real
 * OVMF Secure Boot boot with an in-guest swtpm quote), and the fail-closed rules of issue 4.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseEvidenceBundle, verifyAttestation, parseTpm2ToolsPcrFile, type VerifyAttestationInput } from '../src/index.js'
import { REPO_ROOT, repoBytes } from './helpers/corpus.js'

const bundleText = readFileSync(join(REPO_ROOT, 'test-vectors/demo/evidence.json'), 'utf8')
const base = (): VerifyAttestationInput => {
  const b = parseEvidenceBundle(bundleText)
  return { eventLog: b.eventLog!, quotes: b.quotes, ak: b.ak, nonce: b.nonce, akEnrolled: true }
}
const find = (v: { bootproof_findings: { code: string }[] }, code: string) => v.bootproof_findings.find((f) => f.code === code)

describe('verifyAttestation on the recorded Secure Boot attestation', () => {
  it('without a policy: quote, replay and integrity succeed, the verdict is not affirming', async () => {
    const r = await verifyAttestation(base())
    expect(r.quote.valid).toBe(true)
    expect(r.trustedPcrs).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(r.verdict.bootproof_steps.quote.status).toBe('success')
    expect(r.verdict.bootproof_steps.replay.status).toBe('success')
    expect(r.verdict.bootproof_steps.appraisal.status).toBe('skipped')
    expect(r.verdict.submods.tpm!.ear_trustworthiness_vector['instance-identity']).toBe(2)
    expect(r.verdict.ear_status).toBe('none')
    expect(r.verdict.eat_profile).toBe('tag:ietf.org,2026:rats/ear#03')
    expect(r.state?.secureBoot.enabled).toMatchObject({ value: true, trusted: true })
  })

  it('a wrong nonce is contraindicated (crypto_failed) and never affirming', async () => {
    const inp = base()
    inp.nonce = new Uint8Array(inp.nonce!.length).fill(7)
    const r = await verifyAttestation(inp)
    expect(find(r.verdict, 'ERR_QUOTE_NONCE_MISMATCH')).toMatchObject({ step: 'quote', submod: 'tpm', severity: 'error' })
    expect(r.verdict.ear_status).toBe('contraindicated')
    for (const s of Object.values(r.verdict.submods)) expect(Object.values(s.ear_trustworthiness_vector)).toContain(99)
    // Nothing from the log is trusted without a valid quote.
    expect(r.state?.secureBoot.enabled.trusted).toBe(false)
  })

  it('a missing nonce fails closed', async () => {
    const r = await verifyAttestation({ ...base(), nonce: undefined })
    expect(find(r.verdict, 'ERR_QUOTE_NONCE_MISSING')).toBeDefined()
    expect(r.verdict.ear_status).toBe('contraindicated')
  })

  it('event data edited with its digest kept: the finding names the event, the submodule is contraindicated', async () => {
    const inp = base()
    const log = inp.eventLog!.slice()
    const needle = new TextEncoder().encode('Exit Boot Services Invocation')
    let at = -1
    for (let i = 0; i + needle.length <= log.length && at < 0; i++) if (needle.every((b, k) => log[i + k] === b)) at = i
    log[at] = 0x58
    inp.eventLog = log
    const r = await verifyAttestation(inp)
    const f = find(r.verdict, 'EVENT_DIGEST_MISMATCH') as { eventIndex?: number; pcr?: number; step?: string }
    expect(f).toMatchObject({ pcr: 5, step: 'integrity' })
    expect(r.log!.events[f.eventIndex!]!.typeName).toBe('EV_EFI_ACTION')
    expect(r.verdict.submods['platform-firmware']!.ear_status).toBe('contraindicated')
    expect(r.verdict.ear_status).toBe('contraindicated')
  })

  it('a digest changed in the log no longer hashes to the quote (LOG_DOES_NOT_MATCH_QUOTE)', async () => {
    const inp = base()
    const log = inp.eventLog!.slice()
    const ev = (await verifyAttestation(base())).log!.events.find((e) => e.pcrIndex === 4 && e.typeName === 'EV_EFI_BOOT_SERVICES_APPLICATION')!
    const d = ev.digests.find((x) => x.bank === 'sha256')!
    const off = d.digest.byteOffset - inp.eventLog!.byteOffset
    log[off]! ^= 1
    inp.eventLog = log
    const r = await verifyAttestation(inp)
    expect(find(r.verdict, 'LOG_DOES_NOT_MATCH_QUOTE')).toBeDefined()
    expect(find(r.verdict, 'ERR_PCR_DIGEST_MISMATCH')).toBeDefined()
    expect(r.verdict.ear_status).toBe('contraindicated')
  })

  it('with the attester\'s PCR values, a changed digest is pinned to its PCR and events', async () => {
    const inp = base()
    inp.pcrs = parseTpm2ToolsPcrFile(repoBytes('test-vectors/ovmf/sb-esp/quote/quote.pcrs')).pcrs
    const log = inp.eventLog!.slice()
    const ev = (await verifyAttestation(base())).log!.events.find((e) => e.pcrIndex === 4 && e.typeName === 'EV_EFI_BOOT_SERVICES_APPLICATION')!
    const d = ev.digests.find((x) => x.bank === 'sha256')!
    log[d.digest.byteOffset - inp.eventLog!.byteOffset]! ^= 1
    inp.eventLog = log
    const r = await verifyAttestation(inp)
    expect(r.quote.valid).toBe(true)
    const m = find(r.verdict, 'PCR_MISMATCH') as { pcr?: number; bank?: string; relatedEvents?: number[]; submod?: string }
    expect(m).toMatchObject({ pcr: 4, bank: 'sha256', submod: 'boot-loader' })
    expect(m.relatedEvents).toContain(ev.index)
    expect(r.trustedPcrs).not.toContain(4)
    expect(r.state!.bootApps.applications[0]!.digestTrusted).toBe(false)
  })

  it('an unknown policy version is refused (typed error), never silently ignored', async () => {
    await expect(verifyAttestation({ ...base(), policy: { id: 'x', version: 999 } })).rejects.toMatchObject({ code: 'ERR_POLICY_VERSION' })
  })
})

describe('evidence bundle', () => {
  it('round-trips the demo bundle', () => {
    const b = parseEvidenceBundle(bundleText)
    expect(b.quotes).toHaveLength(1)
    expect(b.eventLog!.length).toBe(repoBytes('test-vectors/ovmf/sb-esp/binary_bios_measurements').length)
    expect(b.nonce!.length).toBe(32)
  })

  it.each([
    ['not JSON', '{', 'ERR_JSON_INVALID', undefined],
    ['wrong version', '{"version":2,"quotes":[],"ak":{}}', 'ERR_BUNDLE_INVALID', '/version'],
    ['unknown member', JSON.stringify({ ...JSON.parse(bundleText), extra: 1 }), 'ERR_BUNDLE_INVALID', '/extra'],
    ['bad base64', JSON.stringify({ ...JSON.parse(bundleText), eventLog: '***' }), 'ERR_BUNDLE_INVALID', '/eventLog'],
    ['no quotes', JSON.stringify({ ...JSON.parse(bundleText), quotes: [] }), 'ERR_BUNDLE_INVALID', '/quotes'],
    ['no AK', JSON.stringify({ ...JSON.parse(bundleText), ak: {} }), 'ERR_BUNDLE_INVALID', '/ak'],
    ['bad nonce', JSON.stringify({ ...JSON.parse(bundleText), nonce: 'xyz' }), 'ERR_BUNDLE_INVALID', '/nonce'],
  ])('rejects %s with a code and a JSON pointer', (_n, text, code, field) => {
    expect(() => parseEvidenceBundle(text)).toThrowError(expect.objectContaining({ code, ...(field ? { field } : {}) }))
  })
})
