/**
 * Server-side TPM2_MakeCredential. Proven three ways: (1) an independent software
 * ActivateCredential built on node:crypto (OpenSSL's AES-CFB and OAEP) recovers the secret;
 * (2) the committed tpm2_makecredential output has the same layout; (3) when swtpm is
 * installed, tpm2_activatecredential on the committed swtpm state recovers a secret that
 * bootproof wrapped (scripts/record/activate-credential.sh).
 */
import { describe, it, expect } from 'vitest'
import { createCipheriv, createDecipheriv, createHmac, generateKeyPairSync, privateDecrypt, constants } from 'node:crypto'
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { makeCredential, toTpm2ToolsCredentialBlob } from '../../src/tpm/make_credential.js'
import { kdfa } from '../../src/tpm/kdfa.js'
import { aesCfbEncrypt, aesCfbDecrypt } from '../../src/tpm/aes_cfb.js'
import { computeName, parseTpmtPublic } from '../../src/tpm/public.js'
import { ALG, buildRsaPublic, concat, hash, softwareAk, unhex } from '../fixtures/tpm/builders.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const CRED = join(ROOT, 'test-vectors/quotes/credential')
const EK_TEMPLATE = { attributes: 0x000300b2, scheme: ALG.NULL, symmetric: { alg: ALG.AES, keyBits: 128, mode: ALG.CFB } }

/** Independent KDFa on node:crypto HMAC. */
function kdfaNode(h: string, key: Uint8Array, label: string, u: Uint8Array, v: Uint8Array, bits: number): Uint8Array {
  const out: Buffer[] = []
  const L = Buffer.alloc(4)
  L.writeUInt32BE(bits)
  for (let i = 1; Buffer.concat(out).length < bits / 8; i++) {
    const c = Buffer.alloc(4)
    c.writeUInt32BE(i)
    out.push(createHmac(h, key).update(Buffer.concat([c, Buffer.from(label + '\0'), u, v, L])).digest())
  }
  return new Uint8Array(Buffer.concat(out).subarray(0, bits / 8))
}

/** Software TPM2_ActivateCredential (Part 3 §12.5) with node:crypto primitives. */
function activate(privateKey: ReturnType<typeof generateKeyPairSync>['privateKey'], akName: Uint8Array, blob: Uint8Array): Uint8Array {
  const b = Buffer.from(blob)
  expect(b.readUInt32BE(0)).toBe(0xbadcc0de)
  expect(b.readUInt32BE(4)).toBe(1)
  const idSize = b.readUInt16BE(8)
  const id = b.subarray(10, 10 + idSize)
  const hmacSize = id.readUInt16BE(0)
  const outerHmac = id.subarray(2, 2 + hmacSize)
  const encIdentity = id.subarray(2 + hmacSize)
  const secSize = b.readUInt16BE(10 + idSize)
  const encSeed = b.subarray(12 + idSize, 12 + idSize + secSize)
  expect(12 + idSize + secSize).toBe(b.length)
  const seed = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: Buffer.from('IDENTITY\0') }, encSeed)
  const hmacKey = kdfaNode('sha256', seed, 'INTEGRITY', new Uint8Array(0), new Uint8Array(0), 256)
  const expect_ = createHmac('sha256', hmacKey).update(Buffer.concat([encIdentity, akName])).digest()
  if (!expect_.equals(outerHmac)) throw new Error('integrity HMAC mismatch')
  const symKey = kdfaNode('sha256', seed, 'STORAGE', akName, new Uint8Array(0), 128)
  const d = createDecipheriv('aes-128-cfb', symKey, Buffer.alloc(16))
  const plain = Buffer.concat([d.update(encIdentity), d.final()])
  return new Uint8Array(plain.subarray(2, 2 + plain.readUInt16BE(0)))
}

describe('KDFa and AES-CFB', () => {
  it('KDFa matches an independent SP 800-108 implementation, multi-block outputs included', async () => {
    const key = unhex('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff')
    for (const bits of [128, 256, 512, 1024]) {
      expect(Buffer.from(await kdfa('sha256', key, 'STORAGE', Uint8Array.of(1, 2), Uint8Array.of(3), bits)).toString('hex')).toBe(Buffer.from(kdfaNode('sha256', key, 'STORAGE', Uint8Array.of(1, 2), Uint8Array.of(3), bits)).toString('hex'))
    }
  })
  it('AES-CFB over WebCrypto AES-CBC equals OpenSSL aes-{128,256}-cfb, partial blocks included', async () => {
    for (const [bits, len] of [[128, 1], [128, 16], [128, 34], [256, 50]] as const) {
      const key = new Uint8Array(bits / 8).fill(7)
      const iv = new Uint8Array(16).fill(3)
      const pt = new Uint8Array(len).map((_, i) => i * 13)
      const ref = createCipheriv(`aes-${bits}-cfb`, key, iv)
      const want = Buffer.concat([ref.update(pt), ref.final()])
      const got = await aesCfbEncrypt(key, iv, pt)
      expect(Buffer.from(got).toString('hex')).toBe(want.toString('hex'))
      expect(Buffer.from(await aesCfbDecrypt(key, iv, got)).toString('hex')).toBe(Buffer.from(pt).toString('hex'))
    }
  })
})

