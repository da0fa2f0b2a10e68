/**
 * A strict JSON parser (RFC 8259) for attacker-written JSON: JOSE header and payload segments
 * and evidence bundles. Used instead of `JSON.parse`, which silently keeps the last of
 * duplicated member names. A JWS recipient may reject duplicates (RFC 7515 §5.2); bootproof
 * does, because a downstream consumer that keeps the first value would read a different claim
 * set (or evidence) than the one verified (attack J-09). RFC 8259 §4 leaves duplicate names'
 * meaning undefined, so they are an error here.
 *
 * Also: a nesting-depth cap (V8's `JSON.parse` throws `RangeError` on very deep input, J-10),
 * objects built with `defineProperty` so `__proto__` is an ordinary member, and numbers exactly
 * as `JSON.parse` reads them (`1e400` → `Infinity`; the time-claim checks reject that).
 */

export interface StrictJsonOptions {
  /** Maximum nesting of arrays/objects (default 64). */
  maxDepth?: number
}

/** Why strict parsing failed: `duplicate` for a repeated member name, `syntax` for the rest. */
export class StrictJsonError extends Error {
  readonly kind: 'syntax' | 'duplicate' | 'depth'
  readonly position: number
  /** The repeated member name, for `duplicate`. */
  readonly key: string | undefined
  /** JSON pointer (RFC 6901) of the repeated member, for `duplicate` (e.g. `/quotes/0/attest`). */
  readonly pointer: string | undefined
  constructor(kind: 'syntax' | 'duplicate' | 'depth', message: string, position: number, key?: string, pointer?: string) {
    super(`${message} at position ${position}`)
    this.name = 'StrictJsonError'
    this.kind = kind
    this.position = position
    this.key = key
    this.pointer = pointer
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y

/** A backslash or a control character: the string needs the character-by-character scan. */
const NEEDS_SCAN = /[\\\u0000-\u001f]/

/**
 * Parse `text` as one JSON value with nothing but whitespace around it.
 * @throws StrictJsonError on any syntax error, duplicate member name or excess nesting.
 */
export function parseStrictJson(text: string, options: StrictJsonOptions = {}): unknown {
  const maxDepth = options.maxDepth ?? 64
  // The engine's own parser checks the syntax first (native, fast). When the text is valid JSON,
  // the walk below only has to find repeated members and excess nesting, and a string without a
  // backslash is exactly its characters. When it is not, the walk finds where and why.
  let valid = false
  try {
    JSON.parse(text)
    valid = true
  } catch {
    // reported by the walk, with its position
  }
  let pos = 0
  // Member names / array indices from the root to the value being read; only turned into a
  // pointer when a duplicate is found, so the happy path pays one push/pop per member.
  const path: (string | number)[] = []
  const pointer = (last: string): string => [...path, last].map((p) => '/' + String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('')

  const fail = (message: string): never => {
    throw new StrictJsonError('syntax', message, pos)
  }
  const ws = (): void => {
    for (;;) {
      const c = text.charCodeAt(pos)
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) pos++
      else return
    }
  }
  const str = (): string => {
    const start = pos
    // Fast path: the common string has no escape and no control character (base64 evidence is
    // most of a bundle's bytes). Then the next quote closes it and its characters are its value,
    // found by native scans instead of a loop per character (in valid JSON no control character
    // can be there, so only the backslash is looked for).
    const close = text.indexOf('"', pos + 1)
    if (close > 0) {
      const body = text.slice(pos + 1, close)
      if (valid ? body.indexOf('\\') < 0 : !NEEDS_SCAN.test(body)) {
        pos = close + 1
        return body
      }
    }
    pos++ // opening quote
    for (;;) {
      if (pos >= text.length) fail('unterminated string')
      const c = text.charCodeAt(pos)
      if (c === 0x22) break
      if (c < 0x20) fail('control character in string')
      if (c === 0x5c) {
        const e = text[pos + 1]
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) fail('bad \\u escape')
          pos += 6
          continue
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) fail('bad escape')
        pos += 2
        continue
      }
      pos++
    }
    pos++ // closing quote
    // The slice is now known to be a valid JSON string literal; let the engine decode escapes.
    return JSON.parse(text.slice(start, pos)) as string
  }
  const value = (depth: number): unknown => {
    ws()
    const c = text[pos]
    if (c === '{') {
      if (depth >= maxDepth) throw new StrictJsonError('depth', `nesting deeper than ${maxDepth}`, pos)
      pos++
      const obj: Record<string, unknown> = {}
      const seen = new Set<string>()
      ws()
      if (text[pos] === '}') {
        pos++
        return obj
      }
      for (;;) {
        ws()
        if (text[pos] !== '"') fail('expected a member name')
        const keyPos = pos
        const key = str()
        if (seen.has(key)) throw new StrictJsonError('duplicate', `duplicate member name ${JSON.stringify(key)}`, keyPos, key, pointer(key))
        seen.add(key)
        ws()
        if (text[pos] !== ':') fail('expected ":"')
        pos++
        path.push(key)
        const v = value(depth + 1)
        path.pop()
        // Plain assignment makes the same own data property for every name the prototype lacks.
        // A name it has (`__proto__`: its setter; `toString` etc.: read-only where the prototype
        // is frozen) needs defineProperty.
        if (key in obj) Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true })
        else obj[key] = v
        ws()
        if (text[pos] === ',') {
          pos++
          continue
        }
        if (text[pos] === '}') {
          pos++
          return obj
        }
        fail('expected "," or "}"')
      }
    }
    if (c === '[') {
      if (depth >= maxDepth) throw new StrictJsonError('depth', `nesting deeper than ${maxDepth}`, pos)
      pos++
      const arr: unknown[] = []
      ws()
      if (text[pos] === ']') {
        pos++
        return arr
      }
      for (;;) {
        path.push(arr.length)
        arr.push(value(depth + 1))
        path.pop()
        ws()
        if (text[pos] === ',') {
          pos++
          continue
        }
        if (text[pos] === ']') {
          pos++
          return arr
        }
        fail('expected "," or "]"')
      }
    }
    if (c === '"') return str()
    if (text.startsWith('true', pos)) {
      pos += 4
      return true
    }
    if (text.startsWith('false', pos)) {
      pos += 5
      return false
    }
    if (text.startsWith('null', pos)) {
      pos += 4
      return null
    }
    NUMBER.lastIndex = pos
    const m = NUMBER.exec(text)
    if (!m) return fail('unexpected character')
    pos += m[0].length
    return Number(m[0])
  }

  const out = value(0)
  ws()
  if (pos !== text.length) fail('trailing characters after the JSON value')
  return out
}
