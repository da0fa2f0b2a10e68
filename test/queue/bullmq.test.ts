/**
 * examples/bullmq end to end: a real Redis (Debian's redis-server on 127.0.0.1, a free port, no
 * persistence), two processor.ts worker processes, and producer.ts over a generated fleet; its
 * output must equal `bootproof batch`'s line by line (verdict `iat`, the issue time, aside).
 * Skips with a message when redis-server is not installed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeFleet, type FleetLine } from '../../scripts/make-fleet.js'
import { REPO_ROOT } from '../helpers/corpus.js'
import { runCli } from '../cli/run.js'
import { decodeJob, encodeJob } from '../../examples/bullmq/job.js'
// Type-only: `tsc -p tsconfig.node.json` checks the two entry points through these imports.
import type { produce } from '../../examples/bullmq/producer.js'
import type { startFleetWorker } from '../../examples/bullmq/processor.js'

const PROCESSOR = join(REPO_ROOT, 'examples/bullmq/processor.ts')
const PRODUCER = join(REPO_ROOT, 'examples/bullmq/producer.ts')
const POLICY = join(REPO_ROOT, 'examples/policies/ovmf-sb-esp.derived.json')
const INSTALL = 'apt-get update && apt-get install -y redis-server'
const WORKERS = 2

const HAVE_REDIS = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0
if (!HAVE_REDIS) console.warn(`\n[SKIPPED] test/queue/bullmq: redis-server not installed; install with: ${INSTALL}\n`)

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

/** Resolve when `pattern` shows on the child's stdout; reject when it exits first or after `ms`. */
function waitFor(child: ChildProcess, pattern: RegExp, ms: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = ''
    let err = ''
    const done = (e?: Error) => {
      clearTimeout(timer)
      child.stdout!.off('data', onData)
      child.off('exit', onExit)
      if (e) reject(e)
      else resolve()
    }
    const onData = (d: Buffer) => {
      seen += d.toString()
      if (pattern.test(seen)) done()
    }
    const onExit = (code: number | null) => done(new Error(`${what} exited (${code}) before it was ready: ${seen}${err}`))
    const timer = setTimeout(() => done(new Error(`${what} not ready after ${ms} ms: ${seen}${err}`)), ms)
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()))
    child.stdout!.on('data', onData)
    child.once('exit', onExit)
  })
}

/** SIGTERM, then SIGKILL after `ms`; resolves with everything the child printed on stdout from now on. */
function stop(child: ChildProcess | undefined, ms = 15_000): Promise<string> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve('')
  return new Promise((resolve) => {
    let out = ''
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
    const kill = setTimeout(() => child.kill('SIGKILL'), ms)
    child.once('exit', () => {
      clearTimeout(kill)
      resolve(out)
    })
    child.kill('SIGTERM')
  })
}

function run(args: string[], ms: number): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    const kill = setTimeout(() => child.kill('SIGKILL'), ms)
    child.once('exit', (code) => {
      clearTimeout(kill)
      resolve({ code, out, err })
    })
  })
}

/** A verdict line without its issue time (`iat` differs between two runs a second apart). */
function withoutIat(line: string): unknown {
  const o = JSON.parse(line)
  if (o.verdict) delete o.verdict.iat
  return o
}

describe('job data carries the line bytes', () => {
  it('as text when UTF-8 (a BOM kept), as base64 otherwise', () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d])
    expect(encodeJob(bom, 1)).toEqual({ line: 1, text: '\ufeff{}' })
    expect(decodeJob(encodeJob(bom, 1))).toEqual(bom)
    const bad = new Uint8Array([0x7b, 0xff, 0x7d])
    expect(encodeJob(bad, 7)).toEqual({ line: 7, base64: 'e/99' })
    expect(decodeJob(encodeJob(bad, 7))).toEqual(bad)
  })
})

