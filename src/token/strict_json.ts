/**
 * The strict JSON reader moved to the ground floor (src/json/strict_json.ts) because the
 * evidence bundle needs it too; this path stays for existing importers.
 */
export { parseStrictJson, StrictJsonError, type StrictJsonOptions } from '../json/strict_json.js'
