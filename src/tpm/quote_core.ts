/**
 * Shared engine of `verifyQuote` and `verifyQuotes`: per-quote header, signature, nonce, clock
 * and selection checks, then the PCR checks over all quotes (TPM 2.0 Part 3 §18.4 TPM2_Quote;
 * checklist in docs/quote-checks.md). Internal: the public entry points are verify_quote.ts and
 * verify_quotes.ts.
 */
import { hashAlgName, type HashAlgName } from '../alg.js'
import { bytesEqual, constantTimeEqual, toHex } from '../bytes/hex.js'
import { defaultHashProvider, type HashProvider } from '../hash/provider.js'
import { TPM_ALG, TPM_GENERATED_VALUE, TPM_ST_ATTEST, algName, attestTypeName, type WebCryptoCurve } from './constants.js'
import { parseTpmsAttest, peekAttestHeader, type QuoteInfo, type TpmsAttest } from './attest.js'
import { parseTpmtSignature, type TpmtSignature } from './signature.js'
import type { AkInput, AkMaterial } from './ak.js'
import type { AkEvaluation, AkPolicy } from './ak_checks.js'
import { cachedAk, evaluateAndCache, resolveAkFor, type CachedAk } from './ak_cache.js'
import { verifyTpmSignature, verifyTpmSignatureSync } from './verify_signature.js'
import { WEBCRYPTO_HASH } from './keys.js'
import { selectionProblems, type PcrSelection } from './pcr_selection.js'
import type { PcrValuesInput as PcrValues } from '../pcr_values.js'
import { checkPcrs, checkRequired, readQuotePcrs } from './quote_pcr_values.js'
import { computeName } from './public.js'
import type { QuoteCheck, QuoteCheckCode, QuoteError } from './check_codes.js'
import type { CertificateInput } from '../x509/chain.js'

export interface VerifyQuoteOptions {
  /** Accept SHA-1 signatures (Windows / TPM 1.2-era AKs). Default false. */
  allowSha1?: boolean
  /** Accept a quote when no nonce is expected (`nonce` undefined): extraData is then not checked. Default false. */
  allowMissingNonce?: boolean
  /** Treat an AK given only as an SPKI as a pinned key (its TPM attributes cannot be checked). Default false. */
  trustBareKey?: boolean
  /** Pinned roots for an AK certificate. */
  trustAnchors?: readonly CertificateInput[]
  /** Verification time for certificates (default now). */
  now?: Date
  /** EKUs accepted on an AK certificate (default ['2.23.133.8.3']; GCE needs '2.23.133.8.1'). */
  akCertAllowedEkus?: readonly string[]
  /** Smallest RSA AK (default 2048). */
  minRsaBits?: number
  /** Allowed AK curves (default P-256, P-384, P-521). */
  allowedCurves?: readonly WebCryptoCurve[]
  /** Highest PCR index a selection may name (default 23, PC Client). */
  maxPcrIndex?: number
  /** PCRs that must be authenticated by the quote(s): `{ sha256: [0, 7] }`. */
  requiredPcrs?: Readonly<Record<string, readonly number[]>>
  /** Expected TPMS_ATTEST.qualifiedSigner (the AK's qualified name), compared when given. */
  expectedQualifiedSigner?: Uint8Array
  /** Accept `clockInfo.safe = 0`. Default false (Keylime `check_quote_timing`). */
  allowUnsafeClock?: boolean
  /** Clock state from the previous accepted quote of this AK (attack Q-12). */
  previous?: { clock: bigint; resetCount: number; restartCount: number }
  /** WebCrypto implementation (default globalThis.crypto). */
  crypto?: Crypto
  /** Synchronous hash provider for pcrDigest and Names. */
  hashProvider?: HashProvider
}

export interface QuoteEvidence {
  /** Marshalled TPMS_ATTEST (`tpm2_quote -m`). */
  attest: Uint8Array
  /** Marshalled TPMT_SIGNATURE (`tpm2_quote -s`) or a parsed one. */
  signature: Uint8Array | TpmtSignature
}

/** What a quote says, once parsed. BigInt fields as in TPMS_ATTEST. */
export interface QuoteSummary {
  magic: number
  type: number
  typeName: string
  qualifiedSigner: string
  extraData: string
  clock: bigint
  resetCount: number
  restartCount: number
  safe: boolean
  firmwareVersion: bigint
  selection: { bank: string; hashAlg: number; pcrs: number[] }[]
  pcrDigest: string
  signature: { sigAlg: string; hash: string }
  /** The full parse. */
  parsed: TpmsAttest
}

