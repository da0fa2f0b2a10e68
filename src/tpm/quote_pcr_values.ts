/**
 * PCR values supplied next to a quote, read for its checks and checked against the quotes'
 * signed selections (only the (bank, index) pairs a signed selection names are authenticated:
 * CVE-2022-0317, CVE-2024-29039; pcrDigest as TPM 2.0 Part 3 §18.4 defines it).
 *
 * The reader follows the rules and messages of `readQuotePcrValues` (src/pcr_values.ts: known bank names in any case, each once; decimal
 * indices; bytes or even-length hex with an optional `0x`), in one pass, and with the source text
 * of every value given as canonical lowercase hex. The authenticated PCRs are reported in exactly
 * that form, so that text is reused instead of encoding the bytes back (callers pass tpm2-tools
 * and JSON PCR files as hex: one decode and one encode per PCR per quote otherwise).
 */
import { BootproofError } from '../errors.js'
import { digestSize, isHashAlgName, type HashAlgName } from '../alg.js'
import { constantTimeEqual, decodeHexAt, toHex } from '../bytes/hex.js'
import type { HashProvider } from '../hash/provider.js'
import type { PcrValuesInput } from '../pcr_values.js'
import type { QuoteInfo } from './attest.js'
import type { QuoteCheck, QuoteCheckCode } from './check_codes.js'
import { computePcrDigest } from './pcr_digest.js'

export interface QuotePcrValues {
  /** bank → index → value. */
  values: Map<HashAlgName, Map<number, Uint8Array>>
  /** bank → index → the lowercase hex text the value was decoded from (absent for bytes or other spellings). */
  text: Map<HashAlgName, Map<number, string>>
  /** The same values as `values`, in its order, as plain lists (walked by every check without Map entries). */
  list: { bank: HashAlgName; idx: number[]; bytes: Uint8Array[] }[]
}


/** `^(0|[1-9][0-9]{0,2})$` without a regular expression. */
function isDecimalIndex(s: string): boolean {
  const n = s.length
  if (n === 0 || n > 3) return false
  const c0 = s.charCodeAt(0)
  if (c0 === 48) return n === 1
  if (c0 < 49 || c0 > 57) return false
  for (let i = 1; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }
  return true
}

/**
 * @throws BootproofError ERR_PCRS_INVALID for an unknown or repeated bank, a non-object bank, a
 *   non-decimal index or a value that is neither bytes nor hex (the messages of readPcrValues).
 * @throws TypeError when `pcrs` is not an object (a caller mistake).
 */
export function readQuotePcrs(pcrs: PcrValuesInput): QuotePcrValues {
  if (typeof pcrs !== 'object' || pcrs === null) throw new TypeError('pcrs must be an object { bank: { index: value } }')
  return readFresh(pcrs)
}

/** The strict read (see readQuotePcrs). */
function readFresh(pcrs: object): QuotePcrValues {
  const what = 'PCR values'
  if (Array.isArray(pcrs)) throw new BootproofError('ERR_PCRS_INVALID', `${what}: expected an object {bank: {index: hex}}`)
  const values = new Map<HashAlgName, Map<number, Uint8Array>>()
  const text = new Map<HashAlgName, Map<number, string>>()
  const list: QuotePcrValues['list'] = []
  const lower = { v: false }
  const input = pcrs as Record<string, unknown>
  for (const bankRaw of Object.keys(input)) {
    const regs = input[bankRaw]
    const bank = bankRaw.toLowerCase()
    if (!isHashAlgName(bank)) throw new BootproofError('ERR_PCRS_INVALID', `${what}: unknown bank "${bankRaw}" (use sha1, sha256, sha384, sha512, sm3_256)`)
    if (values.has(bank)) throw new BootproofError('ERR_PCRS_INVALID', `${what}: bank "${bankRaw}" given twice`)
    if (typeof regs !== 'object' || regs === null || Array.isArray(regs)) throw new BootproofError('ERR_PCRS_INVALID', `${what}: ${bank} must be an object`)
    const m = new Map<number, Uint8Array>()
    let t: Map<number, string> | undefined
    const r = regs as Record<string, unknown>
    const keys = Object.keys(r)
    const entry: QuotePcrValues['list'][number] = { bank, idx: [], bytes: [] }
    for (const idx of keys) {
      if (!isDecimalIndex(idx)) throw new BootproofError('ERR_PCRS_INVALID', `${what}: ${bank} index "${idx}" is not a decimal PCR index`)
      const v = r[idx]
      const i = Number(idx)
      let bytes: Uint8Array | undefined
      if (v instanceof Uint8Array) bytes = v
      else if (typeof v === 'string') {
        const prefixed = v.startsWith('0x')
        bytes = decodeHexAt(v, prefixed ? 2 : 0, lower)
        if (bytes && !prefixed && lower.v) (t ??= new Map()).set(i, v)
      }
      if (!bytes) throw new BootproofError('ERR_PCRS_INVALID', `${what}: ${bank}:${idx} is neither bytes nor a hex string`)
      m.set(i, bytes)
      entry.idx.push(i)
      entry.bytes.push(bytes)
    }
    values.set(bank, m)
    list.push(entry)
    if (t) text.set(bank, t)
  }
  return { values, text, list }
}

/** One quote as the PCR checks see it: its signed selection and digest when parsed, its signature hash when usable. */
export interface QuotedSelection {
  info?: QuoteInfo
  hash?: HashAlgName
}

