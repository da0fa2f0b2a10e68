/**
 * `verifyPcrSignature`: check a `.pcrsig` (systemd's signed PCR 11 policies) against its key and,
 * given the UKI (or its section files), against the PCR 11 values that UKI really produces.
 *
 * Per entry: `pcrs` must be exactly [11]; `pkfp`, when present, must be the key's fingerprint;
 * `sig` must be an RSASSA-PKCS1-v1_5 signature over `pol` (SHA-256; systemd 252/254 signed
 * non-sha256 banks over the bank's own hash of `pol`, which is accepted and reported); and `pol`
 * must equal the TPM2_PolicyPCR digest of this UKI's recomputed PCR 11 for some phase path —
 * `pol` itself is never trusted. The phases a valid entry matches are the phases it authorises.
 *
 * Without a UKI only the signature over the stated `pol` and the key can be checked: the result
 * says so (`scope: 'signature-only'`, a `pcrsig.policy` check that did not recompute, no phases).
 */
import type { HashAlgName } from '../alg.js'
import { bytesEqual, fromHex, toHex } from '../bytes/hex.js'
import { BootproofError } from '../errors.js'
import type { UkiCheckErrorCode } from '../error_codes.js'
import { defaultHashProvider, type HashProvider } from '../hash/provider.js'
import { importVerifyKey } from '../tpm/keys.js'
import { resolveUkiLimits, type UkiLimits } from './limits.js'
import { parsePcrPublicKey, type PcrPublicKey } from './pcr_public_key.js'
import { parsePcrSignature, type PcrSignatureDocument, type PcrSignatureEntry } from './pcrsig.js'
import { parseUki, type UkiImage } from './parse_uki.js'
import { ALL_PHASE_PATHS, normalizePhasePath, resolvePhasePaths } from './phases.js'
import { policyPcrDigest } from './policy_pcr.js'
import { predictPcr11, type Pcr11Bank, type Pcr11SectionFiles } from './predict_pcr11.js'

export interface VerifyPcrSignatureOptions {
  /** The public key (PEM "PUBLIC KEY" or SPKI DER). Default: the UKI's `.pcrpkey`. */
  key?: Uint8Array | string
  /** The `.pcrsig` JSON, when not the UKI's own `.pcrsig` section. */
  pcrsig?: Uint8Array | string
  /** Phase paths that must be authorised (in every bank of the document). */
  requirePhases?: readonly string[]
  /** More phase paths to try besides the empty path and the six prefixes of the boot path. */
  candidatePhases?: readonly string[]
  /** The stub's systemd major version, overriding `.sdmagic`. */
  stubVersion?: number
  hash?: HashProvider
  limits?: Partial<UkiLimits>
  subtle?: SubtleCrypto
}

export interface PcrSignatureCheck {
  /** `key.type`, `pcrsig.pcrs`, `pcrsig.pkfp`, `pcrsig.signature`, `pcrsig.policy`, `pcrsig.phase`. */
  id: string
  ok: boolean
  message: string
  /** Set when `ok` is false. */
  code?: UkiCheckErrorCode
  /** Bank and index of the entry checked. */
  bank?: Pcr11Bank
  entry?: number
}

export interface PcrSignatureError {
  code: UkiCheckErrorCode
  message: string
}

export interface PcrSignatureEntryResult {
  bank: Pcr11Bank
  index: number
  pcrs: number[]
  pol: string
  valid: boolean
  /** Phase paths whose recomputed policy equals `pol` (empty without a UKI, or when none does). */
  phases: string[]
  /** The hash the signature was made over `pol` with, when it verified. */
  signatureHash?: HashAlgName
}

export interface VerifyPcrSignatureResult {
  /** Every entry verified (and, with a UKI, matched a phase) and every required phase is authorised. */
  valid: boolean
  /** Phase paths authorised by a valid entry in every bank of the document (`''` = kernel only). */
  phases: string[]
  /** `recomputed`: PCR 11 was predicted from the UKI; `signature-only`: only signature and key were checked. */
  scope: 'recomputed' | 'signature-only'
  checks: PcrSignatureCheck[]
  errors: PcrSignatureError[]
  entries: PcrSignatureEntryResult[]
  key: { source: 'option' | 'pcrpkey'; description: string; fingerprint?: string }
  /** The stub version whose section table was used (with a UKI). */
  stubVersion?: number
  notes: string[]
}

