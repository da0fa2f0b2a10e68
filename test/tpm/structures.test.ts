/** Strict parsing of TPM 2.0 structures (TPM 2.0 Part 2): bounds, unions by selector, trailing bytes. */
import { describe, it, expect } from 'vitest'
import { parseTpmsAttest, peekAttestHeader } from '../../src/tpm/attest.js'
import { parseTpmtPublic, parseTpm2bPublic, computeName, toTpm2bPublic, decodeObjectAttributes } from '../../src/tpm/public.js'
import { parseTpmtSignature } from '../../src/tpm/signature.js'
import { parsePcrSelectionList, parseDigestList, selectionProblems } from '../../src/tpm/pcr_selection.js'
import { parseTpm2ToolsPcrFile } from '../../src/tpm/pcr_file.js'
import { parseAk } from '../../src/tpm/ak.js'
import { readQuotePcrValues as normalizePcrValues } from '../../src/pcr_values.js'
import { tpmPublicToKeyMaterial } from '../../src/tpm/keys.js'
import { pssSaltLengths, ecdsaToP1363 } from '../../src/tpm/verify_signature.js'
import { BootproofError } from '../../src/errors.js'
import { ALG, ST, AK_ATTRS, W, buildAttest, buildPcrSelection, buildRsaPublic, buildEccPublic, concat, hash, hex, quoteInfo, softwareAk, tpm2bPublic } from '../fixtures/tpm/builders.js'

const name34 = concat(Uint8Array.of(0, 0x0b), new Uint8Array(32).fill(9))

describe('TPMS_ATTEST', () => {
  it('parses a quote with 64-bit clock/firmware and the union by type', () => {
    const a = parseTpmsAttest(buildAttest({ clock: 0xffffffffffffffffn, firmwareVersion: 1n << 63n, resetCount: 0xffffffff, attested: quoteInfo(buildPcrSelection([{ hash: ALG.SHA256, pcrs: [0, 16] }]), new Uint8Array(32)) }))
    expect(a.clockInfo.clock).toBe(0xffffffffffffffffn)
    expect(a.firmwareVersion).toBe(1n << 63n)
    expect(a.clockInfo.resetCount).toBe(0xffffffff)
    expect(a.attested.kind).toBe('quote')
    if (a.attested.kind === 'quote') expect(a.attested.pcrSelect[0]!.pcrs).toEqual([0, 16])
  })
  it('parses every TPM_ST_ATTEST_* member', () => {
    const d32 = new Uint8Array(32)
    const bodies: [number, Uint8Array, string][] = [
      [ST.CERTIFY, new W().tpm2b(name34).tpm2b(name34).out(), 'certify'],
      [ST.CREATION, new W().tpm2b(name34).tpm2b(d32).out(), 'creation'],
      [ST.COMMAND_AUDIT, new W().u64(7n).u16(ALG.SHA256).tpm2b(d32).tpm2b(d32).out(), 'command_audit'],
      [ST.SESSION_AUDIT, new W().u8(1).tpm2b(d32).out(), 'session_audit'],
      [ST.TIME, new W().u64(5n).u64(6n).u32(1).u32(2).u8(0).u64(9n).out(), 'time'],
      [ST.NV, new W().tpm2b(name34).u16(0).tpm2b(new Uint8Array(100)).out(), 'nv'],
      [ST.NV_DIGEST, new W().tpm2b(name34).tpm2b(d32).out(), 'nv_digest'],
    ]
    for (const [type, body, kind] of bodies) {
      const a = parseTpmsAttest(buildAttest({ type, attested: body }))
      expect(a.attested.kind).toBe(kind)
      // the same body under the quote type does not parse as a quote
      if (kind !== 'nv_digest' && kind !== 'creation') expect(() => parseTpmsAttest(buildAttest({ type: ST.QUOTE, attested: body }))).toThrow(BootproofError)
    }
  })
  it('safe: 0 → false, any non-zero → true', () => {
    for (const [b, v] of [[0, false], [1, true], [0xff, true]] as const) {
      expect(parseTpmsAttest(buildAttest({ safe: b, attested: quoteInfo(buildPcrSelection([]), new Uint8Array(0)) })).clockInfo.safe).toBe(v)
    }
  })
  it('rejects unknown type, trailing bytes, truncation at every length', () => {
    const good = buildAttest({ attested: quoteInfo(buildPcrSelection([{ hash: ALG.SHA256, pcrs: [0] }]), new Uint8Array(32)) })
    expect(() => parseTpmsAttest(buildAttest({ type: 0x8020, attested: new Uint8Array(0) }))).toThrow(expect.objectContaining({ code: 'ERR_TPM_UNSUPPORTED' }))
    expect(() => parseTpmsAttest(concat(good, Uint8Array.of(0)))).toThrow(expect.objectContaining({ code: 'ERR_TPM_TRAILING_BYTES' }))
    for (let n = 0; n < good.length; n++) {
      let err: unknown
      try { parseTpmsAttest(good.subarray(0, n)) } catch (e) { err = e }
      expect(err, `length ${n}`).toBeInstanceOf(BootproofError)
      expect((err as BootproofError).code).toBe('ERR_TPM_TRUNCATED')
    }
  })
  it('peekAttestHeader reads magic and type only', () => {
    expect(peekAttestHeader(Uint8Array.of(0xff, 0x54, 0x43, 0x47, 0x80, 0x18))).toEqual({ magic: 0xff544347, type: 0x8018 })
  })
})

