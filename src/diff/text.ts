/** Short renderings of values and text changes for the diff's one-line summaries. */

export function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s
}

/**
 * Two texts cut to about `n` characters each so that the place where they first differ shows.
 * Clipping each from its start hides a difference past character `n` (two long device paths
 * differing in the partition GUID print as the same line); here both keep a little of their
 * common prefix, then the differing part, with `…` marking what was cut.
 */
export function clipPair(a: string, b: string, n: number): [string, string] {
  if (a.length <= n && b.length <= n) return [a, b]
  let p = 0
  while (p < a.length && p < b.length && a[p] === b[p]) p++
  if (p < n - 8) return [clip(a, n), clip(b, n)] // the difference already shows
  let start = p - Math.floor(n / 3)
  // Never cut a surrogate pair in half (the half would print as an escape).
  const low = (c: number) => c >= 0xdc00 && c <= 0xdfff
  if (low(a.charCodeAt(start))) start--
  const cut = (t: string) => clip(`…${t.slice(start)}`, n)
  return [cut(a), cut(b)]
}

/**
 * A readable change of two texts: both in full when short, else the whitespace-separated
 * tokens removed and added (a command line losing `noswap` and gaining `console=tty1`).
 */
export function textChange(a: string, b: string): string {
  if (a.length + b.length <= 120 || !/\s/.test(a + b)) {
    const [x, y] = clipPair(a, b, 100)
    return `${x} → ${y}`
  }
  const ta = a.split(/\s+/).filter(Boolean)
  const tb = b.split(/\s+/).filter(Boolean)
  const count = new Map<string, number>()
  for (const t of tb) count.set(t, (count.get(t) ?? 0) + 1)
  const removed: string[] = []
  for (const t of ta) {
    const n = count.get(t) ?? 0
    if (n > 0) count.set(t, n - 1)
    else removed.push(t)
  }
  const added: string[] = []
  for (const [t, n] of count) for (let i = 0; i < n; i++) added.push(t)
  // Keep B's order for additions.
  added.sort((p, q) => tb.indexOf(p) - tb.indexOf(q))
  // A long token that changed late (root=UUID=…) is clipped around the change, against the
  // token of the other side it shares the longest prefix with.
  const partner = (t: string, others: string[]) => {
    let best: string | undefined
    let bestLen = 0
    for (const o of others) {
      let p = 0
      while (p < t.length && p < o.length && t[p] === o[p]) p++
      if (p > bestLen) [best, bestLen] = [o, p]
    }
    return best
  }
  const token = (t: string, others: string[]) => {
    const o = partner(t, others)
    return o === undefined ? clip(t, 48) : clipPair(t, o, 48)[0]
  }
  const show = (list: string[], others: string[], sign: string) => list.slice(0, 6).map((t) => `${sign}${token(t, others)}`).join(' ') + (list.length > 6 ? ` (${list.length - 6} more)` : '')
  const parts = [removed.length ? show(removed, added, '−') : '', added.length ? show(added, removed, '+') : ''].filter(Boolean)
  return parts.length ? parts.join(' ') : 'whitespace / order changed'
}

export function short(d: string | undefined): string {
  return d ? `${d.slice(0, 12)}…` : '?'
}

/** A PCR key as printed: decimal, but the Windows 0xFFFFFFFF index in hex (never 4294967295). */
export function pcrText(pcr: string | number): string {
  const n = Number(pcr)
  return Number.isInteger(n) && n > 0xffff ? `0x${n.toString(16).toUpperCase().padStart(8, '0')}` : String(pcr)
}
