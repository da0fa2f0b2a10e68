/**
 * `bootproof batch` with a FIFO as its input. Opening a FIFO for reading waits until a writer
 * opens it, in a thread the process cannot exit past, so everything that can fail before the
 * first line is read is settled before the input is opened: the policy, the outputs and the
 * worker pool. A pool that cannot start ends the run with one line and exit 2 while no writer
 * ever opens the FIFO (before, the input was opened first and the process waited for a writer
 * forever); a FIFO that gets a writer is read like a file.
 *
 * A pool fails to start only in a hostile environment (Node's permission model without worker
 * threads, a thread or isolate that cannot be created), which a test cannot make reliably under
 * tsx: there batch.ts's import of the pool module is resolved to a stand-in by a module hook
 * (Node's `module.register`), the production code unchanged.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { makeFleet } from '../../scripts/make-fleet.js'
import { REPO_ROOT } from '../helpers/corpus.js'
import { BIN, bootproof, POLICY, type Run } from './batch_run.js'

const dir = mkdtempSync(join(tmpdir(), 'bootproof-batch-fifo-'))
const HAS_MKFIFO = spawnSync('mkfifo', ['--version']).status === 0
if (!HAS_MKFIFO) console.warn('test/cli/batch_fifo.test.ts: skipped, this platform has no mkfifo')

/** Seconds a run that must not wait for the FIFO's writer is given before it counts as hung. */
const HANG_MS = 20_000

function makeFifo(name: string): string {
  const path = join(dir, name)
  execFileSync('mkfifo', [path])
  return path
}

/**
 * A module for `--import` that makes batch.ts load `standIn` (module source) instead of
 * src/node/fleet_pool.ts. Only that one import is redirected: the stand-in may load the real
 * module by its own URL.
 */
function poolStandIn(name: string, standIn: string): string {
  const standInFile = join(dir, `${name}.pool.mjs`)
  const hooksFile = join(dir, `${name}.hooks.mjs`)
  const registerFile = join(dir, `${name}.register.mjs`)
  writeFileSync(standInFile, standIn)
  writeFileSync(
    hooksFile,
    `export async function resolve(specifier, context, next) {
  if (specifier === '../../node/fleet_pool.js' && context.parentURL?.split('?')[0].endsWith('/src/cli/commands/batch.ts')) return { url: ${JSON.stringify(pathToFileURL(standInFile).href)}, shortCircuit: true }
  return next(specifier, context)
}
`,
  )
  writeFileSync(registerFile, `import { register } from 'node:module'\nregister(${JSON.stringify(pathToFileURL(hooksFile).href)})\n`)
  return pathToFileURL(registerFile).href
}

const REAL_POOL = pathToFileURL(join(REPO_ROOT, 'src/node/fleet_pool.ts')).href

/** Exited by itself within the bound (not killed), exit 2, exactly one line on stderr, nothing on stdout. */
function expectOneLineFailure(r: Run, message: RegExp): void {
  expect(r.signal, `killed (waiting for the FIFO's writer?): ${r.err}`).toBeNull()
  expect(r.code, r.err).toBe(2)
  const lines = r.err.trimEnd().split('\n')
  expect(lines, r.err).toHaveLength(1)
  expect(lines[0]).toMatch(message)
  expect(r.err).not.toMatch(/ERR_INTERNAL|Unhandled|\n\s+at /)
  expect(r.out).toBe('')
}

