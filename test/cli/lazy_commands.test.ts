/**
 * The built CLI loads a command's code only when that command runs: the static import graph of
 * dist/cli/main.js reaches no X.509, token or WebCrypto-heavy dependency (pkijs, asn1js, jose),
 * so `bootproof --version` or `replay` does not pay for them. Built by `npm test` before vitest.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../helpers/corpus.js'

const MAIN = join(REPO_ROOT, 'dist/cli/main.js')

/** Specifiers of the static `import … from "x"` / `export … from "x"` statements of an ESM file. */
function staticImports(code: string): string[] {
  return [...code.matchAll(/^\s*(?:import|export)\b[^;'"]*?\bfrom\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']/gm)].map((m) => (m[1] ?? m[2])!)
}

function staticGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>()
  const packages = new Set<string>()
  const todo = [entry]
  while (todo.length) {
    const f = todo.pop()!
    if (files.has(f)) continue
    files.add(f)
    for (const s of staticImports(readFileSync(f, 'utf8'))) {
      if (s.startsWith('.')) todo.push(resolve(dirname(f), s))
      else packages.add(s.replace(/^node:/, 'node:'))
    }
  }
  return { files, packages }
}

describe.skipIf(!existsSync(MAIN))('the built CLI loads commands lazily', () => {
  it('main.js statically reaches no pkijs, asn1js or jose; each command is a dynamic import', () => {
    const { files, packages } = staticGraph(MAIN)
    expect([...packages].filter((p) => /^(pkijs|asn1js|jose)(\/|$)/.test(p))).toEqual([])
    const code = readFileSync(MAIN, 'utf8')
    expect((code.match(/\bimport\(/g) ?? []).length).toBeGreaterThanOrEqual(13)
    // The graph is small: the dispatcher, io and a few shared chunks.
    expect(files.size).toBeLessThan(12)
  })

  it('the whole graph, dynamic imports included, does reach them (the check above can fail)', () => {
    const all = new Set<string>()
    const todo = [MAIN]
    while (todo.length) {
      const f = todo.pop()!
      if (all.has(f)) continue
      all.add(f)
      const code = readFileSync(f, 'utf8')
      for (const m of code.matchAll(/(?:from\s*|import\s*\(\s*|import\s*)["'](\.[^"']+)["']/g)) todo.push(resolve(dirname(f), m[1]!))
    }
    const text = [...all].map((f) => readFileSync(f, 'utf8')).join('\n')
    expect(text).toMatch(/from\s*["']pkijs["']/)
  })
})
