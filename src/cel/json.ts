/**
 * CEL-JSON (TCG CEL Specification v1.0, §7 "CEL-JSON encoding"): one JSON object per record
 * with `recnum`, `pcr` or `nv_index`, `digests` (`[{hashAlg, digest}]`), `content_type` and
 * `content`. Accepted framings: JSON text sequences (RFC 7464: 0x1E before each record, the
 * form systemd writes to /run/log/systemd/tpm2-measure.log, without `recnum`), one record per
 * line, or one JSON array of records.
 *
 * Strict: duplicate member names are rejected (src/json/strict_json.ts), every member has its
 * type, digests have known algorithms and canonical sizes; an unknown member is an error;
 * unknown content types are kept raw with a finding.
 */
import { HASH_ALGS, isHashAlgName } from '../alg.js'
import { fromHexOrUndefined } from '../bytes/hex.js'
import { BootproofError } from '../errors.js'
import type { Finding } from '../findings.js'
import { parseStrictJson, StrictJsonError } from '../json/strict_json.js'
import { resolveCelLimits, type CelLimits } from '../limits.js'
import { celDigest, checkRecordCount, finishLog } from './common.js'
import type { ParseCelOptions } from './tlv.js'
import type { CelContent, CelDigest, CelLog, CelRecord } from './types.js'

const RS = '\u001e'
const MEMBERS = new Set(['recnum', 'pcr', 'nv_index', 'digests', 'content_type', 'content'])

interface Chunk {
  text: string
  offset: number
  /** JSON-seq: the last record lacks its terminating newline (a writer may have stopped mid-record). */
  unterminated?: boolean
}

function invalid(message: string, eventIndex: number, offset: number, field?: string): never {
  throw new BootproofError('ERR_CEL_JSON_INVALID', `record ${eventIndex}: ${message}`, { eventIndex, offset, ...(field ? { field } : {}) })
}

/** Split the text into record texts by its framing. Exported for detection. */
export function celJsonChunks(text: string): Chunk[] {
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0
  const out: Chunk[] = []
  if (text[start] === RS) {
    let at = start + 1
    while (at <= text.length) {
      const next = text.indexOf(RS, at)
      const end = next < 0 ? text.length : next
      const t = text.slice(at, end)
      out.push({ text: t, offset: at, ...(next < 0 && !t.endsWith('\n') ? { unterminated: true } : {}) })
      if (next < 0) break
      at = next + 1
    }
    return out
  }
  if (text.slice(start).trimStart().startsWith('[')) return [{ text: text.slice(start), offset: start }]
  let at = start
  for (const line of text.slice(start).split('\n')) {
    if (line.trim() !== '') out.push({ text: line, offset: at })
    at += line.length + 1
  }
  return out
}

function parseChunk(c: Chunk, index: number, limits: CelLimits): unknown {
  if (c.text.length > limits.maxJsonRecordChars) {
    throw new BootproofError('ERR_CEL_LIMIT', `record ${index}: maxJsonRecordChars exceeded: ${c.text.length} > ${limits.maxJsonRecordChars}`, { eventIndex: index, offset: c.offset, field: 'maxJsonRecordChars' })
  }
  if (c.text.includes('\u0000')) invalid('contains a NUL character', index, c.offset)
  try {
    return parseStrictJson(c.text, { maxDepth: limits.maxJsonDepth })
  } catch (e) {
    if (!(e instanceof StrictJsonError)) throw e
    if (c.unterminated && e.kind === 'syntax') {
      throw new BootproofError('ERR_CEL_TRUNCATED', `record ${index}: the last record is cut off (${e.message})`, { eventIndex: index, offset: c.offset })
    }
    return invalid(e.kind === 'duplicate' ? `repeats member "${e.key}"` : e.message, index, c.offset + e.position)
  }
}

function u32(v: unknown, name: string, index: number, offset: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) invalid(`${name} must be an integer 0..2^32-1`, index, offset, name)
  return v
}

function digestsOf(v: unknown, index: number, offset: number, limits: CelLimits): CelDigest[] {
  if (!Array.isArray(v)) invalid('digests must be an array', index, offset, 'digests')
  if (v.length === 0) throw new BootproofError('ERR_CEL_DIGEST_INVALID', `record ${index}: no digests`, { eventIndex: index, offset, field: 'digests' })
  if (v.length > limits.maxDigests) throw new BootproofError('ERR_CEL_LIMIT', `record ${index}: maxDigests exceeded: ${v.length} > ${limits.maxDigests}`, { eventIndex: index, offset, field: 'maxDigests' })
  const seen = new Set<number>()
  return v.map((d: unknown) => {
    const o = d && typeof d === 'object' && !Array.isArray(d) ? (d as Record<string, unknown>) : invalid('a digest must be an object {hashAlg, digest}', index, offset, 'digests')
    if (typeof o.hashAlg !== 'string' || typeof o.digest !== 'string') invalid('a digest needs string hashAlg and digest', index, offset, 'digests')
    const name = o.hashAlg.toLowerCase().replace(/-/g, '')
    if (!isHashAlgName(name)) throw new BootproofError('ERR_CEL_DIGEST_INVALID', `record ${index}: digest of unknown algorithm "${o.hashAlg}"`, { eventIndex: index, offset, field: 'digests' })
    const bytes = fromHexOrUndefined(o.digest)
    if (!bytes) throw new BootproofError('ERR_CEL_DIGEST_INVALID', `record ${index}: ${name} digest is not hex`, { eventIndex: index, offset, field: 'digests' })
    return celDigest(HASH_ALGS[name].id, bytes, seen, { eventIndex: index, offset })
  })
}

