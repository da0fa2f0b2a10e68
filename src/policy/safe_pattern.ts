/**
 * Linear-time full-match patterns for the kernel command line (policy `linux.kernelCmdline.patterns`).
 *
 * JavaScript's RegExp engine backtracks: a pattern such as `^(a+)+$` or `^.*a.*a.*a.*b$` takes
 * exponential or high-polynomial time on a hostile input, and the command line comes from the
 * attester. So policy patterns are NOT run through RegExp. They are parsed here (a subset of
 * ECMAScript regex syntax) and compiled to a Thompson NFA that is simulated state-set by state-set:
 * time O(input length × pattern states), whatever the pattern.
 *
 * Supported: literals, `.`, escapes `\d \D \w \W \s \S \t \n \r \xHH \uHHHH` and escaped
 * punctuation, classes `[a-z0-9_.-]` / `[^...]`, groups `(...)` / `(?:...)`, alternation `|`,
 * quantifiers `* + ? {n} {n,} {n,m}` (lazy `?` suffix accepted; it does not change a full match),
 * `^` at the start and `$` at the end (implied anyway: the whole command line must match).
 * Rejected with a message: backreferences (`\1`, `\k<n>`), lookaround, `\b`, named groups, and
 * anything else. Limits: 512 characters, 4096 NFA states after expanding `{n,m}`.
 */

export const MAX_PATTERN_LENGTH = 512
const MAX_STATES = 4096

type Pred = (c: number) => boolean
type Node =
  | { t: 'set'; test: Pred }
  | { t: 'cat'; items: Node[] }
  | { t: 'alt'; items: Node[] }
  | { t: 'rep'; node: Node; min: number; max: number | undefined }

export class PatternError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message)
  }
}

const isDigit: Pred = (c) => c >= 48 && c <= 57
const isWord: Pred = (c) => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95
const isSpace: Pred = (c) => /\s/u.test(String.fromCodePoint(c))
const SYNTAX = new Set([...'^$\\.*+?()[]{}|/-'].map((c) => c.codePointAt(0)!))

