/**
 * CCEL replay against a TD quote's RTMRs: go-tdx-guest's GCP quote with the CCEL area read on the
 * same TD (all four RTMRs reproduce), and logs or quotes that do not belong together.
 */
import { describe, expect, it } from 'vitest'
import { parseEventLog, parseTdxQuote, verifyCcelAgainstTdQuote, type TdxCcelResult } from '../../../src/index.js'
import { repoBytes } from '../../helpers/corpus.js'
import { bodyOffset, flip, vector } from './helpers.js'

const codes = (r: TdxCcelResult): string[] => r.errors.map((e) => e.code)
const LOG = 'go-tdx-guest/ccel_data.dat'
const QUOTE = 'go-tdx-guest/cos-113-tdx-quote.dat'

/** Offset of the sha384 digest of the first extended record on `mr`. */
function digestAt(log: Uint8Array, mr: number): number {
  const parsed = parseEventLog(log, { registers: 'cc-mr' })
  const ev = parsed.events.find((e) => e.pcrIndex === mr && e.eventType !== 3)!
  // TCG_PCR_EVENT2: index u32, type u32, digest count u32, then (algId u16, digest) per bank.
  return ev.offset + 12 + 2
}

describe('TDX CCEL replay', () => {
  it('the GCP cos-113 CCEL area reproduces RTMR0-3 of the quote taken on the same TD', () => {
    const r = verifyCcelAgainstTdQuote(vector(LOG), vector(QUOTE))
    expect(codes(r)).toEqual([])
    expect(r.valid).toBe(true)
    expect(r.rtmrs.map((x) => [x.rtmr, x.mrIndex, x.events.length, x.match])).toEqual([
      [0, 1, 16, true],
      [1, 2, 7, true],
      [2, 3, 20, true],
      [3, 4, 0, true],
    ])
    expect(r.rtmrs[3]!.replayed).toBe('0'.repeat(96))
    expect(r.rtmrs.every((x) => x.replayed === x.quote)).toBe(true)
  })

  it('accepts a parsed log and a parsed quote', () => {
    const r = verifyCcelAgainstTdQuote(parseEventLog(vector(LOG), { registers: 'cc-mr' }), parseTdxQuote(vector(QUOTE)))
    expect(r.valid).toBe(true)
  })

  it('the same log against another TD\'s quote: ERR_TDX_RTMR_MISMATCH on each RTMR the log does not reproduce', () => {
    const r = verifyCcelAgainstTdQuote(vector(LOG), vector('trustee/tdx_quote_6.dat'))
    expect(codes(r)).toEqual(['ERR_TDX_RTMR_MISMATCH', 'ERR_TDX_RTMR_MISMATCH', 'ERR_TDX_RTMR_MISMATCH'])
    expect(r.rtmrs.map((x) => x.match)).toEqual([false, false, false, true])
  })

  it('one digest byte changed in a record on MR 2: only RTMR1 fails', () => {
    const log = vector(LOG)
    const r = verifyCcelAgainstTdQuote(flip(log, digestAt(log, 2) + 5), vector(QUOTE))
    expect(r.checks.filter((c) => !c.ok).map((c) => c.id)).toEqual(['ccel.rtmr1'])
    expect(codes(r)).toEqual(['ERR_TDX_RTMR_MISMATCH'])
  })

  it('a record moved to MR 0 (MRTD): ERR_TDX_CCEL_MR_INDEX, and the RTMR it left no longer matches', () => {
    const log = vector(LOG).slice()
    const parsed = parseEventLog(log, { registers: 'cc-mr' })
    const ev = parsed.events.find((e) => e.pcrIndex === 3 && e.eventType !== 3)!
    new DataView(log.buffer, log.byteOffset).setUint32(ev.offset, 0, true)
    const r = verifyCcelAgainstTdQuote(log, vector(QUOTE))
    expect(codes(r)).toEqual(['ERR_TDX_CCEL_MR_INDEX', 'ERR_TDX_RTMR_MISMATCH'])
    expect(r.checks.find((c) => c.id === 'ccel.mrIndex')?.message).toContain(`${ev.index} (MR 0)`)
  })

  it('a quote whose RTMR3 is not zero while no record extends MR 4: ERR_TDX_RTMR_MISMATCH (records are missing)', () => {
    const q = vector(QUOTE)
    const r = verifyCcelAgainstTdQuote(vector(LOG), flip(q, bodyOffset(4) + 328 + 3 * 48))
    expect(codes(r)).toEqual(['ERR_TDX_RTMR_MISMATCH'])
    expect(r.errors[0]!.message).toContain('no record extends MR 4')
  })

  it('a TPM PCR log (parsed as such) is a caller error: TypeError', () => {
    const tpmLog = parseEventLog(repoBytes('test-vectors/ovmf/plain-direct/binary_bios_measurements'))
    expect(() => verifyCcelAgainstTdQuote(tpmLog, vector(QUOTE))).toThrow(TypeError)
  })
})