describe('TPMT_PUBLIC / TPM2B_PUBLIC', () => {
  it('decodes an RSA AK, attributes, scheme and the Name', () => {
    const ak = softwareAk('rsassa')
    const p = parseTpmtPublic(ak.tpmtPublic)
    expect(p.typeName).toBe('rsa')
    expect(p.rsa!.scheme).toMatchObject({ scheme: ALG.RSASSA, hashAlg: ALG.SHA256 })
    expect(p.rsa!.exponent).toBe(65537)
    expect(p.attributes).toMatchObject({ restricted: true, sign: true, decrypt: false, fixedTPM: true, fixedParent: true, sensitiveDataOrigin: true, userWithAuth: true })
    expect(hex(computeName(p))).toBe('000b' + hex(hash('sha256', ak.tpmtPublic)))
    expect(hex(toTpm2bPublic(p))).toBe(hex(tpm2bPublic(ak.tpmtPublic)))
    expect(parseTpm2bPublic(tpm2bPublic(ak.tpmtPublic)).bytes).toEqual(p.bytes)
  })
  it('decodes ECC with KDF and symmetric details; RSA EK template with AES-128-CFB', () => {
    const p = parseTpmtPublic(buildEccPublic(new Uint8Array(32), new Uint8Array(32), { curveId: 3 }))
    expect(p.ecc).toMatchObject({ curveId: 3, curveName: 'nist_p256', kdf: { scheme: ALG.NULL } })
    const ek = parseTpmtPublic(buildRsaPublic(new Uint8Array(256).fill(0xc1), { attributes: 0x000300b2, scheme: ALG.NULL, symmetric: { alg: ALG.AES, keyBits: 128, mode: ALG.CFB } }))
    expect(ek.rsa!.symmetric).toMatchObject({ algorithmName: 'aes', keyBits: 128, modeName: 'cfb' })
    expect(ek.attributes).toMatchObject({ decrypt: true, restricted: true, adminWithPolicy: true, sign: false })
  })
  it('reports reserved attribute bits and decodes named flags', () => {
    expect(parseTpmtPublic(buildRsaPublic(new Uint8Array(256).fill(1), { attributes: AK_ATTRS | 0x80000000 })).reservedAttributeBits).toBe(0x80000000)
    expect(decodeObjectAttributes(0x00050072).restricted).toBe(true)
  })
  it('rejects wrong TPM2B size, trailing bytes, unknown type, modulus over 512 bytes', () => {
    const t = softwareAk('rsassa').tpmtPublic
    const b = tpm2bPublic(t)
    b[1]! -= 1
    expect(() => parseTpm2bPublic(b)).toThrow(BootproofError)
    expect(() => parseTpmtPublic(concat(t, Uint8Array.of(0)))).toThrow(expect.objectContaining({ code: 'ERR_TPM_TRAILING_BYTES' }))
    expect(() => parseTpmtPublic(Uint8Array.of(0x00, 0x99, 0, 0x0b, 0, 0, 0, 0, 0, 0))).toThrow(expect.objectContaining({ code: 'ERR_TPM_UNSUPPORTED' }))
    expect(() => parseTpmtPublic(buildRsaPublic(new Uint8Array(513).fill(1)))).toThrow(expect.objectContaining({ code: 'ERR_TPM_LIMIT' }))
  })
  it('ECC key material pads short coordinates and refuses long ones', () => {
    const short = parseTpmtPublic(buildEccPublic(new Uint8Array(31).fill(1), new Uint8Array(32).fill(2), { curveId: 3 }))
    const k = tpmPublicToKeyMaterial(short)
    expect(k.kty === 'EC' && k.x.length).toBe(32)
    const long = parseTpmtPublic(buildEccPublic(new Uint8Array(33).fill(1), new Uint8Array(32).fill(2), { curveId: 3 }))
    expect(() => tpmPublicToKeyMaterial(long)).toThrow(expect.objectContaining({ code: 'ERR_KEY_INVALID' }))
  })
})

