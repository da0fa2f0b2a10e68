/**
 * verifyPcrSignature on the signatures systemd-measure 252 made (test-vectors/uki/signed*), the
 * talos signature, and one tamper per check code: each asserts its own code.
 */
import { generateKeyPairSync, sign } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { toHex, fromHex } from '../../src/bytes/hex.js'
import { defaultHashProvider } from '../../src/hash/provider.js'
import { parsePcrSignature } from '../../src/uki/pcrsig.js'
import { policyPcrDigest } from '../../src/uki/policy_pcr.js'
import { predictPcr11 } from '../../src/uki/predict_pcr11.js'
import { verifyPcrSignature, type VerifyPcrSignatureResult } from '../../src/uki/verify_pcrsig.js'
import { flipSectionByte, sectionBytes, vector, vectorText } from './uki_fixture.js'

const DEFAULTS = ['enter-initrd', 'enter-initrd:leave-initrd', 'enter-initrd:leave-initrd:sysinit', 'enter-initrd:leave-initrd:sysinit:ready']
const codes = (r: VerifyPcrSignatureResult) => [...new Set(r.errors.map((e) => e.code))].sort()
const hash = defaultHashProvider()

/** An RSA key made here, and a .pcrsig entry it signs over `pol` (SHA-256, as current systemd does). */
function testSigner() {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const entry = (pol: Uint8Array, pcrs = [11]) => ({ pcrs, pol: toHex(pol), sig: sign('sha256', pol, privateKey).toString('base64') })
  return { pem, entry }
}

describe('real signatures are accepted', () => {
  it('signed UKI: 16 entries, each tied to its phase, signed over the bank hash (systemd 252)', async () => {
    const r = await verifyPcrSignature(vector('signed/uki.efi'))
    expect(r.valid).toBe(true)
    expect(r.errors).toEqual([])
    expect(r.scope).toBe('recomputed')
    expect(r.stubVersion).toBe(252)
    expect(r.key.source).toBe('pcrpkey')
    expect(r.phases).toEqual(DEFAULTS)
    for (const e of r.entries) {
      expect(e.valid).toBe(true)
      expect(e.phases).toHaveLength(1)
      expect(e.signatureHash).toBe(e.bank)
    }
    expect(r.entries.filter((e) => e.bank === 'sha384').map((e) => e.phases[0])).toEqual(DEFAULTS)
  })

  it('signed-enter-initrd: authorises enter-initrd only; requiring it passes', async () => {
    const r = await verifyPcrSignature(vector('signed-enter-initrd/uki.efi'), { requirePhases: ['enter-initrd'] })
    expect(r.valid).toBe(true)
    expect(r.phases).toEqual(['enter-initrd'])
  })

  it('the section files and the JSON of the signed UKI (as given to systemd-measure) verify the same', async () => {
    const uki = vector('signed/uki.efi')
    const sections = Object.fromEntries(['.linux', '.osrel', '.cmdline', '.initrd', '.pcrpkey'].map((n) => [n, sectionBytes(uki, n)]))
    const r = await verifyPcrSignature({ sections }, { pcrsig: vector('signed/pcrsig.json'), stubVersion: 252 })
    expect(r.valid).toBe(true)
    expect(r.phases).toEqual(DEFAULTS)
  })

  it('talos (signature only): pkfp and signatures verify, sha384/sha512 entries over their bank hash', async () => {
    const r = await verifyPcrSignature(vectorText('talos/pcrsig.json'), { key: vectorText('talos/pcr-signing-key.pub.pem') })
    expect(r.valid).toBe(true)
    expect(r.scope).toBe('signature-only')
    expect(r.phases).toEqual([])
    expect(r.entries.map((e) => e.signatureHash)).toEqual(['sha256', 'sha384', 'sha512'])
  })
})

describe('a bare .pcrsig JSON: signature-only, never more', () => {
  it('valid signatures, scope signature-only, no phases, a policy check saying PCR 11 was not recomputed', async () => {
    const r = await verifyPcrSignature(vector('signed/pcrsig.json'), { key: vector('signed/pcrpkey.pem') })
    expect(r.valid).toBe(true)
    expect(r.scope).toBe('signature-only')
    expect(r.phases).toEqual([])
    expect(r.entries.every((e) => e.phases.length === 0)).toBe(true)
    const policy = r.checks.filter((c) => c.id === 'pcrsig.policy')
    expect(policy).toHaveLength(16)
    expect(policy.every((c) => /not recomputed/.test(c.message))).toBe(true)
  })

  it('a required phase cannot be confirmed: ERR_UKI_PCRSIG_PHASE', async () => {
    const r = await verifyPcrSignature(vector('signed/pcrsig.json'), { key: vector('signed/pcrpkey.pem'), requirePhases: ['enter-initrd'] })
    expect(r.valid).toBe(false)
    expect(codes(r)).toEqual(['ERR_UKI_PCRSIG_PHASE'])
  })

  it('without a key: ERR_UKI_KEY_MISSING (thrown)', async () => {
    await expect(verifyPcrSignature(vector('signed/pcrsig.json'))).rejects.toMatchObject({ code: 'ERR_UKI_KEY_MISSING' })
  })
})

