/** The JSON-friendly view of a parsed TD quote (byte fields lowercase hex). */
import { toHex } from '../../bytes/hex.js'
import type { TdxQuote, TdxTdAttributes } from './quote.js'

export interface TdxQuoteSummary {
  version: number
  /** v5 body descriptor type (2 = TDX 1.0, 3 = TDX 1.5). */
  bodyType?: number
  tdxVersion: '1.0' | '1.5'
  attestationKeyType: number
  teeType: number
  qeVendorId: string
  userData: string
  teeTcbSvn: string
  mrSeam: string
  mrSignerSeam: string
  seamAttributes: string
  tdAttributes: TdxTdAttributes
  xfam: string
  mrTd: string
  mrConfigId: string
  mrOwner: string
  mrOwnerConfig: string
  rtmrs: [string, string, string, string]
  reportData: string
  teeTcbSvn2?: string
  mrServiceTd?: string
  qe: { mrEnclave: string; mrSigner: string; isvProdId: number; isvSvn: number; miscSelect: number; attributes: string; cpuSvn: string }
  pckChainCertificates: number
  trailingBytes: number
}

export function summarizeTdxQuote(q: TdxQuote): TdxQuoteSummary {
  const b = q.body
  return {
    version: q.header.version,
    ...(q.bodyType === undefined ? {} : { bodyType: q.bodyType }),
    tdxVersion: b.tdxVersion,
    attestationKeyType: q.header.attestationKeyType,
    teeType: q.header.teeType,
    qeVendorId: toHex(q.header.qeVendorId),
    userData: toHex(q.header.userData),
    teeTcbSvn: toHex(b.teeTcbSvn),
    mrSeam: toHex(b.mrSeam),
    mrSignerSeam: toHex(b.mrSignerSeam),
    seamAttributes: toHex(b.seamAttributes),
    tdAttributes: q.tdAttributes,
    xfam: toHex(b.xfam),
    mrTd: toHex(b.mrTd),
    mrConfigId: toHex(b.mrConfigId),
    mrOwner: toHex(b.mrOwner),
    mrOwnerConfig: toHex(b.mrOwnerConfig),
    rtmrs: [toHex(b.rtmrs[0]), toHex(b.rtmrs[1]), toHex(b.rtmrs[2]), toHex(b.rtmrs[3])],
    reportData: toHex(b.reportData),
    ...(b.teeTcbSvn2 ? { teeTcbSvn2: toHex(b.teeTcbSvn2) } : {}),
    ...(b.mrServiceTd ? { mrServiceTd: toHex(b.mrServiceTd) } : {}),
    qe: {
      mrEnclave: toHex(q.qeReport.mrEnclave),
      mrSigner: toHex(q.qeReport.mrSigner),
      isvProdId: q.qeReport.isvProdId,
      isvSvn: q.qeReport.isvSvn,
      miscSelect: q.qeReport.miscSelect,
      attributes: toHex(q.qeReport.attributes),
      cpuSvn: toHex(q.qeReport.cpuSvn),
    },
    pckChainCertificates: q.pckChain.length,
    trailingBytes: q.trailingBytes,
  }
}
