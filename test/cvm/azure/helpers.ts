/**
 * Azure vTPM evidence for the HCL tests: the shared corpus's trustee evidence files (4 SEV-SNP, 1
 * TDX; HCL report, TPM quote, AK as SPKI, nonce, PCRs, VCEK as PEM or base64url DER, TD quote) and
 * the committed trustee vectors under test-vectors/cvm/azure/.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { CORPUS, repoBytes, REPO_ROOT } from '../../helpers/corpus.js'

export const NOW = new Date('2026-01-01T00:00:00Z')
export const VECTORS = resolve(REPO_ROOT, 'test-vectors/cvm/azure')
export const vector = (name: string): Uint8Array => repoBytes(`test-vectors/cvm/azure/${name}`)

const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64')
export const pem = (label: string, der: Uint8Array): string => `-----BEGIN ${label}-----\n${b64(der).replace(/(.{64})/g, '$1\n')}\n-----END ${label}-----\n`

export interface AzureSample {
  name: string
  platform: 'sev-snp' | 'tdx'
  hcl: Uint8Array
  /** The VCEK as PEM (SEV-SNP only). */
  vcekPem?: string
  tdQuote?: Uint8Array
  /** The AK (HCLAkPub) as DER SPKI, as the corpus converted it. */
  akSpki: Uint8Array
  nonce: Uint8Array
  quote: { attest: Uint8Array; signature: Uint8Array }
  pcrs: Record<string, Record<string, string>>
}

export function azureSamples(): AzureSample[] {
  if (!CORPUS) return []
  const dir = resolve(CORPUS, 'attestations')
  return readdirSync(dir)
    .filter((f) => /^confidential-containers-trustee--az-(snp|tdx)-vtpm-evidence-.*\.json$/.test(f))
    .sort()
    .map((f) => {
      const j = JSON.parse(readFileSync(resolve(dir, f), 'utf8'))
      const pe = j.platformEvidence
      const s: AzureSample = {
        name: f.replace(/^confidential-containers-trustee--/, ''),
        platform: f.includes('-tdx-') ? 'tdx' : 'sev-snp',
        hcl: unhex(pe.hclReport),
        akSpki: unhex(j.akPublic.hex),
        nonce: unhex(j.nonce),
        quote: { attest: unhex(j.quotes[0].attest), signature: unhex(j.quotes[0].signature) },
        pcrs: j.quotes[0].pcrs,
      }
      // `vcekFormat` says when the VCEK is base64url DER rather than PEM.
      if (pe.vcek) s.vcekPem = pe.vcekFormat === 'PEM' ? pe.vcek : pem('CERTIFICATE', new Uint8Array(Buffer.from(pe.vcek, 'base64url')))
      if (pe.tdQuote) s.tdQuote = unhex(pe.tdQuote)
      return s
    })
}

/** The evidence bundle JSON text of a sample (AK as the bare SPKI PEM: Azure publishes no TPM public area). */
export function bundleText(s: Pick<AzureSample, 'hcl' | 'vcekPem' | 'tdQuote' | 'akSpki' | 'nonce' | 'quote' | 'pcrs'>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    version: 1,
    quotes: [{ attest: b64(s.quote.attest), signature: b64(s.quote.signature) }],
    pcrs: s.pcrs,
    ak: { pem: pem('PUBLIC KEY', s.akSpki) },
    nonce: Buffer.from(s.nonce).toString('hex'),
    hclReport: b64(s.hcl),
    ...(s.vcekPem ? { vcek: s.vcekPem } : {}),
    ...(s.tdQuote ? { tdQuote: b64(s.tdQuote) } : {}),
    ...extra,
  })
}

/** The HCL report with other runtime data: every size field rewritten, the tail zero-padded. */
export function withRuntimeData(hcl: Uint8Array, runtime: Uint8Array, total = hcl.length): Uint8Array {
  const out = new Uint8Array(Math.max(total, 0x4d4 + runtime.length))
  out.set(hcl.subarray(0, 0x4d4))
  out.set(runtime, 0x4d4)
  const dv = new DataView(out.buffer)
  dv.setUint32(8, 0x4d4 + runtime.length, true)
  dv.setUint32(0x4c0, 20 + runtime.length, true)
  dv.setUint32(0x4d0, runtime.length, true)
  return out
}

export function runtimeDataOf(hcl: Uint8Array): Uint8Array {
  const n = new DataView(hcl.buffer, hcl.byteOffset).getUint32(0x4d0, true)
  return hcl.slice(0x4d4, 0x4d4 + n)
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
export const text = (b: Uint8Array): string => new TextDecoder().decode(b)

/** The committed trustee SEV-SNP vector's vTPM quote (raw RSASSA signature wrapped as a TPMT_SIGNATURE). */
export function trusteeSnpQuote(): { attest: Uint8Array; signature: Uint8Array; nonce: Uint8Array; pcrs: Record<string, Record<string, string>> } {
  const q = JSON.parse(readFileSync(resolve(VECTORS, 'trustee-snp-tpm-quote-v1.json'), 'utf8')) as { message: string; signature: string; pcrs: string[] }
  const sig = unhex(q.signature)
  // TPMT_SIGNATURE: sigAlg TPM_ALG_RSASSA (0x0014), hash TPM_ALG_SHA256 (0x000B), TPM2B size, signature.
  const signature = new Uint8Array([0x00, 0x14, 0x00, 0x0b, sig.length >> 8, sig.length & 0xff, ...sig])
  return { attest: unhex(q.message), signature, nonce: utf8('challenge'), pcrs: { sha256: Object.fromEntries(q.pcrs.map((v, i) => [String(i), v])) } }
}