/** A UKI (bytes or parsed), its section files, or a bare `.pcrsig` JSON document. */
export type PcrSignatureSubject = Uint8Array | string | UkiImage | Pcr11SectionFiles

/**
 * @throws BootproofError ERR_UKI_PCRSIG_MALFORMED / ERR_UKI_PCRSIG_MISSING (no document),
 *   ERR_UKI_KEY_MISSING (no key), ERR_PEM_INVALID / ERR_KEY_* (unusable key), and what
 *   parseUki / predictPcr11 throw
 * @example
 * const r = await verifyPcrSignature(ukiBytes, { requirePhases: ['enter-initrd'] })
 * r.valid; r.phases // ['enter-initrd', 'enter-initrd:leave-initrd', …]
 */
export async function verifyPcrSignature(subject: PcrSignatureSubject, options: VerifyPcrSignatureOptions = {}): Promise<VerifyPcrSignatureResult> {
  const limits = resolveUkiLimits(options.limits)
  const hash = options.hash ?? defaultHashProvider()
  const { uki, sections, json } = classify(subject, limits)
  const notes: string[] = []

  const docBytes = options.pcrsig ?? json ?? uki?.sections.get('.pcrsig')?.content
  if (docBytes === undefined) throw new BootproofError('ERR_UKI_PCRSIG_MISSING', uki ? 'the UKI has no .pcrsig section and no signature JSON was given' : 'no signature JSON was given')
  const doc = parsePcrSignature(docBytes, { limits })

  const pcrpkey = uki?.sections.get('.pcrpkey')?.content ?? sections?.sections['.pcrpkey']
  const keyBytes = options.key ?? pcrpkey
  if (keyBytes === undefined) throw new BootproofError('ERR_UKI_KEY_MISSING', uki || sections ? 'no key given and the UKI has no .pcrpkey section' : 'no key given (a bare signature JSON needs one)')
  const key = parsePcrPublicKey(keyBytes, hash)
  if (options.key !== undefined && pcrpkey !== undefined) {
    const embedded = tryParseKey(pcrpkey, hash)
    if (!embedded) notes.push("the UKI's .pcrpkey is not a public key (it is measured into PCR 11 as it is)")
    else if (!sameKey(key, embedded)) notes.push("the key given differs from the UKI's .pcrpkey (which is measured into PCR 11 as it is)")
  }

  const required = options.requirePhases === undefined ? [] : resolvePhasePaths(options.requirePhases, limits)
  const recompute = uki !== undefined || sections !== undefined
  const checks: PcrSignatureCheck[] = []
  const add = (c: PcrSignatureCheck): boolean => (checks.push(c), c.ok)

  let expected: Map<Pcr11Bank, Map<string, string>> | undefined
  let stubVersion: number | undefined
  if (recompute) {
    const candidates = resolvePhasePaths([...ALL_PHASE_PATHS, ...(options.candidatePhases ?? []), ...required], limits)
    const prediction = predictPcr11((uki ?? sections)!, { banks: doc.banks, phases: candidates, ...(options.stubVersion !== undefined ? { stubVersion: options.stubVersion } : {}), hash, limits })
    stubVersion = prediction.stubVersion
    notes.push(...prediction.notes)
    expected = new Map()
    for (const bank of doc.banks) {
      const byPol = new Map<string, string>()
      for (const e of prediction.values[bank] ?? []) {
        const pol = toHex(policyPcrDigest({ bank, pcrs: new Map([[11, fromHex(e.hash)]]) }, hash))
        // Two phase paths give the same value only by a hash collision; keep the first.
        if (!byPol.has(pol)) byPol.set(pol, e.phase ?? '')
      }
      expected.set(bank, byPol)
    }
  }

  const keyOk = add(key.key.kty === 'RSA'
    ? { id: 'key.type', ok: true, message: `${key.description} key, fingerprint ${key.fingerprint}` }
    : { id: 'key.type', ok: false, code: 'ERR_UKI_PCRSIG_KEY_UNSUITABLE', message: `${key.description} key: systemd signs PCR policies with RSA keys only` })

  const entries: PcrSignatureEntryResult[] = []
  for (const e of doc.entries) entries.push(await checkEntry(e, { key, keyOk, expected, add, subtle: options.subtle, hash }))

  const phases = authorisedPhases(doc, entries)
  for (const p of required) {
    add(recompute
      ? { id: 'pcrsig.phase', ok: phases.includes(p), ...(phases.includes(p) ? {} : { code: 'ERR_UKI_PCRSIG_PHASE' as const }), message: phases.includes(p) ? `phase "${p}" is authorised` : `phase "${p}" is not authorised by a valid entry in every bank (${doc.banks.join(', ')})` }
      : { id: 'pcrsig.phase', ok: false, code: 'ERR_UKI_PCRSIG_PHASE', message: `phase "${p}" cannot be confirmed: without the UKI, PCR 11 is not recomputed and no entry can be tied to a phase` })
  }

  const errors = checks.filter((c) => !c.ok).map((c) => ({ code: c.code!, message: c.message }))
  const out: VerifyPcrSignatureResult = {
    valid: errors.length === 0,
    phases: recompute ? phases : [],
    scope: recompute ? 'recomputed' : 'signature-only',
    checks,
    errors,
    entries,
    key: { source: options.key !== undefined ? 'option' : 'pcrpkey', description: key.description, ...(key.fingerprint ? { fingerprint: key.fingerprint } : {}) },
    notes,
  }
  if (stubVersion !== undefined) out.stubVersion = stubVersion
  return out
}

