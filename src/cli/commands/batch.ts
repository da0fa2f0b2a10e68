/**
 * `bootproof batch <in.ndjson | -> --policy <policy.json> [-o out.ndjson] [--summary summary.json]
 *   [--baseline <policy or summary>] [--workers N] [--ca <pem>...] [--now <iso>]`
 *
 * One attestation per input line (`{"id", "bundle", "nonce", "ak"?, "akEnrolled"?}`: the
 * verifier-side members are read as `verify --bundle` reads --nonce / --ak / --ak-enrolled), one
 * output line per input line in input order: `{"id","ear_status","verdict"}` or
 * `{"id","error":{"code","message"}}`. Lines are verified on a worker-thread pool; input is read
 * only as fast as results are written (bounded window), so memory stays flat for any length.
 * Progress goes to stderr: redrawn on a terminal, a plain line every 10 s otherwise.
 * Exit 0 when every line is affirming, 1 otherwise, 2 on a usage error.
 */
import { createWriteStream, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import type { Readable, Writable } from 'node:stream'
import { BootproofError } from '../../errors.js'
import { validatePolicy } from '../../policy/validate.js'
import { parseCertificates } from '../../x509/certificate.js'
import { splitLines } from '../../fleet/lines.js'
import { DEFAULT_MAX_LINE_BYTES, type FleetVerifyOptions } from '../../fleet/line.js'
import { verifyFleet } from '../../fleet/verify_fleet.js'
import { fleetResultLine } from '../../fleet/output.js'
import { FleetSummaryBuilder, isFleetSummary } from '../../fleet/summary.js'
import type { FleetResult } from '../../fleet/types.js'
import { createFleetWorkerPool } from '../../node/fleet_pool.js'
import { openLineStream } from '../../node/read_file.js'
import { escapeText } from '../../text/escape.js'
import { CLI_INPUT_LIMITS, EXIT_FAILED, EXIT_OK, parseArgs, readInputFile, reportError, UsageError, type CliIO } from '../io.js'

/** The fleet the final projection speaks of (issue "Fleet scale"). */
const PROJECTION_FLEET = 8_500_000
/** Largest summary read back as a baseline (one id per machine: 8.5 M machines fit). */
export const MAX_SUMMARY_BYTES = 512 * 1024 * 1024
/**
 * Lines in flight per worker: several result batches (the pool posts results 8 at a time), so a
 * worker's queue is refilled before it runs dry.
 */
const LINES_PER_WORKER = 32
const PLAIN_PROGRESS_MS = 10_000
/** Rate samples kept for the steady-state projection (one a second, thinned when full). */
const MAX_SAMPLES = 4096
const TTY_PROGRESS_MS = 250

const utf8 = new TextDecoder('utf-8', { fatal: true })

export function readJsonFile(path: string, maxBytes: number, what: string): unknown {
  const bytes = readInputFile(path, maxBytes, what)
  try {
    return JSON.parse(utf8.decode(bytes))
  } catch (e) {
    throw new BootproofError('ERR_JSON_INVALID', `${path}: not valid JSON (${(e as Error).message})`)
  }
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?'
  const s = Math.round(seconds)
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`
}

/** Counts, rate and ETA on stderr. ETA needs the input size (a file, not stdin). */
class Progress {
  private readonly started = performance.now()
  // The first periodic line comes one interval in, not on the first result.
  private last = performance.now()
  /** (seconds, lines done) about once a second, thinned to every other one past MAX_SAMPLES: the steady rate. */
  private samples: { t: number; done: number }[] = []
  done = 0
  affirming = 0
  errors = 0
  bytesRead = 0
  constructor(
    private readonly io: CliIO,
    private readonly tty: boolean,
    private readonly totalBytes: number | undefined,
    private readonly workers: number,
  ) {}

  elapsed(): number {
    return (performance.now() - this.started) / 1000
  }

  private text(): string {
    const t = this.elapsed()
    const rate = this.done / Math.max(t, 1e-9)
    let eta = ''
    if (this.totalBytes && this.bytesRead > 0) {
      const frac = Math.min(1, this.bytesRead / this.totalBytes)
      eta = ` | ${(frac * 100).toFixed(0)}% ETA ${duration(frac > 0 ? (t / frac) * (1 - frac) : Infinity)}`
    }
    return `batch: ${this.done} lines (${this.affirming} affirming, ${this.errors} errors) | ${rate.toFixed(0)}/s${eta}`
  }

  tick(): void {
    const now = performance.now()
    const t = (now - this.started) / 1000
    const lastSample = this.samples[this.samples.length - 1]
    if (!lastSample || t - lastSample.t >= 1) {
      if (this.samples.length >= MAX_SAMPLES) this.samples = this.samples.filter((_, i) => i % 2 === 0)
      this.samples.push({ t, done: this.done })
    }
    if (now - this.last < (this.tty ? TTY_PROGRESS_MS : PLAIN_PROGRESS_MS)) return
    this.last = now
    if (this.tty) process.stderr.write(`\r\x1b[K${this.text()}`)
    else this.io.err(this.text())
  }

  final(status: Record<string, number>): string {
    if (this.tty) process.stderr.write('\r\x1b[K')
    const t = this.elapsed()
    const rate = this.done / Math.max(t, 1e-9)
    const counts = Object.entries(status).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(', ')
    const minutes = rate > 0 ? Math.ceil(PROJECTION_FLEET / rate / 60) : Infinity
    const steady = steadyRate(this.samples, t, this.done)
    const steadyText = steady ? `; at the second half's rate (${steady.toFixed(1)}/s, workers past their JIT warm-up): ${Math.ceil(PROJECTION_FLEET / steady / 60)} min` : ''
    return `batch: ${this.done} attestations in ${t.toFixed(1)} s (${rate.toFixed(1)}/s, ${this.workers} worker${this.workers === 1 ? '' : 's'}): ${counts || 'nothing'}; 8.5 M attestations at this rate: ${minutes} min${steadyText}`
  }
}

/**
 * Lines per second over the second half of a run, from (seconds, lines done) samples. A worker's
 * first few thousand lines run partly unoptimised while the engine compiles the verifier: an
 * 8.5 M run is almost all steady state, so its projection is this rate. Undefined for runs too
 * short to tell (under 10 s, or no sample early enough in the second half).
 */
export function steadyRate(samples: readonly { t: number; done: number }[], t: number, done: number): number | undefined {
  if (t < 10) return undefined
  const mid = samples.find((x) => x.t >= t / 2)
  if (!mid || t - mid.t < 2 || done <= mid.done) return undefined
  return (done - mid.done) / (t - mid.t)
}

/** Yield the stream's chunks, counting bytes for the ETA. */
async function* counted(stream: Readable, progress: Progress): AsyncGenerator<Uint8Array> {
  for await (const chunk of stream) {
    progress.bytesRead += (chunk as Uint8Array).length
    yield chunk as Uint8Array
  }
}

/** Bytes of output gathered before one write. */
const WRITE_CHUNK = 256 * 1024

/**
 * Output lines gathered as UTF-8 bytes into one chunk per write, each followed by LF; writes wait
 * for 'drain' (a slow reader of the output slows the whole run). Lines come as bytes from the
 * pool (`renderLines: 'utf8'`), so this thread never decodes, joins and encodes them again.
 */
export class LineWriter {
  private chunk = Buffer.allocUnsafe(WRITE_CHUNK)
  private used = 0
  constructor(private readonly out: Writable) {}
  async writeLine(line: string | Uint8Array): Promise<void> {
    const bytes = typeof line === 'string' ? Buffer.from(line, 'utf8') : line
    if (this.used + bytes.length + 1 > this.chunk.length) await this.flush()
    if (bytes.length + 1 > this.chunk.length) {
      // Longer than a chunk: written by itself (a chunk is never resized).
      await this.send(Buffer.concat([bytes, Buffer.of(0x0a)]))
      return
    }
    this.chunk.set(bytes, this.used)
    this.used += bytes.length
    this.chunk[this.used++] = 0x0a
  }
  async flush(): Promise<void> {
    if (this.used === 0) return
    // The stream keeps the written bytes until it has written them: a fresh chunk each time.
    const out = this.chunk.subarray(0, this.used)
    this.chunk = Buffer.allocUnsafe(WRITE_CHUNK)
    this.used = 0
    await this.send(out)
  }
  private async send(s: Uint8Array): Promise<void> {
    if (!this.out.write(s)) await new Promise<void>((resolve, reject) => {
      const done = (e?: Error) => {
        this.out.off('drain', done)
        this.out.off('error', done)
        if (e) reject(e)
        else resolve()
      }
      this.out.on('drain', done)
      this.out.on('error', done)
    })
  }
}

export async function runBatch(argv: string[], io: CliIO): Promise<number> {
  try {
    const { flags, positional } = parseArgs(argv.map((a) => (a === '-o' ? '--out' : a)), {
      strings: ['policy', 'out', 'summary', 'baseline', 'workers', 'now'],
      multi: ['ca'],
    })
    if (positional.length !== 1) throw new UsageError(positional.length ? `unexpected argument ${positional[1]}` : 'give the input file (NDJSON, one attestation per line), or - for standard input')
    if (typeof flags.policy !== 'string') throw new UsageError('--policy <policy.json> is required (without one no verdict can be affirming)')
    let workers = availableParallelism()
    if (flags.workers !== undefined) {
      workers = Number(flags.workers)
      if (!Number.isInteger(workers) || workers < 1 || workers > 256) throw new UsageError('--workers takes an integer from 1 to 256')
    }
    // Boot chains are what a summary clusters on: without --summary no line computes or posts one.
    const verify: FleetVerifyOptions = { policy: validatePolicy(readJsonFile(flags.policy, CLI_INPUT_LIMITS.json, 'policy')), bootChains: typeof flags.summary === 'string' }
    if (typeof flags.now === 'string') {
      const now = new Date(flags.now)
      if (Number.isNaN(now.getTime())) throw new UsageError(`--now: not an ISO time: ${flags.now}`)
      verify.now = now
    }
    if (flags.ca) verify.trustAnchors = (flags.ca as string[]).flatMap((p) => parseCertificates(readInputFile(p, CLI_INPUT_LIMITS.pem)))
    let baseline: unknown
    if (typeof flags.baseline === 'string') {
      baseline = readJsonFile(flags.baseline, MAX_SUMMARY_BYTES, 'baseline')
      // Not a summary: then it must be a valid policy (a typo'd file must not compare as "everything is new").
      if (!isFleetSummary(baseline)) baseline = validatePolicy(baseline)
    }
    if (flags.baseline !== undefined && typeof flags.summary !== 'string') throw new UsageError('--baseline is reported in the summary: give --summary <file.json> too')
    const { stream, size } = openLineStream(positional[0]!, 'batch input')
    const output = typeof flags.out === 'string' ? createWriteStream(flags.out) : process.stdout
    const pool = await createFleetWorkerPool({ workers, verify, renderLines: 'utf8' })
    const progress = new Progress(io, process.stderr.isTTY === true, size, pool.workers)
    const summary = typeof flags.summary === 'string' ? new FleetSummaryBuilder() : undefined
    const status: Record<string, number> = { affirming: 0, warning: 0, contraindicated: 0, none: 0, error: 0 }
    const writer = new LineWriter(output)
    try {
      // Views of the file stream's chunks (fresh buffers per read): the pool copies each line
      // into its worker's shared input ring, so no line needs an allocation of its own.
      const lines = splitLines(counted(stream, progress), DEFAULT_MAX_LINE_BYTES, { views: true })
      for await (const r of verifyFleet(lines, { runner: pool.run, window: pool.workers * LINES_PER_WORKER })) {
        // The same escape every command applies to what it prints: JSON stays the same value.
        // Rendered (and escaped, as every command's output is) in the worker: renderLines. A
        // result made here (a worker that failed) is rendered here.
        await writer.writeLine(r.ndjsonUtf8 ?? escapeText(fleetResultLine(r)))
        count(r, status, progress)
        summary?.add(r)
        progress.tick()
      }
      await writer.flush()
    } finally {
      await pool.close()
      stream.destroy()
    }
    if (output !== process.stdout) await new Promise<void>((resolve, reject) => output.end((e?: Error | null) => (e ? reject(e) : resolve())))
    if (summary && typeof flags.summary === 'string') {
      const s = summary.finish({ ...(baseline !== undefined ? { baseline } : {}) })
      writeFileSync(flags.summary, JSON.stringify(s, null, 1) + '\n')
    }
    io.err(progress.final(status))
    return progress.done === status.affirming ? EXIT_OK : EXIT_FAILED
  } catch (e) {
    return reportError(e, io, false)
  }
}

function count(r: FleetResult, status: Record<string, number>, progress: Progress): void {
  progress.done++
  if (r.ear_status && !r.error) {
    status[r.ear_status] = (status[r.ear_status] ?? 0) + 1
    if (r.ear_status === 'affirming') progress.affirming++
  } else {
    status.error = (status.error ?? 0) + 1
    progress.errors++
  }
}
