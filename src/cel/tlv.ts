/**
 * CEL-TLV (TCG CEL Specification v1.0, §6 "CEL-TLV encoding"): every element is a 1-byte type,
 * a u32 big-endian length and that many value bytes; integers inside values are big-endian.
 * A record is the top-level TLVs recnum, handle (pcr / nv_index), digests, content, in that
 * order; the file is records back to back, with no header.
 *
 * Strict: every length is checked against its container and the named limits before it is read;
 * every nested container must be consumed exactly; integers have 1 to their field's width bytes.
 */
import { ByteReader } from '../bytes/reader.js'
import { BootproofError } from '../errors.js'
import type { Finding } from '../findings.js'
import { resolveCelLimits, type CelLimits } from '../limits.js'
import { asCelError, celDigest, checkRecordCount, finishLog } from './common.js'
import type { CelContent, CelDigest, CelHandleKind, CelLog, CelManagement, CelRecord } from './types.js'

/** Top-level TLV types (TCG CEL §6, Table "CEL-TLV top-level types"). */
export const CEL_TLV = {
  recnum: 0,
  pcr: 1,
  nv_index: 2,
  digests: 3,
  cel: 4,
  pcclient_std: 5,
  ima_template: 7,
  ima_tlv: 8,
  /** Google COS launcher: a confidential-computing MR handle (not a TCG type). */
  cc_mr: 0x6c,
  /** Google COS launcher content (not a TCG type): kept raw. */
  cos: 0x50,
} as const

/** CEL management sub-types (TCG CEL §5.2). */
const MGMT = { cel_version: 1, firmware_end: 2, cel_timestamp: 0x80, state_trans: 0x81 } as const
const STATE_TRANS = ['suspend', 'hibernate', 'kexec'] as const

const HANDLES = new Map<number, CelHandleKind>([
  [CEL_TLV.pcr, 'pcr'],
  [CEL_TLV.nv_index, 'nv_index'],
  [CEL_TLV.cc_mr, 'cc_mr'],
])

export interface ParseCelOptions {
  limits?: Partial<CelLimits>
}

interface Tlv {
  type: number
  value: ByteReader
  /** Offset of the type byte. */
  offset: number
}

function malformed(message: string, offset: number, eventIndex: number, field: string): never {
  throw new BootproofError('ERR_CEL_MALFORMED', `record ${eventIndex}: ${message}`, { offset, eventIndex, field })
}

function readTlv(r: ByteReader, limits: CelLimits, field: string): Tlv {
  const offset = r.offset
  const type = r.u8(`${field}.type`)
  const len = r.u32be(`${field}.length`)
  if (len > limits.maxValueBytes) r.limit('maxValueBytes', len, limits.maxValueBytes, offset + 1)
  return { type, value: r.sub(len, field), offset }
}

function expectTlv(r: ByteReader, limits: CelLimits, type: number, field: string): Tlv {
  if (r.atEnd()) malformed(`${field} is missing`, r.offset, r.eventIndex!, field)
  const t = readTlv(r, limits, field)
  if (t.type !== type) malformed(`expected ${field} (type ${type}), found type ${t.type}`, t.offset, r.eventIndex!, field)
  return t
}

function assertConsumed(r: ByteReader, field: string): void {
  if (!r.atEnd()) malformed(`${r.remaining} byte(s) left in ${field}`, r.offset, r.eventIndex!, field)
}

/** A big-endian unsigned integer of 1..`width` bytes (the whole value). */
function uintOf(t: Tlv, width: number, field: string): number {
  const v = bigUintOf(t, width, field)
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new BootproofError('ERR_CEL_LIMIT', `record ${t.value.eventIndex}: ${field} ${v} is above 2^53-1`, { offset: t.offset, eventIndex: t.value.eventIndex, field })
  }
  return Number(v)
}

function bigUintOf(t: Tlv, width: number, field: string): bigint {
  const b = t.value.rest()
  if (b.length === 0 || b.length > width) malformed(`${field} is ${b.length} bytes (1 to ${width} allowed)`, t.offset, t.value.eventIndex!, field)
  let v = 0n
  for (const x of b) v = (v << 8n) | BigInt(x)
  return v
}

