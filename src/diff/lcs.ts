/**
 * Sequence alignment for boot-chain diffs: the longest common subsequence of two key lists, as
 * an edit script of `equal` pairs and the unmatched `gap`s between them.
 */

export type AlignOp =
  | { op: 'equal'; a: number; b: number }
  /** Items of A and B between two equal pairs (either side may be empty). */
  | { op: 'gap'; a: number[]; b: number[] }

/** Cells above which the quadratic table is not built; the middle becomes one gap instead. */
export const MAX_LCS_CELLS = 16_000_000

/**
 * Align `a` and `b` by equal keys. Common prefix and suffix are matched first, the rest by a
 * dynamic-programming LCS (ties prefer keeping A's items first, so removals precede additions).
 */
export function align(a: readonly string[], b: readonly string[]): AlignOp[] {
  const ops: AlignOp[] = []
  let pre = 0
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++
  let suf = 0
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++
  for (let i = 0; i < pre; i++) ops.push({ op: 'equal', a: i, b: i })
  const n = a.length - pre - suf
  const m = b.length - pre - suf
  const middle: AlignOp[] = []
  if (n > 0 && m > 0 && (n + 1) * (m + 1) <= MAX_LCS_CELLS) {
    // t[i][j] = LCS length of a[pre+i..pre+n) and b[pre+j..pre+m)
    const w = m + 1
    const t = new Uint32Array((n + 1) * w)
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        t[i * w + j] = a[pre + i] === b[pre + j] ? t[(i + 1) * w + j + 1]! + 1 : Math.max(t[(i + 1) * w + j]!, t[i * w + j + 1]!)
      }
    }
    let i = 0
    let j = 0
    let gapA: number[] = []
    let gapB: number[] = []
    const flush = () => {
      if (gapA.length || gapB.length) middle.push({ op: 'gap', a: gapA, b: gapB })
      gapA = []
      gapB = []
    }
    while (i < n && j < m) {
      if (a[pre + i] === b[pre + j]) {
        flush()
        middle.push({ op: 'equal', a: pre + i, b: pre + j })
        i++
        j++
      } else if (t[(i + 1) * w + j]! >= t[i * w + j + 1]!) gapA.push(pre + i++)
      else gapB.push(pre + j++)
    }
    while (i < n) gapA.push(pre + i++)
    while (j < m) gapB.push(pre + j++)
    flush()
  } else if (n > 0 || m > 0) {
    middle.push({ op: 'gap', a: Array.from({ length: n }, (_, k) => pre + k), b: Array.from({ length: m }, (_, k) => pre + k) })
  }
  ops.push(...middle)
  for (let k = suf; k > 0; k--) ops.push({ op: 'equal', a: a.length - k, b: b.length - k })
  return ops
}
