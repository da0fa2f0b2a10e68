/**
 * The ```ts snippets under "## Library" in README.md, as written:
 * - type-checked together (tsc --noEmit, the repository's compiler options plus Node types), with
 *   `bootproof`, `bootproof/errors`, `bootproof/node` and `bootproof/testing` mapped to their
 *   source entry points through `paths`;
 * - run against the committed vectors, after replacing only the file paths they name (SUBSTITUTE,
 *   below): a snippet that imports vitest runs under vitest, the others under tsx; a snippet that
 *   exports a function is also called by a small driver (DRIVERS, below).
 *
 * The files are written to a temporary directory under .tmp/, so `vitest`, `@types/node` and the
 * library's dependencies resolve from this repository's node_modules.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../helpers/corpus.js'

const run = promisify(execFile)
const bin = (p: string) => join(REPO_ROOT, 'node_modules', p)

/** The snippets' file paths, and the committed files that stand in for them. */
const SUBSTITUTE: Record<string, string> = {
  'fleet-policy.json': 'examples/policies/ovmf-sb-esp.derived.json',
  'fixtures/binary_bios_measurements': 'test-vectors/ovmf/sb-esp/binary_bios_measurements',
  'fixtures/pcrs.json': 'test-vectors/ovmf/sb-esp/pcrs.json',
  '/sys/kernel/security/tpm0/binary_bios_measurements': 'test-vectors/ovmf/sb-esp/binary_bios_measurements',
}

/**
 * Callers of exported snippet functions, by export name: the driver's source (it prints one
 * `RESULT <json>` line) and what that result must be. `attest` (the backend service): the
 * recorded demo bundle, with its own nonce and AK standing in for the verifier's records, is
 * affirming; the same evidence a second time is a replay (the TPM clock did not advance).
 */
const DRIVERS: Record<string, { source: (module: string) => string; check: (result: Record<string, unknown>) => void }> = {
  attest: {
    source: (module) => `
import { readFileSync } from 'node:fs'
import { parseEvidenceBundle } from 'bootproof'
import { attest } from './${module}'

const text = readFileSync(${JSON.stringify(join(REPO_ROOT, 'test-vectors/demo/evidence.json'))}, 'utf8')
const recorded = parseEvidenceBundle(text)
const first = await attest('m1', text, recorded.nonce!, recorded.ak)
const again = await attest('m1', text, recorded.nonce!, recorded.ak)
console.log('RESULT ' + JSON.stringify({ first: first.ear_status, again: again.ear_status, againCodes: again.bootproof_findings.map((f) => f.code) }))
`,
    check: (r) => {
      expect(r.first).toBe('affirming')
      expect(r.again).toBe('contraindicated')
      expect(r.againCodes).toContain('ERR_QUOTE_CLOCK_ROLLBACK')
    },
  },
}

interface Snippet {
  index: number
  code: string
  vitest: boolean
  exports: string[]
  file: string
}

