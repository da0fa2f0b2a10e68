/**
 * Collateral checks of `verifyTdxQuote` (Intel TDX DCAP Quote Verification Library; Intel PCS API
 * v4): TCB Info and QE Identity signatures by the Intel SGX TCB Signing certificate (chained to the
 * pinned root), their validity window, that they describe this platform and this QE, CRLs and
 * revocation, and the TCB status against the caller's accepted statuses. Everything comes from the
 * caller's bytes.
 */
import { bytesEqual, toHex } from '../../bytes/hex.js'
import type { CertificateInfo } from '../../x509/certificate.js'
import { toCertificateInfo, verifyCertificateChain } from '../../x509/chain.js'
import type { TdxChecks } from './checks.js'
import { readSignedJson, type SignedJson, type TdxCollateralDocument } from './collateral_json.js'
import { readQeIdentity, readTcbInfo, type TdxQeIdentity, type TdxTcbInfo, type TdxTcbStatus } from './collateral_types.js'
import { checkCrls, parseCrl, revokedCertificates } from './crl.js'
import { verifyP256 } from './ecdsa.js'
import { PckExtensionError, readPckExtensions, type PckExtensions } from './pck.js'
import type { TdxQuote } from './quote.js'
import { INTEL_SGX_ROOT_CA, isPinnedIntelRoot } from './roots.js'
import { evaluateTdxTcb, type TdxTcbEvaluation } from './tcb_status.js'

export interface TdxCollateral {
  /** TDX TCB Info (`/tdx/certification/v4/tcb?fmspc=…`) with its issuer chain. */
  tcbInfo?: TdxCollateralDocument
  /** TD QE Identity (`/tdx/certification/v4/qe/identity`) with its issuer chain. */
  qeIdentity?: TdxCollateralDocument
  /** CRLs (DER or PEM): the Root CA CRL and / or the PCK CRL of the PCK's issuer. */
  crls?: readonly (Uint8Array | string)[]
  /** Fail unless usable CRLs of both the Root CA and the PCK's issuer are given. Default false. */
  requireCrls?: boolean
}

export interface CollateralInput {
  quote: TdxQuote
  leaf: CertificateInfo
  /** The validated PCK path (leaf, CA, root), when the chain check passed. */
  path: CertificateInfo[] | undefined
  collateral: TdxCollateral
  accepted: readonly TdxTcbStatus[]
  now: Date
  crypto?: Crypto
}

const TCB_SIGNING_CN = 'Intel SGX TCB Signing'
const cn = (c: CertificateInfo): string | undefined => c.subjectAttributes.find((a) => a.name === 'CN')?.value

/** Signature, signing chain and validity of one document; returns the signing certificate when the signature holds. */
async function checkDocument(doc: SignedJson, kind: 'tcbInfo' | 'qeIdentity', dates: { issueDate: Date; nextUpdate: Date }, input: CollateralInput, checks: TdxChecks): Promise<CertificateInfo | undefined> {
  const name = kind === 'tcbInfo' ? 'TCB Info' : 'QE Identity'
  const certs = doc.issuerChain.map(toCertificateInfo)
  const signer = certs.find((c) => cn(c) === TCB_SIGNING_CN)
  const foreign = certs.find((c) => c !== signer && !isPinnedIntelRoot(c.der))
  let signed: CertificateInfo | undefined
  if (!signer || foreign) {
    checks.add(`${kind}.signature`, false, signer ? `the ${name} issuer chain holds "${foreign!.subject}", which is neither "${TCB_SIGNING_CN}" nor the pinned Intel SGX Root CA` : `the ${name} issuer chain has no "${TCB_SIGNING_CN}" certificate`, 'ERR_TDX_COLLATERAL')
  } else {
    const chain = await verifyCertificateChain(signer, { trustAnchors: [INTEL_SGX_ROOT_CA], now: input.now, ...(input.crypto ? { crypto: input.crypto } : {}) })
    const sig = await verifyP256((input.crypto ?? globalThis.crypto).subtle, { spki: signer.spki }, doc.signature, doc.signedBytes)
    if (!chain.ok) checks.add(`${kind}.signature`, false, `the ${name} signing certificate does not chain to the pinned Intel SGX Root CA: ${chain.message}`, 'ERR_TDX_COLLATERAL')
    else if (!sig.ok) checks.add(`${kind}.signature`, false, `the ${name} signature does not verify with "${TCB_SIGNING_CN}" (serial ${signer.serialNumber})${sig.reason ? `: ${sig.reason}` : ''}`, 'ERR_TDX_COLLATERAL')
    else {
      checks.add(`${kind}.signature`, true, `${name} is signed by "${TCB_SIGNING_CN}" <- pinned Intel SGX Root CA`, 'ERR_TDX_COLLATERAL')
      signed = signer
    }
  }
  const { issueDate, nextUpdate } = dates
  const current = issueDate <= input.now && input.now <= nextUpdate
  checks.add(`${kind}.validity`, current, `${name} issued ${issueDate.toISOString()}, next update ${nextUpdate.toISOString()}; now ${input.now.toISOString()}${current ? '' : input.now < issueDate ? ' is before it was issued' : ' is past nextUpdate'}`, 'ERR_TDX_COLLATERAL_EXPIRED')
  return signed
}

