/**
 * Regression tests for fuzz findings (test/fuzz/findings/<family>/<sha256>.bin). Each test is
 * written to pass once the finding is fixed; until then it is registered as `it.todo` naming its
 * file. To enable one when its fix lands: add its file to ENABLED (and drop its entry from
 * known.ts, so the smoke run guards it as well).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BootproofError } from '../../src/errors.js'
import { validatePolicy } from '../../src/policy/validate.js'
import { importKeylimeRefstate } from '../../src/policy/import_keylime.js'
import { FINDINGS_DIR } from './harness.js'

const ENABLED = new Set<string>([
  'policy/df40bdb8b315a7fd37aa9ad0b85bb3c9e325411ebe063db855cb9e6a7084e252.bin',
  'policy/fd4841af753a8d69503223661cbc87f48278163280caada1b6cac45308578055.bin',
  'policy/37cbeae8575c407a2cf7a3fa62f8efaefb5e3d3675fdea227a0f8fdc62c8186c.bin',
  'policy/c2eecdaa55e406063ffe2b5cb678798078a1f6d7c1f71c52b3f89344b28030dc.bin',
])

const text = (file: string): string => readFileSync(join(FINDINGS_DIR, file), 'utf8')

/** Runs `f`; anything thrown must be a BootproofError. */
function onlyLibraryErrors(f: () => unknown): void {
  try {
    f()
  } catch (e) {
    expect(e, `escaped: ${(e as Error)?.name}: ${(e as Error)?.message}`).toBeInstanceOf(BootproofError)
  }
}

const CASES: { file: string; title: string; body: () => void }[] = [
  {
    file: 'policy/df40bdb8b315a7fd37aa9ad0b85bb3c9e325411ebe063db855cb9e6a7084e252.bin',
    title: 'validatePolicy: a deeply nested item of a uniqueItems array is a PolicyError, not a stack overflow',
    body: () => onlyLibraryErrors(() => validatePolicy(text('policy/df40bdb8b315a7fd37aa9ad0b85bb3c9e325411ebe063db855cb9e6a7084e252.bin'))),
  },
  {
    file: 'policy/fd4841af753a8d69503223661cbc87f48278163280caada1b6cac45308578055.bin',
    title: 'validatePolicy: a deeply nested wrong-typed value is described in a PolicyError, not a stack overflow',
    body: () => onlyLibraryErrors(() => validatePolicy(text('policy/fd4841af753a8d69503223661cbc87f48278163280caada1b6cac45308578055.bin'))),
  },
  {
    file: 'policy/37cbeae8575c407a2cf7a3fa62f8efaefb5e3d3675fdea227a0f8fdc62c8186c.bin',
    title: 'importKeylimeRefstate: a deeply nested SignatureOwner is rejected or imported, not a stack overflow',
    body: () => onlyLibraryErrors(() => importKeylimeRefstate(JSON.parse(text('policy/37cbeae8575c407a2cf7a3fa62f8efaefb5e3d3675fdea227a0f8fdc62c8186c.bin')), { id: 'fuzz/keylime' })),
  },
  {
    file: 'policy/c2eecdaa55e406063ffe2b5cb678798078a1f6d7c1f71c52b3f89344b28030dc.bin',
    title: "validatePolicy: a 100 KB string in an enum field is rejected in well under a second (the 'did you mean' edit distance must not scale with it)",
    body: () => {
      const t0 = performance.now()
      expect(() => validatePolicy(text('policy/c2eecdaa55e406063ffe2b5cb678798078a1f6d7c1f71c52b3f89344b28030dc.bin'))).toThrow(BootproofError)
      expect(performance.now() - t0).toBeLessThan(500)
    },
  },
]

describe('fuzz findings (regressions)', () => {
  for (const c of CASES) {
    if (ENABLED.has(c.file)) it(`${c.title} [${c.file}]`, c.body)
    else it.todo(`${c.title} [${c.file}]`)
  }
})
