/**
 * The one byte cursor of the library. Every read is bounds-checked against what remains and
 * returns `subarray` views (no copies). Endianness is explicit in every method name because
 * TCG event logs are little-endian (PC Client PFP §9.2 / §10.2) while TPM structures are
 * big-endian (TPM 2.0 Part 1 §18, "canonical form").
 *
 * 64-bit fields are read as BigInt and only converted to Number after they have been compared
 * with the remaining bytes (attack L-01: 2^63 and 2^53+1 lengths).
 */
import { LimitExceededError, TruncatedInputError } from '../errors.js'
import { u32beAt, u32leAt } from './uint32.js'

export type TruncationCode = 'ERR_EVENTLOG_TRUNCATED' | 'ERR_EVENTDATA_TRUNCATED' | 'ERR_TPM_TRUNCATED'
export type LimitCode = 'ERR_EVENTLOG_LIMIT' | 'ERR_EVENTDATA_LIMIT' | 'ERR_TPM_LIMIT'

export interface ReaderOptions {
  /** Code thrown when a read runs past the end. */
  truncated: TruncationCode
  /** Code thrown when a length exceeds a named limit. */
  limit: LimitCode
  /** Absolute offset of `bytes[0]` in the top-level input, so errors report true offsets. */
  base?: number
  /** Event index to attach to errors, when reading inside one event. */
  eventIndex?: number
}

/** 8 bytes copied out of the input for one BigInt read (no DataView per reader). */
const SCRATCH = new Uint8Array(8)
const SCRATCH_VIEW = new DataView(SCRATCH.buffer)
function scratch8(bytes: Uint8Array, at: number): DataView {
  for (let i = 0; i < 8; i++) SCRATCH[i] = bytes[at + i]!
  return SCRATCH_VIEW
}

export class ByteReader {
  readonly bytes: Uint8Array
  /** Position relative to `bytes`. */
  pos = 0
  readonly base: number
  eventIndex: number | undefined
  private readonly codes: ReaderOptions
  private dataView: DataView | undefined

  constructor(bytes: Uint8Array, options: ReaderOptions) {
    this.bytes = bytes
    this.base = options.base ?? 0
    this.eventIndex = options.eventIndex
    this.codes = options
    // A non-Uint8Array argument (outside the types) fails here as it always did: DataView's TypeError.
    const any = bytes as unknown as ArrayBufferView
    this.dataView = bytes instanceof Uint8Array ? undefined : new DataView(any.buffer, any.byteOffset, any.byteLength)
  }

