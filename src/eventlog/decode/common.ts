/**
 * Plumbing shared by the decoders: one reader per event body, a totality guard that turns
 * library errors into `{kind:'unparsed'}`, and small formatters for 64-bit values.
 */
import { ByteReader } from '../../bytes/reader.js'
import { BootproofError, isBootproofError } from '../../errors.js'
import type { DecodeInput, DecodedEventData, UnparsedData } from './types.js'

/** A reader over the event data whose errors carry the data's absolute offset and event index. */
export function readerFor(input: DecodeInput, bytes: Uint8Array = input.data, base = input.dataOffset): ByteReader {
  return new ByteReader(bytes, {
    truncated: 'ERR_EVENTDATA_TRUNCATED',
    limit: 'ERR_EVENTDATA_LIMIT',
    base,
    eventIndex: input.eventIndex,
  })
}

/** Throw ERR_EVENTDATA_MALFORMED at the reader's position (or `offset`). */
export function malformed(r: ByteReader, message: string, offset = r.offset): never {
  throw new BootproofError('ERR_EVENTDATA_MALFORMED', message, { offset, eventIndex: r.eventIndex })
}

/** Require the reader to be exhausted: structures in event data have exact sizes (attack L-09). */
export function expectEnd(r: ByteReader, what: string): void {
  if (r.remaining !== 0) malformed(r, `${what}: ${r.remaining} unexpected trailing byte(s)`)
}

export function unparsed(e: BootproofError): UnparsedData {
  const error: UnparsedData['error'] = { code: e.code, message: e.message }
  if (e.offset !== undefined) error.offset = e.offset
  const structure = structureOf.get(e)
  if (structure !== undefined) error.structure = structure
  return { kind: 'unparsed', error }
}

/** Structures whose malformation is its own finding, keyed by the error thrown inside them. */
const structureOf = new WeakMap<BootproofError, string>()

/**
 * Run `read` and label a malformed or truncated body as a failure of `structure` (the parser
 * turns an `EFI_SIGNATURE_LIST` failure into an error finding: attack S-02). Limits are not
 * relabelled: they are the library's bound, not the structure's fault.
 */
export function within<T>(structure: string, read: () => T): T {
  try {
    return read()
  } catch (e) {
    if (isBootproofError(e) && (e.code === 'ERR_EVENTDATA_MALFORMED' || e.code === 'ERR_EVENTDATA_TRUNCATED')) structureOf.set(e, structure)
    throw e
  }
}

/**
 * Run a decoder and make it total: library errors become `unparsed` with their code and offset.
 * Anything else is a decoder bug (e.g. a RangeError from DataView); it is still contained, so a
 * bad body can never abort log parsing (attack L-01), but it is labelled so
 * tests and fuzzing notice it.
 */
export function guarded(input: DecodeInput, decode: () => DecodedEventData): DecodedEventData {
  try {
    return decode()
  } catch (e) {
    if (isBootproofError(e)) return unparsed(e)
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e)
    return { kind: 'unparsed', error: { code: 'ERR_EVENTDATA_MALFORMED', message: `internal decoder error: ${message}`, offset: input.dataOffset } }
  }
}

/** A 64-bit value as `0x…` (lowercase, no padding). */
export function hex64(v: bigint): string {
  return `0x${v.toString(16)}`
}

/** A 32-bit value as `0x` + 8 hex digits. */
export function hex32(v: number): string {
  return `0x${(v >>> 0).toString(16).padStart(8, '0')}`
}
