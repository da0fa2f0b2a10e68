/**
 * Helpers for test/docs/findings_doc.test.ts: a static scan of src/ for the finding codes the
 * library can emit, and a reader for the tables of docs/findings.md.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

export type Severity = 'error' | 'warning' | 'info'
const SEVERITIES: readonly string[] = ['error', 'warning', 'info']

export interface StaticHit {
  code: string
  file: string
  line: number
  /** Severities written as literals next to the code (empty: computed, e.g. `spec.severity`). */
  severities: Severity[]
}

export function tsFiles(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...tsFiles(p))
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p)
  }
  return out
}

/** The source with comments replaced by spaces (offsets and line numbers kept; strings untouched). */
export function blankComments(src: string): string {
  const out = src.split('')
  let i = 0
  const skipString = (q: string): void => {
    i++
    while (i < src.length && src[i] !== q) {
      if (src[i] === '\\') i++
      else if (q === '`' && src[i] === '$' && src[i + 1] === '{') {
        // A template substitution: skip to its closing brace (nested strings handled shallowly).
        let depth = 0
        for (; i < src.length; i++) {
          if (src[i] === '{') depth++
          else if (src[i] === '}' && --depth === 0) break
        }
      }
      i++
    }
    i++
  }
  while (i < src.length) {
    const c = src[i]!
    if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') out[i++] = ' '
    } else if (c === '/' && src[i + 1] === '*') {
      while (i < src.length && !(src[i] === '*' && src[i + 1] === '/')) {
        if (src[i] !== '\n') out[i] = ' '
        i++
      }
      out[i] = ' '
      out[i + 1] = ' '
      i += 2
    } else if (c === "'" || c === '"' || c === '`') skipString(c)
    else i++
  }
  return out.join('')
}

/**
 * End of the expression starting at `start`: the first `,` `;` `}` `)` `]` or newline-free end at
 * depth 0, skipping string literals.
 */
export function exprEnd(src: string, start: number): number {
  let depth = 0
  for (let i = start; i < src.length; i++) {
    const c = src[i]!
    if (c === "'" || c === '"' || c === '`') {
      for (i++; i < src.length && src[i] !== c; i++) if (src[i] === '\\') i++
      continue
    }
    if (c === '(' || c === '[' || c === '{') depth++
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) return i
      depth--
    } else if ((c === ',' || c === ';') && depth === 0) return i
  }
  return src.length
}

const CODE_LITERAL = /'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)'/g
const SEVERITY_LITERAL = /'(error|warning|info)'/g

function literals(expr: string, re: RegExp): string[] {
  return [...expr.matchAll(re)].map((m) => m[1]!)
}

/** The end of the object literal that contains `at` (its closing brace), or -1. */
function objectEnd(src: string, at: number): number {
  for (let pos = at; ; ) {
    const end = exprEnd(src, pos)
    if (src[end] !== ',') return src[end] === '}' ? end : -1
    pos = end + 1
  }
}

/**
 * Finding-code literals of src/ in the forms the library uses:
 * - `code: <expr>` (object literals: `{ code: 'X', severity: ... }`, `emit(ctx, check, { code: 'X' })`,
 *   ternaries such as `code: cond ? 'A' : 'B'`, rule tables);
 * - `finding('X', 'severity', ...)` (src/state/windows/sipa_events.ts).
 * Severity literals are taken from a `severity:` key that directly follows the code key; an
 * `emit(...)` object without a `severity` key is an error (src/policy/appraise/context.ts).
 */
