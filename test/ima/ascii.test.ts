/**
 * ASCII lists (`ascii_runtime_measurements`): keylime's archived lists, round trips of the
 * binary corpus lists through the kernel's ASCII rendering, and hand-written bad lines.
 */
import { describe, expect, it } from 'vitest'
import { BootproofError } from '../../src/errors.js'
import { replayedValues } from '../../src/eventlog/replay.js'
import { pcrValuesToJSON } from '../../src/eventlog/pcr_values.js'
import { parseImaLog, replayImaLog, type ParseImaLogOptions } from '../../src/ima/index.js'
import { announceCorpus, CORPUS, corpusBytes } from '../helpers/corpus.js'
import { cat, dng, entry, H, hex, imaNg, renderAscii, str } from './builder.js'

announceCorpus('IMA ASCII corpus tests (test/ima/ascii.test.ts)')

const enc = (s: string): Uint8Array => new TextEncoder().encode(s)

function errorOf(bytes: Uint8Array, options?: ParseImaLogOptions): BootproofError {
  try {
    parseImaLog(bytes, options)
  } catch (e) {
    expect(e).toBeInstanceOf(BootproofError)
    return e as BootproofError
  }
  throw new Error('expected an error')
}

describe.skipIf(!CORPUS)("keylime's ASCII lists", () => {
  it('ima-ng list: 826 entries, fields decoded, every template hash rebuilt and verified', () => {
    const log = parseImaLog(corpusBytes('logs/keylime-keylime--ascii_runtime_measurements'))
    expect(log.format).toBe('ima-ascii')
    expect(log.templateHashAlg).toBe('sha1')
    expect(log.entries).toHaveLength(826)
    const [first, second] = log.entries
    expect(first).toMatchObject({ index: 0, offset: 0, line: 1, pcr: 10, templateName: 'ima-ng', filename: 'boot_aggregate', templateHashStatus: 'verified' })
    expect(hex(first!.fileDigest!.digest)).toBe('00'.repeat(20))
    expect(second!.filename).toBe('/init')
    expect(second!.fileDigest).toEqual({ alg: 'sha1', digest: new Uint8Array(Buffer.from('19f13b42c2745066347e76454788c0fe083643f3', 'hex')) })
    expect(log.entries.every((e) => e.templateHashStatus === 'verified')).toBe(true)
    expect(log.findings).toEqual([])
  })

  it('ima list: violations are all-zero lines, extended as 0xFF', () => {
    const log = parseImaLog(corpusBytes('logs/keylime-keylime--ascii_runtime_measurements_ima'))
    const v = log.entries.filter((e) => e.violation)
    expect(v).toHaveLength(9)
    expect(v[0]!.line).toBe(848)
    expect(v[0]!.filename).toBe('/tmp/sh-thd-868147006')
    expect(log.entries.filter((e) => !e.violation).every((e) => e.templateHashStatus === 'verified')).toBe(true)
    expect(pcrValuesToJSON(replayedValues(replayImaLog(log)))).toEqual({ sha1: { 10: '93aacc9ec455c429c1a2d291650e40e7655565d8' } })
  })
})

describe.skipIf(!CORPUS)('binary corpus lists rendered as ASCII parse back to the same entries', () => {
  for (const name of ['kgoldman-ibmtss--imatest.log', 'kgoldman-ibmtss--sha1.log', 'cybersecurity-links-embrave--binary_runtime_measurements', 'tpm2-software-tpm2-tss--sml-ima-sha1.bin']) {
    it(name, () => {
      const bin = parseImaLog(corpusBytes(`logs/${name}`), { truncatedTail: 'finding' })
      const text = bin.entries.map(renderAscii).join('')
      const ascii = parseImaLog(enc(text))
      expect(ascii.entries).toHaveLength(bin.entries.length)
      bin.entries.forEach((b, i) => {
        const a = ascii.entries[i]!
        expect(a.templateName).toBe(b.templateName)
        expect(a.filename).toBe(b.filename)
        expect(a.fileDigest).toEqual(b.fileDigest)
        // evm-sig carries iuid/igid/imode, whose byte width the text does not show.
        if (b.templateName === 'evm-sig') expect(a.templateHashStatus).toBe('not-applicable')
        else {
          expect(hex(a.templateData!), `entry ${i} ${b.templateName}`).toBe(hex(b.templateData!))
          expect(a.templateHashStatus).toBe(b.templateHashStatus)
        }
      })
      expect(pcrValuesToJSON(replayedValues(replayImaLog(ascii)))).toEqual(pcrValuesToJSON(replayedValues(replayImaLog(bin))))
    })
  }
})

