/**
 * Linux IMA runtime measurement lists: parse (binary and ASCII), check template hashes, replay
 * into PCR 10 in every bank. See src/ima/README.md for the formats, the bank rules and the
 * finding codes.
 */
export { parseImaLog, resolveImaLimits } from './parse.js'
export { replayImaLog, analyzeImaLog, parseImaBankRules } from './replay.js'
export { isImaList, detectImaFormat } from './detect.js'
export { IMA_TEMPLATES, templateFields, templateHashInput } from './templates.js'
export {
  DEFAULT_IMA_LIMITS,
  type ImaLog,
  type ImaEntry,
  type ImaFields,
  type ImaDigest,
  type ImaRawField,
  type ImaListFormat,
  type ImaLimits,
  type ImaTemplateHashStatus,
  type ParseImaLogOptions,
  type ReplayImaOptions,
  type ImaBankRule,
  type ImaReplayedBank,
  type ImaReplayResult,
  type ImaAnalysis,
} from './types.js'
