/**
 * What the TLV and JSON parsers share: digest checks, recnum rules and the log-level findings.
 */
import { hashAlgName, HASH_ALGS } from '../alg.js'
import { BootproofError, LimitExceededError, TruncatedInputError } from '../errors.js'
import type { Finding } from '../findings.js'
import type { CelLimits } from '../limits.js'
import type { CelDigest, CelLog, CelRecord } from './types.js'

/** A digest of algorithm `algId`: known algorithm, canonical size (TCG CEL §4, TPMT_HA). */
export function celDigest(algId: number, digest: Uint8Array, seen: Set<number>, where: { offset: number; eventIndex: number }): CelDigest {
  const bank = hashAlgName(algId)
  if (!bank) throw new BootproofError('ERR_CEL_DIGEST_INVALID', `record ${where.eventIndex}: digest of unknown algorithm 0x${algId.toString(16)}`, { ...where, field: 'digests' })
  if (digest.length !== HASH_ALGS[bank].size) {
    throw new BootproofError('ERR_CEL_DIGEST_INVALID', `record ${where.eventIndex}: ${bank} digest is ${digest.length} bytes, not ${HASH_ALGS[bank].size}`, { ...where, field: 'digests' })
  }
  if (seen.has(algId)) throw new BootproofError('ERR_CEL_DIGEST_INVALID', `record ${where.eventIndex}: two ${bank} digests`, { ...where, field: 'digests' })
  seen.add(algId)
  return { bank, algId, digest }
}

/** Map the byte cursor's event-log codes onto the CEL ones, keeping the location. */
export function asCelError(e: unknown): unknown {
  if (e instanceof TruncatedInputError) return new BootproofError('ERR_CEL_TRUNCATED', e.message, { offset: e.offset, eventIndex: e.eventIndex, field: e.field, cause: e })
  if (e instanceof LimitExceededError) return new BootproofError('ERR_CEL_LIMIT', e.message, { offset: e.offset, eventIndex: e.eventIndex, field: e.field, cause: e })
  return e
}

export function checkRecordCount(count: number, limits: CelLimits, offset: number): void {
  if (count >= limits.maxRecords) throw new BootproofError('ERR_CEL_LIMIT', `maxRecords exceeded: more than ${limits.maxRecords} records`, { offset, eventIndex: count, field: 'maxRecords' })
}

/**
 * Log-level rules (TCG CEL §4: recnum is the record's sequence number): recnums all present or
 * all absent, never repeated, each one more than the last (a gap means records were removed). One
 * handle family per register map: PCRs and MRs never mixed. Undecoded content types are
 * reported once per type.
 */
export function finishLog(format: CelLog['format'], records: CelRecord[], findings: Finding[]): CelLog {
  const withRecnum = records.filter((r) => r.recnum !== undefined).length
  if (withRecnum !== 0 && withRecnum !== records.length) {
    const r = records.find((x) => x.recnum === undefined)!
    throw new BootproofError('ERR_CEL_RECNUM_ORDER', `record ${r.index} has no recnum while others do`, { offset: r.offset, eventIndex: r.index, field: 'recnum' })
  }
  const seen = new Map<number, number>()
  let prev: CelRecord | undefined
  for (const r of records) {
    if (r.recnum === undefined) break
    const first = seen.get(r.recnum)
    if (first !== undefined) throw new BootproofError('ERR_CEL_RECNUM_DUPLICATE', `record ${r.index} repeats recnum ${r.recnum} of record ${first}`, { offset: r.offset, eventIndex: r.index, field: 'recnum' })
    seen.set(r.recnum, r.index)
    if (prev && prev.recnum! > r.recnum) {
      throw new BootproofError('ERR_CEL_RECNUM_ORDER', `record ${r.index} has recnum ${r.recnum}, below ${prev.recnum} of record ${prev.index}`, { offset: r.offset, eventIndex: r.index, field: 'recnum' })
    }
    if (prev && r.recnum !== prev.recnum! + 1) {
      throw new BootproofError('ERR_CEL_RECNUM_ORDER', `record ${r.index}: recnum jumps from ${prev.recnum} to ${r.recnum} (records are missing)`, { offset: r.offset, eventIndex: r.index, field: 'recnum' })
    }
    prev = r
  }
  const pcr = records.find((r) => r.handle === 'pcr')
  const mr = records.find((r) => r.handle === 'cc_mr')
  if (pcr && mr) throw new BootproofError('ERR_CEL_MALFORMED', `records ${pcr.index} (PCR) and ${mr.index} (CC MR) mix register kinds`, { offset: mr.offset, eventIndex: mr.index, field: 'handle' })
  const raw = new Map<string, number[]>()
  for (const r of records) if (r.content.type === 'raw') raw.set(String(r.contentType), [...(raw.get(String(r.contentType)) ?? []), r.index])
  for (const [type, idx] of raw) {
    findings.push({
      code: 'EVENT_TYPE_UNKNOWN',
      severity: 'info',
      message: `content type ${type} is not decoded (${idx.length} record(s)); kept raw: its digests are replayed, its content is not read`,
      eventIndex: idx[0],
      relatedEvents: idx.slice(0, 64),
    })
  }
  const banks: string[] = []
  for (const r of records) for (const d of r.digests) if (!banks.includes(d.bank)) banks.push(d.bank)
  return { format, records, banks, registerKind: mr ? 'cc-mr' : 'pcr', findings }
}
