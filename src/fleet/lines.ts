/**
 * NDJSON line splitting with a bounded line buffer: a line longer than `maxLineBytes` is cut to
 * `maxLineBytes + 1` bytes (enough for the verifier to report ERR_LINE_TOO_LONG) and the rest of
 * it is skipped as it streams past, so one oversized line costs bounded memory whatever its size.
 */

export interface SplitLinesOptions {
  /**
   * Yield a line that lies within one chunk as a view of that chunk instead of a copy (lines
   * across chunks are still joined into a fresh array). Only for chunks nobody reuses, such as
   * a file stream's; saves an allocation and a copy per line. Default false: every line is a
   * fresh copy, safe to transfer to a worker.
   */
  views?: boolean
}

/** Split a byte stream at LF. Every yielded line is a fresh copy (safe to transfer to a worker) unless `options.views`. */
export async function* splitLines(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, maxLineBytes: number, options: SplitLinesOptions = {}): AsyncGenerator<Uint8Array> {
  const views = options.views === true
  const cap = maxLineBytes + 1
  let parts: Uint8Array[] = []
  let size = 0
  let pending = false
  const flush = (): Uint8Array => {
    if (parts.length === 1 && parts[0]!.length === size) {
      const only = parts[0]!
      parts = []
      size = 0
      pending = false
      return only
    }
    const out = new Uint8Array(size)
    let o = 0
    for (const p of parts) {
      out.set(p, o)
      o += p.length
    }
    parts = []
    size = 0
    pending = false
    return out
  }
  for await (const chunk of chunks) {
    let start = 0
    for (;;) {
      const nl = chunk.indexOf(0x0a, start)
      const end = nl < 0 ? chunk.length : nl
      const take = Math.min(end - start, cap - size)
      // Copy the piece (Uint8Array's slice: a Node Buffer's own slice is a view): the line then
      // owns its memory, which the stream may reuse and a worker transfer detaches.
      if (take > 0) {
        parts.push(views ? chunk.subarray(start, start + take) : Uint8Array.prototype.slice.call(chunk, start, start + take))
        size += take
      }
      if (end > start) pending = true
      if (nl < 0) break
      yield flush()
      start = nl + 1
    }
  }
  if (pending) yield flush()
}

/**
 * Length of a UTF-8 byte order mark at the start of a line: 3 for the bytes EF BB BF, 1 for the
 * string form U+FEFF, else 0. Only the input's first line may carry one (see {@link isBlankLine}).
 */
export function bomLength(line: string | Uint8Array): number {
  if (typeof line === 'string') return line.charCodeAt(0) === 0xfeff ? 1 : 0
  return line.length >= 3 && line[0] === 0xef && line[1] === 0xbb && line[2] === 0xbf ? 3 : 0
}

/**
 * Whether a line holds only JSON whitespace (such lines are skipped, not results). One rule for
 * strings and bytes: blank is space, tab, LF and CR only (RFC 8259 §2), so a line of U+00A0 or
 * U+2028 is a line (and not JSON), never silently dropped. `atInputStart`: the line is the first
 * of the input, where a UTF-8 BOM is ignored (RFC 8259 §8.1 lets a parser ignore one; editors
 * write it there); a BOM on any other line is not whitespace.
 */
export function isBlankLine(line: string | Uint8Array, atInputStart = false): boolean {
  let i = atInputStart ? bomLength(line) : 0
  if (typeof line === 'string') {
    for (; i < line.length; i++) {
      const c = line.charCodeAt(i)
      if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) return false
    }
    return true
  }
  for (; i < line.length; i++) {
    const b = line[i]
    if (b !== 0x20 && b !== 0x09 && b !== 0x0d && b !== 0x0a) return false
  }
  return true
}
