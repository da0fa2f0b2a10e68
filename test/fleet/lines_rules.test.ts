/**
 * One rule for blank lines and the byte order mark, whether lines come as strings or as bytes:
 * blank is JSON whitespace only (RFC 8259 §2: space, tab, LF, CR); a UTF-8 BOM is ignored at the
 * very start of the input (RFC 8259 §8.1 lets a parser ignore one) and nowhere else.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { createFleetLineVerifier, isBlankLine, splitLines, verifyFleet } from '../../src/index.js'
import { makeFleet } from '../../scripts/make-fleet.js'
import { REPO_ROOT } from '../helpers/corpus.js'

const POLICY = JSON.parse(readFileSync(join(REPO_ROOT, 'examples/policies/ovmf-sb-esp.derived.json'), 'utf8'))
const enc = new TextEncoder()
const BOM = '\ufeff'

async function outcomes(lines: Iterable<string | Uint8Array>): Promise<string[]> {
  const out: string[] = []
  for await (const r of verifyFleet(lines, { policy: POLICY, bootChains: false })) out.push(`${r.line}:${r.error?.code ?? r.ear_status}`)
  return out
}

/** The same lines as strings and as UTF-8 bytes must give the same results. */
async function bothForms(lines: string[]): Promise<string[]> {
  const asStrings = await outcomes(lines)
  const asBytes = await outcomes(lines.map((l) => enc.encode(l)))
  expect(asBytes).toEqual(asStrings)
  return asStrings
}

describe('isBlankLine: JSON whitespace only', () => {
  it('takes space, tab, CR and LF as blank, as strings and as bytes', () => {
    for (const s of ['', ' ', '\t', '\r', ' \t\r\n ']) {
      expect(isBlankLine(s), JSON.stringify(s)).toBe(true)
      expect(isBlankLine(enc.encode(s)), JSON.stringify(s)).toBe(true)
    }
  })

  it('does not take other Unicode spaces or separators as blank (U+00A0, U+2028, U+3000, VT, FF)', () => {
    for (const s of ['\u00a0', '\u2028', '\u2029', '\u3000', '\u000b', '\u000c', ' \u00a0 ']) {
      expect(isBlankLine(s), JSON.stringify(s)).toBe(false)
      expect(isBlankLine(enc.encode(s)), JSON.stringify(s)).toBe(false)
    }
  })

  it('takes a BOM as blank only at the start of the input', () => {
    for (const s of [BOM, BOM + ' \r']) {
      expect(isBlankLine(s, true)).toBe(true)
      expect(isBlankLine(enc.encode(s), true)).toBe(true)
      expect(isBlankLine(s)).toBe(false)
      expect(isBlankLine(enc.encode(s))).toBe(false)
    }
    // One BOM, not two.
    expect(isBlankLine(BOM + BOM, true)).toBe(false)
    expect(isBlankLine(enc.encode(BOM + BOM), true)).toBe(false)
  })
})

describe('verifyFleet: strings and bytes follow one rule', () => {
  let good: string
  beforeAll(() => {
    good = makeFleet(20, 'lines-rules').find((f) => f.kind === 'sb-esp')!.line
  })

  it('makes a line of U+00A0 or U+2028 an ERR_LINE_NOT_JSON line, not a skipped blank', async () => {
    expect(await bothForms(['\u00a0', good, '\u2028'])).toEqual(['1:ERR_LINE_NOT_JSON', '2:affirming', '3:ERR_LINE_NOT_JSON'])
  }, 60_000)

  it('accepts a BOM at the very start of the input', async () => {
    expect(await bothForms([BOM + good, good])).toEqual(['1:affirming', '2:affirming'])
  }, 60_000)

  it('skips a first line holding only a BOM (and whitespace) as blank', async () => {
    expect(await bothForms([BOM, good])).toEqual(['2:affirming'])
    expect(await bothForms([BOM + ' \r', good])).toEqual(['2:affirming'])
  }, 60_000)

  it('refuses a BOM anywhere else: a later line, or after blank lines at the start', async () => {
    expect(await bothForms([good, BOM + good])).toEqual(['1:affirming', '2:ERR_LINE_NOT_JSON'])
    expect(await bothForms(['', BOM + good])).toEqual(['2:ERR_LINE_NOT_JSON'])
    expect(await bothForms([good, BOM])).toEqual(['1:affirming', '2:ERR_LINE_NOT_JSON'])
  }, 60_000)

  it('says why a misplaced BOM is refused', async () => {
    const verify = createFleetLineVerifier({ policy: POLICY, bootChains: false })
    for (const data of [BOM + good, enc.encode(BOM + good)]) {
      const r = await verify({ index: 1, line: 2, data })
      expect(r.error?.code).toBe('ERR_LINE_NOT_JSON')
      expect(r.error?.message).toMatch(/^line 2: .*byte order mark/)
    }
  }, 60_000)

  it('applies the same rule to a file split into byte lines (BOM first: accepted; BOM on line 3: refused)', async () => {
    const file = enc.encode(BOM + good + '\n\n' + BOM + good + '\n')
    const chunks = [file.subarray(0, 2), file.subarray(2)]
    const lines: Uint8Array[] = []
    for await (const l of splitLines(chunks, 1 << 24, { views: true })) lines.push(l)
    expect(await outcomes(lines)).toEqual(['1:affirming', '3:ERR_LINE_NOT_JSON'])
  }, 60_000)
})
