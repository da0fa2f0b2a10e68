/**
 * Caller-supplied PCR values: `{ [bank]: { [index]: Uint8Array | hex } }`, the shape of every
 * JSON input and output (`{"sha256":{"0":"<hex>"}}`). One strict reader for the whole library:
 * bank names are the known lowercase names (any case accepted, each bank once), indices decimal,
 * values bytes or hex (an optional `0x` prefix). Digest sizes are checked by the caller that
 * knows what a wrong size means (replay: an input error, `normalizePcrValues`; quote
 * verification: a failed check, `readQuotePcrValues`).
 */
import { BootproofError } from './errors.js'
import { fromHexOrUndefined, toHex } from './bytes/hex.js'
import { HASH_ALGS, isHashAlgName, type HashAlgName } from './alg.js'

export type PcrValueInput = Uint8Array | string
export type PcrValuesInput = Record<string, Record<string | number, PcrValueInput>>

/** Size-checked values, bank → decimal index → bytes (replay's and the JSON output's shape). */
export type PcrValues = Record<string, Record<string, Uint8Array>>

/** bank → index → value. */
export type NormalizedPcrs = Map<HashAlgName, Map<number, Uint8Array>>

/**
 * @throws BootproofError ERR_PCRS_INVALID for a non-object, an unknown or repeated bank, a
 *   non-decimal index or a value that is neither bytes nor hex.
 */
export function readPcrValues(input: unknown, what = 'PCR values'): NormalizedPcrs {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new BootproofError('ERR_PCRS_INVALID', `${what}: expected an object {bank: {index: hex}}`)
  }
  const out: NormalizedPcrs = new Map()
  for (const [bankRaw, regs] of Object.entries(input as Record<string, unknown>)) {
    const bank = bankRaw.toLowerCase()
    if (!isHashAlgName(bank)) throw new BootproofError('ERR_PCRS_INVALID', `${what}: unknown bank "${bankRaw}" (use sha1, sha256, sha384, sha512, sm3_256)`)
    if (out.has(bank)) throw new BootproofError('ERR_PCRS_INVALID', `${what}: bank "${bankRaw}" given twice`)
    if (typeof regs !== 'object' || regs === null || Array.isArray(regs)) throw new BootproofError('ERR_PCRS_INVALID', `${what}: ${bank} must be an object`)
    const m = new Map<number, Uint8Array>()
    for (const [idx, v] of Object.entries(regs as Record<string, unknown>)) {
      if (!/^(0|[1-9][0-9]{0,2})$/.test(idx)) throw new BootproofError('ERR_PCRS_INVALID', `${what}: ${bank} index "${idx}" is not a decimal PCR index`)
      const bytes = v instanceof Uint8Array ? v : typeof v === 'string' ? fromHexOrUndefined(v.startsWith('0x') ? v.slice(2) : v) : undefined
      if (!bytes) throw new BootproofError('ERR_PCRS_INVALID', `${what}: ${bank}:${idx} is neither bytes nor a hex string`)
      m.set(Number(idx), bytes)
    }
    out.set(bank, m)
  }
  return out
}

/**
 * Read caller-supplied PCR values and check that every value has its bank's digest size: a
 * replay cannot compare anything else.
 * @throws BootproofError ERR_PCRS_INVALID
 */
export function normalizePcrValues(input: unknown, what = 'PCR values'): PcrValues {
  const out: PcrValues = {}
  for (const [bank, regs] of readPcrValues(input, what)) {
    const size = HASH_ALGS[bank].size
    const bankOut: Record<string, Uint8Array> = {}
    for (const [idx, bytes] of regs) {
      if (bytes.length !== size) throw new BootproofError('ERR_PCRS_INVALID', `${what}: ${bank}:${idx} is ${bytes.length} bytes, ${bank} needs ${size}`)
      bankOut[String(idx)] = bytes
    }
    out[bank] = bankOut
  }
  return out
}

/**
 * PCR values supplied next to a quote. Sizes are not checked here: a wrong size is a failed
 * verification check (ERR_PCR_VALUE_SIZE), not an unparseable input.
 * @throws BootproofError ERR_PCRS_INVALID for an unknown bank, a non-decimal index or bad hex.
 * @throws TypeError when `pcrs` is not an object (a caller mistake).
 */
export function readQuotePcrValues(pcrs: PcrValuesInput): NormalizedPcrs {
  if (typeof pcrs !== 'object' || pcrs === null) throw new TypeError('pcrs must be an object { bank: { index: value } }')
  return readPcrValues(pcrs, 'PCR values')
}

/** JSON form: `{bank: {index: hex}}`, indices in numeric order. */
export function pcrValuesToJSON(v: PcrValues): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {}
  for (const [bank, regs] of Object.entries(v)) {
    const b: Record<string, string> = {}
    for (const idx of Object.keys(regs).sort((a, c) => Number(a) - Number(c))) b[idx] = toHex(regs[idx]!)
    out[bank] = b
  }
  return out
}