function contentOf(type: string, v: unknown, index: number, offset: number): CelContent {
  const o = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : invalid('content must be an object', index, offset, 'content')
  const optString = (k: string): string | undefined => {
    if (o[k] !== undefined && typeof o[k] !== 'string') invalid(`content.${k} must be a string`, index, offset, `content.${k}`)
    return o[k] as string | undefined
  }
  const optHex = (k: string): Uint8Array | undefined => {
    const s = optString(k)
    return s === undefined ? undefined : fromHexOrUndefined(s)
  }
  switch (type) {
    case 'systemd': {
      const string = optString('string')
      const eventType = optString('eventType')
      return { type: 'systemd', ...(string !== undefined ? { string } : {}), ...(eventType !== undefined ? { eventType } : {}), json: o }
    }
    case 'pcclient_std': {
      const eventType = u32(o.event_type, 'content.event_type', index, offset)
      const eventData = optHex('event_data')
      return { type: 'pcclient_std', eventType, ...(eventData ? { eventData } : {}), json: o }
    }
    case 'ima_template': {
      const templateName = optString('template_name') ?? invalid('content.template_name is missing', index, offset, 'content.template_name')
      const templateData = optHex('template_data')
      return { type: 'ima_template', templateName, ...(templateData ? { templateData } : {}), json: o }
    }
    default:
      return { type: 'raw', contentType: type, json: o }
  }
}

/**
 * Parse CEL-JSON (bytes of UTF-8 text).
 * @throws BootproofError ERR_CEL_* when a record cannot be parsed.
 */
export function parseCelJson(bytes: Uint8Array, options: ParseCelOptions = {}): CelLog {
  const limits = resolveCelLimits(options.limits)
  if (bytes.length > limits.maxLogBytes) throw new BootproofError('ERR_CEL_LIMIT', `maxLogBytes exceeded: ${bytes.length} > ${limits.maxLogBytes}`, { field: 'maxLogBytes' })
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new BootproofError('ERR_CEL_JSON_INVALID', 'CEL-JSON log is not UTF-8 text', { offset: 0 })
  }
  const chunks = celJsonChunks(text)
  let values: { value: unknown; offset: number }[] = chunks.map((c, i) => {
    checkRecordCount(i, limits, c.offset)
    return { value: parseChunk(c, i, limits), offset: c.offset }
  })
  if (values.length === 1 && Array.isArray(values[0]!.value)) {
    const arr = values[0]!.value as unknown[]
    checkRecordCount(arr.length - 1, limits, 0)
    values = arr.map((value) => ({ value, offset: values[0]!.offset }))
  }
  if (values.length === 0) throw new BootproofError('ERR_CEL_TRUNCATED', 'CEL-JSON log holds no records', { offset: 0 })
  const findings: Finding[] = []
  const records: CelRecord[] = values.map(({ value, offset }, index) => {
    const o = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : invalid('a record must be a JSON object', index, offset)
    for (const k of Object.keys(o)) if (!MEMBERS.has(k)) invalid(`"${k}" is not a CEL-JSON record member`, index, offset, k)
    let recnum: number | undefined
    if (o.recnum !== undefined) {
      if (typeof o.recnum !== 'number' || !Number.isSafeInteger(o.recnum) || o.recnum < 0) invalid('recnum must be a non-negative integer', index, offset, 'recnum')
      recnum = o.recnum
    }
    if ((o.pcr === undefined) === (o.nv_index === undefined)) {
      throw new BootproofError('ERR_CEL_MALFORMED', `record ${index}: exactly one of pcr and nv_index is required`, { eventIndex: index, offset, field: 'handle' })
    }
    const handle = o.pcr !== undefined ? 'pcr' : 'nv_index'
    const register = u32(o[handle], handle, index, offset)
    const digests = digestsOf(o.digests, index, offset, limits)
    if (typeof o.content_type !== 'string') invalid('content_type must be a string', index, offset, 'content_type')
    const content = contentOf(o.content_type, o.content, index, offset)
    return { index, ...(recnum !== undefined ? { recnum } : {}), handle, register, digests, contentType: o.content_type, content, offset }
  })
  return finishLog('cel-json', records, findings)
}