class Parser {
  private i = 0
  private readonly cps: number[]
  constructor(src: string) {
    this.cps = [...src].map((c) => c.codePointAt(0)!)
  }
  private peek(): number | undefined {
    return this.cps[this.i]
  }
  private fail(msg: string): never {
    throw new PatternError(`${msg} at position ${this.i}`, this.i)
  }
  parse(): Node {
    if (this.peek() === 0x5e) this.i++ // leading ^
    const n = this.alt(0)
    if (this.i < this.cps.length) this.fail(this.peek() === 0x29 ? 'unbalanced ")"' : 'unexpected character')
    return n
  }
  private alt(depth: number): Node {
    if (depth > 32) this.fail('groups nested too deeply')
    const items = [this.cat(depth)]
    while (this.peek() === 0x7c) {
      this.i++
      items.push(this.cat(depth))
    }
    return items.length === 1 ? items[0]! : { t: 'alt', items }
  }
  private cat(depth: number): Node {
    const items: Node[] = []
    for (;;) {
      const c = this.peek()
      if (c === undefined || c === 0x7c || c === 0x29) break
      if (c === 0x24) {
        // $ only as the very last character (or before a closing group / alternation at top level)
        this.i++
        if (this.i !== this.cps.length) this.fail('"$" is only allowed at the end (the pattern is anchored anyway)')
        break
      }
      if (c === 0x5e) this.fail('"^" is only allowed at the start (the pattern is anchored anyway)')
      let atom = this.atom(depth)
      atom = this.quantifier(atom)
      items.push(atom)
    }
    return items.length === 1 ? items[0]! : { t: 'cat', items }
  }
  private quantifier(atom: Node): Node {
    const c = this.peek()
    let min: number
    let max: number | undefined
    if (c === 0x2a) [min, max] = [0, undefined]
    else if (c === 0x2b) [min, max] = [1, undefined]
    else if (c === 0x3f) [min, max] = [0, 1]
    else if (c === 0x7b) {
      const m = /^\{(\d{1,4})(,(\d{0,4}))?\}/.exec(String.fromCodePoint(...this.cps.slice(this.i, this.i + 12)))
      if (!m) this.fail('"{" must start a quantifier {n}, {n,} or {n,m} (escape it as \\{)')
      min = Number(m[1])
      max = m[2] === undefined ? min : m[3] === '' ? undefined : Number(m[3])
      if (max !== undefined && max < min) this.fail(`quantifier {${min},${max}} has max < min`)
      this.i += m[0].length - 1
    } else return atom
    this.i++
    if (this.peek() === 0x3f) this.i++ // lazy: same full-match language
    const n = this.peek()
    if (n === 0x2a || n === 0x2b || n === 0x7b) this.fail('a quantifier cannot follow a quantifier')
    return { t: 'rep', node: atom, min, max }
  }
  private atom(depth: number): Node {
    const c = this.peek()!
    if (c === 0x28) {
      this.i++
      if (this.peek() === 0x3f) {
        const next = this.cps[this.i + 1]
        if (next !== 0x3a) this.fail(next === 0x3d || next === 0x21 || next === 0x3c ? 'lookaround and named groups are not supported' : 'unsupported group syntax')
        this.i += 2
      }
      const inner = this.alt(depth + 1)
      if (this.peek() !== 0x29) this.fail('missing ")"')
      this.i++
      return inner
    }
    if (c === 0x5b) return this.cls()
    if (c === 0x2e) {
      this.i++
      return { t: 'set', test: (x) => x !== 10 && x !== 13 }
    }
    if (c === 0x5c) {
      this.i++
      return { t: 'set', test: this.escape(false) }
    }
    if (c === 0x2a || c === 0x2b || c === 0x3f || c === 0x7b) this.fail('nothing to repeat')
    if (c === 0x7d || c === 0x5d) this.fail(`unescaped "${String.fromCodePoint(c)}"`)
    this.i++
    return { t: 'set', test: (x) => x === c }
  }
  /** After a backslash. */
  private escape(inClass: boolean): Pred {
    const c = this.peek()
    if (c === undefined) this.fail('pattern ends with "\\"')
    this.i++
    const ch = String.fromCodePoint(c)
    switch (ch) {
      case 'd': return isDigit
      case 'D': return (x) => !isDigit(x)
      case 'w': return isWord
      case 'W': return (x) => !isWord(x)
      case 's': return isSpace
      case 'S': return (x) => !isSpace(x)
      case 't': return (x) => x === 9
      case 'n': return (x) => x === 10
      case 'r': return (x) => x === 13
      case 'x':
      case 'u': {
        const len = ch === 'x' ? 2 : 4
        const hex = String.fromCodePoint(...this.cps.slice(this.i, this.i + len))
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) this.fail(`\\${ch} needs ${len} hex digits`)
        this.i += len
        const v = parseInt(hex, 16)
        return (x) => x === v
      }
    }
    if (/[1-9]/.test(ch) || ch === 'k') this.fail('backreferences are not allowed (they make matching exponential)')
    if (ch === 'b' || ch === 'B') this.fail(inClass ? '\\b is not supported in a class' : 'word boundaries (\\b, \\B) are not supported')
    if (SYNTAX.has(c) || (c < 128 && !/[A-Za-z0-9_]/.test(ch))) return (x) => x === c
    this.fail(`unknown escape "\\${ch}"`)
  }
  private cls(): Node {
    this.i++ // [
    let negate = false
    if (this.peek() === 0x5e) {
      negate = true
      this.i++
    }
    const parts: Pred[] = []
    let first = true
    for (;;) {
      const c = this.peek()
      if (c === undefined) this.fail('missing "]"')
      if (c === 0x5d && !first) {
        this.i++
        break
      }
      if (c === 0x5d) this.fail('empty class "[]"')
      first = false
      const lo = this.classAtom()
      if (this.peek() === 0x2d && this.cps[this.i + 1] !== undefined && this.cps[this.i + 1] !== 0x5d) {
        this.i++
        const hi = this.classAtom()
        if (typeof lo !== 'number' || typeof hi !== 'number') this.fail('a class range needs single characters at both ends')
        if (hi < lo) this.fail('class range out of order')
        parts.push((x) => x >= lo && x <= hi)
      } else parts.push(typeof lo === 'number' ? (x) => x === lo : lo)
    }
    const test: Pred = (x) => parts.some((p) => p(x))
    return { t: 'set', test: negate ? (x) => !test(x) : test }
  }
  private classAtom(): number | Pred {
    const c = this.peek()!
    if (c === 0x5c) {
      this.i++
      const save = this.i
      const nx = this.peek()
      // single-character escapes give a code point, so ranges such as [\x20-\x7e] work
      if (nx !== undefined && 'dDwWsS'.includes(String.fromCodePoint(nx))) return this.escape(true)
      const p = this.escape(true)
      for (let x = 0; x < 0x110000; x++) if (p(x)) return x // the only code point it accepts
      this.i = save
      this.fail('bad escape in class')
    }
    if (c === 0x5b) this.fail('nested "[" in a class must be escaped')
    this.i++
    return c
  }
}

