/**
 * `bootproof batch <in.ndjson | -> --policy <policy.json> [-o out.ndjson] [--summary summary.json]
 *   [--baseline <policy or summary>] [--workers N] [--ca <pem>...] [--now <iso>]`
 *
 * One attestation per input line (`{"id", "bundle", "nonce", "ak"?, "akEnrolled"?}`: the
 * verifier-side members are read as `verify --bundle` reads --nonce / --ak / --ak-enrolled), one
 * output line per input line in input order: `{"id","ear_status","verdict"}` or
 * `{"id","error":{"code","message"}}`. Lines are verified on a worker-thread pool; input is read
 * only as fast as results are written (bounded window), so memory stays flat for any length.
 * Progress goes to stderr: redrawn on a terminal (a bar, rate and ETA), a plain line every 10 s
 * otherwise. The worker pool is started and the outputs are settled before the input is opened
 * (a FIFO's open waits for its writer): -o is created, --summary's directory must be writable,
 * and neither may be the input, the other or the policy (batch_output.ts). A write error during
 * the run stops it: one line on stderr (none when the reader of stdout left), exit 1. Exit 0
 * when at least one line was verified and every line is affirming, 1 otherwise (also for an
 * input with no attestation), 2 on a usage error or when the worker pool cannot start (one line
 * on stderr; the input is never opened then).
 */
import { statSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import type { Readable, Writable } from 'node:stream'
import { validatePolicy } from '../../policy/validate.js'
import { parseCertificates } from '../../x509/certificate.js'
import { splitLines } from '../../fleet/lines.js'
import { DEFAULT_MAX_LINE_BYTES, type FleetVerifyOptions } from '../../fleet/line.js'
import { verifyFleet } from '../../fleet/verify_fleet.js'
import { fleetResultLine } from '../../fleet/output.js'
import { FleetSummaryBuilder } from '../../fleet/summary.js'
import { assertFleetSummary, claimsFleetSummary } from '../../fleet/summary_shape.js'
import type { FleetResult } from '../../fleet/types.js'
import { createFleetWorkerPool, type FleetWorkerPool } from '../../node/fleet_pool.js'
import { fsError, InputFileError, openLineStream, quotePath } from '../../node/read_file.js'
import { escapeText } from '../../text/escape.js'
import { BatchProgress } from '../batch_progress.js'
import { checkDistinctFiles, checkSummaryTarget, openOutputFile, OutputArgumentError, outputTarget, OutputWriteError, stdoutStream, writeSummaryFile } from '../batch_output.js'
import { CLI_INPUT_LIMITS, EXIT_ERROR, EXIT_FAILED, EXIT_OK, parseArgs, readInputFile, readJsonFile, reportError, UsageError, type CliIO } from '../io.js'

export { steadyRate } from '../batch_progress.js'

/** Largest summary read back as a baseline (one id per machine: 8.5 M machines fit). */
export const MAX_SUMMARY_BYTES = 512 * 1024 * 1024
/**
 * Lines in flight per worker: several result batches (the pool posts results 8 at a time), so a
 * worker's queue is refilled before it runs dry.
 */
const LINES_PER_WORKER = 32

/** Yield the stream's chunks, counting bytes for the ETA. */
async function* counted(stream: Readable, progress: BatchProgress): AsyncGenerator<Uint8Array> {
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
 * The stream always has an 'error' listener while the writer holds it (an unheard 'error' kills
 * the process with a stack trace): a failed write rejects the next call with an OutputWriteError.
 */
export class LineWriter {
  private chunk = Buffer.allocUnsafe(WRITE_CHUNK)
  private used = 0
  private failed: NodeJS.ErrnoException | undefined
  private readonly onError = (e: Error): void => {
    this.failed ??= e
  }
  constructor(
    private readonly out: Writable,
    /** How the output is named in an error: `-o out.ndjson`, `standard output`. */
    private readonly target = 'the output',
  ) {
    out.on('error', this.onError)
  }
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
  /**
   * Write what is left and wait until the stream has written everything (its callbacks run in
   * order), so a last failed write is an error of the run, not lost at exit. `end`: end the
   * stream too (a file; never process.stdout, which the process still uses).
   */
  async close(end: boolean): Promise<void> {
    await this.flush()
    this.check()
    await new Promise<void>((resolve, reject) => {
      const done = (e?: Error | null) => (e ? reject(this.error(e)) : this.failed ? reject(this.error(this.failed)) : resolve())
      if (end) this.out.end(done)
      else this.out.write(Buffer.alloc(0), done)
    })
  }
  /** Stop listening (the stream is no longer written; a file stream keeps a listener that ignores late errors). */
  dispose(): void {
    this.out.off('error', this.onError)
    if (this.out !== process.stdout) this.out.on('error', () => {})
  }
  private error(e: NodeJS.ErrnoException): OutputWriteError {
    return new OutputWriteError(this.target, e)
  }
  private check(): void {
    if (this.failed) throw this.error(this.failed)
  }
  private async send(s: Uint8Array): Promise<void> {
    this.check()
    if (this.out.write(s)) return
    await new Promise<void>((resolve, reject) => {
      const done = (e?: Error) => {
        this.out.off('drain', done)
        this.out.off('error', done)
        this.out.off('close', closed)
        const failure = e ?? this.failed
        if (failure) reject(this.error(failure))
        else resolve()
      }
      // Closed without 'drain' (destroyed after an error already heard): do not wait forever.
      const closed = () => done(this.failed ?? Object.assign(new Error('the output was closed'), { code: 'ERR_STREAM_DESTROYED' }))
      if (this.failed || this.out.destroyed) return closed()
      this.out.on('drain', done)
      this.out.on('error', done)
      this.out.on('close', closed)
    })
  }
}

export async function runBatch(argv: string[], io: CliIO): Promise<number> {
  try {
    const { flags, positional } = parseArgs(argv.map((a) => (a === '-o' ? '--out' : a)), {
      strings: ['policy', 'out', 'summary', 'baseline', 'workers', 'now'],
      multi: ['ca'],
    })
    if (positional.length !== 1) throw new UsageError(positional.length ? `unexpected argument ${quotePath(positional[1]!)}` : 'give the input file (NDJSON, one attestation per line), or - for standard input')
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
      if (Number.isNaN(now.getTime())) throw new UsageError(`--now: not an ISO time: ${quotePath(flags.now)}`)
      verify.now = now
    }
    if (flags.ca) verify.trustAnchors = (flags.ca as string[]).flatMap((p) => parseCertificates(readInputFile(p, CLI_INPUT_LIMITS.pem)))
    let baseline: unknown
    if (typeof flags.baseline === 'string') {
      baseline = readJsonFile(flags.baseline, MAX_SUMMARY_BYTES, 'baseline')
      // Not a summary: then it must be a valid policy (a typo'd file must not compare as "everything is new").
      // A file that says it is a summary is read as one (and refused here, before the run, if it
      // is not usable); anything else must be a policy.
      baseline = claimsFleetSummary(baseline) ? assertFleetSummary(baseline, `--baseline ${quotePath(flags.baseline)}`) : validatePolicy(baseline)
    }
    if (flags.baseline !== undefined && typeof flags.summary !== 'string') throw new UsageError('--baseline is reported in the summary: give --summary <file.json> too')
    // The outputs, before any line is verified and before anything is opened: not the input,
    // not each other, not the policy or baseline; the input exists; the summary's directory.
    // Then the worker pool, the -o file (created now) and the input, in that order. The input is
    // opened last: opening a FIFO waits for its writer, in a thread the process cannot exit
    // past, so a failure after it (a pool that cannot start: no worker threads under a
    // permission model, a thread or isolate that cannot be created) would never end the run.
    // The pool before -o: a pool that does not start leaves an earlier output untouched.
    const input = positional[0]!
    const out = typeof flags.out === 'string' ? flags.out : undefined
    const summaryPath = typeof flags.summary === 'string' ? flags.summary : undefined
    checkDistinctFiles({ input, out, summary: summaryPath, policy: flags.policy, ...(typeof flags.baseline === 'string' ? { baseline: flags.baseline } : {}) })
    if (input !== '-') checkInputFile(input)
    if (summaryPath !== undefined) checkSummaryTarget(summaryPath)
    let pool: FleetWorkerPool
    try {
      pool = await createFleetWorkerPool({ workers, verify, renderLines: 'utf8' })
    } catch (e) {
      // The environment, not an argument (the policy was validated above): one line, no stack.
      io.err(`batch: the worker pool did not start: ${poolFailure(e)}`)
      return EXIT_ERROR
    }
    let output: Writable | undefined
    let stream: Readable
    let size: number | undefined
    try {
      output = out !== undefined ? await openOutputFile(out) : stdoutStream()
      ;({ stream, size } = openLineStream(input, 'batch input'))
    } catch (e) {
      if (output !== undefined && output !== process.stdout) output.destroy()
      // Running threads keep the process alive: end them before the refusal is reported.
      await pool.close()
      throw e
    }
    const target = outputTarget(out)
    const writer = new LineWriter(output, target)
    const progress = new BatchProgress(io, process.stderr.isTTY === true, size, pool.workers)
    const summary = summaryPath !== undefined ? new FleetSummaryBuilder() : undefined
    const status: Record<string, number> = { affirming: 0, warning: 0, contraindicated: 0, none: 0, error: 0 }
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
      await writer.close(output !== process.stdout)
      if (progress.done === 0) {
        // Nothing verified (an empty input, a producer upstream that failed): not a healthy
        // fleet. No summary either: an empty one would replace a baseline being rolled forward.
        progress.clear()
        io.err('batch: the input held no attestation')
        return EXIT_FAILED
      }
      if (summary && summaryPath !== undefined) {
        const s = summary.finish({ ...(baseline !== undefined ? { baseline } : {}) })
        try {
          writeSummaryFile(summaryPath, JSON.stringify(s, null, 1) + '\n')
        } catch (e) {
          throw new OutputWriteError(`--summary ${quotePath(summaryPath)}`, e as NodeJS.ErrnoException)
        }
      }
    } catch (e) {
      if (!(e instanceof OutputWriteError)) throw e
      // The run stops here (the finally below closes the pool): its output is incomplete.
      progress.clear()
      const lost = e.target.startsWith('--summary') ? 'no summary was written' : 'the output is incomplete'
      if (!e.readerGone) io.err(`batch: stopped after ${progress.done} line${progress.done === 1 ? '' : 's'}: ${e.message}; ${lost}`)
      return EXIT_FAILED
    } finally {
      writer.dispose()
      // Ended already after a complete run; after a failed write, released (descriptor 1 stays open).
      if (output !== process.stdout) output.destroy()
      await pool.close()
      stream.destroy()
    }
    io.err(progress.final(status))
    return progress.done === status.affirming ? EXIT_OK : EXIT_FAILED
  } catch (e) {
    // An output argument that cannot work is said in one line: the usage text would not help.
    if (e instanceof OutputArgumentError) {
      const { usage: _usage, ...quiet } = io
      return reportError(e, quiet, false)
    }
    return reportError(e, io, false)
  }
}

/** Why the pool did not start, in one line: the first line of its message, and its code when it has one. */
function poolFailure(e: unknown): string {
  const err = e as { message?: unknown; code?: unknown } | null | undefined
  const message = String(err?.message ?? e).split('\n')[0]!
  const code = typeof err?.code === 'string' && !message.includes(err.code) ? ` (${err.code})` : ''
  return escapeText(message + code)
}

/** The input exists and can be read as lines (a file or FIFO), checked without opening it. */
function checkInputFile(path: string): void {
  let st
  try {
    st = statSync(path)
  } catch (e) {
    throw fsError(e, path, 'batch input')
  }
  if (!st.isFile() && !st.isFIFO()) throw new InputFileError('ERR_INPUT_NOT_FILE', path, `batch input ${quotePath(path)}: not a regular file or pipe`)
}

function count(r: FleetResult, status: Record<string, number>, progress: BatchProgress): void {
  progress.done++
  if (r.ear_status && !r.error) {
    status[r.ear_status] = (status[r.ear_status] ?? 0) + 1
    if (r.ear_status === 'affirming') progress.affirming++
  } else {
    status.error = (status.error ?? 0) + 1
    progress.errors++
  }
}