function readDigests(t: Tlv, limits: CelLimits, index: number): CelDigest[] {
  const out: CelDigest[] = []
  const seen = new Set<number>()
  while (!t.value.atEnd()) {
    if (out.length >= limits.maxDigests) t.value.limit('maxDigests', out.length + 1, limits.maxDigests)
    const d = readTlv(t.value, limits, 'digest')
    out.push(celDigest(d.type, d.value.rest(), seen, { offset: d.offset, eventIndex: index }))
  }
  if (out.length === 0) throw new BootproofError('ERR_CEL_DIGEST_INVALID', `record ${index}: no digests`, { offset: t.offset, eventIndex: index, field: 'digests' })
  return out
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

function readManagement(t: Tlv, limits: CelLimits): CelManagement {
  const inner = readTlv(t.value, limits, 'cel')
  assertConsumed(t.value, 'cel content')
  switch (inner.type) {
    case MGMT.cel_version: {
      const major = uintOf(expectTlv(inner.value, limits, 0, 'cel_version.major'), 4, 'cel_version.major')
      const minor = uintOf(expectTlv(inner.value, limits, 1, 'cel_version.minor'), 4, 'cel_version.minor')
      assertConsumed(inner.value, 'cel_version')
      return { kind: 'cel_version', major, minor }
    }
    case MGMT.firmware_end:
      assertConsumed(inner.value, 'firmware_end')
      return { kind: 'firmware_end' }
    case MGMT.cel_timestamp:
      return { kind: 'cel_timestamp', value: bigUintOf(inner, 8, 'cel_timestamp') }
    case MGMT.state_trans: {
      const value = uintOf(inner, 1, 'state_trans')
      return { kind: 'state_trans', value, name: STATE_TRANS[value] ?? 'unknown' }
    }
    default:
      return { kind: 'unknown', type: inner.type, value: inner.value.rest() }
  }
}

function readContent(t: Tlv, limits: CelLimits): CelContent {
  switch (t.type) {
    case CEL_TLV.pcclient_std: {
      const eventType = uintOf(expectTlv(t.value, limits, 0, 'event_type'), 4, 'event_type')
      const eventData = expectTlv(t.value, limits, 1, 'event_data').value.rest()
      assertConsumed(t.value, 'pcclient_std content')
      return { type: 'pcclient_std', eventType, eventData }
    }
    case CEL_TLV.ima_template: {
      const nameTlv = expectTlv(t.value, limits, 0, 'template_name')
      let templateName: string
      try {
        templateName = utf8.decode(nameTlv.value.rest())
      } catch {
        malformed('template_name is not UTF-8', nameTlv.offset, t.value.eventIndex!, 'template_name')
      }
      const templateData = expectTlv(t.value, limits, 1, 'template_data').value.rest()
      assertConsumed(t.value, 'ima_template content')
      return { type: 'ima_template', templateName, templateData }
    }
    case CEL_TLV.cel:
      return { type: 'cel', management: readManagement(t, limits) }
    default:
      // ima_tlv (layout not decoded here), COS (0x50) and anything else: kept raw.
      return { type: 'raw', contentType: t.type, value: t.value.rest() }
  }
}

/**
 * Parse a CEL-TLV log.
 * @throws BootproofError ERR_CEL_* when a record cannot be parsed.
 */
export function parseCelTlv(bytes: Uint8Array, options: ParseCelOptions = {}): CelLog {
  const limits = resolveCelLimits(options.limits)
  if (bytes.length === 0) throw new BootproofError('ERR_CEL_TRUNCATED', 'empty CEL-TLV log', { offset: 0 })
  if (bytes.length > limits.maxLogBytes) throw new BootproofError('ERR_CEL_LIMIT', `maxLogBytes exceeded: ${bytes.length} > ${limits.maxLogBytes}`, { field: 'maxLogBytes' })
  const r = new ByteReader(bytes, { truncated: 'ERR_EVENTLOG_TRUNCATED', limit: 'ERR_EVENTLOG_LIMIT' })
  const records: CelRecord[] = []
  const findings: Finding[] = []
  try {
    while (!r.atEnd()) {
      checkRecordCount(records.length, limits, r.offset)
      records.push(readRecord(r, limits, records.length, findings))
    }
  } catch (e) {
    throw asCelError(e)
  }
  return finishLog('cel-tlv', records, findings)
}

/** One record at the cursor (exported for detection: the first record must parse). */
export function readRecord(r: ByteReader, limits: CelLimits, index: number, findings: Finding[]): CelRecord {
  const offset = r.offset
  r.eventIndex = index
  const recnum = uintOf(expectTlv(r, limits, CEL_TLV.recnum, 'recnum'), 8, 'recnum')
  if (r.atEnd()) malformed('handle (pcr / nv_index) is missing', r.offset, index, 'handle')
  const h = readTlv(r, limits, 'handle')
  const handle = HANDLES.get(h.type)
  if (!handle) malformed(`expected a handle (pcr 1, nv_index 2), found type ${h.type}`, h.offset, index, 'handle')
  const register = uintOf(h, 4, handle)
  const digests = readDigests(expectTlv(r, limits, CEL_TLV.digests, 'digests'), limits, index)
  if (r.atEnd()) malformed('content is missing', r.offset, index, 'content')
  const contentStart = r.pos
  const c = readTlv(r, limits, 'content')
  if (c.type === CEL_TLV.recnum || HANDLES.has(c.type) || c.type === CEL_TLV.digests) malformed(`expected content, found type ${c.type}`, c.offset, index, 'content')
  const content = readContent(c, limits)
  if (content.type === 'cel' && content.management.kind === 'unknown') {
    findings.push({ code: 'EVENT_TYPE_UNKNOWN', severity: 'info', message: `record ${index}: CEL management type ${content.management.type} is not decoded; kept raw`, eventIndex: index, offset: c.offset })
  }
  return { index, recnum, handle, register, digests, contentType: c.type, content, contentTlv: r.bytes.subarray(contentStart, r.pos), offset }
}
