/**
 * The human report: root cause first, consequences grouped by the authentication stage's reason
 * code and counted; the verdict JSON is untouched.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseEvidenceBundle } from '../../src/evidence/bundle.js'
import { renderReport } from '../../src/verdict/report.js'
import { verifyAttestation, type AttestationResult } from '../../src/verify.js'
import { REPO_ROOT } from '../helpers/corpus.js'

const SB = join(REPO_ROOT, 'test-vectors/ovmf/sb-esp')
const policy = JSON.parse(readFileSync(join(REPO_ROOT, 'examples/policies/ovmf-sb-esp.derived.json'), 'utf8'))
const bundle = parseEvidenceBundle(readFileSync(join(REPO_ROOT, 'test-vectors/demo/evidence.json'), 'utf8'))
const FACTS = new Set(['POLICY_FACT_UNTRUSTED', 'STATE_FACT_UNTRUSTED'])

async function run(over: Partial<Parameters<typeof verifyAttestation>[0]>): Promise<AttestationResult> {
  return verifyAttestation({ eventLog: bundle.eventLog, quotes: bundle.quotes, ak: bundle.ak, akEnrolled: true, nonce: bundle.nonce, policy, now: new Date('2026-12-01T00:00:00Z'), ...over })
}
const section = (text: string, title: RegExp) => text.split(/\n(?=\S[^\n]*\n-+\n)/).find((s) => title.test(s.split('\n')[0]!)) ?? ''

describe('renderReport: a failed quote (wrong nonce)', () => {
  it('names the quote failure first, then counts the facts it left untrusted instead of listing each', async () => {
    const r = await run({ nonce: new Uint8Array(32) })
    const before = JSON.stringify(r.verdict)
    const text = renderReport(r.verdict, 'text', { evidence: r.evidence! })
    expect(JSON.stringify(r.verdict)).toBe(before)
    const lines = text.split('\n')
    expect(lines.indexOf('Root cause')).toBeGreaterThan(0)
    expect(lines.indexOf('Root cause')).toBeLessThan(lines.indexOf('Steps'))
    expect(lines[lines.indexOf('Root cause') + 2]).toMatch(/^ {2}\[error\] ERR_QUOTE_NONCE_MISMATCH: /)
    const facts = r.verdict.bootproof_findings.filter((f) => FACTS.has(f.code)).length
    expect(facts).toBeGreaterThanOrEqual(7)
    expect(text).toContain(`${facts} facts untrusted because the quote failed [QUOTE_INVALID]`)
    expect(text).toContain('1 policy check failed because the quote failed [QUOTE_INVALID]')
    // No per-fact line repeating the cause; the unrelated freshness finding is still listed in full.
    expect(text).not.toMatch(/\[error\] POLICY_FACT_UNTRUSTED/)
    expect(text).toMatch(/Other findings:\n {2}\[error\] POLICY_FRESHNESS_NONCE/)
    expect(text).toMatch(/Findings \(\d+: 1 root cause above, \d+ consequences, 1 other\)/)
  })
  it('without the evidence nothing is grouped: the root cause still comes first, every finding is listed', async () => {
    const r = await run({ nonce: new Uint8Array(32) })
    const text = renderReport(r.verdict, 'text')
    expect(text.indexOf('ERR_QUOTE_NONCE_MISMATCH')).toBeLessThan(text.indexOf('Steps'))
    const listed = text.match(/\[(error|warning)\] POLICY_FACT_UNTRUSTED/g) ?? []
    expect(listed.length).toBe(r.verdict.bootproof_findings.filter((f) => f.code === 'POLICY_FACT_UNTRUSTED').length)
    expect(text).not.toContain('Consequences')
  })
  it('Markdown groups the same way', async () => {
    const r = await run({ nonce: new Uint8Array(32) })
    const md = renderReport(r.verdict, 'md', { evidence: r.evidence! })
    expect(md).toMatch(/\n## Root cause\n\n- \[error\] `ERR_QUOTE_NONCE_MISMATCH`/)
    expect(md).toMatch(/\n- \d+ facts untrusted because the quote failed \[QUOTE_INVALID\]\n {2}- POLICY_FACT_UNTRUSTED ×\d+/)
  })
})

describe('renderReport: a foreign log (another recording against this quote)', () => {
  const foreign = new Uint8Array(readFileSync(join(REPO_ROOT, 'test-vectors/ovmf/plain-esp/binary_bios_measurements')))
  it('without PCR values: the log-does-not-match diagnosis first, the rest counted under QUOTE_INVALID', async () => {
    const r = await run({ eventLog: foreign })
    const text = renderReport(r.verdict, 'text', { evidence: r.evidence! })
    const root = section(text, /^Root causes?$/)
    expect(root.split('\n')[2]).toMatch(/^ {2}\[error\] LOG_DOES_NOT_MATCH_QUOTE: /)
    expect(root).toContain('ERR_PCR_DIGEST_MISMATCH')
    const findings = section(text, /^Findings/)
    expect(findings).toMatch(/\d+ findings on evidence not authenticated because the quote failed \[QUOTE_INVALID\]/)
    // Far fewer lines than findings: each consequence is counted, not printed.
    expect(findings.split('\n').length).toBeLessThan(r.verdict.bootproof_findings.length)
  })
  it('with the attester PCR values: the PCR mismatches are the root causes, consequences under PCR_NOT_REPRODUCED', async () => {
    const pcrs = JSON.parse(readFileSync(join(SB, 'pcrs.json'), 'utf8'))
    const r = await run({ eventLog: foreign, pcrs: { sha256: Object.fromEntries(Object.entries(pcrs.sha256 as Record<string, string>).filter(([i]) => Number(i) <= 9)) } })
    const text = renderReport(r.verdict, 'text', { evidence: r.evidence! })
    const root = section(text, /^Root causes?$/)
    const mismatches = r.verdict.bootproof_findings.filter((f) => f.code === 'PCR_MISMATCH')
    expect(mismatches.length).toBeGreaterThan(0)
    expect(root.match(/\[error\] PCR_MISMATCH/g)).toHaveLength(mismatches.length)
    const unverified = r.verdict.bootproof_findings.filter((f) => f.code === 'POLICY_PCR_UNVERIFIED').length
    expect(text).toContain(`${unverified} PCRs unverified because the log does not reproduce the quoted PCR value [PCR_NOT_REPRODUCED]`)
  })
})

describe('renderReport: an affirming verdict is unchanged in shape', () => {
  it('no root cause section, "Findings (0)" and none', async () => {
    const r = await run({})
    const text = renderReport(r.verdict, 'text', { evidence: r.evidence! })
    expect(r.verdict.ear_status).toBe('affirming')
    expect(text).not.toContain('Root cause')
    expect(text).toMatch(/Findings \(0\)\n-+\n {2}none$/)
  })
})
