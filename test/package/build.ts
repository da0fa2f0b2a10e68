/**
 * Build and pack the package the way it ships, into a temporary directory (never dist/): tsup
 * with the repository's tsup.config.ts into <tmp>/pkg/dist, the package.json `files` copied
 * beside it, `npm pack` of that directory, and the tarball unpacked into a consumer project's
 * node_modules/bootproof. Runtime dependencies and @types/node are symlinked from this
 * repository's node_modules (no registry access).
 */
import { execFile } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { REPO_ROOT } from '../helpers/corpus.js'

export const run = promisify(execFile)
export const NODE_MODULES = join(REPO_ROOT, 'node_modules')
const pkgJson = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { files: string[]; dependencies: Record<string, string> }

function newestMtime(path: string): number {
  const st = statSync(path)
  if (!st.isDirectory()) return st.mtimeMs
  let m = st.mtimeMs
  for (const e of readdirSync(path)) m = Math.max(m, newestMtime(join(path, e)))
  return m
}

/**
 * Whether the repository's dist/ is a complete build newer than every input (what `npm test`
 * builds right before vitest): then it is copied instead of built again, so the declaration
 * build runs once per test run (it is the slowest step).
 */
export function freshRepoDist(): string | undefined {
  const dist = join(REPO_ROOT, 'dist')
  const marker = join(dist, 'index.d.ts')
  if (!existsSync(marker) || !existsSync(join(dist, 'token/index.d.ts'))) return undefined
  const built = statSync(marker).mtimeMs
  const inputs = Math.max(newestMtime(join(REPO_ROOT, 'src')), statSync(join(REPO_ROOT, 'tsup.config.ts')).mtimeMs, statSync(join(REPO_ROOT, 'package.json')).mtimeMs)
  return built >= inputs ? dist : undefined
}

/** tsup with the repository config, `--out-dir` elsewhere; `dts: false` skips the slow declaration build. A fresh dist/ is copied instead. */
export async function tsupBuild(outDir: string, o: { dts?: boolean } = {}): Promise<void> {
  const fresh = freshRepoDist()
  if (fresh) {
    cpSync(fresh, outDir, { recursive: true })
    return
  }
  const args = [join(NODE_MODULES, 'tsup/dist/cli-default.js'), '--out-dir', outDir, '--silent']
  if (o.dts === false) args.push('--no-dts')
  await run(process.execPath, args, { cwd: REPO_ROOT, maxBuffer: 64 << 20 })
}

export interface PackedConsumer {
  root: string
  /** node_modules/bootproof in the consumer: the unpacked tarball. */
  installed: string
  tarball: string
  /** `npm pack --json` entry: size, unpackedSize, files. */
  pack: { size: number; unpackedSize: number; files: { path: string; size: number }[] }
}

export async function buildPackAndInstall(): Promise<PackedConsumer> {
  const root = mkdtempSync(join(tmpdir(), 'bootproof-pkg-'))
  const pkgDir = join(root, 'pkg')
  mkdirSync(pkgDir)
  await tsupBuild(join(pkgDir, 'dist'))
  cpSync(join(REPO_ROOT, 'package.json'), join(pkgDir, 'package.json'))
  for (const f of pkgJson.files) if (!f.startsWith('!') && f !== 'dist' && existsSync(join(REPO_ROOT, f))) cpSync(join(REPO_ROOT, f), join(pkgDir, f), { recursive: true })
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', root], { cwd: pkgDir, maxBuffer: 64 << 20 })
  const pack = (JSON.parse(stdout) as (PackedConsumer['pack'] & { filename: string })[])[0]!
  const tarball = join(root, pack.filename)

  const consumer = join(root, 'consumer')
  const installed = join(consumer, 'node_modules/bootproof')
  mkdirSync(installed, { recursive: true })
  await run('tar', ['xzf', tarball, '-C', installed, '--strip-components=1'])
  mkdirSync(join(consumer, 'node_modules/@types'), { recursive: true })
  symlinkSync(join(NODE_MODULES, '@types/node'), join(consumer, 'node_modules/@types/node'), 'dir')
  for (const dep of Object.keys(pkgJson.dependencies)) {
    mkdirSync(join(consumer, 'node_modules', dep, '..'), { recursive: true })
    symlinkSync(join(NODE_MODULES, dep), join(consumer, 'node_modules', dep), 'dir')
  }
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'bootproof-consumer', private: true, type: 'module' }, null, 2))
  return { root: consumer, installed, tarball, pack }
}
