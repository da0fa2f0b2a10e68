/**
 * TDX collateral over real Intel-signed documents: TCB Info and QE Identity (PCS v4 bodies from
 * go-tdx-guest and trustee; signed values with issuer chains and CRLs from dcap-qvl). TCB status
 * UpToDate, OutOfDate (trustee's quote 6 with its collateral) and "no matching level"
 * (dcap-qvl's outdated fixture), policies, signature / validity / platform / QE identity / CRL
 * failures, each with its own code. Nothing here is signed by a test key.
 */
import { describe, expect, it } from 'vitest'
import { isBootproofError, verifyTdxQuote, type TdxCollateral, type TdxVerifyResult } from '../../../src/index.js'
import { dcapCollateral, tcbSigningChain2018, tcbSigningChain2025, vector, vectorText } from './helpers.js'

const codes = (r: TdxVerifyResult): string[] => r.errors.map((e) => e.code)
const check = (r: TdxVerifyResult, id: string) => r.checks.find((c) => c.id === id)

const DCAP_NOW = new Date('2025-07-01T00:00:00Z')
const dcap = () => dcapCollateral('dcap-qvl/tdx_quote_collateral.json')
const T6_NOW = new Date('2025-11-01T00:00:00Z')
const trusteeCollateral = (): TdxCollateral => ({
  tcbInfo: { body: vectorText('trustee/tcbInfo.json'), issuerChain: tcbSigningChain2025() },
  qeIdentity: { body: vectorText('trustee/enclaveIdentity.json'), issuerChain: tcbSigningChain2025() },
})

describe('TDX collateral: real TCB Info and QE Identity', () => {
  it('dcap-qvl quote with its collateral and both CRLs: every check passes, UpToDate', async () => {
    const r = await verifyTdxQuote(vector('dcap-qvl/tdx_quote'), { now: DCAP_NOW, collateral: dcap().collateral })
    expect(codes(r)).toEqual([])
    expect(r.checks.map((c) => c.id).slice(6)).toEqual(['pck.extensions', 'tcbInfo.signature', 'tcbInfo.validity', 'tcbInfo.platform', 'tdx.module', 'qeIdentity.signature', 'qeIdentity.validity', 'qe.identity', 'crl.0', 'crl.1', 'revocation', 'tcb.status'])
    expect(r.tcb).toMatchObject({ status: 'UpToDate', platform: { status: 'UpToDate' }, module: { id: 'TDX_01', status: 'UpToDate' }, qe: { status: 'UpToDate' } })
    expect(r.pck?.extensions).toMatchObject({ fmspc: 'b0c06f000000', pceId: '0000', pceSvn: 11 })
    expect(r.pck?.extensions?.tcbComponents).toHaveLength(16)
  })

  it('go-tdx-guest v5 quote (TDX 1.5) with its TCB Info body and a current TD_QE identity: UpToDate', async () => {
    const r = await verifyTdxQuote(vector('go-tdx-guest/quote_v5_sample.dat'), {
      now: new Date('2026-02-20T00:00:00Z'),
      collateral: {
        tcbInfo: { body: vectorText('go-tdx-guest/sample_tcbinfo_response_v5'), issuerChain: tcbSigningChain2025() },
        qeIdentity: dcapCollateral('dcap-qvl/tdx_quote_outdated_collateral.json').collateral.qeIdentity!,
      },
    })
    expect(codes(r)).toEqual([])
    expect(r.tcb?.status).toBe('UpToDate')
    expect(r.tcb?.module?.id).toBe('TDX_01')
  })

  it('the debug TD with 2023 collateral (the first TCB Signing certificate, URL-encoded as in the PCS header): UpToDate, ERR_TDX_DEBUG only', async () => {
    const r = await verifyTdxQuote(vector('trustee/tdx_quote_4.dat'), {
      now: new Date('2023-07-01T00:00:00Z'),
      collateral: {
        tcbInfo: { body: vectorText('go-tdx-guest/sample_tcbInfo_response'), issuerChain: encodeURIComponent(tcbSigningChain2018()) },
        qeIdentity: { body: vector('go-tdx-guest/sample_qeIdentity_response'), issuerChain: tcbSigningChain2018() },
        crls: [vector('go-tdx-guest/pckcrl'), vector('go-tdx-guest/rootcrl.der')],
      },
    })
    expect(codes(r)).toEqual(['ERR_TDX_DEBUG'])
    expect(r.tcb?.status).toBe('UpToDate')
    expect(r.tcb?.module).toBeUndefined() // TEE_TCB_SVN[1] = 0: TDX 1.0 module, no module identity
  })
})

