/**
 * PCR values supplied next to a quote, read for its checks and checked against the quotes'
 * signed selections (only the (bank, index) pairs a signed selection names are authenticated:
 * CVE-2022-0317, CVE-2024-29039; pcrDigest as TPM 2.0 Part 3 §18.4 defines it).
 *
 * The reader follows the rules and messages of `readQuotePcrValues` (src/pcr_values.ts: known
 * bank names in any case, each once; decimal indices; bytes or even-length hex with an optional
 * `0x`), in one pass that checks every value, selected or not. Hex is kept as its canonical
 * lowercase text (the caller's own string when it already is) and decoded only into the
 * pcrDigest input; authenticated PCRs are reported as that text instead of encoding decoded
 * bytes back (callers pass tpm2-tools and JSON PCR files as hex, and a fleet verifies one quote
 * per line).
 */
import { BootproofError } from '../errors.js'
import { digestSize, isHashAlgName, type HashAlgName } from '../alg.js'
import { constantTimeEqual, decodeHexDigits, decodeHexInto, hexFormAt, toHex } from '../bytes/hex.js'
import type { HashProvider } from '../hash/provider.js'
import type { PcrValuesInput } from '../pcr_values.js'
import type { QuoteInfo } from './attest.js'
import type { PcrSelection } from './pcr_selection.js'
import type { QuoteCheck, QuoteCheckCode } from './check_codes.js'
import { digestOfSelection } from './pcr_digest.js'

/** One supplied bank: indices and values in the order given. */
export interface SuppliedBank {
  bank: HashAlgName
  /** The bank's digest size. */
  size: number
  idx: number[]
  /** Bytes as given (read when a check runs), or hex as canonical lowercase text without `0x`. */
  val: (Uint8Array | string)[]
  /** Indices whose hex text was not canonical as given (lowercased or stripped of `0x`). */
  recased?: number[]
  /** Where the bank's values, decoded in the order given, start in the arena (-1: not there). */
  at: number
}

/**
 * The values of the latest read, decoded: a bank of hex text (the usual input) is encoded into
 * ASCII with one native call and checked and decoded there in one pass over bytes, which costs
 * far less than reading its characters one by one. Its values, given in selection order, are
 * then already the pcrDigest input. Shared by all reads: `arenaOwner` names the read whose bytes
 * it holds, and a read that finds another owner (a read ran while its verification awaited)
 * decodes its text again instead. Banks that do not fit are checked and decoded value by value.
 */
const ARENA_BYTES = 4096
let ascii: Uint8Array | undefined
let arena: Uint8Array | undefined
let arenaOwner: QuotePcrValues | undefined
/** Views of the arena from 0, by length (a verifier sees a handful of selection sizes). */
const ARENA_VIEWS: (Uint8Array | undefined)[] = []
let encoder: TextEncoder | null | undefined

function textEncoder(): TextEncoder | undefined {
  if (encoder === undefined) {
    try {
      encoder = typeof TextEncoder === 'function' ? new TextEncoder() : null
    } catch {
      encoder = null
    }
  }
  return encoder ?? undefined
}

/** The decoded length of a value. */
function lengthOf(v: Uint8Array | string): number {
  return typeof v === 'string' ? v.length >> 1 : v.length
}

/** Supplied values, each checked when read; `values` and `text` are decoded views built on demand. */
export class QuotePcrValues {
  readonly list: SuppliedBank[] = []
  /** Next free arena byte. */
  arenaEnd = 0

  /** Whether the arena still holds this read's decoded values. */
  ownsArena(): boolean {
    return arenaOwner === this
  }

  /** The supplied bank named `bank`, if any. */
  bank(bank: string): SuppliedBank | undefined {
    for (const b of this.list) if (b.bank === bank) return b
    return undefined
  }