/** (value & mask) == expected, bytewise. */
function masked(value: Uint8Array, mask: Uint8Array, expected: Uint8Array): boolean {
  return value.length === mask.length && mask.length === expected.length && value.every((b, i) => (b & mask[i]!) === expected[i])
}

function checkPlatform(info: TdxTcbInfo, pck: PckExtensions, quote: TdxQuote, checks: TdxChecks): void {
  const problems: string[] = []
  if (info.id !== 'TDX') problems.push(`id is ${JSON.stringify(info.id)}, not "TDX"`)
  if (info.version !== 3) problems.push(`version is ${info.version}, not 3`)
  if (info.fmspc !== pck.fmspc) problems.push(`FMSPC ${info.fmspc} differs from the PCK's ${pck.fmspc}`)
  if (info.pceId !== pck.pceId) problems.push(`PCE-ID ${info.pceId} differs from the PCK's ${pck.pceId}`)
  checks.add('tcbInfo.platform', problems.length === 0, problems.length ? `TCB Info is not for this platform: ${problems.join('; ')}` : `TCB Info is TDX TCB Info v3 for FMSPC ${pck.fmspc}, PCE-ID ${pck.pceId}`, 'ERR_TDX_COLLATERAL_MISMATCH')
  // TDX module identity (TEE_TCB_SVN[1] > 0 selects TDX_<nn>, else the tdxModule member).
  const body = quote.body
  const version = body.teeTcbSvn[1]!
  const id = `TDX_${version.toString(16).padStart(2, '0').toUpperCase()}`
  const identity = version > 0 ? info.moduleIdentities.find((m) => m.id.toUpperCase() === id) : undefined
  const module = identity ?? info.tdxModule
  const which = identity ? `module identity ${id}` : 'tdxModule'
  const signerOk = bytesEqual(body.mrSignerSeam, module.mrSigner)
  const attrOk = masked(body.seamAttributes, module.attributesMask, module.attributes)
  checks.add(
    'tdx.module',
    signerOk && attrOk,
    signerOk && attrOk
      ? `MRSIGNERSEAM and SEAMATTRIBUTES match TCB Info ${which}`
      : `${signerOk ? '' : `MRSIGNERSEAM ${toHex(body.mrSignerSeam)} differs from ${which} mrsigner ${toHex(module.mrSigner)}; `}${attrOk ? '' : `SEAMATTRIBUTES ${toHex(body.seamAttributes)} under mask ${toHex(module.attributesMask)} differ from ${toHex(module.attributes)}`}`.replace(/; $/, ''),
    'ERR_TDX_MODULE_IDENTITY',
  )
}

function checkQe(identity: TdxQeIdentity, quote: TdxQuote, checks: TdxChecks): void {
  const qe = quote.qeReport
  const problems: string[] = []
  if (identity.id !== 'TD_QE') problems.push(`id is ${JSON.stringify(identity.id)}, not "TD_QE"`)
  if (identity.version !== 2) problems.push(`version is ${identity.version}, not 2`)
  if (!bytesEqual(qe.mrSigner, identity.mrSigner)) problems.push(`MRSIGNER ${toHex(qe.mrSigner)} differs from ${toHex(identity.mrSigner)}`)
  if (qe.isvProdId !== identity.isvProdId) problems.push(`ISVPRODID ${qe.isvProdId} differs from ${identity.isvProdId}`)
  // MISCSELECT is compared as the 4 bytes of the report (the document's hex is a byte array).
  if (!masked(qe.miscSelectBytes, identity.miscSelectMask, identity.miscSelect)) problems.push(`MISCSELECT ${toHex(qe.miscSelectBytes)} under mask ${toHex(identity.miscSelectMask)} differs from ${toHex(identity.miscSelect)}`)
  if (!masked(qe.attributes, identity.attributesMask, identity.attributes)) problems.push(`ATTRIBUTES ${toHex(qe.attributes)} under mask ${toHex(identity.attributesMask)} differ from ${toHex(identity.attributes)}`)
  checks.add('qe.identity', problems.length === 0, problems.length ? `the QE report does not match QE Identity: ${problems.join('; ')}` : `the QE report matches QE Identity (TD_QE, MRSIGNER ${toHex(identity.mrSigner)}, ISVPRODID ${identity.isvProdId})`, 'ERR_TDX_QE_IDENTITY')
}

