/**
 * The pinned AMD roots: SHA-256 fingerprints recomputed from the embedded bytes, names and
 * chaining (every ASK / ASVK verifies under its product's ARK, never under another's).
 */
import { describe, expect, it } from 'vitest'
import { SNP_ROOTS } from '../../src/index.js'
import { toHex } from '../../src/bytes/hex.js'
import { parseCertificate } from '../../src/x509/certificate.js'
import { verifyCertificateChain } from '../../src/x509/chain.js'

const NOW = new Date('2026-01-01T00:00:00Z')
const cn = (der: Uint8Array): string | undefined => parseCertificate(der).subjectAttributes.find((a) => a.name === 'CN')?.value

describe('pinned AMD SEV-SNP roots', () => {
  for (const product of ['Milan', 'Genoa', 'Turin'] as const) {
    const r = SNP_ROOTS[product]
    it(`${product}: fingerprints match the published values`, async () => {
      for (const k of ['ark', 'ask', 'asvk'] as const) {
        expect(toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', r[k].slice())))).toBe(r.sha256[k])
      }
    })
    it(`${product}: subjects ARK-${product}, SEV-${product}, SEV-VLEK-${product}`, () => {
      expect([cn(r.ark), cn(r.ask), cn(r.asvk)]).toEqual([`ARK-${product}`, `SEV-${product}`, `SEV-VLEK-${product}`])
    })
    it(`${product}: ASK and ASVK chain to the ARK (RSA-PSS SHA-384), not to other products' ARKs`, async () => {
      for (const k of ['ask', 'asvk'] as const) {
        expect((await verifyCertificateChain(r[k], { trustAnchors: [r.ark], now: NOW })).ok).toBe(true)
        for (const other of ['Milan', 'Genoa', 'Turin'] as const) {
          if (other === product) continue
          expect((await verifyCertificateChain(r[k], { trustAnchors: [SNP_ROOTS[other].ark], now: NOW })).ok).toBe(false)
        }
      }
    })
  }
})