export function staticScan(srcDir: string, repoRoot: string): StaticHit[] {
  const hits: StaticHit[] = []
  for (const file of tsFiles(srcDir)) {
    const raw = readFileSync(file, 'utf8')
    const src = blankComments(raw)
    const rel = relative(repoRoot, file)
    const lineOf = (i: number): number => src.slice(0, i).split('\n').length
    for (const m of src.matchAll(/\bcode:\s*/g)) {
      // An object-literal property only: not a parameter (`(code: 'A' | 'B')`) or class field
      // (`static code: T = 'X'`) type annotation.
      if (!/[{,]\s*$/.test(src.slice(Math.max(0, m.index! - 40), m.index!))) continue
      const start = m.index! + m[0].length
      const end = exprEnd(src, start)
      const expr = src.slice(start, end)
      // A type union (`code: 'A' | 'B'` in a parameter list), not a value.
      if (/(^|[^|])\|([^|]|$)/.test(expr.replace(/'[^']*'/g, "''"))) continue
      const codes = literals(expr, CODE_LITERAL)
      if (!codes.length) continue
      let severities: string[] = []
      const after = /^,\s*severity:\s*/.exec(src.slice(end))
      if (after) {
        const s = end + after[0].length
        severities = literals(src.slice(s, exprEnd(src, s)), SEVERITY_LITERAL)
      } else {
        const before = src.slice(Math.max(0, m.index! - 80), m.index!)
        const close = objectEnd(src, start)
        const inEmit = /\bemit\(\s*ctx\s*,\s*'[^']*'\s*,\s*\{\s*(\.\.\.[A-Za-z]+\s*,\s*)?$/.test(before)
        if (inEmit && close > 0 && !/\bseverity\s*:/.test(src.slice(m.index!, close))) severities = ['error']
      }
      // Severity literals belong to one code only when the code is a single literal.
      for (const code of codes) hits.push({ code, file: rel, line: lineOf(m.index!), severities: codes.length === 1 ? (severities as Severity[]) : [] })
    }
    for (const m of src.matchAll(/\bfinding\(\s*'([A-Z][A-Z0-9_]+)'\s*,\s*'(error|warning|info)'/g)) {
      hits.push({ code: m[1]!, file: rel, line: lineOf(m.index!), severities: [m[2] as Severity] })
    }
  }
  return hits
}

/** Members of a string-literal union type `export type Name = | 'A' | 'B'` in a source file. */
export function unionMembers(file: string, typeName: string): string[] {
  const src = blankComments(readFileSync(file, 'utf8'))
  const at = src.indexOf(`export type ${typeName} =`)
  if (at < 0) throw new Error(`${typeName} not found in ${file}`)
  const rest = src.slice(at + 1)
  const next = rest.search(/\n(export |const |function |interface )/)
  const body = next < 0 ? rest : rest.slice(0, next)
  return literals(body, /'([A-Z][A-Z0-9_]+)'/g)
}

/** Keys of an exported object literal `export const NAME = { KEY: {...}, ... }`. */
export function objectKeys(file: string, constName: string): string[] {
  const src = blankComments(readFileSync(file, 'utf8'))
  const at = src.indexOf(`export const ${constName} =`)
  if (at < 0) throw new Error(`${constName} not found in ${file}`)
  const open = src.indexOf('{', at)
  // Keys at depth 1 only: each entry is `KEY: <expr>`, entries separated by top-level commas.
  const keys: string[] = []
  let i = open + 1
  for (;;) {
    const m = /^\s*([A-Z][A-Z0-9_]+)\s*:/.exec(src.slice(i))
    if (!m) break
    keys.push(m[1]!)
    const end = exprEnd(src, i + m[0].length)
    if (src[end] !== ',') break
    i = end + 1
  }
  return keys
}

export interface DocRow {
  section: string
  cells: string[]
  /** Codes in backticks in the first cell. */
  codes: string[]
  line: number
}

/** Every table row (header and separator rows excluded) of a Markdown file, with its `##` section. */
export function tableRows(markdown: string): DocRow[] {
  const rows: DocRow[] = []
  let section = ''
  const lines = markdown.split('\n')
  lines.forEach((line, i) => {
    const h = /^##\s+(.*)$/.exec(line)
    if (h) section = h[1]!.trim()
    if (!line.startsWith('|')) return
    if (/^\|[\s|:-]+\|$/.test(line)) return
    if (i + 1 < lines.length && /^\|[\s|:-]+\|$/.test(lines[i + 1]!)) return // header row
    const cells = line.slice(1, line.endsWith('|') ? -1 : undefined).split('|').map((c) => c.trim())
    rows.push({ section, cells, codes: [...(cells[0] ?? '').matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!), line: i + 1 })
  })
  return rows
}

/** `error`, `warning or info: condition`, ...: the severities a severity cell names, or undefined when malformed. */
export function severityCell(cell: string): Severity[] | undefined {
  const m = /^(error|warning|info)((?: or (?:error|warning|info))*)(?:: \S.*)?$/.exec(cell)
  if (!m) return undefined
  const words = [m[1]!, ...(m[2] ?? '').split(' or ').filter(Boolean)]
  return words.every((w) => SEVERITIES.includes(w)) ? (words as Severity[]) : undefined
}
