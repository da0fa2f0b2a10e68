/**
 * The TD quote inside the shared corpus's Azure TDX vTPM evidence (trustee
 * `az-tdx-vtpm/evidence-v1.json`, `platformEvidence.tdQuote`, hex): it verifies to the pinned
 * Intel root, and its REPORTDATA is SHA-256 of the HCL runtime data, padded with zeros.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { verifyTdxQuote } from '../../../src/index.js'
import { announceCorpus, CORPUS } from '../../helpers/corpus.js'

announceCorpus('TDX: the TD quote of the Azure TDX vTPM evidence')

const FILE = 'attestations/confidential-containers-trustee--az-tdx-vtpm-evidence-v1.json'

describe.skipIf(!CORPUS)('TDX: corpus Azure TDX evidence', () => {
  it('its TD quote verifies (signature, QE report, QE binding, PCK chain) and binds the HCL runtime data', async () => {
    const doc = JSON.parse(readFileSync(resolve(CORPUS!, FILE), 'utf8')) as { platformEvidence: { tdQuote?: string; runtimeData: string } }
    const hex = doc.platformEvidence.tdQuote
    expect(hex, 'the corpus file carries a TD quote').toMatch(/^[0-9a-f]+$/)
    const quote = new Uint8Array(Buffer.from(hex!, 'hex'))
    const expected = new Uint8Array(64)
    expected.set(createHash('sha256').update(doc.platformEvidence.runtimeData, 'utf8').digest())
    const r = await verifyTdxQuote(quote, { now: new Date('2025-01-01T00:00:00Z'), reportData: expected })
    expect(r.errors).toEqual([])
    expect(r.valid).toBe(true)
    expect(r.report.version).toBe(4)
    expect(r.report.tdAttributes.debug).toBe(false)
  })
})
