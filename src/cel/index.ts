/**
 * TCG Canonical Event Log (CEL-TLV, CEL-JSON, systemd's tpm2-measure.log): parse and replay.
 * Content is not trusted here: see docs/linux.md and src/attest/evidence.ts.
 */
import { BootproofError } from '../errors.js'
import { detectCelFormat } from './detect.js'
import { parseCelJson } from './json.js'
import { parseCelTlv, type ParseCelOptions } from './tlv.js'
import type { CelLog } from './types.js'

export { parseCelTlv, CEL_TLV, type ParseCelOptions } from './tlv.js'
export { parseCelJson } from './json.js'
export { detectCelFormat, isCelLog } from './detect.js'
export { replayCelLog, type CelReplayOptions, type CelReplayResult } from './replay.js'
export { verifyCelContent, SYSTEMD_KEYED_EVENT_TYPES, SYSTEMD_STRING_EVENT_TYPES, type CelContentStatus, type CelIntegrityReport, type CelRecordIntegrity } from './integrity.js'
export type { CelLog, CelRecord, CelDigest, CelContent, CelManagement, CelHandleKind, CelFormat } from './types.js'
export type { CelErrorCode } from '../error_codes.js'

/** Parse a CEL log, TLV or JSON, recognised by content. */
export function parseCel(bytes: Uint8Array, options: ParseCelOptions = {}): CelLog {
  const f = detectCelFormat(bytes)
  if (f === 'cel-tlv') return parseCelTlv(bytes, options)
  if (f === 'cel-json') return parseCelJson(bytes, options)
  // Not recognisable: let the TLV parser name the first problem (or the JSON one for text).
  return bytes[0] === 0x1e || bytes[0] === 0x7b || bytes[0] === 0x5b ? parseCelJson(bytes, options) : bytes.length ? parseCelTlv(bytes, options) : fail()
}

function fail(): never {
  throw new BootproofError('ERR_CEL_TRUNCATED', 'empty CEL log', { offset: 0 })
}