describe('each tamper is rejected with its own code', () => {
  it('section edited after signing (.cmdline byte): ERR_UKI_PCRSIG_POLICY_MISMATCH only — the signatures still verify', async () => {
    const r = await verifyPcrSignature(flipSectionByte(vector('signed/uki.efi'), '.cmdline', 8))
    expect(r.valid).toBe(false)
    expect(codes(r)).toEqual(['ERR_UKI_PCRSIG_POLICY_MISMATCH'])
    expect(r.entries.every((e) => e.signatureHash !== undefined && e.phases.length === 0)).toBe(true)
    expect(r.phases).toEqual([])
  })

  it('wrong key (--key of another key): ERR_UKI_PCRSIG_KEY_MISMATCH and ERR_UKI_PCRSIG_SIGNATURE', async () => {
    const r = await verifyPcrSignature(vector('signed/uki.efi'), { key: vector('other-key.pem') })
    expect(r.valid).toBe(false)
    expect(codes(r)).toEqual(['ERR_UKI_PCRSIG_KEY_MISMATCH', 'ERR_UKI_PCRSIG_SIGNATURE'])
    expect(r.notes.join(' ')).toMatch(/differs from the UKI's \.pcrpkey/)
  })

  it('wrong key, entries without pkfp: ERR_UKI_PCRSIG_SIGNATURE alone', async () => {
    const doc = JSON.parse(vectorText('signed/pcrsig.json')) as Record<string, { pkfp?: string }[]>
    for (const list of Object.values(doc)) for (const e of list) delete e.pkfp
    const r = await verifyPcrSignature(vector('signed/uki.efi'), { key: vector('other-key.pem'), pcrsig: JSON.stringify(doc) })
    expect(codes(r)).toEqual(['ERR_UKI_PCRSIG_SIGNATURE'])
  })

  it('wrong phase: signed for enter-initrd, enter-initrd:leave-initrd required: ERR_UKI_PCRSIG_PHASE', async () => {
    const r = await verifyPcrSignature(vector('signed-enter-initrd/uki.efi'), { requirePhases: ['enter-initrd:leave-initrd'] })
    expect(r.valid).toBe(false)
    expect(codes(r)).toEqual(['ERR_UKI_PCRSIG_PHASE'])
    expect(r.entries.every((e) => e.valid)).toBe(true)
  })

  it('signature bit flipped: ERR_UKI_PCRSIG_SIGNATURE on that entry only', async () => {
    const doc = JSON.parse(vectorText('signed/pcrsig.json')) as Record<string, { sig: string }[]>
    const sig = Buffer.from(doc.sha256![1]!.sig, 'base64')
    sig[100]! ^= 0x04
    doc.sha256![1]!.sig = sig.toString('base64')
    const r = await verifyPcrSignature(vector('signed/uki.efi'), { pcrsig: JSON.stringify(doc) })
    expect(codes(r)).toEqual(['ERR_UKI_PCRSIG_SIGNATURE'])
    expect(r.entries.filter((e) => !e.valid).map((e) => `${e.bank}[${e.index}]`)).toEqual(['sha256[1]'])
    // enter-initrd:leave-initrd is no longer authorised in every bank.
    expect(r.phases).toEqual(DEFAULTS.filter((p) => p !== 'enter-initrd:leave-initrd'))
  })

  it('pol is recomputed, never trusted: a valid signature over a forged pol is ERR_UKI_PCRSIG_POLICY_MISMATCH', async () => {
    const s = testSigner()
    const forged = { sha256: [s.entry(new Uint8Array(32).fill(0x5a))] }
    const bare = await verifyPcrSignature(JSON.stringify(forged), { key: s.pem })
    expect(bare.valid).toBe(true) // signature-only: the signature is fine …
    const r = await verifyPcrSignature(vector('signed/uki.efi'), { key: s.pem, pcrsig: JSON.stringify(forged) })
    expect(codes(r)).toEqual(['ERR_UKI_PCRSIG_POLICY_MISMATCH']) // … but it authorises nothing of this UKI
  })

  it('a key made here signing the right pol (SHA-256, current systemd) is accepted with --key', async () => {
    const s = testSigner()
    const uki = vector('signed/uki.efi')
    const v = predictPcr11(uki, { banks: ['sha1'], phases: ['enter-initrd:leave-initrd:sysinit:ready:shutdown'] }).values.sha1![0]!.hash
    const pol = policyPcrDigest({ bank: 'sha1', pcrs: new Map([[11, fromHex(v)]]) }, hash)
    const r = await verifyPcrSignature(uki, { key: s.pem, pcrsig: JSON.stringify({ sha1: [s.entry(pol)] }), requirePhases: ['enter-initrd:leave-initrd:sysinit:ready:shutdown'] })
    expect(r.valid).toBe(true)
    expect(r.entries[0]!.signatureHash).toBe('sha256')
    expect(r.phases).toEqual(['enter-initrd:leave-initrd:sysinit:ready:shutdown'])
  })

  it('an entry over PCRs [7, 11]: ERR_UKI_PCRSIG_PCRS (not recomputable), and no phase', async () => {
    const s = testSigner()
    const doc = { sha256: [s.entry(new Uint8Array(32).fill(1), [7, 11])] }
    const r = await verifyPcrSignature(vector('signed/uki.efi'), { key: s.pem, pcrsig: JSON.stringify(doc) })
    expect(codes(r)).toEqual(['ERR_UKI_PCRSIG_PCRS', 'ERR_UKI_PCRSIG_POLICY_MISMATCH'])
  })

  it('an EC key: ERR_UKI_PCRSIG_KEY_UNSUITABLE', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const r = await verifyPcrSignature(vector('signed/uki.efi'), { key: publicKey.export({ type: 'spki', format: 'pem' }).toString() })
    expect(codes(r)).toContain('ERR_UKI_PCRSIG_KEY_UNSUITABLE')
    expect(r.valid).toBe(false)
  })

  it('.pcrpkey swapped for another key: PCR 11 changes (it is measured) and the key no longer signs', async () => {
    const uki = vector('signed/uki.efi').slice()
    const other = vector('other-key.pem')
    const own = sectionBytes(uki, '.pcrpkey')
    expect(other.length).toBe(own.length)
    uki.set(other, own.byteOffset - uki.byteOffset)
    const r = await verifyPcrSignature(uki)
    expect(codes(r)).toEqual(['ERR_UKI_PCRSIG_KEY_MISMATCH', 'ERR_UKI_PCRSIG_POLICY_MISMATCH', 'ERR_UKI_PCRSIG_SIGNATURE'])
  })

  it('the .pcrsig of another UKI: ERR_UKI_PCRSIG_POLICY_MISMATCH', async () => {
    const r = await verifyPcrSignature(vector('basic/uki.efi'), { pcrsig: vector('signed/pcrsig.json'), key: vector('signed/pcrpkey.pem') })
    expect(codes(r)).toEqual(['ERR_UKI_PCRSIG_POLICY_MISMATCH'])
  })
})