describe('TPMT_SIGNATURE', () => {
  it('parses RSASSA, RSAPSS, ECDSA, HMAC, NULL and rejects the rest', () => {
    expect(parseTpmtSignature(new W().u16(ALG.RSASSA).u16(ALG.SHA256).tpm2b(new Uint8Array(256)).out())).toMatchObject({ kind: 'rsa', sigAlgName: 'rsassa', hashName: 'sha256' })
    expect(parseTpmtSignature(new W().u16(ALG.RSAPSS).u16(ALG.SHA384).tpm2b(new Uint8Array(256)).out())).toMatchObject({ kind: 'rsa', sigAlgName: 'rsapss' })
    expect(parseTpmtSignature(new W().u16(ALG.ECDSA).u16(ALG.SHA256).tpm2b(new Uint8Array(32)).tpm2b(new Uint8Array(32)).out())).toMatchObject({ kind: 'ecc' })
    expect(parseTpmtSignature(new W().u16(ALG.HMAC).u16(ALG.SHA256).bytes(new Uint8Array(32)).out())).toMatchObject({ kind: 'hmac' })
    expect(parseTpmtSignature(new W().u16(ALG.NULL).out())).toMatchObject({ kind: 'null' })
    expect(() => parseTpmtSignature(new W().u16(0x0001).out())).toThrow(expect.objectContaining({ code: 'ERR_TPM_UNSUPPORTED' }))
    expect(() => parseTpmtSignature(new W().u16(ALG.NULL).u8(0).out())).toThrow(expect.objectContaining({ code: 'ERR_TPM_TRAILING_BYTES' }))
  })
})

describe('TPML_PCR_SELECTION / TPML_DIGEST', () => {
  it('bitmap byte i bit j = PCR 8i+j; count and sizeofSelect limits', () => {
    expect(parsePcrSelectionList(buildPcrSelection([{ hash: ALG.SHA256, bitmap: [0, 0, 1] }]))[0]!.pcrs).toEqual([16])
    expect(parsePcrSelectionList(buildPcrSelection([{ hash: ALG.SHA1, bitmap: [0x81, 0x01, 0x80] }]))[0]!.pcrs).toEqual([0, 7, 8, 23])
    expect(() => parsePcrSelectionList(new W().u32(17).out())).toThrow(expect.objectContaining({ code: 'ERR_TPM_LIMIT' }))
    expect(() => parsePcrSelectionList(buildPcrSelection([{ hash: ALG.SHA256, bitmap: [0, 0, 0, 0, 0] }]))).toThrow(expect.objectContaining({ code: 'ERR_TPM_LIMIT' }))
    expect(selectionProblems(parsePcrSelectionList(buildPcrSelection([{ hash: 0x0099, pcrs: [0] }])))[0]!.message).toContain('not a known hash')
  })
  it('TPML_DIGEST: count ≤ 8, digests ≤ 64 bytes', () => {
    expect(parseDigestList(new W().u32(2).tpm2b(new Uint8Array(32)).tpm2b(new Uint8Array(20)).out()).map((d) => d.length)).toEqual([32, 20])
    expect(() => parseDigestList(new W().u32(9).out())).toThrow(expect.objectContaining({ code: 'ERR_TPM_LIMIT' }))
    expect(() => parseDigestList(new W().u32(1).tpm2b(new Uint8Array(65)).out())).toThrow(expect.objectContaining({ code: 'ERR_TPM_LIMIT' }))
  })
})

