/**
 * The authentication of a `.pcrsig` for the policy rule "PCR 11 is authorised by key K"
 * (`pcr11Signed`): which of the attester's signed PCR 11 policies verify under the VERIFIER's
 * keys. Signature checks are asynchronous (WebCrypto), so they run here, once, before the
 * (synchronous) appraisal; the appraisal (src/policy/appraise/pcr11_signed.ts) only compares the
 * PolicyPCR digest it recomputes from the quoted PCR 11 value with the set verified here.
 *
 * The document comes from the attester and proves nothing by itself: an entry counts only when
 * it covers exactly PCR 11 and its signature verifies under a policy key (RSASSA-PKCS1-v1_5,
 * checked by `verifyPcrSignature`, which also accepts the bank-hash form systemd 252/254
 * signed). Its `pol` is kept as signed; the appraisal never trusts it, it looks its own
 * recomputed digest up among the verified ones (TPM 2.0 Part 3, 23.7 / 23.16: TPM2_PolicyPCR
 * then TPM2_PolicyAuthorize over that digest is what unlocks a signed-policy secret).
 */
import type { HashAlgName } from '../alg.js'
import { fromHex, toHex } from '../bytes/hex.js'
import { defaultHashProvider, type HashProvider } from '../hash/provider.js'
import type { UkiLimits } from '../uki/limits.js'
import { parsePcrPublicKey } from '../uki/pcr_public_key.js'
import { parsePcrSignature, type PcrSignatureEntry } from '../uki/pcrsig.js'
import { policyPcrDigest } from '../uki/policy_pcr.js'
import type { Pcr11Bank } from '../uki/predict_pcr11.js'
import { verifyPcrSignature } from '../uki/verify_pcrsig.js'

/** One `.pcrsig` entry whose signature verified under a policy key. */
export interface VerifiedPcr11Signature {
  bank: Pcr11Bank
  /** Position in the bank's array. */
  index: number
  /** The signed PolicyPCR digest (lowercase hex), as signed: compare it, never trust it. */
  pol: string
  /** The verifying key's fingerprint (systemd `pkfp`: SHA-256 of its RSAPublicKey DER), computed from the key. */
  key: string
  /** The hash the signature was made over `pol` with. */
  signatureHash: HashAlgName
}

/** What the signature stage established about a `.pcrsig` (input of `appraisePolicy`'s `pcr11Signatures`). */
export interface Pcr11SignatureEvidence {
  readonly verified: readonly VerifiedPcr11Signature[]
  /** Entries in the document, all banks. */
  readonly entries: number
  /** Signature checks made (entry × key). */
  readonly checked: number
  /** Candidate checks not made because `maxSignatureChecks` was reached. */
  readonly skipped: number
  /** Fingerprints of the keys checked with, in policy order. */
  readonly keys: readonly string[]
}

export interface VerifyPcr11SignaturesOptions {
  /** Only entries of these banks are checked. Default: every bank. */
  banks?: readonly Pcr11Bank[]
  /**
   * The quoted PCR 11 value per bank (hex). When given for a bank, only entries of that bank
   * whose `pol` is the PolicyPCR digest of that value are checked: the others cannot match, and
   * a hostile document of many entries then costs no signature checks.
   */
  pcr11?: Partial<Record<Pcr11Bank, string>>
  /** Most signature checks (entry × key) made; the rest are counted in `skipped`. Default 64. */
  maxSignatureChecks?: number
  hash?: HashProvider
  subtle?: SubtleCrypto
  limits?: Partial<UkiLimits>
}

export const DEFAULT_MAX_PCR11_SIGNATURE_CHECKS = 64

