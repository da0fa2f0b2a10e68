/**
 * A firmware log plus systemd's tpm2-measure.log replayed into one PCR set and compared with a
 * quote (src/attest/combine_cel.ts): a PCR is authenticated only when the firmware events then
 * the CEL records reproduce the quoted value; CEL content is trusted only when it binds.
 */
import { describe, expect, it } from 'vitest'
import { authenticateLog, celRecordTrust, pcrTrust } from '../../src/attest/index.js'
import { parseCel, parseCelJson } from '../../src/cel/index.js'
import { isBootproofError } from '../../src/errors.js'
import { parseEventLog } from '../../src/eventlog/parse.js'
import { announceCorpus, CORPUS, corpusBytes } from '../helpers/corpus.js'
import { authenticateBoot, measureLogText, recordText, systemdBoot, systemdRecords, type SystemdBoot } from '../cel/systemd_fixture.js'

const now = new Date('2026-06-01T00:00:00Z')
const enc = (s: string) => new TextEncoder().encode(s)

function run(b: SystemdBoot, celText: string | null = b.celText, extra: { pcrs?: Record<string, Record<string, Uint8Array>> } = {}) {
  return authenticateBoot(b, now, celText, extra)
}

/** The quoted sha256 values as bytes (what an attester's tpm2_quote -o file gives). */
function attesterPcrs(b: SystemdBoot): Record<string, Record<string, Uint8Array>> {
  const out: Record<string, Uint8Array> = {}
  for (let i = 0; i < 16; i++) out[String(i)] = Uint8Array.from(Buffer.from(b.pcrs.sha256![String(i)] ?? '00'.repeat(32), 'hex'))
  return { sha256: out }
}