export interface AkSummary {
  kind: 'tpm-public' | 'spki' | 'certificate'
  /** Name (nameAlg ‖ H(TPMT_PUBLIC)) as hex, when the public area was given. */
  name?: string
  key?: string
  objectAttributes?: number
  scheme?: string
}

export type AuthenticatedPcrs = Record<string, Record<string, string>>

export interface CoreResult {
  valid: boolean
  /** Per-quote checks carry `quote` (index into `quotes`). */
  checks: QuoteCheck[]
  errors: QuoteError[]
  quotes: (QuoteSummary | undefined)[]
  /** Union of the PCRs authenticated by the quotes; empty unless valid. */
  pcrs: AuthenticatedPcrs
  ak: AkSummary
}

export interface CoreInput {
  quotes: readonly QuoteEvidence[]
  ak: AkInput
  nonce?: Uint8Array
  pcrs?: PcrValues
  options?: VerifyQuoteOptions
}

function push(checks: QuoteCheck[], id: string, okv: boolean, message: string, code?: QuoteCheckCode, quote?: number): void {
  const c: QuoteCheck = { id, ok: okv, message }
  if (!okv && code) c.code = code
  if (quote !== undefined) c.quote = quote
  checks.push(c)
}

interface QuoteState {
  parsed?: TpmsAttest
  info?: QuoteInfo
  hash?: HashAlgName
  sigOk: boolean
  sig: TpmtSignature
}

/** The AK policy of `o`: only the options that are set (evaluateAk tells absent from undefined). */
function akPolicyOf(o: VerifyQuoteOptions): AkPolicy {
  const p: AkPolicy = {}
  if (o.minRsaBits !== undefined) p.minRsaBits = o.minRsaBits
  if (o.allowedCurves) p.allowedCurves = o.allowedCurves
  if (o.trustBareKey) p.trustBareKey = true
  if (o.trustAnchors) p.trustAnchors = o.trustAnchors
  if (o.now) p.now = o.now
  if (o.crypto) p.crypto = o.crypto
  if (o.akCertAllowedEkus) p.akCertAllowedEkus = o.akCertAllowedEkus
  return p
}