  /**
   * A DataView over `bytes`, created on first use: most readers (one per event body, per device
   * path node, per TPM structure) never need one, and a DataView costs more than the reads.
   */
  get view(): DataView {
    return (this.dataView ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength))
  }

  get remaining(): number {
    return this.bytes.length - this.pos
  }

  /** Absolute offset of the cursor in the top-level input. */
  get offset(): number {
    return this.base + this.pos
  }

  atEnd(): boolean {
    return this.pos >= this.bytes.length
  }

  /** Throw unless `n` bytes remain. */
  need(n: number, field: string): void {
    if (n > this.bytes.length - this.pos) this.truncated(n, field)
  }

  /** Throw the configured truncation error for a read of `n` bytes at the cursor. */
  private truncated(n: number, field: string): never {
    throw new TruncatedInputError(this.codes.truncated, n, this.remaining, {
      offset: this.offset,
      eventIndex: this.eventIndex,
      field,
    })
  }

  // The fixed-size reads below index `bytes` directly (no DataView); each checks its bounds first.

  u8(field: string): number {
    if (this.pos >= this.bytes.length) this.truncated(1, field)
    return this.bytes[this.pos++]!
  }

  u16le(field: string): number {
    const b = this.bytes
    const p = this.pos
    if (p + 2 > b.length) this.truncated(2, field)
    this.pos = p + 2
    return b[p]! | (b[p + 1]! << 8)
  }

  u16be(field: string): number {
    const b = this.bytes
    const p = this.pos
    if (p + 2 > b.length) this.truncated(2, field)
    this.pos = p + 2
    return (b[p]! << 8) | b[p + 1]!
  }

  u32le(field: string): number {
    const b = this.bytes
    const p = this.pos
    if (p + 4 > b.length) this.truncated(4, field)
    this.pos = p + 4
    return u32leAt(b, p)
  }

  u32be(field: string): number {
    const b = this.bytes
    const p = this.pos
    if (p + 4 > b.length) this.truncated(4, field)
    this.pos = p + 4
    return u32beAt(b, p)
  }

  u64le(field: string): bigint {
    this.need(8, field)
    const v = scratch8(this.bytes, this.pos).getBigUint64(0, true)
    this.pos += 8
    return v
  }

  u64be(field: string): bigint {
    this.need(8, field)
    const v = scratch8(this.bytes, this.pos).getBigUint64(0, false)
    this.pos += 8
    return v
  }

  /**
   * Read a little-endian u64 that is a byte length (or element count times `unit`), and
   * return it as a Number only once it is known to fit in what remains.
   */
  u64leLength(field: string, unit = 1): number {
    const b = this.bytes
    const p = this.pos
    // Common case without BigInt: the high half is zero and the length fits in what remains.
    // (lo * unit is exact whenever it is <= remaining < 2^53, and a larger product cannot round
    // down to <= remaining.) Everything else, errors included, takes the exact BigInt path.
    if (p + 8 <= b.length && (b[p + 4]! | b[p + 5]! | b[p + 6]! | b[p + 7]!) === 0 && Number.isSafeInteger(unit)) {
      const lo = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0
      if (lo * unit <= b.length - p - 8) {
        this.pos = p + 8
        return lo
      }
    }
    const start = this.offset
    const v = this.u64le(field)
    const bytes = v * BigInt(unit)
    if (bytes > BigInt(this.remaining)) {
      throw new TruncatedInputError(this.codes.truncated, bytes > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(bytes), this.remaining, {
        offset: start,
        eventIndex: this.eventIndex,
        field,
      })
    }
    return Number(v)
  }

  /** `n` bytes as a view into the input. */
  take(n: number, field: string): Uint8Array {
    if (!Number.isInteger(n) || n < 0) throw new TypeError(`${field}: invalid length ${n}`)
    this.need(n, field)
    const out = this.bytes.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  /** Everything that is left. */
  rest(): Uint8Array {
    const out = this.bytes.subarray(this.pos)
    this.pos = this.bytes.length
    return out
  }

  skip(n: number, field: string): void {
    this.need(n, field)
    this.pos += n
  }

  /** TPM2B_*: big-endian u16 size, then that many bytes, checked against `max`. */
  tpm2b(field: string, max: number): Uint8Array {
    const b = this.bytes
    const p = this.pos
    // The `.size` field name is only built when an error needs it.
    if (p + 2 > b.length) this.truncated(2, `${field}.size`)
    const size = (b[p]! << 8) | b[p + 1]!
    this.pos = p + 2
    if (size > max) this.limit(`${field}.size`, size, max, this.base + p)
    if (size > b.length - this.pos) this.truncated(size, field)
    const out = b.subarray(this.pos, this.pos + size)
    this.pos += size
    return out
  }

  /** Throw the configured limit error. */
  limit(limit: string, value: number | bigint, maximum: number, offset = this.offset): never {
    throw new LimitExceededError(this.codes.limit, limit, value, maximum, {
      offset,
      eventIndex: this.eventIndex,
      field: limit,
    })
  }

  /** A reader over the next `n` bytes, sharing error codes; advances this cursor past them. */
  sub(n: number, field: string, codes?: Partial<ReaderOptions>): ByteReader {
    const at = this.offset
    const bytes = this.take(n, field)
    if (codes === undefined) {
      // Only `truncated` and `limit` are read from the options; no spread on the common path.
      return new ByteReader(bytes, { truncated: this.codes.truncated, limit: this.codes.limit, base: at, eventIndex: this.eventIndex })
    }
    return new ByteReader(bytes, { ...this.codes, ...codes, base: at, eventIndex: codes.eventIndex ?? this.eventIndex })
  }
}