function check(checks: QuoteCheck[], id: string, ok: boolean, message: string, code: QuoteCheckCode, quote?: number): void {
  const c: QuoteCheck = { id, ok, message }
  if (!ok) c.code = code
  if (quote !== undefined) c.quote = quote
  checks.push(c)
}

/** Whether any parsed quote's signed selection names (bank, idx): its bitmap bit (Part 2 §10.6.2). */
function isSelected(states: readonly QuotedSelection[], bank: string, idx: number): boolean {
  for (const s of states) {
    const sels = s.info?.pcrSelect
    if (!sels) continue
    for (const sel of sels) {
      const byte = idx >> 3
      if (sel.bank === bank && byte < sel.pcrSelect.length && (sel.pcrSelect[byte]! & (1 << (idx & 7))) !== 0) return true
    }
  }
  return false
}

const NONE_MISSING: readonly string[] = Object.freeze([])

/** Selected (bank, idx) pairs without a supplied value, in the order the selections name them (first naming only). */
function missingPcrs(states: readonly QuotedSelection[], values: QuotePcrValues['values']): readonly string[] {
  // Checked first without building anything: the common outcome is that nothing is missing.
  let any = false
  for (const s of states) {
    const sels = s.info?.pcrSelect
    if (sels) for (const sel of sels) {
      const regs = values.get(sel.bank as HashAlgName)
      for (const p of sel.pcrs) if (!regs?.has(p)) any = true
    }
  }
  if (!any) return NONE_MISSING
  const selected = new Map<string, Set<number>>()
  for (const s of states) for (const sel of s.info?.pcrSelect ?? []) {
    const set = selected.get(sel.bank) ?? new Set<number>()
    sel.pcrs.forEach((p) => set.add(p))
    selected.set(sel.bank, set)
  }
  const missing: string[] = []
  for (const [bank, set] of selected) for (const idx of set) if (!values.get(bank as HashAlgName)?.has(idx)) missing.push(`${bank}:${idx}`)
  return missing
}

export function checkPcrs(checks: QuoteCheck[], states: readonly QuotedSelection[], supplied: QuotePcrValues, provider: HashProvider, multi: boolean): Record<string, Record<string, string>> {
  const { values, text } = supplied
  let outside: string[] | undefined
  let wrongSize: string[] | undefined
  for (const { bank, idx: idxs, bytes } of supplied.list) {
    const size = digestSize(bank)
    for (let k = 0; k < idxs.length; k++) {
      const idx = idxs[k]!
      const v = bytes[k]!
      if (!isSelected(states, bank, idx)) (outside ??= []).push(`${bank}:${idx}`)
      else if (v.length !== size) (wrongSize ??= []).push(`${bank}:${idx} (${v.length} bytes)`)
    }
  }
  const missing = missingPcrs(states, values)
  check(checks, 'pcrs.selection', !outside, outside ? `PCR value(s) ${outside.join(', ')} are not in the signed selection and are not authenticated (CVE-2022-0317 / CVE-2024-29039)` : 'every supplied PCR is in the signed selection', 'ERR_PCR_NOT_IN_SELECTION')
  check(checks, 'pcrs.complete', !missing.length, missing.length ? `signed selection names PCR(s) ${missing.join(', ')} with no supplied value` : 'every selected PCR has a value', 'ERR_PCR_MISSING')
  if (wrongSize) check(checks, 'pcrs.size', false, `PCR value(s) of the wrong size for their bank: ${wrongSize.join(', ')}`, 'ERR_PCR_VALUE_SIZE')

  const out: Record<string, Record<string, string>> = {}
  states.forEach((s, i) => {
    if (!s.info || !s.hash) return
    // Missing or mis-sized values already failed above; the digest cannot be recomputed then.
    if (missing.length || wrongSize) return
    const d = computePcrDigest(s.info.pcrSelect, values, s.hash, provider)
    if (!d) return
    const eq = constantTimeEqual(d, s.info.pcrDigest)
    check(checks, 'pcrs.digest', eq, eq ? `pcrDigest = ${s.hash}(selected values) matches` : `pcrDigest ${toHex(s.info.pcrDigest)} ≠ ${s.hash}(supplied values) ${toHex(d)}`, 'ERR_PCR_DIGEST_MISMATCH', multi ? i : undefined)
    if (!eq) return
    for (const sel of s.info.pcrSelect) {
      const regs = values.get(sel.bank as HashAlgName)!
      const bank = (out[sel.bank] ??= {})
      const texts = text.get(sel.bank as HashAlgName)
      for (const p of sel.pcrs) bank[p] = texts?.get(p) ?? toHex(regs.get(p)!)
    }
  })
  return out
}

export function checkRequired(checks: QuoteCheck[], states: readonly QuotedSelection[], required: Readonly<Record<string, readonly number[]>>, supplied: boolean): void {
  const absent: string[] = []
  for (const [bank, idxs] of Object.entries(required)) for (const idx of idxs) {
    const quoted = states.some((s) => s.info?.pcrSelect.some((sel) => sel.bank === bank.toLowerCase() && sel.pcrs.includes(idx)))
    if (!quoted) absent.push(`${bank}:${idx}`)
  }
  if (!supplied && !absent.length) absent.push('(no PCR values supplied)')
  check(checks, 'pcrs.required', !absent.length, absent.length ? `required PCR(s) not authenticated by the quote: ${absent.join(', ')}` : 'every required PCR is in the signed selection', 'ERR_PCR_MISSING')
}