  /** bank → index → value (hex decoded into new bytes). */
  get values(): Map<HashAlgName, Map<number, Uint8Array>> {
    const out = new Map<HashAlgName, Map<number, Uint8Array>>()
    for (const b of this.list) {
      const m = new Map<number, Uint8Array>()
      b.idx.forEach((i, k) => {
        const v = b.val[k]!
        if (typeof v !== 'string') return void m.set(i, v)
        const bytes = new Uint8Array(v.length >> 1)
        decodeHexInto(v, 0, bytes, 0)
        m.set(i, bytes)
      })
      out.set(b.bank, m)
    }
    return out
  }

  /** bank → index → the caller's own text, for values given as canonical lowercase hex. */
  get text(): Map<HashAlgName, Map<number, string>> {
    const out = new Map<HashAlgName, Map<number, string>>()
    for (const b of this.list) {
      let m: Map<number, string> | undefined
      b.idx.forEach((i, k) => {
        const v = b.val[k]!
        if (typeof v === 'string' && !b.recased?.includes(i)) (m ??= new Map()).set(i, v)
      })
      if (m) out.set(b.bank, m)
    }
    return out
  }
}

/** The index `^(0|[1-9][0-9]{0,2})$` denotes, without a regular expression; -1 when it is not one. */
function decimalIndex(s: string): number {
  const n = s.length
  if (n === 0 || n > 3) return -1
  const c0 = s.charCodeAt(0)
  if (c0 === 48) return n === 1 ? 0 : -1
  if (c0 < 49 || c0 > 57) return -1
  let v = c0 - 48
  for (let i = 1; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c < 48 || c > 57) return -1
    v = v * 10 + (c - 48)
  }
  return v
}

/**
 * @throws BootproofError ERR_PCRS_INVALID for an unknown or repeated bank, a non-object bank, a
 *   non-decimal index or a value that is neither bytes nor hex (the messages of readPcrValues).
 * @throws TypeError when `pcrs` is not an object (a caller mistake).
 */
export function readQuotePcrs(pcrs: PcrValuesInput): QuotePcrValues {
  if (typeof pcrs !== 'object' || pcrs === null) throw new TypeError('pcrs must be an object { bank: { index: value } }')
  // Every rule is checked on every value, selected or not.
  const what = 'PCR values'
  if (Array.isArray(pcrs)) throw new BootproofError('ERR_PCRS_INVALID', `${what}: expected an object {bank: {index: hex}}`)
  const out = new QuotePcrValues()
  const list = out.list
  const input = pcrs as Record<string, unknown>
  for (const bankRaw of Object.keys(input)) {
    const regs = input[bankRaw]
    const bank = bankRaw.toLowerCase()
    if (!isHashAlgName(bank)) throw new BootproofError('ERR_PCRS_INVALID', `${what}: unknown bank "${bankRaw}" (use sha1, sha256, sha384, sha512, sm3_256)`)
    for (const b of list) if (b.bank === bank) throw new BootproofError('ERR_PCRS_INVALID', `${what}: bank "${bankRaw}" given twice`)
    if (typeof regs !== 'object' || regs === null || Array.isArray(regs)) throw new BootproofError('ERR_PCRS_INVALID', `${what}: ${bank} must be an object`)
    const r = regs as Record<string, unknown>
    const keys = Object.keys(r)
    const entry: SuppliedBank = { bank, size: digestSize(bank), idx: [], val: [], at: -1 }
    // Leading values that are even-length strings under decimal indices are taken as they come
    // and checked together (below); the first other one ends that run: the run is checked value
    // by value first (its errors come first, in order), then every later value one by one.
    let text = ''
    let run = 0
    for (; run < keys.length; run++) {
      const key = keys[run]!
      const i = decimalIndex(key)
      const v = r[key]
      if (i < 0 || typeof v !== 'string' || (v.length & 1) !== 0) break
      entry.idx.push(i)
      entry.val.push(v)
      text += v
    }
    if (run < keys.length || !decodeBank(out, entry, text)) {
      for (let k = 0; k < run; k++) entry.val[k] = checkedText(entry, keys[k]!, entry.idx[k]!, entry.val[k] as string)
      for (let k = run; k < keys.length; k++) {
        const key = keys[k]!
        const i = decimalIndex(key)
        if (i < 0) throw new BootproofError('ERR_PCRS_INVALID', `${what}: ${bank} index "${key}" is not a decimal PCR index`)
        const v = r[key]
        if (!(v instanceof Uint8Array) && typeof v !== 'string') throw new BootproofError('ERR_PCRS_INVALID', `${what}: ${bank}:${key} is neither bytes nor a hex string`)
        entry.idx.push(i)
        entry.val.push(typeof v === 'string' ? checkedText(entry, key, i, v) : v)
      }
    }
    list.push(entry)
  }
  return out
}