/** Run every check. Throws only for inputs that cannot be parsed. */
export async function runQuoteChecks(input: CoreInput): Promise<CoreResult> {
  const o = input.options ?? {}
  const n = input.quotes.length
  const multi = n !== 1
  const provider = o.hashProvider ?? defaultHashProvider()
  const checks: QuoteCheck[] = []

  // Parse everything first: unparseable input throws before any verdict.
  const akPolicy = akPolicyOf(o)
  const cached = cachedAk(input.ak, akPolicy, provider)
  const ak = cached.hit ? cached.hit.material : resolveAkFor(input.ak, cached.key)
  const states: QuoteState[] = []
  const headers: { magic: number; type: number }[] = []
  for (const q of input.quotes) states.push({ sig: q.signature instanceof Uint8Array ? parseTpmtSignature(q.signature) : q.signature, sigOk: false })
  for (const q of input.quotes) headers.push(peekAttestHeader(q.attest))
  for (let i = 0; i < n; i++) {
    if (headers[i]!.magic === TPM_GENERATED_VALUE && headers[i]!.type === TPM_ST_ATTEST.QUOTE) {
      const parsed = parseTpmsAttest(input.quotes[i]!.attest)
      states[i]!.parsed = parsed
      states[i]!.info = parsed.attested as QuoteInfo
    }
  }
  const pcrValues = input.pcrs ? readQuotePcrs(input.pcrs) : undefined

  // 1. The attestation key (evaluated once per exact AK input when it carries no certificate).
  const akEntry = cached.hit ?? (await evaluateAndCache(ak, akPolicy, provider, cached.key))
  const akEval: AkEvaluation = akEntry.evaluation
  let akOk = true
  for (const c of akEval.checks) {
    checks.push({ ...c })
    if (!c.ok) akOk = false
  }

  if (!input.quotes.length) push(checks, 'quotes.count', false, 'no quote supplied', 'ERR_QUOTES_EMPTY')

  // 2. Per quote: header, signature, nonce, clock, selection.
  for (let i = 0; i < input.quotes.length; i++) {
    const q = input.quotes[i]!
    const st = states[i]!
    const { magic, type } = headers[i]!
    const magicOk = magic === TPM_GENERATED_VALUE
    push(checks, 'quote.magic', magicOk, magicOk ? 'magic is TPM_GENERATED_VALUE' : `magic 0x${magic.toString(16).padStart(8, '0')} is not TPM_GENERATED_VALUE 0xff544347: not TPM-generated (CVE-2024-29038)`, 'ERR_QUOTE_MAGIC', multi ? i : undefined)
    const typeOk = type === TPM_ST_ATTEST.QUOTE
    push(checks, 'quote.type', typeOk, typeOk ? 'type is TPM_ST_ATTEST_QUOTE' : `type 0x${type.toString(16)} (${attestTypeName(type) ?? 'unknown'}) is not TPM_ST_ATTEST_QUOTE 0x8018 (GHSA-gwfg-w3jr-xh66)`, 'ERR_QUOTE_TYPE', multi ? i : undefined)

    // Signature scheme and hash come from the AK, never from the signature.
    const sig = st.sig
    let schemeOk = false
    let hash: HashAlgName | undefined
    if (akEval.scheme) {
      const want = akEval.scheme
      schemeOk = sig.sigAlg === want.sigAlg
      push(checks, 'signature.scheme', schemeOk, schemeOk ? `sigAlg ${sig.sigAlgName} matches the AK scheme` : `sigAlg ${sig.sigAlgName} differs from the AK scheme ${algName(want.sigAlg)}`, 'ERR_QUOTE_SCHEME_MISMATCH', multi ? i : undefined)
      const sigHash = 'hashAlg' in sig ? sig.hashAlg : undefined
      if (schemeOk && sigHash !== want.hashAlg) {
        schemeOk = false
        push(checks, 'signature.hash', false, `signature hash ${algName(sigHash ?? 0)} differs from the AK scheme hash ${algName(want.hashAlg)}`, 'ERR_QUOTE_SCHEME_MISMATCH', multi ? i : undefined)
      }
      hash = want.hash
    } else if (akEval.key) {
      // Bare key: the key type fixes the family; the signature names scheme and hash.
      const fam = akEval.key.kty === 'RSA' ? [TPM_ALG.RSASSA, TPM_ALG.RSAPSS] : [TPM_ALG.ECDSA]
      schemeOk = (fam as number[]).includes(sig.sigAlg)
      push(checks, 'signature.scheme', schemeOk, schemeOk ? `sigAlg ${sig.sigAlgName} fits the ${akEval.key.kty} AK` : `sigAlg ${sig.sigAlgName} cannot be produced by an ${akEval.key.kty} AK`, 'ERR_QUOTE_SCHEME_MISMATCH', multi ? i : undefined)
      hash = 'hashAlg' in sig ? hashAlgName(sig.hashAlg) : undefined
    }
    if (schemeOk) {
      if (!hash || !WEBCRYPTO_HASH[hash]) {
        schemeOk = false
        push(checks, 'signature.hash', false, `signature hash ${hash ?? algName('hashAlg' in sig ? sig.hashAlg : 0)} is not supported`, 'ERR_QUOTE_HASH_UNSUPPORTED', multi ? i : undefined)
      } else if (hash === 'sha1' && !o.allowSha1) {
        schemeOk = false
        push(checks, 'signature.hash', false, 'SHA-1 signatures are refused (pass allowSha1 to accept them)', 'ERR_QUOTE_SHA1_REFUSED', multi ? i : undefined)
      } else {
        push(checks, 'signature.hash', true, `signature hash ${hash}`, undefined, multi ? i : undefined)
      }
    }
    st.hash = schemeOk ? hash : undefined
    if (schemeOk && akEval.key && hash) {
      // An injected `crypto` (tests, other runtimes) is used as given; otherwise node:crypto where present.
      const subtle = o.crypto ? o.crypto.subtle : undefined
      const r = verifyTpmSignatureSync(akEval.key, sig, q.attest, hash, subtle) ?? (await verifyTpmSignature(akEval.key, sig, q.attest, hash, subtle))
      st.sigOk = r.ok
      push(checks, 'signature.verify', r.ok, r.message, r.code, multi ? i : undefined)
    }

    const p = st.parsed
    if (!p) continue
    // Nonce: exact length, constant time; an empty expected nonce is no nonce.
    const nonce = input.nonce
    if (nonce === undefined || nonce.length === 0) {
      if (o.allowMissingNonce) {
        const extraOk = nonce === undefined || p.extraData.length === 0
        push(checks, 'quote.nonce', extraOk, extraOk ? (nonce === undefined ? 'nonce not checked (allowMissingNonce)' : 'extraData is empty as expected (allowMissingNonce)') : 'extraData is not empty although an empty nonce was expected', 'ERR_QUOTE_NONCE_MISMATCH', multi ? i : undefined)
      } else {
        push(checks, 'quote.nonce', false, 'no nonce expected: a quote without a fresh verifier nonce can be a replay (pass allowMissingNonce to opt out)', 'ERR_QUOTE_NONCE_MISSING', multi ? i : undefined)
      }
    } else {
      const eq = constantTimeEqual(p.extraData, nonce)
      push(checks, 'quote.nonce', eq, eq ? 'extraData equals the nonce' : `extraData (${p.extraData.length} bytes) does not equal the expected nonce (${nonce.length} bytes)`, 'ERR_QUOTE_NONCE_MISMATCH', multi ? i : undefined)
    }
    const safeOk = p.clockInfo.safe || !!o.allowUnsafeClock
    push(checks, 'quote.clock', safeOk, p.clockInfo.safe ? 'clockInfo.safe is YES' : `clockInfo.safe is NO${safeOk ? ' (allowUnsafeClock)' : ': the clock may have been rolled back'}`, 'ERR_QUOTE_CLOCK_UNSAFE', multi ? i : undefined)
    if (o.previous) checkPrevious(checks, o.previous, p, multi ? i : undefined)
    if (o.expectedQualifiedSigner) {
      const eq = constantTimeEqual(p.qualifiedSigner, o.expectedQualifiedSigner)
      push(checks, 'quote.qualifiedSigner', eq, eq ? 'qualifiedSigner equals the expected qualified name' : `qualifiedSigner ${toHex(p.qualifiedSigner)} is not the expected ${toHex(o.expectedQualifiedSigner)}`, 'ERR_QUOTE_QUALIFIED_SIGNER', multi ? i : undefined)
    }
    const probs = selectionProblems(st.info!.pcrSelect, o.maxPcrIndex ?? 23)
    push(checks, 'quote.selection', !probs.length, probs.length ? probs.map((x) => x.message).join('; ') : describeSelection(st.info!.pcrSelect), 'ERR_QUOTE_SELECTION', multi ? i : undefined)
  }

  // 3. Several quotes from one AK: same boot, same firmware.
  const parsedAll = multi ? states.map((s) => s.parsed).filter((p): p is TpmsAttest => !!p) : []
  if (parsedAll.length > 1) {
    const first = parsedAll[0]!
    const diff = parsedAll.filter((p) => p.clockInfo.resetCount !== first.clockInfo.resetCount || p.clockInfo.restartCount !== first.clockInfo.restartCount || p.firmwareVersion !== first.firmwareVersion)
    push(checks, 'quotes.consistency', !diff.length, diff.length ? 'quotes differ in resetCount, restartCount or firmwareVersion: they do not come from one boot of one TPM' : 'all quotes share resetCount, restartCount and firmwareVersion', 'ERR_QUOTES_INCONSISTENT')
  }

  // 4. PCRs: only (bank, index) pairs of the signed selections are authenticated (CVE-2022-0317, CVE-2024-29039).
  const authenticated = pcrValues ? checkPcrs(checks, states, pcrValues, provider, multi) : undefined
  if (o.requiredPcrs) checkRequired(checks, states, o.requiredPcrs, !!pcrValues)

  let valid = akOk && n > 0
  const errors: QuoteError[] = []
  for (const c of checks) {
    if (c.ok) continue
    valid = false
    errors.push({ code: c.code ?? 'ERR_QUOTE_SIGNATURE', message: multi && c.quote !== undefined ? `quote ${c.quote}: ${c.message}` : c.message })
  }
  for (const s of states) if (!s.sigOk || !s.parsed) valid = false
  if (!valid && !errors.length) errors.push({ code: 'ERR_QUOTE_SIGNATURE', message: 'the signature was not verified' })

  return {
    valid,
    checks,
    errors,
    quotes: summaries(states, akEntry),
    pcrs: valid && authenticated ? authenticated : {},
    ak: akSummaryOf(akEntry, provider),
  }
}

