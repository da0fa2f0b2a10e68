/**
 * PCR values supplied next to a quote, read for its checks: the rules and messages of
 * `readQuotePcrValues` (src/pcr_values.ts: known bank names in any case, each once; decimal
 * indices; bytes or even-length hex with an optional `0x`), in one pass, and with the source text
 * of every value given as canonical lowercase hex. The authenticated PCRs are reported in exactly
 * that form, so that text is reused instead of encoding the bytes back (callers pass tpm2-tools
 * and JSON PCR files as hex: one decode and one encode per PCR per quote otherwise).
 */
import { BootproofError } from '../errors.js'
import { isHashAlgName, type HashAlgName } from '../alg.js'
import type { PcrValuesInput } from '../pcr_values.js'

export interface QuotePcrValues {
  /** bank → index → value. */
  values: Map<HashAlgName, Map<number, Uint8Array>>
  /** bank → index → the lowercase hex text the value was decoded from (absent for bytes or other spellings). */
  text: Map<HashAlgName, Map<number, string>>
}

/** Nibble per char code: 0-15 for digits and a-f, 16-31 for A-F (bit 4 marks a capital), -1 otherwise. */
const NIB = new Int8Array(128).fill(-1)
for (let i = 0; i < 10; i++) NIB[48 + i] = i
for (let i = 0; i < 6; i++) {
  NIB[97 + i] = 10 + i
  NIB[65 + i] = 26 + i
}

/** Decode `hex` (from `start`); undefined for odd length or a non-hex character. `lower` reports whether it was all lowercase. */
function decodeHex(hex: string, start: number, lower: { v: boolean }): Uint8Array | undefined {
  const len = hex.length - start
  if (len % 2 !== 0) return undefined
  const out = new Uint8Array(len / 2)
  let flags = 0
  for (let i = 0, j = start; i < out.length; i++, j += 2) {
    const a = hex.charCodeAt(j)
    const b = hex.charCodeAt(j + 1)
    const hi = a < 128 ? NIB[a]! : -1
    const lo = b < 128 ? NIB[b]! : -1
    if ((hi | lo) < 0) return undefined
    flags |= hi | lo
    out[i] = ((hi & 15) << 4) | (lo & 15)
  }
  lower.v = (flags & 16) === 0
  return out
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
  const what = 'PCR values'
  if (Array.isArray(pcrs)) throw new BootproofError('ERR_PCRS_INVALID', `${what}: expected an object {bank: {index: hex}}`)
  const values = new Map<HashAlgName, Map<number, Uint8Array>>()
  const text = new Map<HashAlgName, Map<number, string>>()
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
    for (const idx of Object.keys(r)) {
      if (!isDecimalIndex(idx)) throw new BootproofError('ERR_PCRS_INVALID', `${what}: ${bank} index "${idx}" is not a decimal PCR index`)
      const v = r[idx]
      const i = Number(idx)
      let bytes: Uint8Array | undefined
      if (v instanceof Uint8Array) bytes = v
      else if (typeof v === 'string') {
        const prefixed = v.startsWith('0x')
        bytes = decodeHex(v, prefixed ? 2 : 0, lower)
        if (bytes && !prefixed && lower.v) (t ??= new Map()).set(i, v)
      }
      if (!bytes) throw new BootproofError('ERR_PCRS_INVALID', `${what}: ${bank}:${idx} is neither bytes nor a hex string`)
      m.set(i, bytes)
    }
    values.set(bank, m)
    if (t) text.set(bank, t)
  }
  return { values, text }
}