describe('authenticateAttestation with a firmware log and a CEL', () => {
  it('the combined replay reproduces the quote: PCRs 11, 12 and 15 are authenticated, CEL strings trusted', async () => {
    const b = await systemdBoot()
    const { quote, evidence } = await run(b)
    expect(quote.valid).toBe(true)
    expect(evidence!.authenticatedPcrs).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 15])
    expect(evidence!.ok).toBe(true)
    expect(evidence!.cel!.pcrs).toEqual([11, 15])
    expect(evidence!.cel!.integrity.counts).toEqual({ verified: 7, mismatch: 0, 'not-applicable': 1 })
    expect(celRecordTrust(evidence!, 0)).toEqual({ trusted: true })
    // the volume-key HMAC: digest authenticated, its label not bound
    expect(celRecordTrust(evidence!, 2)).toMatchObject({ trusted: false, reason: { code: 'EVENT_CONTENT_UNBOUND' } })
    // PCR 11's comparison covers the firmware events (stub sections) and the CEL records
    const cmp = evidence!.replay.comparisons!.find((c) => c.pcr === 11)!
    expect(cmp.status).toBe('match')
    expect(cmp.events.length).toBe(6)
  })

  it('without the CEL the firmware log alone does not match the quote: nothing is authenticated', async () => {
    const b = await systemdBoot()
    const { quote, evidence, replayFindings } = await run(b, null)
    expect(quote.valid).toBe(false)
    expect(replayFindings.map((f) => f.code)).toContain('LOG_DOES_NOT_MATCH_QUOTE')
    expect(evidence!.authenticatedPcrs).toEqual([])
  })

  it('without the CEL but with attester PCR values: PCR 11 is tainted (userspace extends are missing)', async () => {
    const b = await systemdBoot()
    const { quote, evidence } = await run(b, null, { pcrs: attesterPcrs(b) })
    expect(quote.valid).toBe(true)
    expect(pcrTrust(evidence!, 11)).toMatchObject({ status: 'tainted', reason: { code: 'PCR_NOT_REPRODUCED' } })
    expect(evidence!.authenticatedPcrs).not.toContain(15)
  })

  it('two CEL records of PCR 11 swapped: PCR 11 is not reproduced; PCR 15 stays authenticated', async () => {
    const b = await systemdBoot()
    const recs = systemdRecords()
    const swapped = [recs[3]!, recs[1]!, recs[2]!, recs[0]!, ...recs.slice(4)]
    const { evidence } = await run(b, swapped.map(recordText).join(''), { pcrs: attesterPcrs(b) })
    expect(pcrTrust(evidence!, 11)).toMatchObject({ status: 'tainted', reason: { code: 'PCR_NOT_REPRODUCED' } })
    expect(pcrTrust(evidence!, 15).status).toBe('authenticated')
    const f = evidence!.findings.find((x) => x.code === 'PCR_MISMATCH' && x.pcr === 11)!
    expect(f.message).toMatch(/CEL record\(s\) \[0, 3, 6, 7\]/)
    expect(celRecordTrust(evidence!, 0)).toMatchObject({ trusted: false, reason: { code: 'PCR_NOT_REPRODUCED' } })
  })

  it('a CEL record dropped: the quote digest no longer matches the combined replay', async () => {
    const b = await systemdBoot()
    const { quote, evidence } = await run(b, systemdRecords().filter((_, i) => i !== 4).map(recordText).join(''))
    expect(quote.valid).toBe(false)
    expect(evidence!.authenticatedPcrs).toEqual([])
  })

  it('a CEL record added (another boot, or extended after the quote): PCR 15 not reproduced', async () => {
    const b = await systemdBoot()
    const recs = systemdRecords()
    const { evidence } = await run(b, [...recs, { ...recs[4]! }].map(recordText).join(''), { pcrs: attesterPcrs(b) })
    expect(pcrTrust(evidence!, 15)).toMatchObject({ status: 'tainted', reason: { code: 'PCR_NOT_REPRODUCED' } })
    expect(pcrTrust(evidence!, 11).status).toBe('authenticated')
  })

  it('a phase string edited, digest kept: PCR 11 stays authenticated, the record is not trusted (CEL_CONTENT_MISMATCH)', async () => {
    const b = await systemdBoot()
    const text = systemdRecords().map((r, i) => recordText(i === 6 ? { ...r, string: 'sysinix' } : r, i)).join('')
    const { evidence } = await run(b, text)
    expect(pcrTrust(evidence!, 11).status).toBe('authenticated')
    expect(evidence!.ok).toBe(false)
    expect(evidence!.findings.filter((f) => f.code === 'CEL_CONTENT_MISMATCH').map((f) => [f.pcr, f.component])).toEqual([[11, 'CEL record 6']])
    expect(celRecordTrust(evidence!, 6)).toMatchObject({ trusted: false, reason: { code: 'EVENT_CONTENT_MISMATCH' } })
  })

  it('NV index records are replayed under their own key and never trusted', async () => {
    const b = await systemdBoot()
    const { evidence } = await run(b)
    expect([...evidence!.cel!.replay.nvpcrs.banks.get('sha256')!.pcrs.keys()]).toEqual([0x01d10200])
    expect(celRecordTrust(evidence!, 1)).toMatchObject({ trusted: false, reason: { code: 'PCR_NOT_QUOTED' } })
    expect(evidence!.findings.find((f) => f.code === 'CEL_NV_INDEX_NOT_QUOTED')).toMatchObject({ severity: 'info' })
  })

  it('a CEL record lacking the quoted bank: its PCR is not replayable there, never skipped (L-04)', async () => {
    const b = await systemdBoot()
    const lines = b.celText.split('\u001e').filter(Boolean)
    const o = JSON.parse(lines[7]!) as { digests: { hashAlg: string }[] }
    o.digests = o.digests.filter((d) => d.hashAlg !== 'sha256')
    lines[7] = JSON.stringify(o) + '\n'
    const { evidence } = await run(b, lines.map((l) => '\u001e' + l).join(''), { pcrs: attesterPcrs(b) })
    expect(pcrTrust(evidence!, 11).status).toBe('tainted')
    const f = evidence!.findings.find((x) => x.code === 'PCR_NOT_REPLAYABLE')!
    expect(f.message).toContain('CEL record(s) 7')
  })

  it('log basis (no quote): PCRs the CEL extends are consistent; the CEL is carried on the evidence', async () => {
    const b = await systemdBoot()
    const ev = authenticateLog(parseEventLog(b.fw.bytes), { celLog: parseCelJson(enc(measureLogText())), expected: b.pcrs })
    expect(ev.basis).toBe('log')
    expect(pcrTrust(ev, 15).status).toBe('consistent')
    expect(ev.replay.ok).toBe(true)
    expect(celRecordTrust(ev, 4)).toEqual({ trusted: true })
  })
})

announceCorpus('CEL register kind check with google-go-tpm-tools--cel.bin')
describe.skipIf(!CORPUS)('register kinds', () => {
  it('a COS CEL (CC MR handles) with a PCR firmware log is refused: ERR_CEL_REGISTER_KIND', async () => {
    const b = await systemdBoot()
    let err: unknown
    try {
      authenticateLog(parseEventLog(b.fw.bytes), { celLog: parseCel(corpusBytes('logs/google-go-tpm-tools--cel.bin')) })
    } catch (e) {
      err = e
    }
    expect(isBootproofError(err) && err.code).toBe('ERR_CEL_REGISTER_KIND')
  })
})
