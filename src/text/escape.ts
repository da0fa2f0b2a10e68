/**
 * The one terminal-safety escape for text output (CLI, text/Markdown reports, renderers).
 *
 * Event-log strings are attacker-influenced. The decoders already escape C0/C1 controls, but a
 * string that is "printable" can still lie on screen: a bidi override (U+202E) makes a UEFI
 * variable name display reversed, zero-width characters (U+200B-U+200F, U+FEFF) make two
 * different names look identical, and a lone surrogate is not text at all. So every code point
 * of Unicode category Cc (controls), Cf (format: bidi embeddings/overrides/isolates, zero-width,
 * BOM, tag characters, ...), Zl/Zp (U+2028/U+2029, which some terminals treat as line breaks) and
 * every unpaired surrogate is shown as `\uXXXX`, one escape per UTF-16 code unit.
 *
 * Why `\uXXXX` per code unit: it is the form the event decoders already use, and it is also a
 * valid JSON string escape for the same character, so escaping pretty-printed JSON output leaves
 * the JSON value unchanged (JSON.stringify never emits these characters outside strings).
 *
 * Ground floor: no imports, no `node:`.
 */

// With the `u` flag, a surrogate pair is one code point (never Cs); only a lone surrogate is Cs.
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u
const UNSAFE_ALL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu
// The same set without LF, for multi-line output whose line structure is the renderer's own.
const UNSAFE_BUT_LF = /(?!\n)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu
// Printable ASCII holds none of them: most output is that, and a one-byte class scan is several
// times cheaper than the Unicode-property scan, which then runs only on the rest.
const NOT_PRINTABLE_ASCII = /[^\x20-\x7e]/
const NOT_PRINTABLE_ASCII_OR_LF = /[^\n\x20-\x7e]/

function escapeMatch(m: string): string {
  let out = ''
  for (let i = 0; i < m.length; i++) out += `\\u${m.charCodeAt(i).toString(16).padStart(4, '0')}`
  return out
}

export interface EscapeTextOptions {
  /**
   * Keep `\n` as a line break (default false). For whole rendered documents, whose lines the
   * renderer produced; a single value interpolated into a line should escape it.
   */
  keepNewlines?: boolean
}

/** Whether `s` holds anything {@link escapeText} would escape (LF counts unless kept). */
export function needsEscape(s: string, options?: EscapeTextOptions): boolean {
  if (!(options?.keepNewlines ? NOT_PRINTABLE_ASCII_OR_LF : NOT_PRINTABLE_ASCII).test(s)) return false
  if (!options?.keepNewlines) return UNSAFE.test(s)
  UNSAFE_BUT_LF.lastIndex = 0
  return UNSAFE_BUT_LF.test(s)
}

/**
 * `s` with every control, format character (Cf), line/paragraph separator and unpaired surrogate
 * replaced by `\uXXXX`. Everything else, including printable non-ASCII text, is kept as is.
 */
export function escapeText(s: string, options?: EscapeTextOptions): string {
  if (!needsEscape(s, options)) return s
  return s.replace(options?.keepNewlines ? UNSAFE_BUT_LF : UNSAFE_ALL, escapeMatch)
}
