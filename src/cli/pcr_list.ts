/** PCR selections on the command line: `0-7,9,14` (policy derive --pcrs/--pin, replay --pcrs). */
import { UsageError } from './io.js'

/**
 * Parse a list of PCR indices and ranges, each 0-23, into ascending unique indices.
 * @throws UsageError naming `flag`.
 */
export function parsePcrList(s: string, flag: string): number[] {
  const out = new Set<number>()
  for (const part of s.split(',')) {
    const m = part.trim().match(/^(\d{1,2})(?:-(\d{1,2}))?$/)
    if (!m) throw new UsageError(`${flag}: expected a list like 0-7,9 (got ${JSON.stringify(s)})`)
    const a = Number(m[1])
    const b = m[2] !== undefined ? Number(m[2]) : a
    if (a > 23 || b > 23 || b < a) throw new UsageError(`${flag}: PCR indices are 0-23, ranges ascending`)
    for (let i = a; i <= b; i++) out.add(i)
  }
  return [...out].sort((x, y) => x - y)
}
