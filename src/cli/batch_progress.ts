/**
 * `bootproof batch` progress on stderr: on a terminal a line redrawn four times a second with a
 * bar (when the input's size is known), rate and ETA; otherwise a plain line every 10 s (a log
 * file must not fill with redraws). The renderers are pure functions of a snapshot.
 */
import type { CliIO } from './io.js'

/** The fleet the final projection speaks of (issue "Fleet scale"). */
const PROJECTION_FLEET = 8_500_000
const PLAIN_PROGRESS_MS = 10_000
const TTY_PROGRESS_MS = 250
/** Rate samples kept for the steady-state projection (one a second, thinned when full). */
const MAX_SAMPLES = 4096
/** Terminal width when stderr does not say. */
export const DEFAULT_COLUMNS = 80
/** A bar narrower than this says too little to be worth its room; a wider one is no clearer. */
const MIN_BAR = 10
const MAX_BAR = 50

/** What a progress line reports. */
export interface ProgressSnapshot {
  done: number
  affirming: number
  errors: number
  /** Seconds since the run started. */
  elapsed: number
  bytesRead: number
  /** The input file's size; undefined for standard input (no bar, no ETA). */
  totalBytes: number | undefined
}

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?'
  const s = Math.round(seconds)
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`
}

/** Fraction of the input read, when its size is known (an empty file has none). */
function fractionRead(s: ProgressSnapshot): number | undefined {
  return s.totalBytes ? Math.min(1, Math.max(0, s.bytesRead) / s.totalBytes) : undefined
}

function etaOf(s: ProgressSnapshot, frac: number): string {
  return duration(frac > 0 ? (s.elapsed / frac) * (1 - frac) : Infinity)
}

function counts(s: ProgressSnapshot): string {
  return `${s.done} lines (${s.affirming} affirming, ${s.errors} errors) | ${(s.done / Math.max(s.elapsed, 1e-9)).toFixed(0)}/s`
}

/** The plain periodic line (not a terminal). */
export function plainProgressLine(s: ProgressSnapshot): string {
  const frac = s.bytesRead > 0 ? fractionRead(s) : undefined
  return `batch: ${counts(s)}${frac !== undefined ? ` | ${(frac * 100).toFixed(0)}% ETA ${etaOf(s, frac)}` : ''}`
}

/**
 * The terminal line: `batch: [#####.....] 45% 1200 lines (…) | 52/s | ETA 1m02s`, the bar
 * filling the room the text leaves, at most `columns - 1` characters in all (a line that reaches
 * the last column wraps on some terminals, and a wrapped line is not redrawn by `\r`). Narrower
 * terminals get shorter forms, never a number cut in the middle: the counts abbreviated (80
 * columns, millions of lines), then no bar, then no affirming/error split, no `batch:` prefix,
 * no ETA; the count and the rate stay to the last. Only below that last form's width (under 20
 * columns for any run short of a billion lines) is it cut. Without a known size (standard input)
 * there is no bar, percentage or ETA.
 */
export function ttyProgressLine(s: ProgressSnapshot, columns: number = DEFAULT_COLUMNS): string {
  const width = Math.max(1, Math.floor(columns) - 1)
  const frac = fractionRead(s)
  // Floor: 100 % and a full bar only once every byte is read.
  const pct = frac !== undefined ? `${Math.floor(frac * 100)}% ` : ''
  const eta = frac !== undefined ? etaOf(s, frac) : undefined
  const rate = `${(s.done / Math.max(s.elapsed, 1e-9)).toFixed(0)}/s`
  const full = `${pct}${counts(s)}${eta !== undefined ? ` | ETA ${eta}` : ''}`
  const short = `${pct}${s.done} (${s.affirming} aff, ${s.errors} err) ${rate}${eta !== undefined ? ` ETA ${eta}` : ''}`
  const bare = `${pct}${s.done} ${rate}${eta !== undefined ? ` ETA ${eta}` : ''}`
  if (frac !== undefined) {
    for (const rest of [full, short]) {
      const bar = Math.min(MAX_BAR, width - 'batch: [] '.length - rest.length)
      if (bar < MIN_BAR) continue
      const filled = Math.floor(frac * bar)
      return `batch: [${'#'.repeat(filled)}${'.'.repeat(bar - filled)}] ${rest}`
    }
  }
  const forms = [`batch: ${full}`, `batch: ${short}`, `batch: ${bare}`, bare, `${pct}${s.done} ${rate}`, `${s.done} ${rate}`]
  for (const line of forms) if (line.length <= width) return line
  return forms.at(-1)!.slice(0, width)
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

/** Counts, rate and ETA on stderr. ETA and the bar need the input size (a file, not stdin). */
export class BatchProgress {
  private readonly started = performance.now()
  // The first periodic line comes one interval in, not on the first result.
  private last = performance.now()
  /** (seconds, lines done) about once a second, thinned to every other one past MAX_SAMPLES: the steady rate. */
  private samples: { t: number; done: number }[] = []
  private drawn = false
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

  snapshot(): ProgressSnapshot {
    return { done: this.done, affirming: this.affirming, errors: this.errors, elapsed: this.elapsed(), bytesRead: this.bytesRead, totalBytes: this.totalBytes }
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
    if (this.tty) {
      process.stderr.write(`\r\x1b[K${ttyProgressLine(this.snapshot(), process.stderr.columns || DEFAULT_COLUMNS)}`)
      this.drawn = true
    } else this.io.err(plainProgressLine(this.snapshot()))
  }

  /** Erase the redrawn terminal line (before the final line, or a message that stops the run). */
  clear(): void {
    if (this.tty && this.drawn) process.stderr.write('\r\x1b[K')
    this.drawn = false
  }

  final(status: Record<string, number>): string {
    this.clear()
    const t = this.elapsed()
    const rate = this.done / Math.max(t, 1e-9)
    const counts = Object.entries(status).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(', ')
    const minutes = rate > 0 ? Math.ceil(PROJECTION_FLEET / rate / 60) : Infinity
    const steady = steadyRate(this.samples, t, this.done)
    const steadyText = steady ? `; at the second half's rate (${steady.toFixed(1)}/s, workers past their JIT warm-up): ${Math.ceil(PROJECTION_FLEET / steady / 60)} min` : ''
    return `batch: ${this.done} attestations in ${t.toFixed(1)} s (${rate.toFixed(1)}/s, ${this.workers} worker${this.workers === 1 ? '' : 's'}): ${counts || 'nothing'}; 8.5 M attestations at this rate: ${minutes} min${steadyText}`
  }
}
