/**
 * The reader the layout walkers share: it reads little- or big-endian unsigned fields and data
 * regions and records each as it goes (fields, data, length-prefixed regions, records) in a
 * `Layout` for `mutateBinary`. Reads past the end return undefined; nothing throws.
 */
import { emptyLayout, type Field, type FieldKind, type Layout } from './binary.js'

export class Cursor {
  readonly L: Layout = emptyLayout()
  constructor(
    readonly b: Uint8Array,
    readonly le: boolean,
    public pos = 0,
    public end = b.length,
    L?: Layout,
  ) {
    if (L) this.L = L
  }
  ok(n: number): boolean {
    return n >= 0 && this.pos + n <= this.end
  }
  /** Read an unsigned integer field, record it, return it (Number; u64 above 2^53 saturates). */
  int(size: number, kind: FieldKind, containerEnd = this.end): number | undefined {
    if (!this.ok(size)) return undefined
    const f: Field = { off: this.pos, size, le: this.le, kind, remaining: containerEnd - (this.pos + size) }
    this.L.fields.push(f)
    let v = 0
    for (let i = 0; i < size; i++) v = v * 256 + this.b[this.le ? this.pos + size - 1 - i : this.pos + i]!
    this.pos += size
    return v
  }
  lastField(): Field {
    return this.L.fields[this.L.fields.length - 1]!
  }
  data(n: number): { start: number; end: number } | undefined {
    if (!this.ok(n)) return undefined
    const r = { start: this.pos, end: this.pos + n }
    if (n) this.L.data.push(r)
    this.pos += n
    return r
  }
  /** A length-prefixed blob: u<size> length then data; recorded as sized region and record. */
  sized(size: number, record = true): { start: number; end: number } | undefined {
    const start = this.pos
    const n = this.int(size, 'len')
    if (n === undefined) return undefined
    const lenField = this.lastField()
    const d = this.data(n)
    if (!d) return undefined
    this.L.sized.push({ ...d, lenField })
    if (record) this.L.records.push({ start, end: this.pos })
    return d
  }
  sub(start: number, end: number): Cursor {
    return new Cursor(this.b, this.le, start, end, this.L)
  }
}
