/**
 * A software attestation key and TPM2 quote builder for your own unit tests
 * (`bootproof/testing`). WebCrypto signs (every runtime with `crypto.subtle`); the structures
 * are marshalled as a TPM would (TPM 2.0 Part 2: TPMT_PUBLIC, TPMS_ATTEST, TPMT_SIGNATURE).
 *
 * A software AK proves nothing about a machine: use it to test your integration, never as
 * evidence.
 */
import { defaultHashProvider } from '../hash/provider.js'
import { digestSize, hashAlgId, isHashAlgName, type HashAlgName } from '../alg.js'
import { fromHex } from '../bytes/hex.js'
import { parseEventLog, type ParseEventLogOptions } from '../eventlog/parse.js'
import { replayEventLog, replayedValues } from '../eventlog/replay.js'
import type { VerifyAttestationInput } from '../verify.js'
import { concatBytes } from '../bytes/hex.js'
import { pcrValuesToJSON } from '../pcr_values.js'

const ALG = { RSA: 0x0001, NULL: 0x0010, RSASSA: 0x0014, RSAPSS: 0x0016, ECDSA: 0x0018, ECC: 0x0023 } as const
const TPM_GENERATED = 0xff544347
const TPM_ST_ATTEST_QUOTE = 0x8018
/** fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | restricted | sign: a TPM-made AK. */
export const AK_ATTRIBUTES = 0x00050072

/** A big-endian writer for TPM structures. */
class TpmWriter {
  private parts: Uint8Array[] = []
  u8(v: number): this {
    this.parts.push(Uint8Array.of(v & 0xff))
    return this
  }
  u16(v: number): this {
    return this.u8(v >> 8).u8(v)
  }
  u32(v: number): this {
    return this.u16(v >>> 16).u16(v & 0xffff)
  }
  u64(v: bigint): this {
    return this.u32(Number((v >> 32n) & 0xffffffffn)).u32(Number(v & 0xffffffffn))
  }
  bytes(b: Uint8Array): this {
    this.parts.push(b)
    return this
  }
  tpm2b(b: Uint8Array): this {
    return this.u16(b.length).bytes(b)
  }
  out(): Uint8Array {
    return concatBytes(...this.parts)
  }
}

export type SoftwareAkKind = 'rsassa' | 'rsapss' | 'ecdsa-p256' | 'ecdsa-p384'

export interface SoftwareAk {
  kind: SoftwareAkKind
  /** The hash the AK signs with (its scheme's hash). */
  signHash: HashAlgName
  /** TPMT_PUBLIC of the AK (what `tpm2_readpublic -f tpmt` writes). */
  tpmtPublic: Uint8Array
  /** TPM2B_PUBLIC (what `tpm2_createak -u` writes): pass it as `ak` to the verifier. */
  tpm2bPublic: Uint8Array
  /** The AK's TPM name: nameAlg (sha256) ‖ H(TPMT_PUBLIC). */
  name: Uint8Array
  keys: CryptoKeyPair
  /** Sign `data` with the AK's scheme, returning a marshalled TPMT_SIGNATURE. */
  sign(data: Uint8Array): Promise<Uint8Array>
}

export interface SoftwareAkOptions {
  /** Default `ecdsa-p256` (fast to generate). */
  kind?: SoftwareAkKind
  /** Object attributes written into TPMT_PUBLIC. Default {@link AK_ATTRIBUTES}. */
  attributes?: number
  /** RSA modulus size. Default 2048. */
  rsaBits?: number
}

function subtle(): SubtleCrypto {
  const s = (globalThis as { crypto?: Crypto }).crypto?.subtle
  if (!s) throw new Error('bootproof/testing: this runtime has no WebCrypto (globalThis.crypto.subtle)')
  return s
}

