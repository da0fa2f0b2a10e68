/**
 * Colour for terminal output: severity words and statuses (error red, warning yellow,
 * affirming green), and nothing else.
 *
 * Why a line highlighter at the output boundary rather than colour in each renderer: the
 * renderers (verdict report, boot state, diff) are library code that must return plain text,
 * and every command would otherwise need its own colour logic. The highlighter runs after the
 * terminal-safety escape (io.ts `terminalSafeIO`), so the only escape sequences on screen are
 * the ones added here, and its patterns are anchored to the renderers' own line layout (line
 * starts, fixed labels), so a word inside attacker-controlled text is not turned green.
 */
import type { CliIO } from './io.js'

type Env = Readonly<Record<string, string | undefined>>

/**
 * Whether to colour a stream. `--json` never; `FORCE_COLOR` set to anything but `0`/`false`
 * forces it (and, as in Node itself, wins over `NO_COLOR`); `NO_COLOR` set and non-empty
 * (no-color.org) disables it; otherwise only on a terminal whose `TERM` is not `dumb`.
 */
export function colorEnabled(isTTY: boolean, env: Env, json: boolean): boolean {
  if (json) return false
  const force = env.FORCE_COLOR
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false'
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  return isTTY && env.TERM !== 'dumb'
}

const SGR = { red: '\x1b[31m', yellow: '\x1b[33m', green: '\x1b[32m' } as const
type Colour = keyof typeof SGR
// 39 resets only the foreground colour, so it nests inside other attributes.
const paint = (c: Colour, s: string) => `${SGR[c]}${s}\x1b[39m`

const BAD = new Set(['error', 'INVALID', 'FAIL', 'FAILED', 'UNTRUSTED', 'mismatch', 'CONTRAINDICATED', 'contraindicated', 'failed'])
const WARN = new Set(['warning', 'WARNING'])
const GOOD = new Set(['OK', 'VALID', 'valid', 'ok', 'AFFIRMING', 'affirming', 'match', 'trusted', 'success'])

function colourOf(word: string): Colour | undefined {
  return BAD.has(word) ? 'red' : WARN.has(word) ? 'yellow' : GOOD.has(word) ? 'green' : undefined
}

/**
 * Each rule: group 1 is kept as is, group 2 is the word to colour. Where the rules come from:
 * findings `[error]` (format.ts, report.ts, state/render.ts), `result: OK` (replay),
 * `quote: VALID` and check lines `ok  ` / `FAIL` (verify-quote), `valid:` / `INVALID:` (token),
 * `Attestation verdict: AFFIRMING` and submodule / step status columns (verdict report),
 * replay comparison status at a line end, boot-state trust at a line end, `bootproof: ERR_…`.
 */
const RULES: RegExp[] = [
  /^(\s*(?:- )?\[)(error|warning)(?=\])/,
  /^(result: )(OK|FAILED)$/,
  /^(quote: )(VALID|INVALID)$/,
  /^(  )(ok|FAIL)(?= +\S)/,
  /^()(valid|INVALID)(?=: )/,
  /^((?:# )?Attestation verdict: \**)(AFFIRMING|WARNING|CONTRAINDICATED)(?=\**$)/,
  /^(  )(affirming|warning|contraindicated)(?= )/,
  /^(  \S+ +)(success|failed)(?=$| )/,
  /^(\s+\d+: [0-9a-f]+  )(match|mismatch)$/,
  // Boot-state fact lines start with their label; event-table lines (whose summaries are input
  // text) start with an index, so a summary ending in "  trusted" is never painted.
  /^(  [A-Za-z].*  )(trusted)(?=( events \[[\d, ]*\])?$)/,
  /^(  [A-Za-z].*  )(UNTRUSTED)(?= \()/,
  /^(bootproof: )(ERR_[A-Z0-9_]+)(?=:)/,
]

/** `text` with the status words of its lines coloured (see {@link RULES}). */
export function highlight(text: string): string {
  // Pretty-printed JSON (policy derive, predict-pcr4 --policy print it without --json) stays plain.
  if (/^\s*(\{|\[\s*(\n|\]))/.test(text)) return text
  return text
    .split('\n')
    .map((line) => {
      for (const re of RULES) {
        const m = re.exec(line)
        if (!m) continue
        const word = m[2]!
        const c = word.startsWith('ERR_') ? 'red' : colourOf(word)
        if (!c) continue
        const at = m.index + m[1]!.length
        return line.slice(0, at) + paint(c, word) + line.slice(at + word.length)
      }
      return line
    })
    .join('\n')
}

/** `io` whose stdout / stderr text is highlighted when `enabled` says so for that stream. */
export function colorIO(io: CliIO, enabled: { out: boolean; err: boolean }): CliIO {
  if (!enabled.out && !enabled.err) return io
  return {
    ...io,
    out: enabled.out ? (s) => io.out(highlight(s)) : (s) => io.out(s),
    err: enabled.err ? (s) => io.err(highlight(s)) : (s) => io.err(s),
  }
}