describe('TDX collateral: TCB status and policy', () => {
  it('trustee quote 6 with trustee collateral: OutOfDate fails by default (ERR_TDX_TCB_STATUS)', async () => {
    const r = await verifyTdxQuote(vector('trustee/tdx_quote_6.dat'), { now: T6_NOW, collateral: trusteeCollateral() })
    expect(codes(r)).toEqual(['ERR_TDX_TCB_STATUS'])
    expect(r.tcb).toMatchObject({ status: 'OutOfDate', platform: { status: 'OutOfDate' }, module: { id: 'TDX_03', status: 'UpToDate' }, qe: { status: 'UpToDate' } })
    // PCESVN 11 is below the UpToDate level's 13: the level with PCESVN 5 (OutOfDate) matches.
    expect(r.pck?.extensions?.pceSvn).toBe(11)
    expect(r.errors[0]!.message).toContain('TCB status OutOfDate (platform OutOfDate, module TDX_03 UpToDate, QE UpToDate); not accepted')
  })

  it('the same under minimumTcbStatus UpToDate fails; with OutOfDate allowed it passes', async () => {
    const strict = await verifyTdxQuote(vector('trustee/tdx_quote_6.dat'), { now: T6_NOW, collateral: trusteeCollateral(), minimumTcbStatus: 'UpToDate' })
    expect(codes(strict)).toEqual(['ERR_TDX_TCB_STATUS'])
    const lax = await verifyTdxQuote(vector('trustee/tdx_quote_6.dat'), { now: T6_NOW, collateral: trusteeCollateral(), allowedTcbStatuses: ['UpToDate', 'OutOfDate'] })
    expect(codes(lax)).toEqual([])
    const minimum = await verifyTdxQuote(vector('trustee/tdx_quote_6.dat'), { now: T6_NOW, collateral: trusteeCollateral(), minimumTcbStatus: 'OutOfDate' })
    expect(codes(minimum)).toEqual([])
  })

  it('an UpToDate TD under allowedTcbStatuses that excludes UpToDate fails (the policy is applied as given)', async () => {
    const r = await verifyTdxQuote(vector('dcap-qvl/tdx_quote'), { now: DCAP_NOW, collateral: dcap().collateral, allowedTcbStatuses: ['SWHardeningNeeded'] })
    expect(codes(r)).toEqual(['ERR_TDX_TCB_STATUS'])
  })

  it("dcap-qvl's outdated fixture: no platform TCB level matches (a PCK component below every level): ERR_TDX_TCB_STATUS", async () => {
    const r = await verifyTdxQuote(vector('dcap-qvl/tdx_quote_outdated'), { now: new Date('2026-02-20T00:00:00Z'), collateral: dcapCollateral('dcap-qvl/tdx_quote_outdated_collateral.json').collateral })
    expect(codes(r)).toEqual(['ERR_TDX_TCB_STATUS'])
    expect(r.tcb?.status).toBeUndefined()
    expect(r.errors[0]!.message).toContain('no TCB level of TCB Info matches')
  })

  it('both allowedTcbStatuses and minimumTcbStatus, or an unknown status: TypeError', async () => {
    await expect(verifyTdxQuote(vector('dcap-qvl/tdx_quote'), { now: DCAP_NOW, allowedTcbStatuses: ['UpToDate'], minimumTcbStatus: 'UpToDate' })).rejects.toThrow(TypeError)
    await expect(verifyTdxQuote(vector('dcap-qvl/tdx_quote'), { now: DCAP_NOW, minimumTcbStatus: 'Fine' as 'UpToDate' })).rejects.toThrow(TypeError)
  })
})

