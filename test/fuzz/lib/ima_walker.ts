/**
 * IMA binary measurement lists (little-endian): entries and template fields, the digest size
 * guessed from the first entry.
 * Best-effort layout walker (never throws; stops where the input stops making sense): it feeds
 * `mutateBinary` with length / count / type fields, records and data.
 */
import type { Walker } from './binary.js'
import { Cursor } from './layout_cursor.js'

export const walkImaBinary: Walker = (b) => {
  const c = new Cursor(b, true)
  let digestSize: number | undefined
  let guard = 0
  while (c.pos + 8 <= b.length && guard++ < 200000) {
    const s = c.pos
    if (digestSize === undefined) {
      for (const d of [20, 32, 48, 64]) {
        const off = s + 4 + d
        if (off + 4 > b.length) continue
        const n = b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)
        if (n > 0 && n < 64 && off + 4 + n <= b.length && b[off + 4]! >= 0x20 && b[off + 4]! < 0x7f) {
          digestSize = d
          break
        }
      }
      if (digestSize === undefined) break
    }
    c.int(4, 'value')
    c.data(digestSize)
    const nameR = c.sized(4, false)
    if (!nameR) break
    const name = new TextDecoder('latin1').decode(b.subarray(nameR.start, nameR.end))
    if (name === 'ima') {
      c.data(20)
      if (!c.sized(4, false)) break
    } else {
      const td = c.sized(4, false)
      if (!td) break
      const t = c.sub(td.start, td.end)
      while (t.pos + 4 <= t.end) if (!t.sized(4)) break
    }
    c.L.records.push({ start: s, end: c.pos })
  }
  return c.L
}