describe.skipIf(!HAVE_REDIS)(`BullMQ pipeline (redis-server, ${WORKERS} processor processes) = bootproof batch`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bootproof-bullmq-'))
  const input = join(dir, 'fleet.ndjson')
  const batchOut = join(dir, 'batch.ndjson')
  const queueOut = join(dir, 'queue.ndjson')
  const queueName = `bootproof-test-${process.pid}`
  let fleet: FleetLine[]
  let redis: ChildProcess | undefined
  let url = ''
  const workers: ChildProcess[] = []
  let batch: Awaited<ReturnType<typeof runCli>>
  let producer: Awaited<ReturnType<typeof run>>
  let processed: number[] = []

  beforeAll(async () => {
    fleet = makeFleet(60, 'queue-test-15') // a seed whose 60 lines hold every bad-line kind, tampered logs, wrong nonces
    // A blank line (skipped, still counted in line numbers), a line that is not UTF-8 and a last line without LF.
    const text = fleet.slice(0, 30).map((f) => f.line + '\n').join('') + '\n' + fleet.slice(30).map((f) => f.line).join('\n')
    writeFileSync(input, Buffer.concat([Buffer.from('{"id":"\xff"}\n', 'latin1'), Buffer.from(text)]))

    for (let attempt = 0; !redis && attempt < 3; attempt++) {
      const port = await freePort()
      // `timeout`: the server stops by itself even if this test process dies before afterAll.
      const child = spawn('timeout', ['600', 'redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] })
      try {
        await waitFor(child, /Ready to accept connections/, 10_000, 'redis-server')
        redis = child
        url = `redis://127.0.0.1:${port}`
      } catch (e) {
        await stop(child)
        if (attempt === 2) throw e
      }
    }
    for (let i = 0; i < WORKERS; i++) {
      // An IPC channel: a processor closes itself when this process goes away.
      const w = spawn(process.execPath, ['--import', 'tsx', PROCESSOR, '--redis', url, '--queue', queueName, '--policy', POLICY, '--concurrency', '4'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
      workers.push(w)
    }
    await Promise.all(workers.map((w, i) => waitFor(w, /processor: ready/, 60_000, `processor ${i}`)))

    batch = await runCli('batch', input, '--policy', POLICY, '-o', batchOut, '--workers', '2')
    producer = await run([PRODUCER, input, '--redis', url, '--queue', queueName, '-o', queueOut], 120_000)
    const outs = await Promise.all(workers.map((w) => stop(w)))
    processed = outs.map((o) => Number(/processor: closed after (\d+) jobs/.exec(o)?.[1] ?? NaN))
  }, 240_000)

  afterAll(async () => {
    await Promise.all(workers.map((w) => stop(w)))
    await stop(redis)
    rmSync(dir, { recursive: true, force: true })
  }, 60_000)

  it('writes the lines bootproof batch writes, in input order', () => {
    expect(batch.code, batch.err).toBe(1)
    expect(producer.code, producer.err).toBe(0)
    const expected = readFileSync(batchOut, 'utf8').split('\n')
    const got = readFileSync(queueOut, 'utf8').split('\n')
    expect(expected.at(-1)).toBe('')
    expect(got.at(-1)).toBe('')
    expect(expected).toHaveLength(fleet.length + 2)
    expect(got).toHaveLength(expected.length)
    for (let i = 0; i < expected.length - 1; i++) {
      expect(withoutIat(got[i]!), `line ${i + 1}`).toEqual(withoutIat(expected[i]!))
      // Byte for byte once the issue time is set aside.
      expect(got[i]!.replace(/"iat":\d+,/, ''), `line ${i + 1}`).toBe(expected[i]!.replace(/"iat":\d+,/, ''))
    }
  })

  it('covers bad lines, tampered machines and both processes', () => {
    const lines = readFileSync(queueOut, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l))
    expect(lines[0].error.code).toBe('ERR_LINE_ENCODING')
    const codes = new Set(lines.filter((l) => l.error).map((l) => l.error.code))
    for (const kind of ['bad-not-json', 'bad-missing-nonce', 'bad-duplicate-key', 'tampered'] as const) expect(fleet.some((f) => f.kind === kind), kind).toBe(true)
    expect(codes).toEqual(new Set(['ERR_LINE_ENCODING', 'ERR_LINE_NOT_JSON', 'ERR_LINE_INVALID', 'ERR_LINE_DUPLICATE_KEY']))
    const missing = lines.find((l) => l.error?.code === 'ERR_LINE_INVALID' && l.error.message.includes('"nonce"'))
    // Line numbers are the file's, blank line included: the worker saw the same line as batch.
    expect(missing.error.message).toMatch(/^line \d+: missing "nonce"/)
    for (const [i, f] of fleet.entries()) if (f.kind === 'tampered') expect(lines[i + 1].ear_status).toBe('contraindicated')
    expect(lines.some((l) => l.ear_status === 'affirming')).toBe(true)
    // Both worker processes verified lines, and together every line once.
    expect(processed.every((n) => n > 0), String(processed)).toBe(true)
    expect(processed.reduce((a, b) => a + b, 0)).toBe(fleet.length + 1)
  })
})
