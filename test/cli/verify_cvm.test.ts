/**
 * `bootproof verify-cvm`: the three input forms (HCL report, SEV-SNP report, TDX quote), the
 * --json contract (schema/verify-cvm.schema.json), exit codes 0 / 1 / 2, and the corpus's Azure
 * evidence through the command.
 */
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Ajv2020 from 'ajv/dist/2020.js'
import { describe, expect, it } from 'vitest'
import { runCli } from './run.js'
import { announceCorpus, CORPUS, REPO_ROOT } from '../helpers/corpus.js'
import { azureSamples, bundleText, pem } from '../cvm/azure/helpers.js'

announceCorpus('verify-cvm over the corpus Azure evidence')

const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true })
const validate = ajv.compile(JSON.parse(readFileSync(join(REPO_ROOT, 'schema/verify-cvm.schema.json'), 'utf8')))
const validateError = ajv.compile(JSON.parse(readFileSync(join(REPO_ROOT, 'schema/cli-error.schema.json'), 'utf8')))

const AZ = (f: string) => join(REPO_ROOT, 'test-vectors/cvm/azure', f)
const SNPV = (f: string) => join(REPO_ROOT, 'test-vectors/cvm/snp', f)
const TDXV = (f: string) => join(REPO_ROOT, 'test-vectors/cvm/tdx', f)
const NOW = ['--now', '2026-01-01T00:00:00Z']
const tmp = mkdtempSync(join(tmpdir(), 'bootproof-verify-cvm-'))
const write = (name: string, data: Uint8Array | string): string => {
  const p = join(tmp, name)
  writeFileSync(p, data)
  return p
}

async function json(...argv: string[]): Promise<{ code: number; out: Record<string, any>; err: string }> {
  const r = await runCli('verify-cvm', ...argv, '--json')
  const out = JSON.parse(r.out)
  const v = r.code === 2 ? validateError : validate
  expect(v(out), `${argv.join(' ')}: ${JSON.stringify(v.errors?.slice(0, 3))}`).toBe(true)
  return { code: r.code, out, err: r.err }
}
const errorCodes = (out: Record<string, any>): string[] => out.errors.map((e: { code: string }) => e.code)

// The AK of the committed SEV-SNP HCL report, as an SPKI PEM file (what `verify-quote --ak` takes).
const akOf = async (hcl: string): Promise<string> => {
  const r = await json('--hcl-report', hcl)
  return write(`ak-${r.out.ak.slice(-16)}.pem`, pem('PUBLIC KEY', new Uint8Array(Buffer.from(r.out.ak, 'hex'))))
}

