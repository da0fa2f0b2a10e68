/**
 * Recognise a TCG Canonical Event Log by content (TCG CEL §6 TLV, §7 JSON), before anything is
 * parsed as a TCG PC Client log. The TLV test parses the first record completely (recnum,
 * handle, digests of a known algorithm and size, content): a PC Client log's first bytes (a
 * u32 LE PCR index, then an event type) cannot pass it. The JSON test parses the first record
 * and requires `digests` and `pcr` / `nv_index` members.
 */
import { ByteReader } from '../bytes/reader.js'
import { parseStrictJson } from '../json/strict_json.js'
import { resolveCelLimits } from '../limits.js'
import { celJsonChunks } from './json.js'
import { readRecord } from './tlv.js'
import type { CelFormat } from './types.js'

/** Bytes examined for the JSON test (the first record of a real log is far shorter). */
const JSON_PROBE_CHARS = 64 * 1024

function isTlv(bytes: Uint8Array): boolean {
  if (bytes.length < 5 || bytes[0] !== 0) return false
  try {
    readRecord(new ByteReader(bytes, { truncated: 'ERR_EVENTLOG_TRUNCATED', limit: 'ERR_EVENTLOG_LIMIT' }), resolveCelLimits(), 0, [])
    return true
  } catch {
    return false
  }
}

function isJson(bytes: Uint8Array): boolean {
  let i = 0
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3
  while (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09) i++
  if (bytes[i] !== 0x1e && bytes[i] !== 0x7b && bytes[i] !== 0x5b) return false
  const text = new TextDecoder('utf-8').decode(bytes.subarray(i, i + JSON_PROBE_CHARS))
  const first = celJsonChunks(text)[0]
  if (!first) return false
  let v: unknown
  try {
    v = parseStrictJson(first.text, { maxDepth: 16 })
  } catch {
    return false
  }
  if (Array.isArray(v)) v = v[0]
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false
  const o = v as Record<string, unknown>
  return Array.isArray(o.digests) && ('pcr' in o || 'nv_index' in o)
}

/** `cel-tlv`, `cel-json`, or undefined when the bytes are not a CEL log. */
export function detectCelFormat(bytes: Uint8Array): CelFormat | undefined {
  if (isTlv(bytes)) return 'cel-tlv'
  if (isJson(bytes)) return 'cel-json'
  return undefined
}

export function isCelLog(bytes: Uint8Array): boolean {
  return detectCelFormat(bytes) !== undefined
}
