/**
 * IMA lists of the shared corpus (../shared/corpus): every list replays to its expected PCR 10
 * values with every template hash verified; the truncated negative is rejected; the heuristic
 * `isImaList` tells IMA lists from every firmware log of the corpus.
 */
import { describe, expect, it } from 'vitest'
import { BootproofError } from '../../src/errors.js'
import { replayedValues } from '../../src/eventlog/replay.js'
import { pcrValuesToJSON } from '../../src/eventlog/pcr_values.js'
import { analyzeImaLog, isImaList, parseImaLog, replayImaLog } from '../../src/ima/index.js'
import { announceCorpus, CORPUS, corpusBytes, expectedEntries } from '../helpers/corpus.js'

announceCorpus('IMA corpus tests (test/ima/corpus.test.ts)')

interface ImaExpected {
  log: string
  format: string
  eventCount: number
  pcrs: Record<string, Record<string, string>>
  expectFailure: string | null
  notes: string
}

const all = expectedEntries() as unknown as ImaExpected[]
const ima = all.filter((e) => e.format.startsWith('ima'))
const good = ima.filter((e) => e.expectFailure === null)
const negative = ima.filter((e) => e.expectFailure !== null)

describe.skipIf(!CORPUS)('corpus IMA lists', () => {
  it('has the expected IMA inputs', () => {
    expect(good.length).toBeGreaterThanOrEqual(13)
    expect(negative.length).toBeGreaterThanOrEqual(1)
  })

  for (const e of good) {
    const name = e.log.split('/').pop()!
    const tail = /(\d+) trailing bytes form an incomplete entry/.exec(e.notes)
    const violations = Number(/(\d+) violation entries/.exec(e.notes)?.[1] ?? 0)

    it(`${name}: replays to the expected PCR 10 (${Object.keys(e.pcrs).join(', ')})`, () => {
      const bytes = corpusBytes(e.log)
      expect(isImaList(bytes)).toBe(true)
      if (tail) {
        // Strict by default: the cut entry is an error with its offset.
        let err: unknown
        try {
          parseImaLog(bytes)
        } catch (x) {
          err = x
        }
        expect(err).toBeInstanceOf(BootproofError)
        expect((err as BootproofError).code).toBe('ERR_EVENTLOG_TRUNCATED')
        expect((err as BootproofError).offset).toBeGreaterThanOrEqual(bytes.length - Number(tail[1]))
      }
      const log = parseImaLog(bytes, { truncatedTail: 'finding' })
      expect(log.format).toBe(e.format.includes('ascii') ? 'ima-ascii' : 'ima-binary')
      expect(log.entries.length).toBe(e.eventCount)
      if (tail) {
        expect(log.truncatedTail).toEqual({ offset: bytes.length - Number(tail[1]), bytes: Number(tail[1]) })
        expect(log.findings.filter((f) => f.code === 'IMA_TRUNCATED_TAIL')).toHaveLength(1)
      }
      expect(Object.keys(e.pcrs)).toEqual([log.templateHashAlg])

      const res = replayImaLog(log, { expected: e.pcrs })
      expect(pcrValuesToJSON(replayedValues(res))).toEqual(e.pcrs)
      expect(res.ok, JSON.stringify(res.findings)).toBe(true)
      expect(res.comparisons!.every((c) => c.status === 'match')).toBe(true)

      // Every non-violation template hash is H(template data).
      const a = analyzeImaLog(log, { expected: e.pcrs })
      expect(a.integrity.counts.mismatch).toBe(0)
      expect(a.integrity.counts.verified).toBe(e.eventCount - violations)
      expect(log.entries.filter((x) => x.violation)).toHaveLength(violations)
      expect(log.findings.filter((f) => f.code === 'IMA_VIOLATION')).toHaveLength(violations)
      expect(a.ok).toBe(true)
    })
  }

  it('the truncated negative is rejected with ERR_EVENTLOG_TRUNCATED at the cut entry, in both tail modes', () => {
    for (const e of negative) {
      const bytes = corpusBytes(e.log)
      for (const truncatedTail of ['error', 'finding'] as const) {
        let err: unknown
        try {
          parseImaLog(bytes, { truncatedTail })
        } catch (x) {
          err = x
        }
        expect(err, `${e.log} must be rejected`).toBeInstanceOf(BootproofError)
        const b = err as BootproofError
        expect(b.code).toBe('ERR_EVENTLOG_TRUNCATED')
        expect(b.eventIndex).toBe(0)
        // {u32 pcr; 20-byte hash; u32 6; "ima-ng"; u32 49} then only 48 bytes of template data.
        expect(b.offset).toBe(38)
        expect(b.field).toBe('templateData')
      }
    }
  })

  it('isImaList is false for every non-IMA input of the corpus', () => {
    for (const e of all.filter((x) => !x.format.startsWith('ima') && x.log)) {
      let bytes: Uint8Array
      try {
        bytes = corpusBytes(e.log)
      } catch {
        continue
      }
      expect(isImaList(bytes), e.log).toBe(false)
    }
  })

  it('per-bank lists of one boot record the same files in the same order', () => {
    const banks = ['sha1', 'sha256', 'sha384', 'sha512'].map((b) => parseImaLog(corpusBytes(`logs/kgoldman-ibmtss--${b}.log`)))
    for (const l of banks.slice(1)) {
      expect(l.entries.map((x) => x.filename)).toEqual(banks[0]!.entries.map((x) => x.filename))
      expect(l.entries.map((x) => x.fileDigest?.alg)).toEqual(banks[0]!.entries.map((x) => x.fileDigest?.alg))
    }
    // And their template data are identical: a per-bank list's hash is H_bank(same data), so
    // the sha1 list replayed with `recompute` into sha256 gives the sha256 list's PCR 10.
    const sha256 = all.find((x) => x.log === 'logs/kgoldman-ibmtss--sha256.log')!.pcrs
    const res = replayImaLog(banks[0]!, { extendBanks: { sha256: 'recompute', sha384: 'recompute', sha512: 'recompute' }, expected: sha256 })
    expect(res.ok, JSON.stringify(res.findings)).toBe(true)
  })

  it('decodes the template zoo of kgoldman imatest.log', () => {
    const log = parseImaLog(corpusBytes('logs/kgoldman-ibmtss--imatest.log'))
    const names = log.entries.map((x) => x.templateName)
    expect(names).toContain('ima-buf')
    expect(names).toContain('evm-sig')
    const buf = log.entries.find((x) => x.templateName === 'ima-buf')!
    expect(buf.filename).toBe('.builtin_trusted_keys')
    expect(buf.fields.buf![0]).toBe(0x30) // a DER certificate
    const v2 = log.entries.find((x) => x.templateName === 'ima-sigv2')!
    expect(v2.fileDigest).toMatchObject({ type: 'ima', alg: 'sha256' })
    const evm = log.entries.find((x) => x.templateName === 'evm-sig')!
    expect(evm.fields.evmsig!.length).toBeGreaterThan(0)
    expect(evm.rawFields.map((f) => f.id)).toEqual(['d-ng', 'n-ng', 'evmsig', 'xattrnames', 'xattrlengths', 'xattrvalues', 'iuid', 'igid', 'imode'])
    const modsig = log.entries.filter((x) => x.templateName === 'ima-modsig')
    expect(modsig.some((x) => x.fields['d-modsig'] !== undefined && x.fields.modsig!.length > 0)).toBe(true)
    const custom = log.entries.find((x) => x.templateName === 'n-ng|sig|d-ng')!
    expect(custom.filename).toBe('boot_aggregate')
    expect(custom.fileDigest?.alg).toBe('sha1')
    expect(log.findings.filter((f) => f.severity !== 'warning' || f.code !== 'IMA_VIOLATION')).toEqual([])
  })
})