const b64url = (s: string): Uint8Array => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))
const WEB_HASH: Record<string, string> = { sha1: 'SHA-1', sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' }

/** Generate a software AK (a fresh key pair each call). */
export async function createSoftwareAk(o: SoftwareAkOptions = {}): Promise<SoftwareAk> {
  const kind = o.kind ?? 'ecdsa-p256'
  const signHash: HashAlgName = kind === 'ecdsa-p384' ? 'sha384' : 'sha256'
  const attributes = o.attributes ?? AK_ATTRIBUTES
  const ec = kind === 'ecdsa-p256' || kind === 'ecdsa-p384'
  const params: RsaHashedKeyGenParams | EcKeyGenParams = ec
    ? { name: 'ECDSA', namedCurve: kind === 'ecdsa-p256' ? 'P-256' : 'P-384' }
    : { name: kind === 'rsassa' ? 'RSASSA-PKCS1-v1_5' : 'RSA-PSS', modulusLength: o.rsaBits ?? 2048, publicExponent: Uint8Array.of(1, 0, 1), hash: WEB_HASH[signHash]! }
  const keys = (await subtle().generateKey(params, true, ['sign', 'verify'])) as CryptoKeyPair
  const jwk = await subtle().exportKey('jwk', keys.publicKey)
  const w = new TpmWriter()
  let sigAlg: number
  if (ec) {
    sigAlg = ALG.ECDSA
    // type, nameAlg, attributes, authPolicy; symmetric NULL, scheme ECDSA(hash), curve, kdf NULL; x, y
    w.u16(ALG.ECC).u16(hashAlgId('sha256')).u32(attributes).tpm2b(new Uint8Array(0))
    w.u16(ALG.NULL).u16(ALG.ECDSA).u16(hashAlgId(signHash)).u16(kind === 'ecdsa-p256' ? 0x0003 : 0x0004).u16(ALG.NULL)
    w.tpm2b(b64url(jwk.x!)).tpm2b(b64url(jwk.y!))
  } else {
    sigAlg = kind === 'rsassa' ? ALG.RSASSA : ALG.RSAPSS
    const n = b64url(jwk.n!)
    // type, nameAlg, attributes, authPolicy; symmetric NULL, scheme(hash), keyBits, exponent 0 (= 65537); modulus
    w.u16(ALG.RSA).u16(hashAlgId('sha256')).u32(attributes).tpm2b(new Uint8Array(0))
    w.u16(ALG.NULL).u16(sigAlg).u16(hashAlgId(signHash)).u16(n.length * 8).u32(0).tpm2b(n)
  }
  const tpmtPublic = w.out()
  const name = new TpmWriter().u16(hashAlgId('sha256')).bytes(defaultHashProvider().digest('sha256', tpmtPublic)).out()
  const size = kind === 'ecdsa-p384' ? 48 : 32
  const webAlg = ec ? { name: 'ECDSA', hash: WEB_HASH[signHash]! } : kind === 'rsassa' ? { name: 'RSASSA-PKCS1-v1_5' } : { name: 'RSA-PSS', saltLength: digestSize(signHash) }
  return {
    kind,
    signHash,
    tpmtPublic,
    tpm2bPublic: new TpmWriter().tpm2b(tpmtPublic).out(),
    name,
    keys,
    async sign(data) {
      const sig = new Uint8Array(await subtle().sign(webAlg, keys.privateKey, data as Uint8Array<ArrayBuffer>))
      const out = new TpmWriter().u16(sigAlg).u16(hashAlgId(signHash))
      // WebCrypto's ECDSA signature is r ‖ s (IEEE P1363), each `size` bytes.
      return (ec ? out.tpm2b(sig.subarray(0, size)).tpm2b(sig.subarray(size)) : out.tpm2b(sig)).out()
    },
  }
}

/** PCR values: `{bank: {pcr: hex}}`, e.g. `BuiltEventLog.pcrs` or tpm2_pcrread's values. */
export type PcrMap = Record<string, Record<string, string>>

export interface QuoteOptions {
  /** The verifier's nonce (TPMS_ATTEST.extraData). */
  nonce: Uint8Array
  /** The PCR values to quote; every PCR listed is selected. */
  pcrs: PcrMap
  /** Banks to select, in this order (default: every bank of `pcrs`). */
  banks?: HashAlgName[]
  /** Which PCRs to select (default: every PCR of the bank in `pcrs`). */
  select?: number[]
  clock?: bigint
  resetCount?: number
  restartCount?: number
  firmwareVersion?: bigint
}

export interface BuiltQuote {
  /** Marshalled TPMS_ATTEST (`tpm2_quote -m`). */
  attest: Uint8Array
  /** Marshalled TPMT_SIGNATURE (`tpm2_quote -s`). */
  signature: Uint8Array
  /** The quoted values, per bank: what `tpm2_quote -o` would write. */
  pcrs: PcrMap
}

/** Make and sign a TPM2_Quote of `pcrs` with a software AK. */
export async function buildQuote(ak: SoftwareAk, o: QuoteOptions): Promise<BuiltQuote> {
  const banks = o.banks ?? (Object.keys(o.pcrs).filter(isHashAlgName) as HashAlgName[])
  const quoted: PcrMap = {}
  const sel = new TpmWriter().u32(banks.length)
  const values: Uint8Array[] = []
  for (const bank of banks) {
    const regs = o.pcrs[bank] ?? {}
    const pcrs = [...(o.select ?? Object.keys(regs).map(Number))].sort((a, b) => a - b)
    const bitmap = new Uint8Array(Math.max(3, Math.ceil((Math.max(-1, ...pcrs) + 1) / 8)))
    quoted[bank] = {}
    for (const p of pcrs) {
      const v = regs[String(p)]
      if (v === undefined) throw new TypeError(`buildQuote: no ${bank} value for PCR ${p}`)
      bitmap[p >> 3]! |= 1 << (p & 7)
      values.push(fromHex(v))
      quoted[bank]![String(p)] = v
    }
    sel.u16(hashAlgId(bank)).u8(bitmap.length).bytes(bitmap)
  }
  const pcrDigest = defaultHashProvider().digest(ak.signHash, concatBytes(...values))
  const attest = new TpmWriter()
    .u32(TPM_GENERATED)
    .u16(TPM_ST_ATTEST_QUOTE)
    .tpm2b(ak.name) // qualifiedSigner (a real TPM writes the qualified name; verifiers do not rely on it)
    .tpm2b(o.nonce)
    .u64(o.clock ?? 1_000_000n)
    .u32(o.resetCount ?? 1)
    .u32(o.restartCount ?? 0)
    .u8(1) // safe
    .u64(o.firmwareVersion ?? 0x2023_0101_0000_0000n)
    .bytes(sel.out())
    .tpm2b(pcrDigest)
    .out()
  return { attest, signature: await ak.sign(attest), pcrs: quoted }
}

/** The PCR values an event log replays to, per bank, as hex. */
export function replayedPcrs(log: Uint8Array, options?: ParseEventLogOptions): PcrMap {
  return pcrValuesToJSON(replayedValues(replayEventLog(parseEventLog(log, options))))
}

export interface AttestLogOptions {
  ak?: SoftwareAk
  /** Default: 32 random bytes. */
  nonce?: Uint8Array
  /** Banks to quote (default ["sha256"]). */
  banks?: HashAlgName[]
  /** PCRs to quote (default: 0-9, which `derivePolicy` governs by default, and every PCR the log extends). */
  select?: number[]
}

/**
 * A consistent attestation of `log`: a software AK quotes the values the log replays to, as a
 * TPM that measured that boot would. The AK is declared enrolled (`akEnrolled: true`), as your
 * verifier would for an AK from its enrollment records.
 */
export async function attestEventLog(log: Uint8Array, o: AttestLogOptions = {}): Promise<{ input: VerifyAttestationInput; ak: SoftwareAk; quote: BuiltQuote }> {
  const ak = o.ak ?? (await createSoftwareAk())
  const nonce = o.nonce ?? (globalThis as { crypto: Crypto }).crypto.getRandomValues(new Uint8Array(32))
  const replayed = replayedPcrs(log)
  const banks = o.banks ?? ['sha256']
  const pcrs: PcrMap = {}
  for (const b of banks) {
    const regs = replayed[b]
    if (!regs) throw new TypeError(`attestEventLog: the log has no ${b} bank`)
    const select = o.select ?? [...new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ...Object.keys(regs).map(Number)])]
    // A PCR the log does not extend holds its initial value.
    pcrs[b] = Object.fromEntries(select.map((p) => [String(p), regs[String(p)] ?? (p >= 17 && p <= 22 ? 'ff' : '00').repeat(digestSize(b))]))
  }
  const quote = await buildQuote(ak, { nonce, pcrs, banks })
  return { input: { eventLog: log, quotes: [{ attest: quote.attest, signature: quote.signature }], ak: ak.tpm2bPublic, akEnrolled: true, nonce }, ak, quote }
}