describe('inputs that cannot be verified throw', () => {
  it('a UKI without .pcrsig: ERR_UKI_PCRSIG_MISSING', async () => {
    await expect(verifyPcrSignature(vector('basic/uki.efi'), { key: vector('signed/pcrpkey.pem') })).rejects.toMatchObject({ code: 'ERR_UKI_PCRSIG_MISSING' })
  })

  it('a UKI without .pcrpkey and no key: ERR_UKI_KEY_MISSING', async () => {
    await expect(verifyPcrSignature(vector('basic/uki.efi'), { pcrsig: vector('signed/pcrsig.json') })).rejects.toMatchObject({ code: 'ERR_UKI_KEY_MISSING' })
  })

  it('a malformed signature document: ERR_UKI_PCRSIG_MALFORMED', async () => {
    await expect(verifyPcrSignature('{"sha256":[{"pcrs":[11]}]}', { key: vector('signed/pcrpkey.pem') })).rejects.toMatchObject({ code: 'ERR_UKI_PCRSIG_MALFORMED' })
  })

  it('a key that is not PEM / SPKI: ERR_PEM_INVALID or ERR_KEY_INVALID', async () => {
    await expect(verifyPcrSignature(vector('signed/uki.efi'), { key: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' })).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' })
    await expect(verifyPcrSignature(vector('signed/uki.efi'), { key: 'not a key' })).rejects.toMatchObject({ code: 'ERR_PEM_INVALID' })
  })

  it('the parsed document shape is what was signed', () => {
    expect(parsePcrSignature(vector('signed-enter-initrd/pcrsig.json')).entries).toHaveLength(4)
  })
})
