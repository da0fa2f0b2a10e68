/**
 * X.509 only where certificates are used: an application that imports only `parseEventLog` and
 * `replayEventLog` must not bundle pkijs / asn1js (nor jose). Checked on the sources and on the
 * built package (tsup output with the repository config, JavaScript only), whose shared chunk
 * used to carry the `token` namespace object and with it every certificate path (555 KB
 * minified instead of ~75 KB).
 */
import { build, type Metafile } from 'esbuild'
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../helpers/corpus.js'
import { NODE_MODULES, tsupBuild } from './build.js'

const X509_DEPS = /node_modules[\\/](pkijs|asn1js|jose)[\\/]/

async function bundle(dir: string, from: string, names: string[]): Promise<{ bytes: number; inputs: string[] }> {
  const entry = join(dir, `entry-${names.join('-')}.js`)
  writeFileSync(entry, `import { ${names.join(', ')} } from ${JSON.stringify(from)}\nconsole.log(${names.join(', ')})\n`)
  const r = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    external: ['node:*'],
    nodePaths: [NODE_MODULES],
    metafile: true,
    logLevel: 'silent',
  })
  const out = Object.values((r.metafile as Metafile).outputs)[0]!
  return { bytes: out.bytes, inputs: Object.keys(out.inputs) }
}

let dir: string
let dist: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bootproof-bundle-'))
  // A package directory (package.json beside dist/, as in node_modules/bootproof) so that the
  // bundler sees `sideEffects: false`, as it would for a consumer.
  mkdirSync(join(dir, 'pkg'))
  cpSync(join(REPO_ROOT, 'package.json'), join(dir, 'pkg/package.json'))
  symlinkSync(NODE_MODULES, join(dir, 'pkg/node_modules'), 'dir')
  await tsupBuild(join(dir, 'pkg/dist'), { dts: false })
  dist = join(dir, 'pkg/dist/index.js')
}, 120_000)

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('parse + replay without X.509', () => {
  it('from the sources: no pkijs, asn1js, jose, src/x509 or src/token', async () => {
    const r = await bundle(dir, join(REPO_ROOT, 'src/index.ts'), ['parseEventLog', 'replayEventLog'])
    expect(r.inputs.filter((i) => X509_DEPS.test(i) || /src[\\/](x509|token)[\\/]/.test(i))).toEqual([])
  })

  it('from the built package: no pkijs, asn1js or jose, and under 150 KB minified', async () => {
    const r = await bundle(dir, dist, ['parseEventLog', 'replayEventLog'])
    expect(r.inputs.filter((i) => X509_DEPS.test(i))).toEqual([])
    expect(r.bytes).toBeLessThan(150_000)
  })

  it('control: importing the certificate path does bundle pkijs and asn1js', async () => {
    const r = await bundle(dir, dist, ['verifyCertificateChain'])
    expect(r.inputs.some((i) => /node_modules[\\/]pkijs[\\/]/.test(i))).toBe(true)
    expect(r.inputs.some((i) => /node_modules[\\/]asn1js[\\/]/.test(i))).toBe(true)
  })

  it('the token namespace still works from the built package', async () => {
    const r = await bundle(dir, dist, ['token'])
    expect(r.inputs.some((i) => /node_modules[\\/]jose[\\/]/.test(i))).toBe(true)
    const mod = (await import(dist)) as { token: Record<string, unknown>; verifyEar: unknown }
    expect(typeof mod.token.verifyMaaToken).toBe('function')
    expect(mod.token.verifyEar).toBe(mod.verifyEar)
  })
})