async function checkRevocation(input: CollateralInput, signers: CertificateInfo[], checks: TdxChecks): Promise<void> {
  const crls = (input.collateral.crls ?? []).map((c) => parseCrl(c))
  const root = toCertificateInfo(INTEL_SGX_ROOT_CA)
  const pckCa = input.path?.[1]
  const issuers = pckCa ? [root, pckCa] : [root]
  const uses = await checkCrls(crls, issuers, input.now, input.crypto ?? globalThis.crypto)
  for (const u of uses) checks.add(`crl.${u.index}`, !u.problem, u.problem ?? `CRL ${u.index} of "${u.issuer!.subject}" is signed by it and current at ${input.now.toISOString()}`, 'ERR_TDX_CRL')
  if (input.collateral.requireCrls) {
    const covered = (c: CertificateInfo): boolean => uses.some((u) => !u.problem && u.issuer === c)
    const missing = [...(covered(root) ? [] : ['Intel SGX Root CA']), ...(pckCa && covered(pckCa) ? [] : [pckCa ? `"${pckCa.subject}"` : 'the PCK issuer (the chain did not validate)'])]
    checks.add('crl.required', missing.length === 0, missing.length ? `requireCrls: no usable CRL of ${missing.join(' and ')}` : 'usable CRLs of the Root CA and the PCK issuer were given', 'ERR_TDX_CRL')
  }
  if (!crls.length) return
  const subjects = [input.leaf, ...(pckCa ? [pckCa] : []), ...signers]
  const revoked = revokedCertificates(crls, uses, subjects)
  checks.add('revocation', revoked.length === 0, revoked.length ? revoked.join('; ') : `none of ${subjects.length} certificates (PCK, PCK CA, TCB signing) is listed in a usable CRL`, 'ERR_TDX_REVOKED')
}

/** Run the collateral checks; returns the TCB evaluation and the PCK extensions when read. */
export async function verifyTdxCollateral(input: CollateralInput, checks: TdxChecks): Promise<{ tcb?: TdxTcbEvaluation; extensions?: PckExtensions }> {
  const { collateral, quote } = input
  const tcbDoc = collateral.tcbInfo ? readSignedJson(collateral.tcbInfo, 'tcbInfo') : undefined
  const qeDoc = collateral.qeIdentity ? readSignedJson(collateral.qeIdentity, 'enclaveIdentity') : undefined
  const tcbInfo = tcbDoc ? readTcbInfo(tcbDoc.value) : undefined
  const qeIdentity = qeDoc ? readQeIdentity(qeDoc.value) : undefined

  let extensions: PckExtensions | undefined
  if (tcbInfo) {
    try {
      extensions = readPckExtensions(input.leaf)
      checks.add('pck.extensions', true, `SGX extension: FMSPC ${extensions.fmspc}, PCE-ID ${extensions.pceId}, PCESVN ${extensions.pceSvn}, TCB components ${extensions.tcbComponents.join(',')}`, 'ERR_TDX_PCK_EXTENSIONS')
    } catch (e) {
      if (!(e instanceof PckExtensionError)) throw e
      checks.add('pck.extensions', false, `the PCK certificate's SGX extension is unusable: ${e.message}`, 'ERR_TDX_PCK_EXTENSIONS')
    }
  }
  const signers: CertificateInfo[] = []
  if (tcbDoc && tcbInfo) {
    const s = await checkDocument(tcbDoc, 'tcbInfo', tcbInfo, input, checks)
    if (s) signers.push(s)
    if (extensions) checkPlatform(tcbInfo, extensions, quote, checks)
  }
  if (qeDoc && qeIdentity) {
    const s = await checkDocument(qeDoc, 'qeIdentity', qeIdentity, input, checks)
    if (s && !signers.some((x) => bytesEqual(x.der, s.der))) signers.push(s)
    checkQe(qeIdentity, quote, checks)
  }
  await checkRevocation(input, signers, checks)

  if (!tcbInfo && !qeIdentity) return extensions ? { extensions } : {}
  const tcb = evaluateTdxTcb({ ...(tcbInfo ? { tcbInfo } : {}), ...(extensions ? { pck: extensions } : {}), teeTcbSvn: quote.body.teeTcbSvn, ...(qeIdentity ? { qeIdentity } : {}), qeIsvSvn: quote.qeReport.isvSvn })
  if (tcbInfo && !extensions) tcb.problems.push('the platform TCB level cannot be selected without the PCK SGX extension')
  const parts = [tcb.platform && `platform ${tcb.platform.status}`, tcb.module && `module ${tcb.module.id} ${tcb.module.status}`, tcb.qe && `QE ${tcb.qe.status}`].filter(Boolean).join(', ')
  if (tcb.problems.length || !tcb.status) {
    checks.add('tcb.status', false, `TCB status undetermined: ${tcb.problems.join('; ')}`, 'ERR_TDX_TCB_STATUS')
  } else {
    const ok = input.accepted.includes(tcb.status)
    const adv = tcb.advisoryIds.length ? `; advisories ${tcb.advisoryIds.join(', ')}` : ''
    checks.add('tcb.status', ok, `TCB status ${tcb.status} (${parts})${adv}; ${ok ? 'accepted' : `not accepted (accepted: ${input.accepted.join(', ')})`}`, 'ERR_TDX_TCB_STATUS')
  }
  return { tcb, ...(extensions ? { extensions } : {}) }
}
