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

/** Whether a line holds only JSON whitespace (such lines are skipped, not results). */
export function isBlankLine(line: string | Uint8Array): boolean {
  if (typeof line === 'string') return line.trim() === ''
  for (const b of line) if (b !== 0x20 && b !== 0x09 && b !== 0x0d && b !== 0x0a) return false
  return true
}
