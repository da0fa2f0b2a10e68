/**
 * predictPcr11 against what systemd-measure 252 printed for the same sections (test-vectors/uki,
 * scripts/record/record-uki.sh): four UKIs × four banks × the default and seven explicit phase
 * paths, compared as the exact JSON text; then the section rules (VirtualSize, zero fill, empty
 * sections, stub versions) and every typed error.
 */
import { describe, expect, it } from 'vitest'
import { parsePe } from '../../src/authenticode/pe.js'
import { parseUki } from '../../src/uki/parse_uki.js'
import { predictPcr11 } from '../../src/uki/predict_pcr11.js'
import { BANKS, editSection, flipSectionByte, PREDICTED, RECORDED_PHASES, renameSection, sectionBytes, vector, vectorText } from './uki_fixture.js'

describe('predictPcr11 equals systemd-measure calculate (252)', () => {
  for (const v of PREDICTED) {
    const uki = vector(`${v}/uki.efi`)
    for (const bank of BANKS) {
      it(`${v} ${bank}: default phases and all seven phase paths, same JSON text`, () => {
        expect(JSON.stringify(predictPcr11(uki, { banks: [bank] }).values)).toBe(vectorText(`${v}/calculate.${bank}.json`).trim())
        expect(JSON.stringify(predictPcr11(uki, { banks: [bank], phases: RECORDED_PHASES }).values)).toBe(vectorText(`${v}/calculate-all-phases.${bank}.json`).trim())
      })
    }
    it(`${v}: all banks at once equal --json=pretty`, () => {
      expect(predictPcr11(uki).values).toEqual(JSON.parse(vectorText(`${v}/calculate.pretty.json`)))
    })
  }

  it('phase paths are normalised, sorted and de-duplicated; the empty path has no "phase" key', () => {
    const p = predictPcr11(vector('basic/uki.efi'), { banks: ['sha256'], phases: ['b', 'a::c', 'b', ':'] })
    expect(JSON.stringify(p.values)).toBe(vectorText('basic/calculate-odd-phases.sha256.json').trim())
    expect(p.phases).toEqual(['', 'a:c', 'b'])
    expect(p.values.sha256![0]).not.toHaveProperty('phase')
  })

  it('measures the 252 table: .uname and the stub .sbat are present but not measured; .pcrsig never', () => {
    const full = predictPcr11(vector('full/uki.efi'))
    expect(full.stubVersion).toBe(252)
    expect(full.stubVersionSource).toBe('sdmagic')
    expect(full.measured.map((m) => m.name)).toEqual(['.linux', '.osrel', '.cmdline', '.initrd', '.splash', '.dtb'])
    expect(full.notMeasured).toEqual(['.uname', '.sbat'])
    const signed = predictPcr11(vector('signed/uki.efi'))
    expect(signed.measured.map((m) => m.name)).toEqual(['.linux', '.osrel', '.cmdline', '.initrd', '.pcrpkey'])
    expect(signed.notMeasured).toEqual(['.sbat', '.pcrsig'])
  })

  it('hashes VirtualSize bytes, not the FileAlignment-padded raw data', () => {
    const uki = vector('basic/uki.efi')
    const s = parsePe(uki).sections.find((x) => x.name === '.linux')!
    expect(s.sizeOfRawData).toBeGreaterThan(s.virtualSize)
    expect(predictPcr11(uki).measured[0]!.size).toBe(4321)
  })
})

describe('section files (systemd-measure --linux= ... input)', () => {
  it('give the same values as the UKI built from them', () => {
    const uki = vector('signed/uki.efi')
    const sections = Object.fromEntries(['.linux', '.osrel', '.cmdline', '.initrd', '.pcrpkey'].map((n) => [n, sectionBytes(uki, n)]))
    expect(predictPcr11({ sections }, { stubVersion: 252 }).values).toEqual(predictPcr11(uki).values)
    expect(predictPcr11({ sections }).stubVersionSource).toBe('newest')
  })

  it('an empty section is skipped entirely (no name event), like an absent one', () => {
    const uki = vector('basic/uki.efi')
    const linux = sectionBytes(uki, '.linux')
    expect(predictPcr11({ sections: { '.linux': linux, '.osrel': new Uint8Array(0) } }).values).toEqual(predictPcr11({ sections: { '.linux': linux } }).values)
  })

  it('a section the chosen stub does not measure is refused', () => {
    const linux = sectionBytes(vector('basic/uki.efi'), '.linux')
    expect(() => predictPcr11({ sections: { '.linux': linux, '.uname': new Uint8Array([0x36]) } }, { stubVersion: 252 })).toThrowError(expect.objectContaining({ code: 'ERR_UKI_UNSUPPORTED' }))
    expect(() => predictPcr11({ sections: { '.linux': linux, '.pcrsig': new Uint8Array([0x7b]) } })).toThrowError(expect.objectContaining({ code: 'ERR_UKI_UNSUPPORTED' }))
  })
})

