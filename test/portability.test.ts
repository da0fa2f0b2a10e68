/**
 * Portable core (project rule): nothing under src/ except src/cli and src/node imports `node:*`,
 * and the built `bootproof` entry (dist/index.js and every chunk it loads) has no static `node:`
 * import. Hashing reaches node:crypto only through process.getBuiltinModule at run time.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from './helpers/corpus.js'

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? files(p) : [p]
  })
}

describe('portable core', () => {
  it('no src/ module outside cli/ and node/ imports node:*', () => {
    const offenders = files(join(REPO_ROOT, 'src'))
      .filter((f) => f.endsWith('.ts') && !/[\\/]src[\\/](cli|node)[\\/]/.test(f))
      .filter((f) => /from\s+['"]node:|import\(\s*['"]node:|require\(\s*['"]node:/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(REPO_ROOT, f))
    expect(offenders).toEqual([])
  })

  it.skipIf(!existsSync(join(REPO_ROOT, 'dist/index.js')))('the built entry and its chunks have no static node: import', () => {
    const seen = new Set<string>()
    const visit = (file: string) => {
      if (seen.has(file)) return
      seen.add(file)
      const text = readFileSync(join(REPO_ROOT, 'dist', file), 'utf8')
      expect(text, file).not.toMatch(/(from|import)\s*['"]node:/)
      for (const m of text.matchAll(/from\s*['"]\.\/([^'"]+\.js)['"]/g)) visit(m[1]!)
    }
    visit('index.js')
    expect(seen.size).toBeGreaterThan(1)
  })
})