interface EntryContext {
  key: PcrPublicKey
  keyOk: boolean
  expected: Map<Pcr11Bank, Map<string, string>> | undefined
  add: (c: PcrSignatureCheck) => boolean
  subtle: SubtleCrypto | undefined
  hash: HashProvider
}

async function checkEntry(e: PcrSignatureEntry, ctx: EntryContext): Promise<PcrSignatureEntryResult> {
  const where = { bank: e.bank, entry: e.index }
  const name = `${e.bank}[${e.index}]`
  let ok = ctx.keyOk
  const only11 = e.pcrs.length === 1 && e.pcrs[0] === 11
  if (ctx.expected) {
    ok = ctx.add({ id: 'pcrsig.pcrs', ok: only11, ...where, ...(only11 ? {} : { code: 'ERR_UKI_PCRSIG_PCRS' as const }), message: only11 ? `${name} covers PCR 11` : `${name} covers PCRs [${e.pcrs.join(', ')}], not exactly [11]: its policy cannot be recomputed from the UKI` }) && ok
  }
  if (e.pkfp !== undefined) {
    const match = e.pkfp === ctx.key.fingerprint
    ok = ctx.add({ id: 'pcrsig.pkfp', ok: match, ...where, ...(match ? {} : { code: 'ERR_UKI_PCRSIG_KEY_MISMATCH' as const }), message: match ? `${name} names this key` : `${name} was made for key ${e.pkfp}, not this key (${ctx.key.fingerprint ?? ctx.key.description})` }) && ok
  }

  let signatureHash: HashAlgName | undefined
  if (ctx.keyOk) {
    signatureHash = await verifySignature(ctx.key, e, ctx.subtle)
    const msg = signatureHash
      ? `${name} signature verifies over pol with ${signatureHash.toUpperCase()}${signatureHash !== 'sha256' ? ` (the bank's hash, as systemd 252/254 signed)` : ''}`
      : `${name} signature does not verify over pol with this key`
    ok = ctx.add({ id: 'pcrsig.signature', ok: signatureHash !== undefined, ...where, ...(signatureHash ? {} : { code: 'ERR_UKI_PCRSIG_SIGNATURE' as const }), message: msg }) && ok
  }

  const pol = toHex(e.pol)
  let phases: string[] = []
  if (ctx.expected) {
    const phase = only11 ? ctx.expected.get(e.bank)?.get(pol) : undefined
    if (phase !== undefined) phases = [phase]
    ok = ctx.add({ id: 'pcrsig.policy', ok: phase !== undefined, ...where, ...(phase !== undefined ? {} : { code: 'ERR_UKI_PCRSIG_POLICY_MISMATCH' as const }),
      message: phase !== undefined ? `${name} pol is the PolicyPCR digest of this UKI's PCR 11 at phase "${phase}"` : `${name} pol ${pol} matches no phase of this UKI's recomputed PCR 11 (changed after signing, or signed for another image)` }) && ok
  } else {
    ctx.add({ id: 'pcrsig.policy', ok: true, ...where, message: `${name} pol taken as stated: PCR 11 not recomputed (no UKI given), so it is not known which image or phase it authorises` })
  }
  const out: PcrSignatureEntryResult = { bank: e.bank, index: e.index, pcrs: e.pcrs, pol, valid: ok, phases }
  if (signatureHash) out.signatureHash = signatureHash
  return out
}

/**
 * SHA-256 first (current systemd-measure, and what TPM2_PolicyAuthorize with a SHA-256 name
 * algorithm checks); for another bank also that bank's hash, which systemd 252 and 254 used.
 */
async function verifySignature(key: PcrPublicKey, e: PcrSignatureEntry, subtle: SubtleCrypto = globalThis.crypto.subtle): Promise<HashAlgName | undefined> {
  const hashes: HashAlgName[] = e.bank === 'sha256' ? ['sha256'] : ['sha256', e.bank]
  for (const h of hashes) {
    const k = await importVerifyKey(key.key, 'RSASSA-PKCS1-v1_5', h, subtle)
    if (await subtle.verify('RSASSA-PKCS1-v1_5', k, e.sig as Uint8Array<ArrayBuffer>, e.pol as Uint8Array<ArrayBuffer>)) return h
  }
  return undefined
}

/** Phases with a valid entry in every bank of the document, in the order they were computed. */
function authorisedPhases(doc: PcrSignatureDocument, entries: PcrSignatureEntryResult[]): string[] {
  const per = doc.banks.map((b) => new Set(entries.filter((e) => e.bank === b && e.valid).flatMap((e) => e.phases)))
  const first = per[0] ?? new Set<string>()
  const all = [...first].filter((p) => per.every((s) => s.has(p)))
  const order = (p: string) => {
    const i = ALL_PHASE_PATHS.indexOf(normalizePhasePath(p))
    return i < 0 ? ALL_PHASE_PATHS.length : i
  }
  return all.sort((a, b) => order(a) - order(b) || (a < b ? -1 : a > b ? 1 : 0))
}

function tryParseKey(bytes: Uint8Array, hash: HashProvider): PcrPublicKey | undefined {
  try {
    return parsePcrPublicKey(bytes, hash)
  } catch (e) {
    if (e instanceof BootproofError) return undefined
    throw e
  }
}

function sameKey(a: PcrPublicKey, b: PcrPublicKey): boolean {
  return bytesEqual(a.spki, b.spki) || (a.fingerprint !== undefined && a.fingerprint === b.fingerprint)
}

function classify(subject: PcrSignatureSubject, limits: UkiLimits): { uki?: UkiImage; sections?: Pcr11SectionFiles; json?: Uint8Array | string } {
  if (typeof subject === 'string') return { json: subject }
  if (subject instanceof Uint8Array) {
    // A PE image starts with "MZ"; anything else is taken as the JSON document.
    if (subject.length >= 2 && subject[0] === 0x4d && subject[1] === 0x5a) return { uki: parseUki(subject, { limits }) }
    return { json: subject }
  }
  if ('pe' in subject) return { uki: subject }
  return { sections: subject }
}