describe('what the stub sees in memory', () => {
  it('an edited section changes the prediction', () => {
    const uki = vector('basic/uki.efi')
    expect(predictPcr11(flipSectionByte(uki, '.cmdline', 3)).values).not.toEqual(predictPcr11(uki).values)
  })

  it('VirtualSize above SizeOfRawData: the loader zero-fills, and the zeros are measured', () => {
    const uki = vector('basic/uki.efi')
    const grown = editSection(uki, '.cmdline', (h) => h.setUint32(8, 0x300, true))
    const s = parseUki(grown).sections.get('.cmdline')!
    expect(s.content.length).toBe(0x300)
    expect(s.zeroFilled).toBe(0x100)
    const expected = new Uint8Array(0x300)
    const raw = parsePe(grown).sections.find((x) => x.name === '.cmdline')!
    expected.set(grown.subarray(raw.pointerToRawData, raw.pointerToRawData + 0x200))
    expect(s.content).toEqual(expected)
    const sections = Object.fromEntries(['.linux', '.osrel', '.initrd'].map((n) => [n, sectionBytes(uki, n)]))
    expect(predictPcr11(grown).values).toEqual(predictPcr11({ sections: { ...sections, '.cmdline': expected } }).values)
  })

  it('VirtualSize 0: the section counts as absent', () => {
    const uki = vector('basic/uki.efi')
    const emptied = editSection(uki, '.osrel', (h) => h.setUint32(8, 0, true))
    const sections = Object.fromEntries(['.linux', '.cmdline', '.initrd'].map((n) => [n, sectionBytes(uki, n)]))
    expect(predictPcr11(emptied).values).toEqual(predictPcr11({ sections }).values)
    expect(parseUki(emptied).emptySections).toEqual(['.osrel'])
  })
})

describe('stub versions', () => {
  it('a 254 table measures .uname and .sbat: a different value from the same UKI', () => {
    const uki = vector('full/uki.efi')
    const p = predictPcr11(uki, { stubVersion: 254 })
    expect(p.measured.map((m) => m.name)).toEqual(['.linux', '.osrel', '.cmdline', '.initrd', '.splash', '.dtb', '.uname', '.sbat'])
    expect(p.values).not.toEqual(predictPcr11(uki).values)
    expect(p.notes.join(' ')).toContain('252.39-1~deb12u2')
  })

  it('no .sdmagic and no version given: ERR_UKI_STUB_VERSION; with a version: predicted', () => {
    const uki = renameSection(vector('basic/uki.efi'), '.sdmagic', '.sdmagiX')
    expect(() => predictPcr11(uki)).toThrowError(expect.objectContaining({ code: 'ERR_UKI_STUB_VERSION' }))
    expect(predictPcr11(uki, { stubVersion: 252 }).values).toEqual(predictPcr11(vector('basic/uki.efi')).values)
  })

  it('a stub older than 252 is refused', () => {
    expect(() => predictPcr11(vector('basic/uki.efi'), { stubVersion: 251 })).toThrowError(expect.objectContaining({ code: 'ERR_UKI_STUB_VERSION' }))
  })

  it('a newer stub than the newest table known is predicted with a note', () => {
    expect(predictPcr11(vector('basic/uki.efi'), { stubVersion: 300 }).notes.join(' ')).toMatch(/newer than the newest section table/)
  })

  it('a multi-profile UKI (.profile, 257) is ERR_UKI_UNSUPPORTED', () => {
    const uki = renameSection(vector('full/uki.efi'), '.uname', '.profile')
    expect(() => predictPcr11(uki, { stubVersion: 257 })).toThrowError(expect.objectContaining({ code: 'ERR_UKI_UNSUPPORTED' }))
  })
})

