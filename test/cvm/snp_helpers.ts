/**
 * Loading SNP vectors: the committed samples under test-vectors/cvm/snp/ and the Azure vTPM
 * evidence of the shared corpus (an HCL report whose bytes 0x20-0x4BF are the SNP report; the
 * VCEK as PEM, or base64url DER when `vcekFormat` says so).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { CORPUS, repoBytes } from '../helpers/corpus.js'

export const NOW = new Date('2026-01-01T00:00:00Z')

export const vector = (name: string): Uint8Array => repoBytes(`test-vectors/cvm/snp/${name}`)

export interface AzureSnpSample {
  name: string
  report: Uint8Array
  vcek: Uint8Array | string
}

function base64url(s: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(s)) throw new Error('not base64url')
  const b = Buffer.from(s, 'base64url')
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}

export function azureSnpSamples(): AzureSnpSample[] {
  if (!CORPUS) return []
  const dir = resolve(CORPUS, 'attestations')
  return readdirSync(dir)
    .filter((f) => /^confidential-containers-trustee--az-snp-vtpm-evidence-.*\.json$/.test(f))
    .sort()
    .map((f) => {
      const j = JSON.parse(readFileSync(resolve(dir, f), 'utf8')) as { platformEvidence: { hclReport: string; vcek: string; vcekFormat: string } }
      const hcl = Buffer.from(j.platformEvidence.hclReport, 'hex')
      const report = new Uint8Array(hcl.subarray(0x20, 0x20 + 0x4a0))
      const pe = j.platformEvidence
      const vcek = pe.vcekFormat === 'PEM' ? pe.vcek : base64url(pe.vcek.trim())
      return { name: f, report, vcek }
    })
}