describe('TDX collateral: each failure has its own code', () => {
  it('TCB Info text changed after signing (one space): ERR_TDX_COLLATERAL', async () => {
    const { raw, collateral } = dcap()
    const edited = { ...collateral, tcbInfo: { ...collateral.tcbInfo!, signed: raw.tcb_info.replace('"id":"TDX"', '"id": "TDX"') } }
    const r = await verifyTdxQuote(vector('dcap-qvl/tdx_quote'), { now: DCAP_NOW, collateral: edited })
    expect(codes(r)).toEqual(['ERR_TDX_COLLATERAL'])
    expect(check(r, 'tcbInfo.signature')?.ok).toBe(false)
  })

  it('a QE Identity signature byte changed: ERR_TDX_COLLATERAL', async () => {
    const { raw, collateral } = dcap()
    const sig = (raw.qe_identity_signature[0] === '0' ? '1' : '0') + raw.qe_identity_signature.slice(1)
    const r = await verifyTdxQuote(vector('dcap-qvl/tdx_quote'), { now: DCAP_NOW, collateral: { ...collateral, qeIdentity: { ...collateral.qeIdentity!, signature: sig } } })
    expect(codes(r)).toEqual(['ERR_TDX_COLLATERAL'])
  })

  it('an issuer chain without the TCB Signing certificate (the PCK chain instead): ERR_TDX_COLLATERAL', async () => {
    const { raw, collateral } = dcap()
    const r = await verifyTdxQuote(vector('dcap-qvl/tdx_quote'), { now: DCAP_NOW, collateral: { ...collateral, tcbInfo: { ...collateral.tcbInfo!, issuerChain: raw.pck_crl_issuer_chain } } })
    expect(codes(r)).toEqual(['ERR_TDX_COLLATERAL'])
  })

  it('the first TCB Signing certificate (expired 2025-05-21) for 2025-10 collateral: ERR_TDX_COLLATERAL', async () => {
    const c = trusteeCollateral()
    const r = await verifyTdxQuote(vector('trustee/tdx_quote_6.dat'), { now: T6_NOW, collateral: { ...c, tcbInfo: { ...c.tcbInfo!, issuerChain: tcbSigningChain2018() } }, allowedTcbStatuses: ['OutOfDate'] })
    expect(codes(r)).toEqual(['ERR_TDX_COLLATERAL'])
  })

  it('collateral past nextUpdate (PCK still valid): ERR_TDX_COLLATERAL_EXPIRED for each document, and the CRLs expire too', async () => {
    const r = await verifyTdxQuote(vector('dcap-qvl/tdx_quote'), { now: new Date('2025-08-01T00:00:00Z'), collateral: dcap().collateral })
    expect(codes(r)).toEqual(['ERR_TDX_COLLATERAL_EXPIRED', 'ERR_TDX_COLLATERAL_EXPIRED', 'ERR_TDX_CRL'])
  })

  it('TCB Info of another FMSPC (trustee collateral with the dcap-qvl quote): ERR_TDX_COLLATERAL_MISMATCH', async () => {
    const c = trusteeCollateral()
    const r = await verifyTdxQuote(vector('dcap-qvl/tdx_quote'), { now: new Date('2025-11-01T00:00:00Z'), collateral: { tcbInfo: c.tcbInfo! }, allowedTcbStatuses: ['UpToDate', 'OutOfDate'] })
    expect(codes(r)).toContain('ERR_TDX_COLLATERAL_MISMATCH')
    expect(check(r, 'tcbInfo.platform')?.message).toContain('FMSPC 00a06d080000 differs')
  })

  it("an Intel-signed SGX QE identity (id QE, ISVPRODID 1) for the TD quoting enclave: ERR_TDX_QE_IDENTITY (and no QE TCB level: ERR_TDX_TCB_STATUS)", async () => {
    const sgx = JSON.parse(vectorText('dcap-qvl/sgx_quote_collateral.json')) as Record<string, string>
    const r = await verifyTdxQuote(vector('dcap-qvl/tdx_quote'), { now: DCAP_NOW, collateral: { qeIdentity: { signed: sgx.qe_identity!, signature: sgx.qe_identity_signature!, issuerChain: sgx.qe_identity_issuer_chain! } } })
    expect(codes(r)).toEqual(['ERR_TDX_QE_IDENTITY', 'ERR_TDX_TCB_STATUS'])
    expect(check(r, 'qeIdentity.signature')?.ok).toBe(true)
    expect(check(r, 'qe.identity')?.message).toMatch(/id is "QE".*MRSIGNER.*ISVPRODID 2 differs from 1/)
  })

  it('a CRL past its nextUpdate (the 2023 PCK CRL in 2025): ERR_TDX_CRL', async () => {
    const r = await verifyTdxQuote(vector('dcap-qvl/tdx_quote'), { now: DCAP_NOW, collateral: { crls: [vector('go-tdx-guest/pckcrl')] } })
    expect(codes(r)).toEqual(['ERR_TDX_CRL'])
    expect(r.errors[0]!.message).toContain('expired')
  })

  it('requireCrls without CRLs, or with the Root CA CRL only: ERR_TDX_CRL', async () => {
    const none = await verifyTdxQuote(vector('dcap-qvl/tdx_quote'), { now: DCAP_NOW, collateral: { requireCrls: true } })
    expect(codes(none)).toEqual(['ERR_TDX_CRL'])
    const rootOnly = await verifyTdxQuote(vector('dcap-qvl/tdx_quote'), { now: DCAP_NOW, collateral: { requireCrls: true, crls: [dcap().collateral.crls![0]!] } })
    expect(codes(rootOnly)).toEqual(['ERR_TDX_CRL'])
    expect(rootOnly.errors[0]!.message).toContain('Intel SGX PCK Platform CA')
    const both = await verifyTdxQuote(vector('dcap-qvl/tdx_quote'), { now: DCAP_NOW, collateral: { requireCrls: true, crls: dcap().collateral.crls! } })
    expect(codes(both)).toEqual([])
  })
})