/** A hex value as canonical text (lowercase, no `0x`), noted in `recased` when it was not. @throws BootproofError when it is not hex */
function checkedText(entry: SuppliedBank, key: string, i: number, v: string): string {
  const start = v.startsWith('0x') ? 2 : 0
  const form = hexFormAt(v, start)
  if (form < 0) throw new BootproofError('ERR_PCRS_INVALID', `PCR values: ${entry.bank}:${key} is neither bytes nor a hex string`)
  if (start === 0 && form === 1) return v
  ;(entry.recased ??= []).push(i)
  return (start !== 0 ? v.slice(2) : v).toLowerCase()
}

/**
 * Check and decode a bank given entirely as even-length hex strings, joined in `text`, into the
 * arena. False when it is not all lowercase hex digits (the values are then checked one by one,
 * for the first error or the values to recase) or does not fit (checked one by one as well).
 */
function decodeBank(out: QuotePcrValues, entry: SuppliedBank, text: string): boolean {
  const n = text.length >> 1
  const enc = textEncoder()
  if (!enc || text.length > 2 * ARENA_BYTES || out.arenaEnd + n > ARENA_BYTES) return false
  ascii ??= new Uint8Array(2 * ARENA_BYTES)
  arena ??= new Uint8Array(ARENA_BYTES)
  // A read claims the arena only with its first bank: once another read has taken it (one that
  // ran in between, e.g. from a getter of the values object), the bytes before arenaEnd are no
  // longer this read's, so taking it back would hash another read's values as these.
  if (out.arenaEnd > 0 && arenaOwner !== out) return false
  // Claimed before writing: a read interrupted by an error leaves no other read's bytes behind.
  arenaOwner = out
  const { read, written } = enc.encodeInto(text, ascii)
  if (read !== text.length || written !== text.length) return false
  if (decodeHexDigits(ascii, 0, n, arena, out.arenaEnd) !== 1) return false
  entry.at = out.arenaEnd
  out.arenaEnd += n
  return true
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

/** Whether (bank, idx) has a supplied value. */
function has(b: SuppliedBank | undefined, idx: number): boolean {
  return b !== undefined && b.idx.indexOf(idx) >= 0
}

/** Selected (bank, idx) pairs without a supplied value, in the order the selections name them (first naming only). */
function missingPcrs(states: readonly QuotedSelection[], supplied: QuotePcrValues): readonly string[] {
  // Checked first without building anything: the common outcome is that nothing is missing.
  let any = false
  for (const s of states) {
    const sels = s.info?.pcrSelect
    if (sels) for (const sel of sels) {
      const b = supplied.bank(sel.bank)
      for (const p of sel.pcrs) if (!has(b, p)) any = true
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
  for (const [bank, set] of selected) for (const idx of set) if (!has(supplied.bank(bank), idx)) missing.push(`${bank}:${idx}`)
  return missing
}

/**
 * The arena bytes that are the pcrDigest input of `selection`, when they are there in that
 * order: every selected bank decoded in place, following each other, each giving exactly the
 * selected indices in ascending order. Undefined otherwise.
 */
function arenaInput(selection: readonly PcrSelection[], supplied: QuotePcrValues): Uint8Array | undefined {
  if (!supplied.ownsArena() || !selection.length) return undefined
  const first = supplied.bank(selection[0]!.bank)
  if (!first || first.at < 0) return undefined
  let end = first.at
  for (const s of selection) {
    const b = supplied.bank(s.bank)
    if (!b || b.at !== end || b.idx.length !== s.pcrs.length) return undefined
    for (let k = 0; k < s.pcrs.length; k++) if (b.idx[k] !== s.pcrs[k] || lengthOf(b.val[k]!) !== b.size) return undefined
    end += b.size * s.pcrs.length
  }
  return first.at === 0 ? (ARENA_VIEWS[end] ??= arena!.subarray(0, end)) : arena!.subarray(first.at, end)
}

/**
 * pcrDigest recomputed from the supplied values (see computePcrDigest). Undefined when a selected
 * value is missing or not of its bank's size (both already failed as checks).
 */
function recomputeDigest(selection: readonly PcrSelection[], supplied: QuotePcrValues, hash: HashAlgName, provider: HashProvider): Uint8Array | undefined {
  const decoded = arenaInput(selection, supplied)
  if (decoded) return provider.digest(hash, decoded)
  return digestOfSelection(
    selection,
    (bank, pcr) => {
      const b = supplied.bank(bank)
      const k = b ? b.idx.indexOf(pcr) : -1
      const v = k >= 0 ? b!.val[k]! : undefined
      return v !== undefined && lengthOf(v) === b!.size ? v : undefined
    },
    hash,
    provider,
  )
}

export function checkPcrs(checks: QuoteCheck[], states: readonly QuotedSelection[], supplied: QuotePcrValues, provider: HashProvider, multi: boolean): Record<string, Record<string, string>> {
  let outside: string[] | undefined
  let wrongSize: string[] | undefined
  for (const { bank, size, idx: idxs, val } of supplied.list) {
    for (let k = 0; k < idxs.length; k++) {
      const idx = idxs[k]!
      if (!isSelected(states, bank, idx)) (outside ??= []).push(`${bank}:${idx}`)
      else {
        const len = lengthOf(val[k]!)
        if (len !== size) (wrongSize ??= []).push(`${bank}:${idx} (${len} bytes)`)
      }
    }
  }
  const missing = missingPcrs(states, supplied)
  check(checks, 'pcrs.selection', !outside, outside ? `PCR value(s) ${outside.join(', ')} are not in the signed selection and are not authenticated (CVE-2022-0317 / CVE-2024-29039)` : 'every supplied PCR is in the signed selection', 'ERR_PCR_NOT_IN_SELECTION')
  check(checks, 'pcrs.complete', !missing.length, missing.length ? `signed selection names PCR(s) ${missing.join(', ')} with no supplied value` : 'every selected PCR has a value', 'ERR_PCR_MISSING')
  if (wrongSize) check(checks, 'pcrs.size', false, `PCR value(s) of the wrong size for their bank: ${wrongSize.join(', ')}`, 'ERR_PCR_VALUE_SIZE')

  const out: Record<string, Record<string, string>> = {}
  // Missing or mis-sized values already failed above; the digest cannot be recomputed then.
  if (missing.length || wrongSize) return out
  for (let i = 0; i < states.length; i++) {
    const s = states[i]!
    if (!s.info || !s.hash) continue
    const d = recomputeDigest(s.info.pcrSelect, supplied, s.hash, provider)
    if (!d) continue
    const eq = constantTimeEqual(d, s.info.pcrDigest)
    check(checks, 'pcrs.digest', eq, eq ? `pcrDigest = ${s.hash}(selected values) matches` : `pcrDigest ${toHex(s.info.pcrDigest)} ≠ ${s.hash}(supplied values) ${toHex(d)}`, 'ERR_PCR_DIGEST_MISMATCH', multi ? i : undefined)
    if (!eq) continue
    for (const sel of s.info.pcrSelect) {
      const bank = (out[sel.bank] ??= {})
      const b = supplied.bank(sel.bank)!
      for (const p of sel.pcrs) {
        const v = b.val[b.idx.indexOf(p)]!
        bank[p] = typeof v === 'string' ? v : toHex(v)
      }
    }
  }
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
