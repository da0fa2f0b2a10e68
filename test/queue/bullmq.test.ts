/**
 * examples/bullmq end to end: a real Redis (Debian's redis-server on 127.0.0.1, a free port, no
 * persistence), two processor.ts worker processes, and producer.ts over a generated fleet with bad,
 * tampered, duplicate-id and over-long lines; its output must equal `bootproof batch`'s byte for
 * byte (both given one --now, which fixes each verdict's issue time). Skips with a message when
 * redis-server is not installed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Job, Queue, UnrecoverableError } from 'bullmq'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeFleet, type FleetLine } from '../../scripts/make-fleet.js'
import { REPO_ROOT } from '../helpers/corpus.js'
import { runCli } from '../cli/run.js'
import { createFleetLineVerifier, DEFAULT_MAX_LINE_BYTES } from '../../src/fleet/index.js'
import { decodeJob, encodeJob, JOB_NAME, outputLine, processLine } from '../../examples/bullmq/job.js'
import { produce } from '../../examples/bullmq/producer.js'
import { startFleetWorker } from '../../examples/bullmq/processor.js'

const PROCESSOR = join(REPO_ROOT, 'examples/bullmq/processor.ts')
const PRODUCER = join(REPO_ROOT, 'examples/bullmq/producer.ts')
const POLICY = join(REPO_ROOT, 'examples/policies/ovmf-sb-esp.derived.json')
const INSTALL = 'apt-get update && apt-get install -y redis-server'
const WORKERS = 2
const NOW = '2025-06-01T00:00:00Z'

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('job data', () => {
  const verify = createFleetLineVerifier({ bootChains: false })

  it('carries the line as text when UTF-8 (a BOM kept), as base64 otherwise', () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d])
    expect(encodeJob(bom, 1)).toEqual({ line: 1, text: '\ufeff{}' })
    expect(decodeJob(encodeJob(bom, 1))).toBe('\ufeff{}')
    const bad = new Uint8Array([0x7b, 0xff, 0x7d])
    expect(encodeJob(bad, 7)).toEqual({ line: 7, base64: 'e/99' })
    expect(decodeJob(encodeJob(bad, 7))).toEqual(bad)
  })

  it('a malformed job fails with UnrecoverableError (never retried); a bad line is a result', async () => {
    for (const data of ['{"id":"x"}', null, [1], { text: '{}' }, { line: 0, text: '{}' }, { line: 1.5, text: '{}' }, { line: '2', text: '{}' }, { line: 1, text: 5 }, { line: 1 }, { line: 1, text: '{}', base64: 'e30=' }, { line: 1, base64: 'e30' }, { line: 1, base64: '%%%%' }, { line: 1, text: '{}', policy: {} }]) {
      await expect(processLine(verify, data), JSON.stringify(data)).rejects.toBeInstanceOf(UnrecoverableError)
    }
    expect(JSON.parse(await processLine(verify, { line: 4, text: '[1]' })).error).toEqual({ code: 'ERR_LINE_INVALID', message: 'line 4: a line must be a JSON object' })
    expect(JSON.parse(await processLine(verify, { line: 1, base64: 'e/99' })).error.code).toBe('ERR_LINE_ENCODING')
  })

  it('base64 is decoded only one byte past the line limit, with the outcome of the whole line', async () => {
    const big = { line: 3, base64: 'A'.repeat(4 * 1024 * 1024) }
    expect((decodeJob(big, 16) as Uint8Array).length).toBeLessThanOrEqual(19)
    const small = createFleetLineVerifier({ bootChains: false, maxLineBytes: 16 })
    expect(JSON.parse(await processLine(small, big, 16)).error).toEqual({ code: 'ERR_LINE_TOO_LONG', message: 'line 3: line longer than 16 bytes' })
  })
})

describe('processor arguments', () => {
  it('--now that is not a time stops the processor before it connects (exit 2)', async () => {
    // Port 1 has no Redis: a processor that went on to connect would wait for it until killed.
    const r = await run([PROCESSOR, '--redis', 'redis://127.0.0.1:1', '--policy', POLICY, '--now', 'yesterday'], 30_000)
    expect(r.code, r.err).toBe(2)
    expect(r.err).toContain('--now: not an ISO time')
  }, 40_000)
})

/** Lines the generated fleet lacks, each a kind of input batch must answer line by line. */
function extraLines(fleet: FleetLine[]): string[] {
  const good = fleet.find((f) => f.kind === 'sb-esp')!
  const o = () => JSON.parse(good.line)
  const edit = (f: (x: Record<string, any>) => void) => {
    const x = o()
    f(x)
    return JSON.stringify(x)
  }
  return [
    good.line, // a duplicate id, the same line twice
    edit((x) => (x.nonce = '00'.repeat(32))), // a duplicate id, another nonce
    edit((x) => (x.bundle.eventLog = '%%not base64%%')),
    edit((x) => (x.ak.public = '!!')),
    edit((x) => delete x.ak), // akEnrolled without ak
    edit((x) => (x.nonce = 'zz')),
    edit((x) => (x.policy = {})), // a line cannot bring its own policy
    edit((x) => (x.id = 'm\u2028\u202e\u001b[31m')), // terminal-unsafe characters in an id
    '[1,2,3]',
    '\ufeff' + good.line, // a BOM after line 1
    good.line + '\r',
    `{"id":"big","bundle":"${'A'.repeat(DEFAULT_MAX_LINE_BYTES)}"}`,
  ]
}

