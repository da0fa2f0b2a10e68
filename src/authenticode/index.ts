/** PE/COFF parsing, the Authenticode image hash, and PCR 4 prediction from binaries. */
export { parsePe, PE32_MAGIC, PE32PLUS_MAGIC, type PeImage, type PeSection } from './pe.js'
export { authenticodeDigest, authenticodeDigests, authenticodeRanges, type AuthenticodeOptions, type HashedRange } from './authenticode.js'
export { predictPcr4, pcr4Alternatives, pcr4PolicyRules, pcr4Role, type PeBinaryInput, type Pcr4Component, type Pcr4Prediction, type Pcr4Role, type Pcr4TemplateEvent, type PredictPcr4Options } from './predict_pcr4.js'
export { AUTHENTICODE_ERROR_CODES, type AuthenticodeErrorCode } from '../error_codes.js'
