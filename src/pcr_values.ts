/**
 * Caller-supplied PCR values: `{ [bank]: { [index]: Uint8Array | hex } }`, the shape of every
 * JSON input and output (`{"sha256":{"0":"<hex>"}}`). One strict reader for the whole library:
 * bank names are the known lowercase names (any case accepted, each bank once), indices decimal,
 * values bytes or hex (an optional `0x` prefix). Digest sizes are checked by the caller that
 * knows what a wrong size means (replay: an input error; quote verification: a failed check).
 */
import { BootproofError } from './errors.js'
import { fromHexOrUndefined } from './bytes/hex.js'
import { isHashAlgName, type HashAlgName } from './alg.js'

export type PcrValueInput = Uint8Array | string
export type PcrValuesInput = Record<string, Record<string | number, PcrValueInput>>

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