describe('tpm2-tools PCR file', () => {
  function pcrFile(sel: { hash: number; bitmap: number[] }[], digests: Uint8Array[][], little = true): Uint8Array {
    const parts: number[] = []
    const u16 = (v: number) => (little ? parts.push(v & 0xff, v >> 8) : parts.push(v >> 8, v & 0xff))
    const u32 = (v: number) => (little ? parts.push(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24) : parts.push(v >>> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff))
    u32(sel.length)
    for (let i = 0; i < 16; i++) {
      const s = sel[i]
      u16(s?.hash ?? 0)
      parts.push(s ? s.bitmap.length : 0)
      for (let j = 0; j < 4; j++) parts.push(s?.bitmap[j] ?? 0)
      parts.push(0)
    }
    u32(digests.length)
    for (const list of digests) {
      u32(list.length)
      for (let i = 0; i < 8; i++) {
        const d = list[i]
        u16(d?.length ?? 0)
        for (let j = 0; j < 64; j++) parts.push(d?.[j] ?? 0)
      }
    }
    return Uint8Array.from(parts)
  }
  const d = (n: number, size = 32) => new Uint8Array(size).fill(n)
  it('reads values in selection order across lists of 8, both byte orders', () => {
    const sel = [{ hash: ALG.SHA1, bitmap: [0xff, 0, 0] }, { hash: ALG.SHA256, bitmap: [0x03, 0, 0] }]
    const lists = [[...Array(8)].map((_, i) => d(i, 20)), [d(8), d(9)]]
    for (const little of [true, false]) {
      const f = parseTpm2ToolsPcrFile(pcrFile(sel, lists, little))
      expect(f.endianness).toBe(little ? 'little' : 'big')
      expect(f.pcrs.sha1!['7']).toBe('07'.repeat(20))
      expect(f.pcrs.sha256).toEqual({ 0: '08'.repeat(32), 1: '09'.repeat(32) })
    }
  })
  it('rejects size mismatches, count mismatches and wrong digest sizes', () => {
    const sel = [{ hash: ALG.SHA256, bitmap: [0x03, 0, 0] }]
    const ok = pcrFile(sel, [[d(1), d(2)]])
    expect(() => parseTpm2ToolsPcrFile(concat(ok, Uint8Array.of(0)))).toThrow(expect.objectContaining({ code: 'ERR_PCR_FILE_INVALID' }))
    expect(() => parseTpm2ToolsPcrFile(pcrFile(sel, [[d(1)]]))).toThrow(expect.objectContaining({ code: 'ERR_PCR_FILE_INVALID' }))
    expect(() => parseTpm2ToolsPcrFile(pcrFile(sel, [[d(1), d(2), d(3)]]))).toThrow(expect.objectContaining({ code: 'ERR_PCR_FILE_INVALID' }))
    expect(() => parseTpm2ToolsPcrFile(pcrFile(sel, [[d(1, 20), d(2, 20)]]))).toThrow(expect.objectContaining({ code: 'ERR_PCR_FILE_INVALID' }))
    expect(() => parseTpm2ToolsPcrFile(new Uint8Array(10))).toThrow(expect.objectContaining({ code: 'ERR_PCR_FILE_INVALID' }))
  })
})

describe('AK file detection and PCR value input', () => {
  it('TPMT_PUBLIC, TPM2B_PUBLIC, DER SPKI and PEM SPKI', () => {
    const ak = softwareAk('ecdsa-p256')
    expect(parseAk(ak.tpmtPublic).public).toBeDefined()
    expect(parseAk(tpm2bPublic(ak.tpmtPublic)).public).toBeDefined()
    expect(parseAk(ak.spkiDer).spki).toBeDefined()
    expect(parseAk(ak.publicKey.export({ format: 'pem', type: 'spki' }) as string).spki).toBeDefined()
  })
  it('normalizes banks and indices strictly', () => {
    expect(normalizePcrValues({ SHA256: { 7: 'AB'.repeat(32) } }).get('sha256')!.get(7)!.length).toBe(32)
    expect(() => normalizePcrValues({ md5: { 0: '00' } })).toThrow(expect.objectContaining({ code: 'ERR_PCRS_INVALID' }))
    expect(() => normalizePcrValues({ sha256: { '07': '00' } })).toThrow(expect.objectContaining({ code: 'ERR_PCRS_INVALID' }))
    expect(() => normalizePcrValues({ sha256: { 0: 'zz' } })).toThrow(expect.objectContaining({ code: 'ERR_PCRS_INVALID' }))
  })
})

describe('signature helpers', () => {
  it('PSS salt lengths for RSA-2048: SHA-256 {32, 222}, SHA-384 {48, 206}', () => {
    expect(pssSaltLengths(2048, 'sha256')).toEqual([32, 222])
    expect(pssSaltLengths(2048, 'sha384')).toEqual([48, 206])
    expect(pssSaltLengths(3072, 'sha256')).toEqual([32, 350])
  })
  it('ECDSA → P1363 pads and range-checks', () => {
    const r = ecdsaToP1363(Uint8Array.of(1), Uint8Array.of(0, 0, 2), 'P-256')
    expect(r.ok && r.sig.length).toBe(64)
    expect(ecdsaToP1363(Uint8Array.of(0), Uint8Array.of(1), 'P-256').ok).toBe(false)
  })
})