/** The AK summary, computed once per cached AK (its Name costs a hash) and copied per result. */
function akSummaryOf(entry: CachedAk, provider: HashProvider): AkSummary {
  let s = entry.extra.get('summary') as AkSummary | undefined
  if (!s) entry.extra.set('summary', (s = akSummary(entry.material, entry.evaluation, provider)))
  return { ...s }
}

/** "0", "0,1", … "0,1,…,31": the usual selections (PCRs 0 to k) described without joining. */
const LEADING_PCRS: string[] = []
for (let k = 0, t = ''; k < 32; k++) LEADING_PCRS.push((t += k ? `,${k}` : '0'))

/** Selected indices, comma-separated. */
function pcrList(pcrs: readonly number[]): string {
  const n = pcrs.length
  if (n === 0 || n > LEADING_PCRS.length || pcrs[n - 1] !== n - 1) return pcrs.join(',')
  // Ascending and distinct (bitmapToPcrs) with the last equal to n - 1: exactly 0..n-1.
  return LEADING_PCRS[n - 1]!
}

function describeSelection(sel: readonly PcrSelection[]): string {
  if (!sel.length) return 'selection is empty: the quote authenticates no PCR'
  let out = 'selection '
  for (let i = 0; i < sel.length; i++) {
    const s = sel[i]!
    out += `${i ? '+' : ''}${s.bank}:${pcrList(s.pcrs) || '(none)'}`
  }
  return out
}

