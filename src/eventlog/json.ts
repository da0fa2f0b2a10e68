/**
 * JSON rendering of parsed logs (schema/eventlog.schema.json): bytes as lowercase hex,
 * BigInt as decimal strings, Maps as objects.
 */
import { toHex } from '../bytes/hex.js'
import type { EventLog, TcgEvent } from './types.js'

/** Deep-convert a value to JSON-safe data. */
export function toJSONValue(v: unknown, depth = 0): unknown {
  if (depth > 64) return '[too deep]'
  if (v instanceof Uint8Array) return toHex(v)
  if (typeof v === 'bigint') return v.toString()
  if (v instanceof Map) {
    const o: Record<string, unknown> = {}
    for (const [k, x] of v) o[String(k)] = toJSONValue(x, depth + 1)
    return o
  }
  if (Array.isArray(v)) return v.map((x) => toJSONValue(x, depth + 1))
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {}
    for (const [k, x] of Object.entries(v)) if (x !== undefined) o[k] = toJSONValue(x, depth + 1)
    return o
  }
  return v
}

export function eventToJSON(ev: TcgEvent): Record<string, unknown> {
  const digests: Record<string, string> = {}
  for (const d of ev.digests) digests[d.bank] = toHex(d.digest)
  return {
    index: ev.index,
    offset: ev.offset,
    length: ev.length,
    pcrIndex: ev.pcrIndex,
    eventType: ev.eventType,
    typeName: ev.typeName,
    digests,
    data: toHex(ev.data),
    decoded: toJSONValue(ev.decoded),
  }
}

export function eventLogToJSON(log: EventLog): Record<string, unknown> {
  return {
    format: log.format,
    registerKind: log.registerKind,
    size: log.size,
    specId: toJSONValue(log.specId),
    algorithms: log.algorithms.map((a) => ({ algId: a.algId, bank: a.bank, digestSize: a.digestSize, known: a.known })),
    startupLocality: log.startupLocality ?? null,
    padding: log.padding ?? null,
    eventCount: log.events.length,
    events: log.events.map(eventToJSON),
    findings: log.findings,
  }
}
