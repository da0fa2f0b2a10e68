/** Short renderings of values and text changes for the diff's one-line summaries. */

export function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s
}

/**
 * A readable change of two texts: both in full when short, else the whitespace-separated
 * tokens removed and added (a command line losing `noswap` and gaining `console=tty1`).
 */
export function textChange(a: string, b: string): string {
  if (a.length + b.length <= 120 || !/\s/.test(a + b)) return `${clip(a, 100)} → ${clip(b, 100)}`
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
  const show = (list: string[], sign: string) => list.slice(0, 6).map((t) => `${sign}${clip(t, 48)}`).join(' ') + (list.length > 6 ? ` (${list.length - 6} more)` : '')
  const parts = [removed.length ? show(removed, '−') : '', added.length ? show(added, '+') : ''].filter(Boolean)
  return parts.length ? parts.join(' ') : 'whitespace / order changed'
}

export function short(d: string | undefined): string {
  return d ? `${d.slice(0, 12)}…` : '?'
}