describe('a FIFO input is opened only once the worker pool is up', () => {
  it.skipIf(!HAS_MKFIFO)('workers that fail while starting: one line, exit 2, the FIFO never waited on, an earlier -o untouched', () => {
    const input = makeFifo('workers-fail.fifo')
    const out = join(dir, 'earlier.ndjson')
    writeFileSync(out, 'an earlier run\n')
    // The real pool and its real threads, handed a policy the workers refuse (the main thread
    // validated the user's): each thread dies before it is ready, as one that cannot build its
    // verifier does.
    const hooks = poolStandIn(
      'workers-fail',
      `import { createFleetWorkerPool as start } from ${JSON.stringify(REAL_POOL)}
export function createFleetWorkerPool(options) {
  return start({ ...options, verify: { ...options.verify, policy: { version: 999 } } })
}
`,
    )
    const r = bootproof(['batch', input, '--policy', POLICY, '-o', out, '--workers', '2'], { imports: [hooks], timeout: HANG_MS })
    expectOneLineFailure(r, /^batch: the worker pool did not start: fleet worker failed to start: crashed: .*policy version 999 is not supported/)
    expect(readFileSync(out, 'utf8')).toBe('an earlier run\n')
  }, HANG_MS + 10_000)

  it.skipIf(!HAS_MKFIFO)('worker threads denied (as under the permission model without --allow-worker): one line with the code, exit 2', () => {
    const input = makeFifo('denied.fifo')
    // What `new Worker` throws in a process run with --experimental-permission (Node 20) or
    // --permission and without --allow-worker.
    const hooks = poolStandIn(
      'denied',
      `export async function createFleetWorkerPool() {
  throw Object.assign(new Error('Access to this API has been restricted'), { code: 'ERR_ACCESS_DENIED' })
}
`,
    )
    const r = bootproof(['batch', input, '--policy', POLICY, '--workers', '1'], { imports: [hooks], timeout: HANG_MS })
    expectOneLineFailure(r, /^batch: the worker pool did not start: Access to this API has been restricted \(ERR_ACCESS_DENIED\)$/)
  }, HANG_MS + 10_000)

  it.skipIf(!HAS_MKFIFO)('an invalid policy (refused in the main thread, before any worker): one line, exit 2', () => {
    const input = makeFifo('bad-policy.fifo')
    const policy = join(dir, 'future-policy.json')
    writeFileSync(policy, '{"version": 999}\n')
    const r = bootproof(['batch', input, '--policy', policy, '--workers', '1'], { timeout: HANG_MS })
    expect(r.signal, `killed: ${r.err}`).toBeNull()
    expect(r.code, r.err).toBe(2)
    expect(r.err.trimEnd().split('\n'), r.err).toHaveLength(1)
    expect(r.err).toMatch(/^bootproof: ERR_POLICY_VERSION: policy version 999 is not supported/)
  }, HANG_MS + 10_000)
})

interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
  out: string
  err: string
}

/** A child's exit and output; killed when it outlives `ms`. */
function exited(child: ReturnType<typeof spawn>, ms: number): Promise<Exit> {
  let out = ''
  let err = ''
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d))
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d))
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), ms)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, out, err })
    })
  })
}

describe('a FIFO input with a writer', () => {
  it.skipIf(!HAS_MKFIFO)('is read to its end: every line verified, in order, exit 0 when each affirms', async () => {
    const input = makeFifo('good.fifo')
    const good = makeFleet(60, 'batch-fifo-good').filter((f) => f.kind === 'sb-esp').slice(0, 2)
    expect(good).toHaveLength(2)
    const cli = spawn(process.execPath, ['--import', 'tsx', BIN, 'batch', input, '--policy', POLICY, '--workers', '1'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    const run = exited(cli, 60_000)
    // The writer opens the FIFO (waiting for the reader), writes both lines and closes it: the
    // end of the input. A process of its own, so a reader that never comes cannot hang the test.
    const writer = spawn('sh', ['-c', 'cat > "$1"', 'sh', input], { stdio: ['pipe', 'ignore', 'pipe'] })
    const wrote = exited(writer, 60_000)
    writer.stdin!.end(good.map((f) => f.line).join('\n') + '\n')
    const r = await run
    // A reader that left without opening the FIFO leaves the writer waiting: end it.
    const late = setTimeout(() => writer.kill('SIGKILL'), 5_000)
    const w = await wrote
    clearTimeout(late)
    expect(r.signal, `killed: ${r.err}`).toBeNull()
    expect(w.code, w.err).toBe(0)
    expect(r.code, r.err).toBe(0)
    const lines = r.out.trimEnd().split('\n').map((l) => JSON.parse(l) as { id: string; ear_status: string })
    expect(lines.map((l) => l.id)).toEqual(good.map((f) => f.id))
    expect(lines.map((l) => l.ear_status)).toEqual(['affirming', 'affirming'])
    expect(r.err).toMatch(/^batch: 2 attestations in .*: 2 affirming;/)
  }, 90_000)
})
