/**
 * PCR value sets keyed by bank name and decimal PCR index, the shape of every JSON input and
 * output (`{"sha256":{"0":"<hex>"}}`). Accepts hex strings or bytes; validates strictly.
 */
import { BootproofError } from '../errors.js'
import { fromHexOrUndefined, toHex } from '../bytes/hex.js'
import { HASH_ALGS, isHashAlgName } from '../alg.js'

export type PcrValues = Record<string, Record<string, Uint8Array>>
export type PcrValuesInput = Record<string, Record<string, Uint8Array | string>>

/**
 * Normalise caller-supplied PCR values. Bank names must be lowercase known names; indices
 * decimal 0-23 (or larger for CC MR sets); values of the bank's digest length.
 * @throws BootproofError ERR_PCRS_INVALID
 */
export function normalizePcrValues(input: unknown, what = 'PCR values'): PcrValues {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new BootproofError('ERR_PCRS_INVALID', `${what}: expected an object {bank: {index: hex}}`)
  }
  const out: PcrValues = {}
  for (const [bank, regs] of Object.entries(input as Record<string, unknown>)) {
    if (!isHashAlgName(bank)) throw new BootproofError('ERR_PCRS_INVALID', `${what}: unknown bank "${bank}" (use sha1, sha256, sha384, sha512, sm3_256)`)
    if (typeof regs !== 'object' || regs === null || Array.isArray(regs)) throw new BootproofError('ERR_PCRS_INVALID', `${what}: ${bank} must be an object`)
    const size = HASH_ALGS[bank].size
    const bankOut: Record<string, Uint8Array> = {}
    for (const [idx, v] of Object.entries(regs as Record<string, unknown>)) {
      if (!/^(0|[1-9][0-9]{0,2})$/.test(idx)) throw new BootproofError('ERR_PCRS_INVALID', `${what}: ${bank} index "${idx}" is not a decimal PCR index`)
      const bytes = typeof v === 'string' ? fromHexOrUndefined(v.startsWith('0x') ? v.slice(2) : v) : v instanceof Uint8Array ? v : undefined
      if (!bytes) throw new BootproofError('ERR_PCRS_INVALID', `${what}: ${bank}:${idx} is not hex`)
      if (bytes.length !== size) throw new BootproofError('ERR_PCRS_INVALID', `${what}: ${bank}:${idx} is ${bytes.length} bytes, ${bank} needs ${size}`)
      bankOut[idx] = bytes
    }
    out[bank] = bankOut
  }
  return out
}

export function pcrValuesToJSON(v: PcrValues): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {}
  for (const [bank, regs] of Object.entries(v)) {
    const b: Record<string, string> = {}
    for (const idx of Object.keys(regs).sort((a, c) => Number(a) - Number(c))) b[idx] = toHex(regs[idx]!)
    out[bank] = b
  }
  return out
}
