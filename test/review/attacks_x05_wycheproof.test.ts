/**
 * Attack X-05: signature forgery through lenient JS primitives (node-forge CVE-2022-24771 /
 * 24772 / 24773, `elliptic`). Project Wycheproof vectors (test-vectors/wycheproof, Apache-2.0)
 * are driven through the library's own TPM signature wrapper `verifyTpmSignature`, exactly as a
 * quote signature reaches it (a TPMT_SIGNATURE and the AK key material), plus a
 * Bleichenbacher-'06 e = 3 forgery built here.
 *
 * ECDSA vectors are the IEEE P1363 files: a TPM ECDSA signature is two TPM2B integers (r, s), never
 * DER, and no verify wrapper of the library takes a DER ECDSA signature (certificate signatures go
 * through pkijs / WebCrypto, JWS uses P1363), so the DER files would test a decoder the library
 * does not have.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { TpmtSignature } from '../../src/tpm/signature.js'
import { verifyTpmSignature } from '../../src/tpm/verify_signature.js'
import type { KeyMaterial } from '../../src/x509/spki.js'
import { REPO_ROOT } from '../helpers/corpus.js'

const DIR = join(REPO_ROOT, 'test-vectors/wycheproof')
const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'))
const strip = (b: Uint8Array) => {
  let i = 0
  while (i < b.length - 1 && b[i] === 0) i++
  return b.subarray(i)
}

interface WTest { tcId: number; comment: string; flags: string[]; msg: string; sig: string; result: 'valid' | 'invalid' | 'acceptable' }
interface WGroup { publicKey: { modulus?: string; publicExponent?: string; curve?: string; wx?: string; wy?: string }; sha: string; sLen?: number; mgfSha?: string; tests: WTest[] }
interface WFile { algorithm: string; numberOfTests: number; testGroups: WGroup[] }

function load(name: string): WFile {
  return JSON.parse(readFileSync(join(DIR, name), 'utf8')) as WFile
}

const TPM_ALG = { SHA256: 0x000b, SHA384: 0x000c, RSASSA: 0x0014, RSAPSS: 0x0016, ECDSA: 0x0018 }

async function runFile(name: string, kind: 'rsassa' | 'rsapss' | 'ecdsa') {
  const file = load(name)
  const wrong: string[] = []
  /** P1363 vectors whose length is not 2 × the field size (see below). */
  const sizeOnly: WTest[] = []
  /** PSS vectors valid with the maximum salt, which TPMs use (attack Q-09). */
  const maxSalt: number[] = []
  let valid = 0
  let invalid = 0
  for (const g of file.testGroups) {
    const hash = g.sha === 'SHA-256' ? 'sha256' : 'sha384'
    let key: KeyMaterial
    if (kind === 'ecdsa') {
      const crv = g.publicKey.curve === 'secp256r1' ? 'P-256' : 'P-384'
      const size = crv === 'P-256' ? 32 : 48
      const pad = (h: string) => {
        const b = strip(unhex(h))
        const out = new Uint8Array(size)
        out.set(b, size - b.length)
        return out
      }
      key = { kty: 'EC', crv, x: pad(g.publicKey.wx!), y: pad(g.publicKey.wy!) }
    } else {
      key = { kty: 'RSA', n: strip(unhex(g.publicKey.modulus!)), e: strip(unhex(g.publicKey.publicExponent!)) }
    }
    for (const t of g.tests) {
      if (t.result === 'acceptable') continue
      const raw = unhex(t.sig)
      const hashAlg = hash === 'sha256' ? TPM_ALG.SHA256 : TPM_ALG.SHA384
      if (kind === 'ecdsa' && raw.length !== 2 * (key as { x: Uint8Array }).x.length) {
        if (t.flags.includes('SignatureSize')) {
          // A P1363 length error has no TPM equivalent: TPMS_SIGNATURE_ECDSA carries r and s as
          // two TPM2B integers with their own sizes, so there is no fixed-width blob to get wrong
          // (these vectors hold small r / s, which are covered at the right length).
          sizeOnly.push(t)
          continue
        }
        // r + n, s + 2^256, ...: an over-long r or s. Whatever the split into TPM r / s, rejected.
        for (let k = 1; k < raw.length; k++) {
          const out = await verifyTpmSignature(key, { kind: 'ecc', sigAlg: TPM_ALG.ECDSA, hashAlg, r: raw.subarray(0, k), s: raw.subarray(k), sigAlgName: 'ECDSA' }, unhex(t.msg), hash)
          if (out.ok) wrong.push(`tcId ${t.tcId} (${t.comment}) verifies with r = ${k} bytes`)
        }
        expect(t.result).toBe('invalid')
        invalid++
        continue
      }
      const sig: TpmtSignature =
        kind === 'ecdsa'
          ? { kind: 'ecc', sigAlg: TPM_ALG.ECDSA, hashAlg, r: raw.subarray(0, raw.length >> 1), s: raw.subarray(raw.length >> 1), sigAlgName: 'ECDSA' }
          : ({ kind: 'rsa', sigAlg: kind === 'rsassa' ? TPM_ALG.RSASSA : TPM_ALG.RSAPSS, hashAlg, sig: raw, sigAlgName: kind === 'rsassa' ? 'RSASSA' : 'RSAPSS' } as TpmtSignature)
      const out = await verifyTpmSignature(key, sig, unhex(t.msg), hash)
      if (t.result === 'valid') valid++
      else invalid++
      if (kind === 'rsapss' && out.ok && t.result === 'invalid' && out.saltLength === 222) {
        // Wycheproof pins sLen = 32; the library also accepts the TPM's maximum salt (emLen − hLen − 2
        // = 222, TPM 2.0 Part 1 Annex B.7). Such a vector must really be a salt-222 signature.
        const { verify, createPublicKey, constants } = await import('node:crypto')
        const pub = createPublicKey({ key: { kty: 'RSA', n: Buffer.from(key.kty === 'RSA' ? key.n : []).toString('base64url'), e: 'AQAB' }, format: 'jwk' })
        expect(verify('sha256', unhex(t.msg), { key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 222 }, raw)).toBe(true)
        maxSalt.push(t.tcId)
        continue
      }
      if (out.ok !== (t.result === 'valid')) wrong.push(`tcId ${t.tcId} (${t.comment}; ${t.flags.join(',')}): expected ${t.result}, wrapper said ok=${out.ok}`)
      if (!out.ok) expect(out.code).toMatch(/^ERR_(QUOTE_SIGNATURE|QUOTE_ECDSA_RANGE|AK_KEY_INVALID)$/)
    }
  }
  return { wrong, valid, invalid, sizeOnly, maxSalt, total: file.numberOfTests }
}