interface State {
  /** char: consume one code point matching `test`, go to out[0]; split: epsilon to every out; match. */
  kind: 'char' | 'split' | 'match'
  test?: Pred
  out: number[]
}

/** A compiled pattern; `test(s)` is a full match in O(|s| × states). */
export interface SafePattern {
  source: string
  states: number
  test(input: string): boolean
}

function compile(root: Node, source: string): SafePattern {
  const states: State[] = [{ kind: 'match', out: [] }]
  const add = (s: State): number => {
    if (states.length >= MAX_STATES) throw new PatternError(`pattern expands to more than ${MAX_STATES} states (reduce {n,m} counts)`, 0)
    states.push(s)
    return states.length - 1
  }
  const build = (n: Node, next: number): number => {
    switch (n.t) {
      case 'set':
        return add({ kind: 'char', test: n.test, out: [next] })
      case 'cat': {
        let cur = next
        for (let k = n.items.length - 1; k >= 0; k--) cur = build(n.items[k]!, cur)
        return cur
      }
      case 'alt':
        return add({ kind: 'split', out: n.items.map((it) => build(it, next)) })
      case 'rep': {
        let cur = next
        if (n.max === undefined) {
          const loop = add({ kind: 'split', out: [] })
          states[loop]!.out = [build(n.node, loop), next]
          cur = loop
        } else {
          for (let k = 0; k < n.max - n.min; k++) cur = add({ kind: 'split', out: [build(n.node, cur), next] })
        }
        for (let k = 0; k < n.min; k++) cur = build(n.node, cur)
        return cur
      }
    }
  }
  const start = build(root, 0)
  const closure = (set: Set<number>, s: number): void => {
    const stack = [s]
    while (stack.length) {
      const x = stack.pop()!
      if (set.has(x)) continue
      set.add(x)
      const st = states[x]!
      if (st.kind === 'split') for (const o of st.out) stack.push(o)
    }
  }
  return {
    source,
    states: states.length,
    test(input: string): boolean {
      let cur = new Set<number>()
      closure(cur, start)
      for (const ch of input) {
        const c = ch.codePointAt(0)!
        const nxt = new Set<number>()
        for (const s of cur) {
          const st = states[s]!
          if (st.kind === 'char' && st.test!(c)) closure(nxt, st.out[0]!)
        }
        if (nxt.size === 0) return false
        cur = nxt
      }
      return cur.has(0)
    },
  }
}

/**
 * Parse and compile a pattern.
 * @throws PatternError with a position when the pattern is unsupported or malformed.
 */
export function compileSafePattern(source: string): SafePattern {
  if (source.length > MAX_PATTERN_LENGTH) throw new PatternError(`pattern is ${source.length} characters; at most ${MAX_PATTERN_LENGTH}`, MAX_PATTERN_LENGTH)
  return compile(new Parser(source).parse(), source)
}