describe('verify-cvm --hcl-report', () => {
  it('trustee SEV-SNP vector with its VCEK chain: exit 0, schema-valid, report fields in hex, akBound false without --ak', async () => {
    const r = await json('--hcl-report', AZ('trustee-snp-hcl-report.bin'), '--vcek', AZ('trustee-snp-vcek.pem'), ...NOW)
    expect(r.code).toBe(0)
    expect(r.out).toMatchObject({ valid: true, platform: 'sev-snp', akBound: false, hardwareVerified: true, hcl: { version: 1, reportType: 'sev-snp', hashType: 'sha256' } })
    expect(r.out.report.measurement).toMatch(/^[0-9a-f]{96}$/)
    expect(r.out.ak).toMatch(/^30820122/)
  })

  it('--ak (SPKI PEM) equal to HCLAkPub: akBound true; the TDX report\'s AK instead: exit 1, ERR_HCL_AK_MISMATCH', async () => {
    const mine = await akOf(AZ('trustee-snp-hcl-report.bin'))
    const other = await akOf(AZ('trustee-tdx-hcl-report.bin'))
    const ok = await json('--hcl-report', AZ('trustee-snp-hcl-report.bin'), '--vcek', AZ('trustee-snp-vcek.pem'), '--ak', mine, ...NOW)
    expect(ok.code).toBe(0)
    expect(ok.out.akBound).toBe(true)
    const bad = await json('--hcl-report', AZ('trustee-snp-hcl-report.bin'), '--vcek', AZ('trustee-snp-vcek.pem'), '--ak', other, ...NOW)
    expect(bad.code).toBe(1)
    expect(errorCodes(bad.out)).toEqual(['ERR_HCL_AK_MISMATCH'])
    expect(bad.out.akBound).toBe(false)
  })

  it('without --vcek: exit 1, ERR_CVM_ENDORSEMENT_MISSING', async () => {
    const r = await json('--hcl-report', AZ('trustee-snp-hcl-report.bin'), ...NOW)
    expect(r.code).toBe(1)
    expect(errorCodes(r.out)).toEqual(['ERR_CVM_ENDORSEMENT_MISSING'])
  })

  it('a flipped SEV-SNP report byte: exit 1, ERR_SNP_SIGNATURE; text output names the failing check', async () => {
    const b = new Uint8Array(readFileSync(AZ('trustee-snp-hcl-report.bin')))
    b[0x20 + 0x90]! ^= 1
    const p = write('flipped.bin', b)
    const r = await json('--hcl-report', p, '--vcek', AZ('trustee-snp-vcek.pem'), ...NOW)
    expect(r.code).toBe(1)
    expect(errorCodes(r.out)).toEqual(['ERR_SNP_SIGNATURE'])
    const t = await runCli('verify-cvm', '--hcl-report', p, '--vcek', AZ('trustee-snp-vcek.pem'), ...NOW)
    expect(t.code).toBe(1)
    expect(t.out).toMatch(/SEV-SNP \(Azure HCL report\): INVALID/)
    expect(t.out).toMatch(/FAIL report\.signature ERR_SNP_SIGNATURE/)
  })

  it('TDX HCL report with its TD quote: exit 0, akBound with the AK', async () => {
    const ak = await akOf(AZ('trustee-tdx-hcl-report.bin'))
    const r = await json('--hcl-report', AZ('trustee-tdx-hcl-report.bin'), '--tdx-quote', AZ('trustee-tdx-td-quote.bin'), '--ak', ak, ...NOW)
    expect(r.code).toBe(0)
    expect(r.out).toMatchObject({ valid: true, platform: 'tdx', akBound: true })
    expect(r.out.report.tdQuote.mrTd).toBe(r.out.measurement)
  })

  it('an unparseable HCL report: exit 2, ERR_HCL_REPORT_MALFORMED in the error shape', async () => {
    const r = await json('--hcl-report', write('short.bin', new Uint8Array(readFileSync(AZ('trustee-snp-hcl-report.bin'))).subarray(0, 1000)))
    expect(r.code).toBe(2)
    expect(r.out.error.code).toBe('ERR_HCL_REPORT_MALFORMED')
  })
})

describe('verify-cvm --snp-report / --tdx-quote', () => {
  it('a bare SEV-SNP report with its VCEK (trustee, Milan v2): exit 0', async () => {
    const r = await json('--snp-report', SNPV('trustee-test-report.bin'), '--vcek', SNPV('trustee-test-vcek.der'), ...NOW)
    expect(r.code).toBe(0)
    expect(r.out.hcl).toBeUndefined()
    expect(r.out.akBound).toBeUndefined()
  })

  it('a debug guest: exit 1 ERR_SNP_DEBUG; --allow-debug: exit 0', async () => {
    const args = ['--snp-report', SNPV('go-sev-guest-attestation.bin'), '--vcek', SNPV('go-sev-guest-vcek.der'), ...NOW]
    const r = await json(...args)
    expect(r.code).toBe(1)
    expect(errorCodes(r.out)).toEqual(['ERR_SNP_DEBUG'])
    expect((await json(...args, '--allow-debug')).code).toBe(0)
  })

  it('a bare TD quote: exit 0; a debug TD with collateral from a directory: only ERR_TDX_DEBUG (UpToDate)', async () => {
    expect((await json('--tdx-quote', AZ('trustee-tdx-td-quote.bin'), ...NOW)).code).toBe(0)
    const dir = mkdtempSync(join(tmp, 'collateral-'))
    for (const [from, to] of [['sample_tcbInfo_response', 'tcb-info.json'], ['tcb_info_issuer_chain.pem', 'tcb-info-issuer-chain.pem'], ['sample_qeIdentity_response', 'qe-identity.json'], ['tcb_info_issuer_chain.pem', 'qe-identity-issuer-chain.pem'], ['rootcrl.der', 'root-ca.crl'], ['pckcrl', 'pck.crl']]) copyFileSync(TDXV(`go-tdx-guest/${from}`), join(dir, to!))
    const args = ['--tdx-quote', TDXV('trustee/tdx_quote_4.dat'), '--collateral', dir, '--now', '2023-07-01T00:00:00Z']
    const r = await json(...args)
    expect(r.code).toBe(1)
    expect(errorCodes(r.out)).toEqual(['ERR_TDX_DEBUG'])
    expect(r.out.checks.map((c: { id: string }) => c.id)).toContain('tdx.tcb.status')
    expect((await json(...args, '--allow-debug')).code).toBe(0)
  })

  it('a CCEL log is replayed against RTMR0-3 (go-tdx-guest COS quote and its log)', async () => {
    const r = await json('--tdx-quote', TDXV('go-tdx-guest/cos-113-tdx-quote.dat'), '--ccel', TDXV('go-tdx-guest/ccel_data.dat'), '--now', '2025-01-01T00:00:00Z')
    expect(r.out.checks.filter((c: { id: string }) => c.id.startsWith('tdx.ccel')).length).toBeGreaterThan(0)
    expect(r.out.checks.filter((c: { id: string; ok: boolean }) => c.id.startsWith('tdx.ccel') && !c.ok)).toEqual([])
  })
})