describe('X-05: Wycheproof vectors through verifyTpmSignature', () => {
  it('X-05: RSASSA-PKCS1-v1_5 2048 / SHA-256 (rsa_signature_2048_sha256_test.json): every valid vector verifies, every invalid one is rejected', async () => {
    const r = await runFile('rsa_signature_2048_sha256_test.json', 'rsassa')
    expect(r.wrong).toEqual([])
    expect(r.valid).toBeGreaterThan(0)
    expect(r.invalid).toBeGreaterThan(100)
  })

  it('X-05: RSASSA-PSS 2048 / SHA-256 / MGF1-SHA-256 / salt 32 (rsa_pss_2048_sha256_mgf1_32_test.json)', async () => {
    const r = await runFile('rsa_pss_2048_sha256_mgf1_32_test.json', 'rsapss')
    expect(r.wrong).toEqual([])
    // Only the one "s_len changed to 222" vector is accepted against Wycheproof's sLen = 32 pin.
    expect(r.maxSalt.length).toBeLessThanOrEqual(1)
    expect(r.valid).toBeGreaterThan(0)
    expect(r.invalid).toBeGreaterThan(10)
  })

  it('X-05: ECDSA P-256 / SHA-256, P1363 (ecdsa_secp256r1_sha256_p1363_test.json), split into TPM r / s', async () => {
    const r = await runFile('ecdsa_secp256r1_sha256_p1363_test.json', 'ecdsa')
    expect(r.wrong).toEqual([])
    expect(r.sizeOnly.every((t) => t.result === 'invalid' && t.flags.includes('SignatureSize'))).toBe(true)
    expect(r.valid).toBeGreaterThan(0)
    expect(r.invalid).toBeGreaterThan(50)
  })

  it('X-05: ECDSA P-384 / SHA-384, P1363 (ecdsa_secp384r1_sha384_p1363_test.json), split into TPM r / s', async () => {
    const r = await runFile('ecdsa_secp384r1_sha384_p1363_test.json', 'ecdsa')
    expect(r.wrong).toEqual([])
    expect(r.sizeOnly.every((t) => t.result === 'invalid' && t.flags.includes('SignatureSize'))).toBe(true)
    expect(r.valid).toBeGreaterThan(0)
    expect(r.invalid).toBeGreaterThan(50)
  })

  it('X-05: a Bleichenbacher-06 e = 3 forgery (garbage after the DigestInfo) is rejected', async () => {
    const { createHash, generateKeyPairSync } = await import('node:crypto')
    // A 2048-bit modulus with e = 3 (OpenSSL accepts e = 3 for generation).
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 })
    const jwk = publicKey.export({ format: 'jwk' })
    const n = new Uint8Array(Buffer.from(jwk.n!, 'base64url'))
    const msg = new TextEncoder().encode('a quote the attacker never had signed')
    const digestInfo = Buffer.concat([Buffer.from('3031300d060960864801650304020105000420', 'hex'), createHash('sha256').update(msg).digest()])
    // 00 01 FF 00 DigestInfo, then garbage up to 256 bytes: a lenient parser that stops after
    // the DigestInfo accepts any cube whose top bytes match.
    const prefix = Buffer.concat([Buffer.from([0x00, 0x01, 0xff, 0x00]), digestInfo])
    const target = BigInt('0x' + Buffer.concat([prefix, Buffer.alloc(256 - prefix.length, 0xff)]).toString('hex'))
    const cbrt = (x: bigint) => {
      let y = 1n << BigInt(Math.ceil(x.toString(2).length / 3))
      for (;;) {
        const z = (2n * y + x / (y * y)) / 3n
        if (z >= y) return y
        y = z
      }
    }
    const s = cbrt(target)
    const cube = Buffer.from((s ** 3n).toString(16).padStart(512, '0'), 'hex')
    // The forgery really has the lenient-parser shape: its cube starts with the prefix.
    expect(cube.subarray(0, prefix.length).equals(prefix)).toBe(true)
    const sigBytes = new Uint8Array(Buffer.from(s.toString(16).padStart(512, '0'), 'hex'))
    const out = await verifyTpmSignature({ kty: 'RSA', n, e: Uint8Array.of(3) }, ({ kind: 'rsa', sigAlg: TPM_ALG.RSASSA, hashAlg: TPM_ALG.SHA256, sig: sigBytes, sigAlgName: 'RSASSA' } as TpmtSignature), msg, 'sha256')
    expect(out.ok).toBe(false)
    expect(out.code).toBe('ERR_QUOTE_SIGNATURE')
  })
})
