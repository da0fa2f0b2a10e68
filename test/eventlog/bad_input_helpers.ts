/**
 * Shared by the bad-input tests (bad_input_*.test.ts): the parse-error assertion (code, offset,
 * event index, field, time and memory), two small valid logs, and where a log cut at a given byte
 * must fail.
 */
import { expect } from 'vitest'
import { BootproofError, isBootproofError, parseEventLog, type ParseEventLogOptions } from '../../src/index.js'
import * as B from '../fixtures/eventlog/log_builder.js'

const { T } = B

export interface Where {
  offset: number
  eventIndex?: number
  field?: string
}

/**
 * Run `parseEventLog` and require a BootproofError with `code` at `where`; it must finish in
 * under 50 ms and not grow ArrayBuffer memory by more than 8 MiB (the parser slices views).
 */
export function expectParseError(bytes: Uint8Array, code: string, where: Where, options?: ParseEventLogOptions): BootproofError {
  const before = process.memoryUsage().arrayBuffers
  const t0 = performance.now()
  let caught: unknown
  try {
    parseEventLog(bytes, options)
  } catch (e) {
    caught = e
  }
  const ms = performance.now() - t0
  const grown = process.memoryUsage().arrayBuffers - before
  expect(caught, 'parseEventLog must throw').toBeInstanceOf(BootproofError)
  const err = caught as BootproofError
  expect(err.code, err.message).toBe(code)
  expect(err.offset, `offset (${err.message})`).toBe(where.offset)
  if ('eventIndex' in where) expect(err.eventIndex, 'eventIndex').toBe(where.eventIndex)
  if (where.field !== undefined) expect(err.field, 'field').toBe(where.field)
  expect(isBootproofError(err)).toBe(true)
  expect(err.toJSON().code).toBe(code)
  expect(ms).toBeLessThan(50)
  expect(grown).toBeLessThan(8 * 1024 * 1024)
  return err
}

/** A small valid crypto-agile log: Spec ID + 4 events in 2 banks, one with empty data. */
export function smallAgile(): B.BuiltLog {
  return B.buildAgileLog({
    events: [B.scrtmVersionEvent(), B.efiActionEvent(4, B.ACTION.CALLING_EFI_APP), { pcr: 5, type: T.EV_EFI_GPT_EVENT, data: new Uint8Array(0) }, B.separatorEvent(0)],
  })
}

export function smallSha1(): B.BuiltLog {
  return B.buildSha1Log([B.scrtmVersionEvent(), B.efiActionEvent(4, B.ACTION.CALLING_EFI_APP), B.separatorEvent(0)])
}

/** Where parsing a log cut at `cut` must fail: the field that cannot be read completely. */
export function expectedCut(built: B.BuiltLog, cut: number): { boundary: true; records: number } | { boundary: false; where: Required<Where> } {
  const complete = built.records.filter((r) => r.end <= cut).length
  const r = built.records[complete]
  if (!r || r.offset === cut) return { boundary: true, records: complete }
  const at = (offset: number, field: string): { boundary: false; where: Required<Where> } => ({ boundary: false, where: { offset, eventIndex: r.index, field } })
  if (built.format === 'sha1' || r.index === 0) {
    // TCG_PCR_EVENT: the 32-byte header is checked as a whole, then the data.
    return cut < r.offset + 32 ? at(r.offset, 'TCG_PCR_EVENT header') : at(r.dataOffset, 'Event')
  }
  if (cut < r.pcrOffset + 4) return at(r.pcrOffset, 'PCRIndex')
  if (cut < r.typeOffset + 4) return at(r.typeOffset, 'EventType')
  if (cut < r.countOffset! + 4) return at(r.countOffset!, 'Digests.count')
  for (const d of r.digests) {
    if (cut < d.algOffset! + 2) return at(d.algOffset!, 'TPMT_HA.hashAlg')
    if (cut < d.digestOffset + d.size) return at(d.digestOffset, 'TPMT_HA.digest')
  }
  if (cut < r.sizeOffset + 4) return at(r.sizeOffset, 'EventSize')
  return at(r.dataOffset, 'Event')
}

export function isUniformPadding(b: Uint8Array): boolean {
  return b.length > 0 && (b[0] === 0 || b[0] === 0xff) && b.every((x) => x === b[0])
}
