import { existsSync, readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { analyzeEventLog, BootproofError, parseEventLog, pcrValuesToJSON, replayedValues } from '../../src/index.js'
import { expectedJson, readme, syntheticVectors, type Expected } from '../../scripts/make-synthetic-vectors.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const dir = path.join(repoRoot, 'test-vectors', 'synthetic')
const generated = syntheticVectors()

function load(name: string): { bytes: Uint8Array; expected: Expected } {
  return {
    bytes: new Uint8Array(readFileSync(path.join(dir, `${name}.bin`))),
    expected: JSON.parse(readFileSync(path.join(dir, `${name}.expected.json`), 'utf8')) as Expected,
  }
}

describe('committed synthetic vectors are what the generator makes', () => {
  it('the directory holds exactly the generated vectors, a README line each', () => {
    expect(existsSync(dir)).toBe(true)
    const names = readdirSync(dir).filter((f) => f.endsWith('.bin')).map((f) => f.slice(0, -4)).sort()
    expect(names).toEqual(generated.map((v) => v.name).sort())
    const text = readFileSync(path.join(dir, 'README.md'), 'utf8')
    expect(text).toBe(readme(generated))
    for (const v of generated) expect(text).toContain(`- \`${v.name}.bin\``)
  })

  for (const v of generated) {
    it(`${v.name}: bytes and expected.json are up to date`, () => {
      const c = load(v.name)
      expect(Buffer.from(c.bytes).equals(Buffer.from(v.bytes))).toBe(true)
      expect(readFileSync(path.join(dir, `${v.name}.expected.json`), 'utf8')).toBe(expectedJson(v.expected))
    })
  }
})

describe('synthetic vectors behave as their expected.json says', () => {
  for (const v of generated) {
    it(v.name, () => {
      const { bytes, expected } = load(v.name)
      if ('error' in expected) {
        let caught: unknown
        try {
          parseEventLog(bytes)
        } catch (e) {
          caught = e
        }
        expect(caught).toBeInstanceOf(BootproofError)
        expect((caught as BootproofError).code).toBe(expected.error)
        expect(typeof (caught as BootproofError).offset).toBe('number')
        return
      }
      const log = parseEventLog(bytes)
      const a = analyzeEventLog(log, { expected: expected.pcrs })
      // Every listed PCR equals its replay...
      const cmp = a.replay.comparisons ?? []
      const listed = Object.values(expected.pcrs).reduce((n, regs) => n + Object.keys(regs).length, 0)
      expect(listed).toBeGreaterThan(0)
      expect(cmp).toHaveLength(listed)
      expect(cmp.filter((c) => c.status !== 'match').map((c) => `${c.bank}:${c.pcr} ${c.status}`)).toEqual([])
      // ...and the replay extends exactly the listed PCRs in each replayable bank.
      expect(pcrValuesToJSON(replayedValues(a.replay))).toEqual(expected.pcrs)
      const codes = new Set(a.findings.map((f) => f.code))
      for (const c of expected.findings) expect(codes, `finding ${c}`).toContain(c)
      const unexpectedErrors = a.findings.filter((f) => f.severity === 'error' && !expected.findings.includes(f.code))
      expect(unexpectedErrors.map((f) => `${f.code}: ${f.message}`)).toEqual([])
      expect(a.ok).toBe(!a.findings.some((f) => f.severity === 'error'))
    })
  }

  it('the clean vectors are ok and the attack vectors are not', () => {
    const verdict = (name: string): boolean => {
      const { bytes, expected } = load(name)
      return analyzeEventLog(parseEventLog(bytes), { expected: (expected as { pcrs: Record<string, Record<string, string>> }).pcrs }).ok
    }
    for (const n of ['valid-sha1-sha256', 'startup-locality-3', 'hcrtm-start', 'separator-ffffffff', 'unknown-alg-0x1234', 'large-over-64k', 'windows-os-events-without-sha1']) expect(verdict(n), n).toBe(true)
    for (const n of ['masquerade-r01', 'secureboot-flipped-r02', 'separator-duplicate-pcr7', 'separator-error-00000001', 'pcr-index-24', 'pcr-index-ffffffff', 'hcrtm-malformed-hcrt', 'no-action-nonzero-digest']) expect(verdict(n), n).toBe(false)
  })

  it('separator-missing-pcr7: incomplete, not tampered: a SEPARATOR_MISSING warning that keeps pcr 7 (its facts are untrusted downstream)', () => {
    const { bytes, expected } = load('separator-missing-pcr7')
    const a = analyzeEventLog(parseEventLog(bytes), { expected: (expected as { pcrs: Record<string, Record<string, string>> }).pcrs })
    expect(a.findings.filter((f) => f.code === 'SEPARATOR_MISSING')).toEqual([expect.objectContaining({ severity: 'warning', pcr: 7 })])
    expect(a.ok).toBe(true)
  })

  it('large-over-64k really is over 64 KiB and keeps the big event whole', () => {
    const { bytes } = load('large-over-64k')
    expect(bytes.length).toBeGreaterThan(65536)
    const log = parseEventLog(bytes)
    expect(Math.max(...log.events.map((e) => e.data.length))).toBeGreaterThan(65536)
  })
})