describe('typed errors', () => {
  it('no .linux: ERR_UKI_NO_LINUX', () => {
    expect(() => predictPcr11(renameSection(vector('basic/uki.efi'), '.linux', '.kernel'))).toThrowError(expect.objectContaining({ code: 'ERR_UKI_NO_LINUX' }))
  })

  it('.linux with VirtualSize 0: ERR_UKI_NO_LINUX', () => {
    expect(() => predictPcr11(editSection(vector('basic/uki.efi'), '.linux', (h) => h.setUint32(8, 0, true)))).toThrowError(expect.objectContaining({ code: 'ERR_UKI_NO_LINUX' }))
  })

  it('not a PE image / truncated headers: ERR_PE_*', () => {
    expect(() => predictPcr11(new TextEncoder().encode('{"sha256":[]}'))).toThrowError(expect.objectContaining({ code: 'ERR_PE_MALFORMED' }))
    expect(() => predictPcr11(vector('basic/uki.efi').subarray(0, 200))).toThrowError(expect.objectContaining({ code: 'ERR_PE_TRUNCATED' }))
  })

  it('a repeated UKI section name: ERR_UKI_MALFORMED', () => {
    expect(() => predictPcr11(renameSection(vector('basic/uki.efi'), '.osrel', '.cmdline'))).toThrowError(expect.objectContaining({ code: 'ERR_UKI_MALFORMED' }))
  })

  it('a longer name the 252 prefix compare would take for .linux: ERR_UKI_MALFORMED', () => {
    expect(() => predictPcr11(renameSection(vector('basic/uki.efi'), '.osrel', '.linuxA'))).toThrowError(expect.objectContaining({ code: 'ERR_UKI_MALFORMED' }))
  })

  it('sections overlapping in memory: ERR_UKI_MALFORMED', () => {
    const uki = vector('basic/uki.efi')
    const cmdlineVa = parsePe(uki).sections.find((s) => s.name === '.cmdline')!.virtualAddress
    expect(() => predictPcr11(editSection(uki, '.osrel', (h) => h.setUint32(12, cmdlineVa + 0x10, true)))).toThrowError(expect.objectContaining({ code: 'ERR_UKI_MALFORMED' }))
  })

  it('a section above maxSectionBytes: ERR_UKI_LIMIT (checked before any hashing)', () => {
    const huge = editSection(vector('basic/uki.efi'), '.initrd', (h) => h.setUint32(8, 0xfffffff0, true))
    expect(() => predictPcr11(huge)).toThrowError(expect.objectContaining({ code: 'ERR_UKI_LIMIT' }))
    expect(() => predictPcr11(vector('basic/uki.efi'), { limits: { maxSectionBytes: 1000 } })).toThrowError(expect.objectContaining({ code: 'ERR_UKI_LIMIT' }))
  })

  it('a bank other than sha1/sha256/sha384/sha512: ERR_HASH_UNSUPPORTED', () => {
    expect(() => predictPcr11(vector('basic/uki.efi'), { banks: ['md5'] })).toThrowError(expect.objectContaining({ code: 'ERR_HASH_UNSUPPORTED' }))
    expect(() => predictPcr11(vector('basic/uki.efi'), { banks: [] })).toThrowError(expect.objectContaining({ code: 'ERR_HASH_UNSUPPORTED' }))
  })

  it('a phase path with NUL, a lone surrogate, or too many paths: ERR_UKI_PHASE_INVALID', () => {
    const uki = vector('basic/uki.efi')
    expect(() => predictPcr11(uki, { phases: ['enter-initrd\0x'] })).toThrowError(expect.objectContaining({ code: 'ERR_UKI_PHASE_INVALID' }))
    expect(() => predictPcr11(uki, { phases: ['a\ud800'] })).toThrowError(expect.objectContaining({ code: 'ERR_UKI_PHASE_INVALID' }))
    expect(() => predictPcr11(uki, { phases: ['a', 'b'], limits: { maxPhases: 1 } })).toThrowError(expect.objectContaining({ code: 'ERR_UKI_PHASE_INVALID' }))
  })
})
