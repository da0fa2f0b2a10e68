/**
 * PCR value sets keyed by bank name and decimal PCR index, the shape of every JSON input and
 * output (`{"sha256":{"0":"<hex>"}}`). Accepts hex strings or bytes; validates strictly.
 */
import { BootproofError } from '../errors.js'
import { toHex } from '../bytes/hex.js'
import { HASH_ALGS } from '../alg.js'
import { readPcrValues, type PcrValuesInput as Input } from '../pcr_values.js'

export type PcrValues = Record<string, Record<string, Uint8Array>>
export type PcrValuesInput = Input

/**
 * Normalise caller-supplied PCR values (the library-wide reader, src/pcr_values.ts) and check
 * that every value has its bank's digest size: a replay cannot compare anything else.
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

export function pcrValuesToJSON(v: PcrValues): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {}
  for (const [bank, regs] of Object.entries(v)) {
    const b: Record<string, string> = {}
    for (const idx of Object.keys(regs).sort((a, c) => Number(a) - Number(c))) b[idx] = toHex(regs[idx]!)
    out[bank] = b
  }
  return out
}