function librarySnippets(readme: string): string[] {
  const start = readme.search(/^## Library\s*$/m)
  if (start < 0) return []
  const rest = readme.slice(start + 1)
  const end = rest.search(/^## /m)
  const section = end < 0 ? rest : rest.slice(0, end)
  return [...section.matchAll(/^```ts\n([\s\S]*?)^```\s*$/gm)].map((m) => m[1]!)
}

const snippets: Snippet[] = librarySnippets(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')).map((code, i) => {
  const vitest = /from 'vitest'/.test(code)
  return {
    index: i + 1,
    code,
    vitest,
    exports: [...code.matchAll(/^export (?:async )?function (\w+)/gm)].map((m) => m[1]!),
    file: `snippet-${i + 1}${vitest ? '.test' : ''}.ts`,
  }
})

function substitute(code: string): string {
  let out = code
  for (const [from, to] of Object.entries(SUBSTITUTE)) out = out.split(`'${from}'`).join(JSON.stringify(join(REPO_ROOT, to)))
  return out
}

/** The environment for nested tools: no VITEST* variables from this worker. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VITEST') && k !== 'NODE_OPTIONS' && k !== 'TEST') env[k] = v
  return env
}

const ENTRY = {
  bootproof: 'src/index.ts',
  'bootproof/errors': 'src/errors.ts',
  'bootproof/node': 'src/node/index.ts',
  'bootproof/testing': 'src/testing/index.ts',
}

let dir = ''

describe('README "## Library" snippets', () => {
  beforeAll(() => {
    mkdirSync(join(REPO_ROOT, '.tmp'), { recursive: true })
    dir = mkdtempSync(join(REPO_ROOT, '.tmp', 'readme-'))
    mkdirSync(join(dir, 'as-written'))
    mkdirSync(join(dir, 'run'))
    const paths = Object.fromEntries(Object.entries(ENTRY).map(([k, v]) => [k, [join(REPO_ROOT, v)]]))
    for (const sub of ['as-written', 'run']) {
      writeFileSync(
        join(dir, sub, 'tsconfig.json'),
        JSON.stringify({
          extends: join(REPO_ROOT, 'tsconfig.json'),
          compilerOptions: { types: ['node'], noEmit: true, paths },
          files: snippets.map((s) => s.file),
          include: [],
        }),
      )
    }
    for (const s of snippets) {
      writeFileSync(join(dir, 'as-written', s.file), s.code)
      writeFileSync(join(dir, 'run', s.file), substitute(s.code))
    }
  })

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('the section has its snippets, and every substitution is used', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(3)
    const all = snippets.map((s) => s.code).join('\n')
    for (const from of Object.keys(SUBSTITUTE)) expect(all, from).toContain(`'${from}'`)
    for (const s of snippets) for (const name of s.exports) expect(DRIVERS[name], `a driver for snippet ${s.index}'s export ${name}`).toBeDefined()
  })

  it('type-check as written (tsc --noEmit, bootproof mapped to src/)', async () => {
    const r = await run(process.execPath, [bin('typescript/bin/tsc'), '-p', join(dir, 'as-written', 'tsconfig.json')], { cwd: REPO_ROOT, maxBuffer: 16 << 20 }).catch((e: { stdout?: string; stderr?: string }) => e)
    expect(`${r.stdout ?? ''}${r.stderr ?? ''}`.trim()).toBe('')
  }, 240000)

  for (const s of snippets) {
    const how = s.vitest ? 'vitest' : s.exports.length ? `tsx, calling ${s.exports.join(', ')}` : 'tsx'
    it(`snippet ${s.index} runs against the committed vectors (${how})`, async () => {
      const cwd = join(dir, 'run')
      const opts = { cwd, env: cleanEnv(), maxBuffer: 16 << 20, timeout: 120000 }
      if (s.vitest) {
        const alias = Object.entries(ENTRY).map(([k, v]) => ({ find: new RegExp(`^${k}$`), replacement: join(REPO_ROOT, v) }))
        writeFileSync(
          join(cwd, `vitest.config.${s.index}.mjs`),
          `export default { resolve: { alias: [${alias.map((a) => `{ find: ${a.find}, replacement: ${JSON.stringify(a.replacement)} }`).join(', ')}] }, test: { include: [${JSON.stringify(s.file)}], watch: false } }\n`,
        )
        const { stdout } = await run(process.execPath, [bin('vitest/vitest.mjs'), 'run', '--root', cwd, '--config', join(cwd, `vitest.config.${s.index}.mjs`), '--reporter=json'], opts)
        const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { numTotalTests: number; numPassedTests: number }
        expect(report.numTotalTests).toBeGreaterThan(0)
        expect(report.numPassedTests).toBe(report.numTotalTests)
        return
      }
      const tsx = [bin('tsx/dist/cli.mjs'), '--tsconfig', join(cwd, 'tsconfig.json')]
      if (!s.exports.length) {
        await run(process.execPath, [...tsx, join(cwd, s.file)], opts)
        return
      }
      for (const name of s.exports) {
        const driver = join(cwd, `driver-${s.index}-${name}.ts`)
        writeFileSync(driver, DRIVERS[name]!.source(s.file.replace(/\.ts$/, '.js')))
        const { stdout } = await run(process.execPath, [...tsx, driver], opts)
        const line = stdout.split('\n').find((l) => l.startsWith('RESULT '))
        expect(line, stdout).toBeDefined()
        DRIVERS[name]!.check(JSON.parse(line!.slice('RESULT '.length)) as Record<string, unknown>)
      }
    }, 120000)
  }
})
