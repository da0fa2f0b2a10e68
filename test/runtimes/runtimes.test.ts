/**
 * The portable core (the built `bootproof` entry) in headless Chromium, Deno and Bun gives the
 * same answers as in Node on the demo evidence (test-vectors/demo/evidence.json with
 * examples/policies/ovmf-sb-esp.derived.json): parse summary, every replayed PCR value, and the
 * verdict JSON without `iat` (test/runtimes/probe.mjs computes them).
 *
 * Built once (tsup, no declarations) into a temporary directory under .tmp/, so the bundle's bare
 * imports (@noble/hashes, jose, pkijs, asn1js) resolve from this repository's node_modules in
 * Node, Bun and Deno. The browser gets one ESM file bundled from it by esbuild
 * (`--platform=browser`: a static `node:` import would fail the bundle), served with the probe
 * and the two inputs from an HTTP server on 127.0.0.1, driven by puppeteer-core.
 *
 * Each runtime that is not installed is skipped with a message naming its install command:
 * Chromium from Debian (`apt-get install -y chromium`, .ci/run does it), Bun and Deno from the npm
 * packages `bun` and `deno` (devDependencies; their platform packages carry the binaries).
 */
import { execFile, execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../helpers/corpus.js'
import { tsupBuild } from '../package/build.js'

const run = promisify(execFile)
const HERE = join(REPO_ROOT, 'test/runtimes')
const EVIDENCE = join(REPO_ROOT, 'test-vectors/demo/evidence.json')
const POLICY = join(REPO_ROOT, 'examples/policies/ovmf-sb-esp.derived.json')
const CHROMIUM = process.env.BOOTPROOF_CHROMIUM ?? '/usr/bin/chromium'

interface ProbeResult {
  hash: string
  parse: { format: string; eventCount: number; banks: string[] }
  replay: Record<string, Record<string, string>>
  verdict: Record<string, unknown> & { ear_status: string }
  iatType: string
  runtime?: string
}

/** A runtime binary from node_modules/.bin that answers `--version`, else undefined. */
function npmBinary(name: string): string | undefined {
  const bin = join(REPO_ROOT, 'node_modules/.bin', name)
  if (!existsSync(bin)) return undefined
  try {
    execFileSync(bin, ['--version'], { stdio: 'ignore', timeout: 20000 })
    return bin
  } catch {
    return undefined
  }
}

const BUN = npmBinary('bun')
const DENO = npmBinary('deno')
const HAS_CHROMIUM = existsSync(CHROMIUM)
const HAS_PUPPETEER = existsSync(join(REPO_ROOT, 'node_modules/puppeteer-core/package.json'))

function skipNote(what: string, install: string): void {
  console.warn(`\n[SKIPPED] runtimes: ${what} not installed; install with: ${install}\n`)
}
if (!HAS_CHROMIUM) skipNote(`Chromium (${CHROMIUM})`, 'apt-get update && apt-get install -y chromium')
else if (!HAS_PUPPETEER) skipNote('puppeteer-core', 'npm ci (devDependency puppeteer-core)')
if (!BUN) skipNote('Bun (node_modules/.bin/bun)', 'npm ci (devDependency bun, binary from @oven/bun-linux-x64)')
if (!DENO) skipNote('Deno (node_modules/.bin/deno)', 'npm ci (devDependency deno, binary from @deno/linux-x64-glibc)')

let dir = ''
let entry = ''
let node: ProbeResult
const timings: string[] = []

async function timed<T>(label: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now()
  try {
    return await f()
  } finally {
    timings.push(`${label} ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  }
}

async function cli(cmd: string, args: string[]): Promise<ProbeResult> {
  const { stdout } = await run(cmd, [...args, join(HERE, 'cli_runner.mjs'), entry, EVIDENCE, POLICY], { cwd: REPO_ROOT, maxBuffer: 16 << 20, timeout: 120000 })
  return JSON.parse(stdout) as ProbeResult
}

/** Everything a runtime must agree on: the probe result without the runtime's own name and hash provider. */
function comparable(r: ProbeResult): Omit<ProbeResult, 'hash' | 'runtime'> {
  const { hash: _h, runtime: _r, ...rest } = r
  return rest
}

describe('portable core in other runtimes', () => {
  beforeAll(async () => {
    mkdirSync(join(REPO_ROOT, '.tmp'), { recursive: true })
    dir = mkdtempSync(join(REPO_ROOT, '.tmp', 'runtimes-'))
    entry = join(dir, 'dist/index.js')
    await timed('build (tsup, no d.ts)', () => tsupBuild(join(dir, 'dist'), { dts: false }))
    node = await timed('node', () => cli(process.execPath, []))
  }, 180000)

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
    console.log(`runtimes: ${timings.join(', ')}`)
  })

  it('Node: the demo evidence is affirming, with every bank replayed', () => {
    expect(node.verdict.ear_status).toBe('affirming')
    expect(node.iatType).toBe('number')
    expect(node.parse).toEqual({ format: 'tcg-crypto-agile', eventCount: 48, banks: ['sha1', 'sha256', 'sha384'] })
    expect(Object.keys(node.replay.sha256 ?? {}).length).toBeGreaterThan(8)
  })

  it.skipIf(!BUN)('Bun: same parse, replay and verdict as Node', async () => {
    const r = await timed('bun', () => cli(BUN!, []))
    expect(r.runtime).toMatch(/^bun /)
    expect(comparable(r)).toEqual(comparable(node))
  }, 120000)

  it.skipIf(!DENO)('Deno (read permission only): same parse, replay and verdict as Node', async () => {
    // --allow-read alone: the core needs no env, net or sys access. No lockfile or config: the
    // imports resolve from node_modules next to package.json.
    const r = await timed('deno', () => cli(DENO!, ['run', '--allow-read', '--no-lock', '--node-modules-dir=manual']))
    expect(r.runtime).toMatch(/^deno /)
    expect(comparable(r)).toEqual(comparable(node))
  }, 120000)

  describe.skipIf(!HAS_CHROMIUM || !HAS_PUPPETEER)('headless Chromium', () => {
    let server: Server | undefined
    let origin = ''

    beforeAll(async () => {
      const { build } = await import('esbuild')
      const browserDir = join(dir, 'browser')
      await timed('esbuild (browser bundle)', () =>
        build({ entryPoints: [entry], outfile: join(browserDir, 'bootproof.js'), bundle: true, format: 'esm', platform: 'browser', target: 'es2022', logLevel: 'error' }).then(() => undefined),
      )
      const page = `<!doctype html><meta charset="utf-8"><title>bootproof runtime probe</title>
<script type="module">
window.__probe = (async () => {
  try {
    const bp = await import('/bootproof.js')
    const { probe } = await import('/probe.mjs')
    const [e, p] = await Promise.all(['/evidence.json', '/policy.json'].map((u) => fetch(u).then((r) => r.text())))
    const out = await probe(bp, e, p)
    out.runtime = navigator.userAgent
    return { ok: out }
  } catch (err) {
    return { error: String(err && err.stack || err) }
  }
})()
</script>`
      // A fixed table of paths: nothing else is served.
      const files: Record<string, [string, () => Buffer | string]> = {
        '/': ['text/html', () => page],
        '/bootproof.js': ['text/javascript', () => readFileSync(join(browserDir, 'bootproof.js'))],
        '/probe.mjs': ['text/javascript', () => readFileSync(join(HERE, 'probe.mjs'))],
        '/evidence.json': ['application/json', () => readFileSync(EVIDENCE)],
        '/policy.json': ['application/json', () => readFileSync(POLICY)],
      }
      server = createServer((req, res) => {
        const f = files[(req.url ?? '/').split('?')[0]!]
        if (!f) return void res.writeHead(404).end()
        res.writeHead(200, { 'content-type': f[0], 'cache-control': 'no-store' }).end(f[1]())
      })
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
      const addr = server.address()
      origin = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`
    }, 120000)

    afterAll(async () => {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
    })

    it('same parse, replay and verdict as Node (noble hashes, WebCrypto signatures)', async () => {
      const puppeteer = (await import('puppeteer-core')).default
      const result = await timed('chromium', async () => {
        const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] })
        try {
          const page = await browser.newPage()
          const errors: string[] = []
          page.on('pageerror', (e) => errors.push(String(e)))
          page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`))
          await page.goto(origin + '/', { waitUntil: 'load' })
          const out = (await page.evaluate('window.__probe')) as { ok?: ProbeResult; error?: string }
          if (!out.ok) throw new Error(`in the page: ${out.error ?? 'no result'}\n${errors.join('\n')}`)
          return out.ok
        } finally {
          await browser.close()
        }
      })
      expect(result.runtime).toMatch(/Chrome\//)
      // No node:crypto in a page: the @noble/hashes fallback did the hashing.
      expect(result.hash).toBe('noble')
      expect(comparable(result)).toEqual(comparable(node))
    }, 120000)
  })
})