describe('makeCredential', () => {
  it('a software ActivateCredential recovers the secret (independent primitives)', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const n = new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).n!, 'base64url'))
    const ekPublic = buildRsaPublic(n, EK_TEMPLATE)
    const akName = computeName(parseTpmtPublic(softwareAk('rsassa').tpmtPublic))
    const secret = new TextEncoder().encode('bootproof enrollment secret 0001')
    const blob = toTpm2ToolsCredentialBlob(await makeCredential({ ekPublic, akName, secret }))
    expect(Buffer.from(activate(privateKey, akName, blob)).toString()).toBe('bootproof enrollment secret 0001')
    // A different AK Name fails the integrity check (the TPM refuses with TPM_RC_INTEGRITY).
    const otherName = concat(Uint8Array.of(0, 0x0b), hash('sha256', Uint8Array.of(1)))
    expect(() => activate(privateKey, otherName, blob)).toThrow('integrity')
  })
  it('rejects non-EK inputs', async () => {
    const ak = softwareAk('rsassa')
    const akName = computeName(parseTpmtPublic(ak.tpmtPublic))
    await expect(makeCredential({ ekPublic: ak.tpmtPublic, akName, secret: Uint8Array.of(1) })).rejects.toMatchObject({ code: 'ERR_CREDENTIAL_INVALID' })
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const ek = buildRsaPublic(new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).n!, 'base64url')), EK_TEMPLATE)
    await expect(makeCredential({ ekPublic: ek, akName, secret: new Uint8Array(33) })).rejects.toMatchObject({ code: 'ERR_CREDENTIAL_INVALID' })
    await expect(makeCredential({ ekPublic: ek, akName: new Uint8Array(10), secret: Uint8Array.of(1) })).rejects.toMatchObject({ code: 'ERR_CREDENTIAL_INVALID' })
  })
})

const haveVector = existsSync(join(CRED, 'credential.blob'))
if (!haveVector) console.warn(`[vectors] ${CRED} not found: skipping credential vector tests`)
const haveSwtpm = haveVector && ['swtpm', 'tpm2_activatecredential'].every((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0)
if (haveVector && !haveSwtpm) console.warn('[swtpm] swtpm / tpm2-tools not installed: skipping the tpm2_activatecredential round trip')

;(haveVector ? describe : describe.skip)('credential vector (swtpm EK 0x81010001, AK 0x81010002)', () => {
  const read = (f: string) => new Uint8Array(readFileSync(join(CRED, f)))
  it('bootproof output has the same layout and sizes as tpm2_makecredential', async () => {
    const ours = toTpm2ToolsCredentialBlob(await makeCredential({ ekPublic: read('ek.pub'), akName: read('ak.name'), secret: read('secret.bin') }))
    const theirs = read('credential.blob')
    expect(ours.length).toBe(theirs.length)
    expect(Buffer.from(ours.subarray(0, 12)).toString('hex')).toBe(Buffer.from(theirs.subarray(0, 12)).toString('hex'))
  })
  ;(haveSwtpm ? it : it.skip)('tpm2_activatecredential on swtpm recovers the secret bootproof wrapped', async () => {
    const secret = new TextEncoder().encode(`bootproof ${Date.now()}`.padEnd(32, '.'))
    const blob = toTpm2ToolsCredentialBlob(await makeCredential({ ekPublic: read('ek.pub'), akName: read('ak.name'), secret }))
    const dir = mkdtempSync(join(tmpdir(), 'bootproof-mc-'))
    try {
      writeFileSync(join(dir, 'cred.blob'), blob)
      writeFileSync(join(dir, 'secret.bin'), secret)
      const port = String(24000 + Math.floor(Math.random() * 5000) * 2)
      const out = execFileSync('bash', [join(ROOT, 'scripts/record/activate-credential.sh'), join(dir, 'cred.blob'), join(dir, 'secret.bin')], { env: { ...process.env, SWTPM_PORT: port }, encoding: 'utf8', timeout: 60_000 })
      expect(out).toContain('MATCH')
      expect(out).not.toContain('MISMATCH')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 90_000)
})