/**
 * @throws BootproofError ERR_UKI_PCRSIG_MALFORMED (the document), ERR_PEM_INVALID / ERR_KEY_*
 *   (a key; `validatePolicy` has already refused unusable policy keys)
 * @example
 * const ev = await verifyPcr11Signatures(pcrsigJson, policy.pcr11Signed.keys, { banks: ['sha256'] })
 * ev.verified // [{ bank: 'sha256', index: 0, pol: '…', key: '<pkfp>', signatureHash: 'sha256' }, …]
 */
export async function verifyPcr11Signatures(pcrSignature: Uint8Array | string, keys: readonly string[], options: VerifyPcr11SignaturesOptions = {}): Promise<Pcr11SignatureEvidence> {
  const hash = options.hash ?? defaultHashProvider()
  const limits = options.limits
  const doc = parsePcrSignature(pcrSignature, limits ? { limits } : {})
  const max = options.maxSignatureChecks ?? DEFAULT_MAX_PCR11_SIGNATURE_CHECKS
  if (!Number.isSafeInteger(max) || max < 0) throw new TypeError('maxSignatureChecks must be a non-negative safe integer')

  const wanted = new Map<Pcr11Bank, string>()
  for (const [bank, value] of Object.entries(options.pcr11 ?? {}) as [Pcr11Bank, string][]) {
    wanted.set(bank, toHex(policyPcrDigest({ bank, pcrs: new Map([[11, fromHex(value, `PCR 11 ${bank} value`)]]) }, hash)))
  }
  const candidates = doc.entries.filter((e) => e.pcrs.length === 1 && e.pcrs[0] === 11 && (!options.banks || options.banks.includes(e.bank)) && (!wanted.has(e.bank) || toHex(e.pol) === wanted.get(e.bank)))

  const verified: VerifiedPcr11Signature[] = []
  const fingerprints: string[] = []
  let checked = 0
  let skipped = 0
  for (const pem of keys) {
    const key = parsePcrPublicKey(pem, hash)
    const fp = key.fingerprint
    if (fp === undefined) continue // not RSA: no systemd signature can verify under it
    fingerprints.push(fp)
    // An entry naming another key's fingerprint was not made with this key (`pkfp` is systemd's
    // key selector); one without `pkfp` is tried with every key.
    const mine = candidates.filter((e) => e.pkfp === undefined || e.pkfp === fp)
    const take = mine.slice(0, Math.max(0, max - checked))
    skipped += mine.length - take.length
    if (!take.length) continue
    checked += take.length
    // Passed as `pcrsig` beside an empty subject, so the document is never classified as a UKI
    // image: a bare document is checked signature-only, the PCR 11 value coming from the quote.
    const groups = new Map<Pcr11Bank, PcrSignatureEntry[]>()
    for (const e of take) groups.set(e.bank, [...(groups.get(e.bank) ?? []), e])
    const r = await verifyPcrSignature('', { pcrsig: documentOf(groups), key: pem, hash, ...(options.subtle ? { subtle: options.subtle } : {}), ...(limits ? { limits } : {}) })
    for (const res of r.entries) {
      const e = groups.get(res.bank)?.[res.index]
      if (e && res.valid && res.signatureHash) verified.push({ bank: e.bank, index: e.index, pol: res.pol, key: fp, signatureHash: res.signatureHash })
    }
  }
  return { verified, entries: doc.entries.length, checked, skipped, keys: fingerprints }
}

/** A `.pcrsig` document of these entries: position i of a bank's array is `groups.get(bank)[i]`. */
function documentOf(groups: ReadonlyMap<Pcr11Bank, readonly PcrSignatureEntry[]>): string {
  const out: Record<string, unknown[]> = {}
  for (const [bank, list] of groups) out[bank] = list.map((e) => ({ pcrs: e.pcrs, ...(e.pkfp !== undefined ? { pkfp: e.pkfp } : {}), pol: toHex(e.pol), sig: base64(e.sig) }))
  return JSON.stringify(out)
}

function base64(b: Uint8Array): string {
  let s = ''
  for (const x of b) s += String.fromCharCode(x)
  return btoa(s)
}
