/**
 * PCR values supplied next to a quote: the input shape of src/pcr_values.ts (read there by
 * `readQuotePcrValues`). Type re-export kept for this path's importers.
 */
export type { PcrValuesInput as PcrValues, PcrValueInput } from '../pcr_values.js'
