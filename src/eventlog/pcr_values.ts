/**
 * PCR value sets: defined once in src/pcr_values.ts; this path stays for its importers and the
 * public API.
 */
export { normalizePcrValues, pcrValuesToJSON, type PcrValues, type PcrValuesInput } from '../pcr_values.js'
