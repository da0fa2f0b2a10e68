/**
 * TCB level selection and status combination on real TCB Info / QE Identity documents (read with
 * the same readers verifyTdxQuote uses); the variations edit the parsed values, which is what the
 * evaluator sees after the signature check.
 */
import { describe, expect, it } from 'vitest'
import { readSignedJson } from '../../../src/cvm/tdx/collateral_json.js'
import { readQeIdentity, readTcbInfo, TDX_TCB_STATUSES, type TdxTcbInfo } from '../../../src/cvm/tdx/collateral_types.js'
import { readPckExtensions, type PckExtensions } from '../../../src/cvm/tdx/pck.js'
import { acceptedStatuses, evaluateTdxTcb, worseStatus } from '../../../src/cvm/tdx/tcb_status.js'
import { parseTdxQuote } from '../../../src/index.js'
import { toCertificateInfo } from '../../../src/x509/chain.js'
import { tcbSigningChain2025, vector, vectorText } from './helpers.js'

const info = (): TdxTcbInfo => readTcbInfo(readSignedJson({ body: vectorText('trustee/tcbInfo.json'), issuerChain: tcbSigningChain2025() }, 'tcbInfo').value)
const qeId = () => readQeIdentity(readSignedJson({ body: vectorText('trustee/enclaveIdentity.json'), issuerChain: tcbSigningChain2025() }, 'enclaveIdentity').value)
const quote = () => parseTdxQuote(vector('trustee/tdx_quote_6.dat'))
const pck = (): PckExtensions => readPckExtensions(toCertificateInfo(quote().pckChain[0]!))

describe('TDX TCB status', () => {
  it('reads the PCK SGX extension of a real PCK certificate', () => {
    expect(pck()).toMatchObject({ fmspc: '00a06d080000', pceId: '0000', pceSvn: 11, sgxType: 2 })
    expect(pck().tcbComponents).toEqual([2, 2, 7, 7, 4, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0])
    // On this platform CPUSVN carries the same 16 component SVNs, byte for byte.
    expect(pck().cpuSvn).toBe('02020707040100020000000000000000')
  })

  it('selects the first level the PCK and TEE_TCB_SVN meet, and the module identity TDX_03', () => {
    const q = quote()
    const e = evaluateTdxTcb({ tcbInfo: info(), pck: pck(), teeTcbSvn: q.body.teeTcbSvn, qeIdentity: qeId(), qeIsvSvn: q.qeReport.isvSvn })
    expect(e).toMatchObject({ status: 'OutOfDate', platform: { status: 'OutOfDate' }, module: { id: 'TDX_03', status: 'UpToDate' }, qe: { status: 'UpToDate' }, problems: [] })
  })

  it('a PCESVN at the newest level gives UpToDate; one below every level gives no status', () => {
    const q = quote()
    expect(evaluateTdxTcb({ tcbInfo: info(), pck: { ...pck(), pceSvn: 13 }, teeTcbSvn: q.body.teeTcbSvn, qeIsvSvn: 0 }).status).toBe('UpToDate')
    const none = evaluateTdxTcb({ tcbInfo: info(), pck: { ...pck(), pceSvn: 4 }, teeTcbSvn: q.body.teeTcbSvn, qeIsvSvn: 0 })
    expect(none.status).toBeUndefined()
    expect(none.problems[0]).toContain('no TCB level')
  })

  it('TEE_TCB_SVN[1] = 0 (TDX 1.0 module) compares all 16 bytes and uses no module identity', () => {
    const svn = Uint8Array.of(5, 0, 2, ...new Array<number>(13).fill(0))
    const e = evaluateTdxTcb({ tcbInfo: info(), pck: pck(), teeTcbSvn: svn, qeIsvSvn: 0 })
    expect(e.module).toBeUndefined()
    expect(e.status).toBe('OutOfDate')
    expect(evaluateTdxTcb({ tcbInfo: info(), pck: pck(), teeTcbSvn: Uint8Array.of(4, 0, 2, ...new Array<number>(13).fill(0)), qeIsvSvn: 0 }).status).toBeUndefined()
  })

  it('a module version without an identity (TDX_07) is a problem, not a pass', () => {
    const svn = quote().body.teeTcbSvn.slice()
    svn[1] = 7
    const e = evaluateTdxTcb({ tcbInfo: info(), pck: pck(), teeTcbSvn: svn, qeIsvSvn: 0 })
    expect(e.status).toBeUndefined()
    expect(e.problems).toEqual([expect.stringContaining('no TDX module identity TDX_07')])
  })

  it('a Revoked level makes the whole TD Revoked, which no default policy accepts', () => {
    const revoked = info()
    revoked.levels = revoked.levels.map((l) => ({ ...l, status: 'Revoked' }))
    const q = quote()
    const e = evaluateTdxTcb({ tcbInfo: revoked, pck: pck(), teeTcbSvn: q.body.teeTcbSvn, qeIdentity: qeId(), qeIsvSvn: q.qeReport.isvSvn })
    expect(e.status).toBe('Revoked')
    expect(acceptedStatuses({})).not.toContain('Revoked')
    expect(acceptedStatuses({ minimumTcbStatus: 'OutOfDateConfigurationNeeded' })).not.toContain('Revoked')
  })

  it('a QE below every QE Identity level has no QE status', () => {
    const e = evaluateTdxTcb({ teeTcbSvn: quote().body.teeTcbSvn, qeIdentity: qeId(), qeIsvSvn: 3 })
    expect(e.qe).toBeUndefined()
    expect(e.problems).toEqual([expect.stringContaining('ISVSVN 3')])
  })

  it('orders statuses and combines them as the worse', () => {
    expect(TDX_TCB_STATUSES[0]).toBe('UpToDate')
    expect(worseStatus('UpToDate', 'SWHardeningNeeded')).toBe('SWHardeningNeeded')
    expect(worseStatus('OutOfDate', 'ConfigurationNeeded')).toBe('OutOfDate')
    expect(acceptedStatuses({})).toEqual(['UpToDate', 'SWHardeningNeeded', 'ConfigurationNeeded', 'ConfigurationAndSWHardeningNeeded'])
    expect(acceptedStatuses({ minimumTcbStatus: 'UpToDate' })).toEqual(['UpToDate'])
  })
})
