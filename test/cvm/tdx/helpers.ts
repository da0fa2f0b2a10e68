/**
 * TDX test vectors (test-vectors/cvm/tdx/, provenance in its README) and a quote re-assembler for
 * tampering: it rebuilds a quote from parts with every length field recomputed, so a test can
 * swap one part (body, attestation key, QE report, PCK chain) and reach the check behind it.
 */
import { repoBytes } from '../../helpers/corpus.js'
import { concatBytes } from '../../../src/bytes/hex.js'
import type { TdxCollateral, TdxQuote } from '../../../src/index.js'

export const vector = (name: string): Uint8Array => repoBytes(`test-vectors/cvm/tdx/${name}`)
export const vectorText = (name: string): string => new TextDecoder().decode(vector(name))

/** A real quote, the time at which its PCK chain is valid, and parse options it needs. */
export interface Sample {
  name: string
  now: Date
  trailing?: 'ignore'
  version: number
  tdxVersion: '1.0' | '1.5'
  debug?: boolean
}

export const SAMPLES: Sample[] = [
  { name: 'go-tdx-guest/quote_v5_sample.dat', now: new Date('2026-02-20T00:00:00Z'), version: 5, tdxVersion: '1.5' },
  { name: 'go-tdx-guest/tdx_prod_quote_SPR_E4.dat', now: new Date('2023-07-01T00:00:00Z'), trailing: 'ignore', version: 4, tdxVersion: '1.0' },
  { name: 'go-tdx-guest/cos-113-tdx-quote.dat', now: new Date('2025-01-01T00:00:00Z'), version: 4, tdxVersion: '1.0' },
  { name: 'trustee/tdx_quote_4.dat', now: new Date('2023-07-01T00:00:00Z'), version: 4, tdxVersion: '1.0', debug: true },
  { name: 'trustee/tdx_quote_5.dat', now: new Date('2025-01-01T00:00:00Z'), version: 5, tdxVersion: '1.5' },
  { name: 'trustee/tdx_quote_6.dat', now: new Date('2025-11-01T00:00:00Z'), version: 4, tdxVersion: '1.0' },
  { name: 'trustee/az-tdx-vtpm-td-quote.bin', now: new Date('2025-01-01T00:00:00Z'), version: 4, tdxVersion: '1.0' },
  { name: 'dcap-qvl/tdx_quote', now: new Date('2025-07-01T00:00:00Z'), version: 4, tdxVersion: '1.0' },
  { name: 'dcap-qvl/tdx_quote_outdated', now: new Date('2026-02-20T00:00:00Z'), version: 5, tdxVersion: '1.5' },
]

export const flip = (b: Uint8Array, at: number, mask = 0x01): Uint8Array => {
  const c = b.slice()
  c[at] = c[at]! ^ mask
  return c
}

const u16 = (n: number): Uint8Array => Uint8Array.of(n & 0xff, n >> 8)
const u32 = (n: number): Uint8Array => Uint8Array.of(n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24)

/** Parts of a quote; any left out are taken from `base`. */
export interface QuoteParts {
  signedBytes?: Uint8Array
  signature?: Uint8Array
  attestationKey?: Uint8Array
  qeReport?: Uint8Array
  qeReportSignature?: Uint8Array
  qeAuthData?: Uint8Array
  /** The nested certification data (type 5) payload. */
  pckChain?: Uint8Array
}

/** Re-assemble a quote (header and body as given, every length recomputed, no trailing bytes). */
export function assembleQuote(base: TdxQuote, parts: QuoteParts = {}): Uint8Array {
  const chain = parts.pckChain ?? base.pckChainBytes
  const auth = parts.qeAuthData ?? base.qeAuthData
  const certData = concatBytes(parts.qeReport ?? base.qeReport.bytes, parts.qeReportSignature ?? base.qeReportSignature, u16(auth.length), auth, u16(5), u32(chain.length), chain)
  const sigData = concatBytes(parts.signature ?? base.signature, parts.attestationKey ?? base.attestationKey, u16(6), u32(certData.length), certData)
  return concatBytes(parts.signedBytes ?? base.signedBytes, u32(sigData.length), sigData)
}

/** Offset of the TD quote body in a quote of `version`. */
export const bodyOffset = (version: number): number => (version === 5 ? 54 : 48)

interface DcapCollateral {
  tcb_info: string
  tcb_info_signature: string
  tcb_info_issuer_chain: string
  qe_identity: string
  qe_identity_signature: string
  qe_identity_issuer_chain: string
  root_ca_crl: string
  pck_crl: string
  pck_crl_issuer_chain: string
}

/** dcap-qvl's collateral file: the signed JSON values with their signatures, chains and CRLs (hex DER). */
export function dcapCollateral(name: string): { raw: DcapCollateral; collateral: TdxCollateral } {
  const raw = JSON.parse(vectorText(name)) as DcapCollateral
  return {
    raw,
    collateral: {
      tcbInfo: { signed: raw.tcb_info, signature: raw.tcb_info_signature, issuerChain: raw.tcb_info_issuer_chain },
      qeIdentity: { signed: raw.qe_identity, signature: raw.qe_identity_signature, issuerChain: raw.qe_identity_issuer_chain },
      crls: [Uint8Array.from(Buffer.from(raw.root_ca_crl, 'hex')), Uint8Array.from(Buffer.from(raw.pck_crl, 'hex'))],
    },
  }
}

/** The renewed Intel SGX TCB Signing chain (2025-05-06 .. 2032-05-06), as carried by dcap-qvl's collateral. */
export const tcbSigningChain2025 = (): string => dcapCollateral('dcap-qvl/tdx_quote_outdated_collateral.json').raw.tcb_info_issuer_chain
/** The first Intel SGX TCB Signing chain (2018-05-21 .. 2025-05-21), from go-tdx-guest. */
export const tcbSigningChain2018 = (): string => vectorText('go-tdx-guest/tcb_info_issuer_chain.pem')