describe('TDX collateral: unreadable input is thrown', () => {
  const thrown = async (collateral: TdxCollateral): Promise<string | undefined> => {
    try {
      await verifyTdxQuote(vector('dcap-qvl/tdx_quote'), { now: DCAP_NOW, collateral })
    } catch (e) {
      if (isBootproofError(e)) return e.code
      throw e
    }
    return undefined
  }
  it('a body that is not JSON, repeats a member, or lacks the signature: ERR_TDX_COLLATERAL_MALFORMED', async () => {
    const chain = tcbSigningChain2025()
    expect(await thrown({ tcbInfo: { body: '{"tcbInfo":', issuerChain: chain } })).toBe('ERR_TDX_COLLATERAL_MALFORMED')
    const body = vectorText('trustee/tcbInfo.json')
    expect(await thrown({ tcbInfo: { body: body.replace('{"tcbInfo":', '{"signature":"00","tcbInfo":'), issuerChain: chain } })).toBe('ERR_TDX_COLLATERAL_MALFORMED')
    expect(await thrown({ tcbInfo: { body: body.replace(/,"signature":"[0-9a-f]+"/, ''), issuerChain: chain } })).toBe('ERR_TDX_COLLATERAL_MALFORMED')
    expect(await thrown({ tcbInfo: { body: body.replace('"fmspc":"00A06D080000"', '"fmspc":"00A06D08"'), issuerChain: chain } })).toBe('ERR_TDX_COLLATERAL_MALFORMED')
  })
  it("an SGX TCB Info (no tdxModule, no TDX components) given as TDX TCB Info: ERR_TDX_COLLATERAL_MALFORMED", async () => {
    const sgx = JSON.parse(vectorText('dcap-qvl/sgx_quote_collateral.json')) as Record<string, string>
    expect(await thrown({ tcbInfo: { signed: sgx.tcb_info!, signature: sgx.tcb_info_signature!, issuerChain: sgx.tcb_info_issuer_chain! } })).toBe('ERR_TDX_COLLATERAL_MALFORMED')
  })
  it('a CRL that does not decode: ERR_TDX_CRL_MALFORMED', async () => {
    expect(await thrown({ crls: [vector('go-tdx-guest/pckcrl').subarray(0, 100)] })).toBe('ERR_TDX_CRL_MALFORMED')
  })
})
