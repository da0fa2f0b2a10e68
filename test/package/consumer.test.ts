/**
 * The package as a consumer gets it: built with tsup into a temporary directory, packed with
 * `npm pack`, unpacked into a consumer project's node_modules (test/package/build.ts).
 *
 * - `tsc --noEmit` with skipLibCheck false, under node16 and bundler resolution, on a file that
 *   imports every public subpath (the `token` namespace in index.d.ts used to fail, TS2693);
 * - the JSON Schemas resolve as `bootproof/schema/*` (import attributes and createRequire), and
 *   the packed JavaScript runs (a log built with bootproof/testing, verified by bootproof);
 * - the tarball holds no source maps, and publint reports no error or warning.
 */
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { publint } from 'publint'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildPackAndInstall, NODE_MODULES, run, type PackedConsumer } from './build.js'

const CONSUMER_TS = `
import { parseEventLog, replayEventLog, token, verifyAttestation, type Verdict } from 'bootproof'
import { BootproofError, type BootproofErrorCode } from 'bootproof/errors'
import { readEventLog } from 'bootproof/node'
import { buildEventLog, standardBoot, attestEventLog, registerBootproofMatchers, type BootproofMatchers } from 'bootproof/testing'

const code: token.TokenErrorCode = 'ERR_JWT_MALFORMED'
const check: token.TokenCheckErrorCode = 'ERR_JWT_ALG_NONE'
const parse: token.TokenParseErrorCode = 'ERR_JWT_TOO_LARGE'
const thrown: readonly token.TokenParseErrorCode[] = token.TOKEN_THROWN_CODES
const e: BootproofErrorCode = code
const m: BootproofMatchers<void> | undefined = undefined
registerBootproofMatchers({ extend: () => undefined })

export async function demo(): Promise<Verdict> {
  const log = parseEventLog(buildEventLog({ events: standardBoot() }).bytes)
  replayEventLog(log)
  void token.verifyEar
  void readEventLog
  if (!(new BootproofError('ERR_EVENTLOG_TRUNCATED', 'x') instanceof Error)) throw new Error()
  const { input } = await attestEventLog(buildEventLog({ events: standardBoot() }).bytes)
  return (await verifyAttestation(input)).verdict
}
export { check, parse, thrown, e, m }
`

const CONSUMER_MJS = `
import { createRequire } from 'node:module'
import verdictSchema from 'bootproof/schema/verdict.schema.json' with { type: 'json' }
import { derivePolicy, parseEventLog, verifyAttestation, token } from 'bootproof'
import { buildEventLog, standardBoot, attestEventLog } from 'bootproof/testing'

const require = createRequire(import.meta.url)
const path = require.resolve('bootproof/schema/verdict.schema.json')
const { bytes } = buildEventLog({ events: standardBoot() })
const { input } = await attestEventLog(bytes)
const { verdict } = await verifyAttestation({ ...input, policy: derivePolicy([parseEventLog(bytes)], { id: 'consumer' }) })
console.log(JSON.stringify({ id: verdictSchema.$id ?? null, path, viaRequire: require('bootproof/schema/verdict.schema.json').$id ?? null, status: verdict.ear_status, tokenFns: typeof token.verifyEar }))
`

function tsconfig(module: string, moduleResolution: string) {
  return JSON.stringify({
    compilerOptions: { target: 'ES2022', module, moduleResolution, strict: true, skipLibCheck: false, noEmit: true, types: ['node'], lib: ['ES2022', 'DOM'] },
    files: ['consumer.ts'],
  })
}

let pkg: PackedConsumer

beforeAll(async () => {
  pkg = await buildPackAndInstall()
  writeFileSync(join(pkg.root, 'consumer.ts'), CONSUMER_TS)
  writeFileSync(join(pkg.root, 'consumer.mjs'), CONSUMER_MJS)
  writeFileSync(join(pkg.root, 'tsconfig.node16.json'), tsconfig('node16', 'node16'))
  writeFileSync(join(pkg.root, 'tsconfig.bundler.json'), tsconfig('esnext', 'bundler'))
}, 300_000)

afterAll(() => {
  if (pkg) rmSync(join(pkg.root, '..'), { recursive: true, force: true })
})

describe('the packed package in a consumer project', () => {
  it('type-checks with skipLibCheck false under node16 and bundler resolution', async () => {
    const tsc = join(NODE_MODULES, 'typescript/bin/tsc')
    const check = (project: string) =>
      run(process.execPath, [tsc, '-p', project, '--pretty', 'false'], { cwd: pkg.root }).then(
        () => '',
        (e: { stdout?: string }) => `${project}:\n${e.stdout ?? String(e)}`,
      )
    const out = await Promise.all([check('tsconfig.node16.json'), check('tsconfig.bundler.json')])
    expect(out.join('')).toBe('')
  }, 240_000)

  it('resolves bootproof/schema/*.json and runs the packed JavaScript', async () => {
    const { stdout } = await run(process.execPath, ['consumer.mjs'], { cwd: pkg.root })
    const r = JSON.parse(stdout) as { id: string | null; path: string; viaRequire: string | null; status: string; tokenFns: string }
    expect(r.path).toBe(join(pkg.installed, 'schema/verdict.schema.json'))
    expect(r.id).toBeTruthy()
    expect(r.viaRequire).toBe(r.id)
    expect(r.status).toBe('affirming')
    expect(r.tokenFns).toBe('function')
  }, 60_000)

  it('ships no source maps, and the LICENSE', () => {
    const paths = pkg.pack.files.map((f) => f.path)
    expect(paths.filter((p) => p.endsWith('.map'))).toEqual([])
    expect(paths).toContain('LICENSE')
    expect(paths).toContain('dist/testing/index.d.ts')
    expect(paths).toContain('schema/verdict.schema.json')
    // Was 2.2 MB unpacked / 578 KB packed with the maps (then 1.2 MB without them); 1.43 MB with the
    // TDX, HCL, UKI and CEL modules. The bound catches maps (or another doubling) coming back.
    expect(pkg.pack.unpackedSize).toBeLessThan(1_800_000)
  })

  it('publint: no error or warning on the packed files', async () => {
    const { messages } = await publint({ pkgDir: pkg.installed, pack: false, level: 'warning' })
    expect(messages.map((m) => `${m.type} ${m.code} ${m.path.join('.')}`)).toEqual([])
  }, 60_000)
})