describe('verify-cvm usage errors: exit 2', () => {
  const cases: [string, string[]][] = [
    ['no input', []],
    ['two inputs', ['--hcl-report', AZ('trustee-snp-hcl-report.bin'), '--snp-report', SNPV('trustee-test-report.bin')]],
    ['--snp-report without --vcek', ['--snp-report', SNPV('trustee-test-report.bin')]],
    ['--ak without --hcl-report', ['--snp-report', SNPV('trustee-test-report.bin'), '--vcek', SNPV('trustee-test-vcek.der'), '--ak', AZ('trustee-snp-vcek.pem')]],
    ['--ccel without --tdx-quote', ['--hcl-report', AZ('trustee-snp-hcl-report.bin'), '--ccel', AZ('trustee-snp-vcek.pem')]],
    ['--collateral that is not a directory of collateral', ['--tdx-quote', AZ('trustee-tdx-td-quote.bin'), '--collateral', tmp]],
    ['a bad --now', ['--hcl-report', AZ('trustee-snp-hcl-report.bin'), '--now', 'yesterday']],
    ['an unknown option', ['--hcl-report', AZ('trustee-snp-hcl-report.bin'), '--vmpl', '0']],
  ]
  for (const [name, argv] of cases) {
    it(name, async () => {
      const r = await json(...argv)
      expect(r.code).toBe(2)
      expect(r.out.error.code).toBe('ERR_USAGE')
    })
  }
  it('--help prints the usage (exit 0)', async () => {
    const r = await runCli('verify-cvm', '--help')
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/verify-cvm/)
  })
})

describe.skipIf(!CORPUS)('verify-cvm over the corpus Azure evidence (4 SEV-SNP, 1 TDX)', () => {
  const samples = azureSamples()
  for (const s of samples) {
    it(`${s.name}: exit 0, akBound with the quote's AK`, async () => {
      const hcl = write(`${s.name}.hcl`, s.hcl)
      const ak = write(`${s.name}.ak.pem`, pem('PUBLIC KEY', s.akSpki))
      const extra = s.vcekPem ? ['--vcek', write(`${s.name}.vcek.pem`, s.vcekPem)] : ['--tdx-quote', write(`${s.name}.tdquote`, s.tdQuote!)]
      const r = await json('--hcl-report', hcl, '--ak', ak, ...extra, ...NOW)
      expect(r.out.errors).toEqual([])
      expect(r.code).toBe(0)
      expect(r.out.akBound).toBe(true)
      expect(r.out.platform).toBe(s.platform)
    })
  }
})

describe.skipIf(!CORPUS)('verify --bundle with confidential-VM evidence (the bundle\'s hclReport / vcek / tdQuote reach the pipeline)', () => {
  for (const s of azureSamples()) {
    it(`${s.name}: the verdict has the cvm submodule with genuine hardware and the AK bound`, async () => {
      const bundle = write(`${s.name}.bundle.json`, bundleText(s))
      const r = await runCli('verify', '--bundle', bundle, '--nonce-from-bundle', ...NOW, '--json')
      const v = JSON.parse(r.out)
      expect(v.bootproof_steps.cvm?.status, r.err).toBe('success')
      expect(v.submods.cvm.ear_trustworthiness_vector.hardware).toBe(2)
      expect(v.bootproof_steps.key.note).toMatch(/bound by the confidential-VM hardware report/)
    })
  }

  it('without hclReport the same bundle has no cvm submodule and the bare AK is not accepted', async () => {
    const s = azureSamples()[0]!
    const plain = JSON.parse(bundleText(s))
    delete plain.hclReport
    delete plain.vcek
    delete plain.tdQuote
    const r = await runCli('verify', '--bundle', write('plain.bundle.json', JSON.stringify(plain)), '--nonce-from-bundle', ...NOW, '--json')
    const v = JSON.parse(r.out)
    expect(v.submods.cvm).toBeUndefined()
    expect(v.ear_status).not.toBe('affirming')
  })
})