describe('hand-written lines', () => {
  const sigEntry = entry({ template: 'ima-sig', fields: [dng('sha256', H('sha256', enc('x'))), str('/opt/My Files/a b.txt'), new Uint8Array([0x03, 0x02, 0x01])] })
  const sigLine = renderAscii(parseImaLog(sigEntry).entries[0]!)

  it('a name with spaces is split from the fields around it', () => {
    expect(sigLine).toMatch(/ \/opt\/My Files\/a b\.txt 030201\n$/)
    const e = parseImaLog(enc(sigLine)).entries[0]!
    expect(e.filename).toBe('/opt/My Files/a b.txt')
    expect(hex(e.fields.sig!)).toBe('030201')
    expect(e.templateHashStatus).toBe('verified')
  })

  it('an empty signature prints as a trailing space', () => {
    const line = renderAscii(parseImaLog(entry({ template: 'ima-sig', fields: [dng('sha1', new Uint8Array(20)), str('boot_aggregate'), new Uint8Array(0)] })).entries[0]!)
    expect(line.endsWith('boot_aggregate \n')).toBe(true)
    const e = parseImaLog(enc(line)).entries[0]!
    expect(e.fields.sig).toHaveLength(0)
    expect(e.templateHashStatus).toBe('verified')
  })

  it('single-digit PCRs are printed with %2d; CRLF and a missing final newline are tolerated', () => {
    const a = renderAscii(parseImaLog(imaNg('/a', { pcr: 9 })).entries[0]!)
    const b = renderAscii(parseImaLog(imaNg('/b')).entries[0]!)
    expect(a.startsWith(' 9 ')).toBe(true)
    const log = parseImaLog(enc(a.replace('\n', '\r\n') + b.slice(0, -1)))
    expect(log.entries.map((e) => [e.pcr, e.filename, e.templateHashStatus])).toEqual([
      [9, '/a', 'verified'],
      [10, '/b', 'verified'],
    ])
  })

  it('an edited file name in an ASCII line fails its template hash', () => {
    const log = parseImaLog(enc(sigLine.replace('a b.txt', 'a c.txt')))
    expect(log.findings.map((f) => f.code)).toEqual(['IMA_TEMPLATE_HASH_MISMATCH'])
  })

  it('a cut last line is ERR_EVENTLOG_TRUNCATED (or a tail finding); a bad middle line is ERR_EVENTLOG_MALFORMED with its offset', () => {
    const good = renderAscii(parseImaLog(imaNg('/a')).entries[0]!)
    const cut = good + good.slice(0, 30)
    const e = errorOf(enc(cut))
    expect(e.code).toBe('ERR_EVENTLOG_TRUNCATED')
    expect(e.offset).toBe(good.length)
    expect(e.eventIndex).toBe(1)
    const tolerated = parseImaLog(enc(cut), { truncatedTail: 'finding' })
    expect(tolerated.entries).toHaveLength(1)
    expect(tolerated.truncatedTail).toEqual({ offset: good.length, bytes: 30 })

    const bad = errorOf(enc(good + 'garbage line\n' + good))
    expect(bad).toMatchObject({ code: 'ERR_EVENTLOG_MALFORMED', offset: good.length, eventIndex: 1, field: 'line 2' })
    expect(errorOf(enc(good + '\n' + good)).code).toBe('ERR_EVENTLOG_MALFORMED')
    // Mixed template-hash sizes.
    const l256 = renderAscii(parseImaLog(imaNg('/a', { alg: 'sha256' })).entries[0]!)
    expect(errorOf(enc(good + l256))).toMatchObject({ code: 'ERR_EVENTLOG_MALFORMED', offset: good.length })
  })

  it('fields that cannot be rebuilt: unverified, and recompute banks become not replayable', () => {
    const lines = [
      renderAscii(parseImaLog(imaNg('/a')).entries[0]!),
      `10 ${'ab'.repeat(20)} my-template whatever 1 2 3\n`,
      `10 ${'cd'.repeat(20)} d-ng|n-ng|iuid sha1:${'00'.repeat(20)} /x 0\n`,
    ].join('')
    const log = parseImaLog(enc(lines))
    expect(log.entries.map((e) => e.templateHashStatus)).toEqual(['verified', 'not-applicable', 'not-applicable'])
    expect(log.entries[1]!.rawFields).toEqual([{ id: '#fields', data: new Uint8Array(0), text: 'whatever 1 2 3' }])
    expect(log.entries[2]!.filename).toBe('/x')
    expect(log.findings.map((f) => f.code)).toEqual(['IMA_UNKNOWN_TEMPLATE', 'IMA_TEMPLATE_HASH_UNVERIFIED'])
    expect(log.findings[1]!.relatedEvents).toEqual([1, 2])
    const res = replayImaLog(log, { extendBanks: { sha256: 'recompute', sha384: 'pad' }, expected: { sha256: { 10: '00'.repeat(32) }, sha384: { 10: '00'.repeat(48) } } })
    expect(res.banks.get('sha256')!.pcrs.get(10)).toMatchObject({ replayable: false, missingDigestEvents: [1, 2] })
    expect(res.comparisons!.map((c) => c.status)).toEqual(['pcr-not-replayable', 'mismatch'])
  })

  it('plain text that is not an IMA list is rejected', () => {
    expect(errorOf(enc('10 not-hex ima-ng x\n')).code).toBe('ERR_EVENTLOG_FORMAT')
  })

  it('ascii detection also reads lists with sha256 template hashes', () => {
    const log = parseImaLog(enc(renderAscii(parseImaLog(cat(imaNg('/a', { alg: 'sha256' }))).entries[0]!)))
    expect(log.templateHashAlg).toBe('sha256')
    expect(log.entries[0]!.templateHashStatus).toBe('verified')
  })
})