describe.skipIf(!HAVE_REDIS)(`BullMQ pipeline (redis-server, ${WORKERS} processor processes) = bootproof batch`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bootproof-bullmq-'))
  const input = join(dir, 'fleet.ndjson')
  const batchOut = join(dir, 'batch.ndjson')
  const queueOut = join(dir, 'queue.ndjson')
  const queueName = `bootproof-test-${process.pid}`
  const connection = () => ({ url, maxRetriesPerRequest: null })
  let fleet: FleetLine[]
  let extras: string[]
  let redis: ChildProcess | undefined
  let url = ''
  const workers: ChildProcess[] = []
  let batch: Awaited<ReturnType<typeof runCli>>
  let producer: Awaited<ReturnType<typeof run>>
  let processed: number[] = []
  let malformed: { failed: boolean; attemptsMade: number; reason: string; workersAlive: boolean }

  beforeAll(async () => {
    fleet = makeFleet(60, 'queue-test-15') // a seed whose 60 lines hold every bad-line kind, tampered logs, wrong nonces
    extras = extraLines(fleet)
    // A line that is not UTF-8, a blank line (skipped, still counted in line numbers), the extra
    // lines and a last line without LF.
    const text = fleet.slice(0, 30).map((f) => f.line + '\n').join('') + '\n' + extras.map((l) => l + '\n').join('') + fleet.slice(30).map((f) => f.line).join('\n')
    writeFileSync(input, Buffer.concat([Buffer.from('{"id":"\xff"}\n', 'latin1'), Buffer.from(text)]))

    for (let attempt = 0; !redis && attempt < 3; attempt++) {
      // An ephemeral port the kernel just gave out, never a system Redis's 6379.
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
      const w = spawn(process.execPath, ['--import', 'tsx', PROCESSOR, '--redis', url, '--queue', queueName, '--policy', POLICY, '--concurrency', '4', '--now', NOW], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
      workers.push(w)
    }
    await Promise.all(workers.map((w, i) => waitFor(w, /processor: ready/, 60_000, `processor ${i}`)))

    batch = await runCli('batch', input, '--policy', POLICY, '-o', batchOut, '--workers', '2', '--now', NOW)
    producer = await run([PRODUCER, input, '--redis', url, '--queue', queueName, '-o', queueOut], 120_000)

    // A job no producer of ours writes, allowed 5 attempts: it must fail once, not 5 times.
    const q = new Queue(queueName, { connection: connection() })
    const added = await q.add(JOB_NAME, 'not a line' as never, { attempts: 5 })
    let job: Job | undefined
    for (const until = Date.now() + 20_000; Date.now() < until; await sleep(100)) {
      job = await Job.fromId(q, added.id!)
      if (job && (await job.isFailed())) break
    }
    malformed = { failed: !!job && (await job.isFailed()), attemptsMade: job?.attemptsMade ?? -1, reason: job?.failedReason ?? '', workersAlive: workers.every((w) => w.exitCode === null) }
    await q.close()

    const outs = await Promise.all(workers.map((w) => stop(w)))
    processed = outs.map((o) => Number(/processor: closed after (\d+) jobs/.exec(o)?.[1] ?? NaN))
  }, 240_000)

  afterAll(async () => {
    await Promise.all(workers.map((w) => stop(w)))
    await stop(redis)
    rmSync(dir, { recursive: true, force: true })
  }, 60_000)

  it('writes the bytes bootproof batch writes, in input order', () => {
    expect(batch.code, batch.err).toBe(1)
    expect(producer.code, producer.err).toBe(0)
    const expected = readFileSync(batchOut)
    const got = readFileSync(queueOut)
    // One line per non-blank input line: the non-UTF-8 line, the fleet and the extras.
    expect(expected.toString('utf8').split('\n')).toHaveLength(1 + fleet.length + extras.length + 1)
    expect(got.toString('utf8').split('\n'), 'first differing line').toEqual(expected.toString('utf8').split('\n'))
    expect(got.equals(expected)).toBe(true)
  })

  it('covers bad lines, tampered machines, duplicate ids and both processes', () => {
    const lines = readFileSync(queueOut, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l))
    expect(lines[0].error.code).toBe('ERR_LINE_ENCODING')
    for (const kind of ['bad-not-json', 'bad-missing-nonce', 'bad-duplicate-key', 'tampered', 'wrong-nonce'] as const) expect(fleet.some((f) => f.kind === kind), kind).toBe(true)
    const missing = lines.find((l) => l.error?.code === 'ERR_LINE_INVALID' && l.error.message.includes('missing "nonce"'))
    // Line numbers are the file's, blank line included: the worker saw the same line as batch.
    expect(missing.error.message).toMatch(/^line \d+: missing "nonce"/)
    for (const [i, f] of fleet.slice(0, 30).entries()) if (f.kind === 'tampered' || f.kind === 'wrong-nonce') expect(lines[i + 1].ear_status, f.kind).toBe('contraindicated')
    expect(lines.some((l) => l.ear_status === 'affirming')).toBe(true)
    const x = lines.slice(31, 31 + extras.length)
    const good = fleet.find((f) => f.kind === 'sb-esp')!
    expect([x[0].id, x[1].id]).toEqual([good.id, good.id])
    expect([x[0].ear_status, x[1].ear_status]).toEqual(['affirming', 'contraindicated'])
    expect(x.slice(2).map((l) => l.error?.code ?? l.ear_status)).toEqual([
      'ERR_BUNDLE_INVALID', 'ERR_LINE_INVALID', 'ERR_LINE_INVALID', 'ERR_LINE_INVALID', 'ERR_LINE_INVALID',
      'affirming', 'ERR_LINE_INVALID', 'ERR_LINE_NOT_JSON', 'affirming', 'ERR_LINE_TOO_LONG',
    ])
    expect(x[6].error.message).toContain('unknown member "policy"')
    expect(readFileSync(queueOut, 'utf8')).toContain('"id":"m\\u2028\\u202e\\u001b[31m"')
    // Both worker processes verified lines, and together every line once, except the over-long
    // line, which never became a job.
    expect(processed.every((n) => n > 0), String(processed)).toBe(true)
    expect(processed.reduce((a, b) => a + b, 0)).toBe(fleet.length + extras.length)
  })

  it('a malformed job fails once, unretried, and the processors keep running', () => {
    expect(malformed).toMatchObject({ failed: true, attemptsMade: 1, workersAlive: true })
    expect(malformed.reason).toContain('malformed job data: not an object')
  })

  it('the producer holds at most maxInFlightBytes of lines in the queue (one line past it)', async () => {
    const name = `${queueName}-window`
    const lines = Array.from({ length: 6 }, (_, i) => JSON.stringify({ id: `w${i}`, pad: 'x'.repeat(2000) }))
    const gen = produce([Buffer.from(lines.join('\n'))], { redis: url, queue: name, maxInFlightBytes: 3000, pollMs: 100 })
    const first = gen.next() // no worker yet: it waits on the head line
    const q = new Queue(name, { connection: connection() })
    let held = 0
    for (const until = Date.now() + 10_000; held === 0 && Date.now() < until; await sleep(50)) held = (await q.getJobCounts('wait')).wait!
    await sleep(500)
    held = (await q.getJobCounts('wait')).wait!
    const worker = await startFleetWorker({ redis: url, queue: name, concurrency: 2, verify: { policy: JSON.parse(readFileSync(POLICY, 'utf8')) } })
    const out: string[] = []
    try {
      for (let r = await first; !r.done; r = await gen.next()) out.push(r.value)
    } finally {
      await Promise.allSettled([worker.close(), q.close()])
    }
    expect(held).toBe(2)
    const local = createFleetLineVerifier({ bootChains: false })
    expect(out).toEqual(await Promise.all(lines.map(async (l, i) => outputLine(await local({ index: i, line: i + 1, data: l })))))
  }, 60_000)
})