function checkPrevious(checks: QuoteCheck[], prev: NonNullable<VerifyQuoteOptions['previous']>, p: TpmsAttest, quote: number | undefined): void {
  const c = p.clockInfo
  if (c.resetCount < prev.resetCount || c.restartCount < prev.restartCount && c.resetCount === prev.resetCount) {
    push(checks, 'quote.previous', false, `resetCount/restartCount went backwards (${prev.resetCount}/${prev.restartCount} → ${c.resetCount}/${c.restartCount})`, 'ERR_QUOTE_CLOCK_ROLLBACK', quote)
  } else if (c.resetCount !== prev.resetCount || c.restartCount !== prev.restartCount) {
    push(checks, 'quote.previous', false, `the TPM was reset or restarted since the previous quote (${prev.resetCount}/${prev.restartCount} → ${c.resetCount}/${c.restartCount})`, 'ERR_QUOTE_RESET', quote)
  } else if (c.clock <= prev.clock) {
    push(checks, 'quote.previous', false, `clock ${c.clock} did not advance past the previous quote's ${prev.clock} within the same boot`, 'ERR_QUOTE_CLOCK_ROLLBACK', quote)
  } else {
    push(checks, 'quote.previous', true, 'same boot as the previous quote and the clock advanced', undefined, quote)
  }
}

function summaries(states: readonly QuoteState[], ak: CachedAk): (QuoteSummary | undefined)[] {
  const out: (QuoteSummary | undefined)[] = []
  for (const s of states) out.push(s.parsed ? summarize(s.parsed, s.sig, ak) : undefined)
  return out
}

/**
 * qualifiedSigner as hex. It is the AK's qualified name on every quote of that AK, so the last
 * one seen is kept with the (cached) AK and reused when the bytes are equal.
 */
function signerHex(qs: Uint8Array, ak: CachedAk): string {
  const last = ak.extra.get('qualifiedSigner') as { bytes: Uint8Array; hex: string } | undefined
  if (last && bytesEqual(last.bytes, qs)) return last.hex
  const hex = toHex(qs)
  ak.extra.set('qualifiedSigner', { bytes: qs.slice(), hex })
  return hex
}

function summarize(p: TpmsAttest, sig: TpmtSignature, ak: CachedAk): QuoteSummary {
  const info = p.attested as QuoteInfo
  const selection: QuoteSummary['selection'] = []
  for (const s of info.pcrSelect) selection.push({ bank: s.bank, hashAlg: s.hashAlg, pcrs: s.pcrs.slice() })
  return {
    magic: p.magic,
    type: p.type,
    typeName: p.typeName,
    qualifiedSigner: signerHex(p.qualifiedSigner, ak),
    extraData: toHex(p.extraData),
    clock: p.clockInfo.clock,
    resetCount: p.clockInfo.resetCount,
    restartCount: p.clockInfo.restartCount,
    safe: p.clockInfo.safe,
    firmwareVersion: p.firmwareVersion,
    selection,
    pcrDigest: toHex(info.pcrDigest),
    signature: { sigAlg: sig.sigAlgName, hash: sig.hashName ?? 'none' },
    parsed: p,
  }
}

function akSummary(ak: AkMaterial, ev: AkEvaluation, provider: HashProvider): AkSummary {
  const out: AkSummary = { kind: ak.public ? 'tpm-public' : ak.certificate ? 'certificate' : 'spki' }
  if (ak.public) {
    try {
      out.name = toHex(computeName(ak.public, provider))
    } catch {
      /* unknown nameAlg: no Name */
    }
    out.objectAttributes = ak.public.objectAttributes
  }
  if (ev.key) out.key = ev.key.kty === 'RSA' ? `RSA-${(ev.key.n.length * 8)}` : `EC ${ev.key.crv}`
  if (ev.scheme) out.scheme = `${algName(ev.scheme.sigAlg)}/${algName(ev.scheme.hashAlg)}`
  return out
}