describe('random corruption of ASCII lists', () => {
  it('5,000 mutated lists: only BootproofError escapes', () => {
    const base = [imaNg('/usr/bin/a'), entry({ template: 'ima', name: '/b c' }), entry({ template: 'ima-sig', fields: [dng('sha256', new Uint8Array(32)), str('/c'), new Uint8Array([3, 2, 1])] }), imaNg('/d', { templateHash: new Uint8Array(20) })]
      .map((b) => renderAscii(parseImaLog(b).entries[0]!))
      .join('')
    const alphabet = ' \n\r:|0af9g\0\xff-'
    let seed = 777
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    const codes = new Set<string>()
    for (let i = 0; i < 5000; i++) {
      const chars = [...base.slice(0, base.length - rnd(10))]
      for (let k = 0, n = 1 + rnd(3); k < n; k++) chars[rnd(chars.length)] = alphabet[rnd(alphabet.length)]!
      try {
        const log = parseImaLog(new TextEncoder().encode(chars.join('')), { truncatedTail: rnd(2) ? 'finding' : 'error' })
        replayImaLog(log, { extendBanks: { sha256: 'recompute', sha384: 'pad' } })
        codes.add('ok')
      } catch (e) {
        expect(e).toBeInstanceOf(BootproofError)
        codes.add((e as BootproofError).code)
      }
    }
    expect(codes.has('ok')).toBe(true)
    expect(codes.has('ERR_EVENTLOG_MALFORMED')).toBe(true)
  })
})
