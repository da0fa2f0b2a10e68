/**
 * SbatLevel as shim measures it into PCR 7 (EV_EFI_VARIABLE_AUTHORITY "SbatLevel" under the
 * shim-lock GUID; shim ≥ 15.3, attack P-01): CSV lines, the first `sbat,1,<YYYYMMDDNN>`,
 * then one `<component>,<generation>` per revoked component generation, e.g.
 * "sbat,1,2025021800\nshim,4\ngrub,5\n". An image whose `.sbat` section names a component with a
 * lower generation is refused by shim.
 *
 * The boot state carries the text as decoded (non-printable bytes escaped as `\xNN`, so the line
 * feeds arrive as `\x0a`); both that form and raw line feeds are read. Anything unexpected makes
 * the whole value unparseable: a minimum cannot be vouched for from a level read only in part.
 */

export interface SbatLevel {
  /** The date field of the `sbat` line (`YYYYMMDDNN`), when present. */
  date?: string
  /** Component → generation, including `sbat` itself. */
  generations: Map<string, number>
}

export type SbatParseResult = { ok: true; level: SbatLevel } | { ok: false; error: string }

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
const GENERATION = /^[0-9]{1,9}$/
const DATE = /^[0-9]{10}$/

/** Parse an SbatLevel value (raw or `\xNN`-escaped text). */
export function parseSbatLevel(text: string): SbatParseResult {
  const normalized = text.replace(/\\x0d\\x0a|\\x0a|\r\n|\n/g, '\n')
  const lines = normalized.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  if (!lines.length) return { ok: false, error: 'empty SbatLevel' }
  const generations = new Map<string, number>()
  let date: string | undefined
  for (const [i, line] of lines.entries()) {
    const fields = line.split(',')
    const [name, gen, third] = fields
    if (!name || !NAME.test(name)) return { ok: false, error: `line ${i + 1} ${JSON.stringify(line)}: not "<component>,<generation>"` }
    if (i === 0 && name !== 'sbat') return { ok: false, error: `the first line is ${JSON.stringify(line)}, not "sbat,1,<date>"` }
    if (gen === undefined || !GENERATION.test(gen)) return { ok: false, error: `line ${i + 1} ${JSON.stringify(line)}: generation is not a number` }
    const maxFields = name === 'sbat' ? 3 : 2
    if (fields.length > maxFields) return { ok: false, error: `line ${i + 1} ${JSON.stringify(line)}: ${fields.length} fields` }
    if (third !== undefined) {
      if (!DATE.test(third)) return { ok: false, error: `line ${i + 1} ${JSON.stringify(line)}: the date is not YYYYMMDDNN` }
      date = third
    }
    if (generations.has(name)) return { ok: false, error: `component "${name}" is listed twice` }
    generations.set(name, Number(gen))
  }
  return { ok: true, level: { ...(date !== undefined ? { date } : {}), generations } }
}

/** Shortfalls of a level against a minimum: one line per component / date below it. */
export function sbatShortfalls(level: SbatLevel, minimum: { components?: Record<string, number>; date?: string }): { what: string; expected: string; observed: string }[] {
  const out: { what: string; expected: string; observed: string }[] = []
  for (const [name, min] of Object.entries(minimum.components ?? {})) {
    const have = level.generations.get(name)
    if ((have ?? 0) < min) out.push({ what: name, expected: `${name},${min}`, observed: have === undefined ? `${name} not listed (generation 0)` : `${name},${have}` })
  }
  if (minimum.date !== undefined && (level.date === undefined || level.date < minimum.date)) {
    out.push({ what: 'date', expected: `sbat date >= ${minimum.date}`, observed: level.date === undefined ? 'no date' : `sbat date ${level.date}` })
  }
  return out
}
