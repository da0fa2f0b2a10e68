/**
 * PCR values supplied next to a quote. Read by the library-wide reader (src/pcr_values.ts);
 * digest sizes are not checked here: a wrong size is a failed verification check
 * (ERR_PCR_VALUE_SIZE), not an unparseable input.
 */
import { readPcrValues, type NormalizedPcrs as Normalized, type PcrValueInput, type PcrValuesInput } from '../pcr_values.js'

export type { PcrValueInput }
export type PcrValues = PcrValuesInput

/** bank → index → value, after validation of names and encodings (not of sizes: verify reports those). */
export type NormalizedPcrs = Map<string, Map<number, Uint8Array>>

/**
 * @throws BootproofError ERR_PCRS_INVALID for an unknown bank, a non-decimal index or bad hex.
 * @throws TypeError when `pcrs` is not an object (a caller mistake).
 */
export function normalizePcrValues(pcrs: PcrValues): NormalizedPcrs {
  if (typeof pcrs !== 'object' || pcrs === null) throw new TypeError('pcrs must be an object { bank: { index: value } }')
  return readPcrValues(pcrs, 'PCR values') as Normalized as NormalizedPcrs
}
