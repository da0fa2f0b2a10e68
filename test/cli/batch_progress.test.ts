/**
 * `bootproof batch` progress lines as pure functions of a snapshot: the terminal line has a bar
 * sized to the terminal when the input's size is known; the plain periodic line is unchanged.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_COLUMNS, duration, plainProgressLine, ttyProgressLine, type ProgressSnapshot } from '../../src/cli/batch_progress.js'

/** 1200 lines in 10 s (120/s), 45 % of a 1 MB file read: 12 s to go. */
const midRun: ProgressSnapshot = { done: 1200, affirming: 1100, errors: 100, elapsed: 10, bytesRead: 450_000, totalBytes: 1_000_000 }

function bar(line: string): string {
  const m = /\[([#.]+)\]/.exec(line)
  if (!m) throw new Error(`no bar in ${JSON.stringify(line)}`)
  return m[1]!
}

describe('ttyProgressLine (terminal)', () => {
  it('shows a bar, the percentage, counts, rate and ETA when the input size is known', () => {
    const line = ttyProgressLine(midRun, 100)
    expect(line).toMatch(/^batch: \[#+\.+\] 45% 1200 lines \(1100 affirming, 100 errors\) \| 120\/s \| ETA 12s$/)
    const b = bar(line)
    expect(b.replace(/\./g, '')).toHaveLength(Math.floor(0.45 * b.length))
  })

  it('sizes the bar to the terminal: the line fills at most columns - 1, the bar grows with the width up to 50', () => {
    const widths: number[] = []
    for (const columns of [70, 80, 100, 120, 200]) {
      const line = ttyProgressLine(midRun, columns)
      expect(line.length, `${columns} columns`).toBeLessThanOrEqual(columns - 1)
      widths.push(bar(line).length)
    }
    expect(widths).toEqual([...widths].sort((a, b) => a - b))
    expect(widths[0]).toBeGreaterThanOrEqual(10)
    expect(widths.at(-1)).toBe(50)
    // 100 columns: the bar takes exactly the room the text leaves.
    expect(ttyProgressLine(midRun, 100)).toHaveLength(99)
  })

  it('uses 80 columns when the terminal does not say', () => {
    expect(DEFAULT_COLUMNS).toBe(80)
    expect(ttyProgressLine(midRun)).toBe(ttyProgressLine(midRun, 80))
  })

  it('abbreviates the counts where the full text leaves no room for a bar (80 columns, an 8.5 M run)', () => {
    const line = ttyProgressLine(midRun, 80)
    expect(line).toMatch(/^batch: \[#+\.+\] 45% 1200 \(1100 aff, 100 err\) 120\/s ETA 12s$/)
    expect(line).toHaveLength(79)
    const big: ProgressSnapshot = { done: 8_500_000, affirming: 8_400_000, errors: 100_000, elapsed: 7_000, bytesRead: 990_000, totalBytes: 1_000_000 }
    const bigLine = ttyProgressLine(big, 80)
    expect(bigLine).toMatch(/^batch: \[#+\.+\] 99% 8500000 \(8400000 aff, 100000 err\) 1214\/s ETA 1m11s$/)
    expect(bar(bigLine).length).toBeGreaterThanOrEqual(10)
    expect(bigLine.length).toBeLessThanOrEqual(79)
  })

  it('drops the bar on a terminal too narrow for one, then the split and the prefix, never cutting a number', () => {
    expect(ttyProgressLine(midRun, 60)).toBe('batch: 45% 1200 (1100 aff, 100 err) 120/s ETA 12s')
    expect(ttyProgressLine(midRun, 40)).toBe('batch: 45% 1200 120/s ETA 12s')
    expect(ttyProgressLine(midRun, 20)).toBe('45% 1200 120/s')
    expect(ttyProgressLine({ ...midRun, totalBytes: undefined }, 40)).toBe('batch: 1200 (1100 aff, 100 err) 120/s')
  })
})

describe('ttyProgressLine at every terminal width', () => {
  /**
   * Numbers chosen so that no prefix of one is another (a cut "12345" reads "1234", not a value
   * of the snapshot): 12345 lines in 15 s (823/s), 345 errors, 45 % of the file read, ETA 18s.
   */
  const run: ProgressSnapshot = { done: 12_345, affirming: 12_000, errors: 345, elapsed: 15, bytesRead: 450_000, totalBytes: 1_000_000 }
  /** 8.5 M lines at 1214/s, 99 % read, ETA 1m11s. */
  const big: ProgressSnapshot = { done: 8_500_000, affirming: 8_400_000, errors: 100_000, elapsed: 7_000, bytesRead: 990_000, totalBytes: 1_000_000 }
  const cases = [
    { name: 'a file', s: run, rate: '823/s', numbers: ['45', '12345', '12000', '345', '823', '18'] },
    { name: 'an 8.5 M file', s: big, rate: '1214/s', numbers: ['99', '8500000', '8400000', '100000', '1214', '1', '11'] },
    { name: 'standard input', s: { ...run, totalBytes: undefined }, rate: '823/s', numbers: ['12345', '12000', '345', '823'] },
  ]

  for (const c of cases) {
    for (const columns of [20, 40, 60, 80, 120]) {
      it(`${c.name}, ${columns} columns: fits in columns - 1, count and rate whole, every number one of the snapshot's`, () => {
        const line = ttyProgressLine(c.s, columns)
        expect(line.length, line).toBeLessThanOrEqual(columns - 1)
        const tokens = line.split(/[\s(),|\[\]]+/)
        expect(tokens, line).toContain(String(c.s.done))
        expect(tokens, line).toContain(c.rate)
        for (const n of line.replace(/\[[#.]*\]/, '').match(/\d+/g) ?? []) expect(c.numbers, `${n} in ${JSON.stringify(line)}`).toContain(n)
      })
    }
  }

  it('keeps the bar at wide terminals, drops it at narrow ones (a file; standard input never has one)', () => {
    for (const s of [run, big]) {
      expect(bar(ttyProgressLine(s, 120)).length).toBeGreaterThanOrEqual(10)
      expect(bar(ttyProgressLine(s, 80)).length).toBeGreaterThanOrEqual(10)
      expect(ttyProgressLine(s, 40)).not.toContain('[')
      expect(ttyProgressLine(s, 20)).not.toContain('[')
    }
    expect(ttyProgressLine({ ...run, totalBytes: undefined }, 120)).not.toContain('[')
  })

  it('keeps the ETA while there is room for it, and drops it before the count or the rate', () => {
    expect(ttyProgressLine(run, 40)).toMatch(/ ETA 18s$/)
    expect(ttyProgressLine(big, 40)).toMatch(/ ETA 1m11s$/)
    expect(ttyProgressLine(big, 20)).toBe('99% 8500000 1214/s')
  })

  it('under 20 columns: the shortest form, cut to the width', () => {
    expect(ttyProgressLine(run, 12)).toBe('12345 823/s')
    expect(ttyProgressLine(run, 8)).toBe('12345 8')
    expect(ttyProgressLine(run, 1)).toBe('1')
  })
})

describe('ttyProgressLine (terminal), edge states', () => {
  it('fills the bar only once every byte is read (45.99 % is 45 %, 99.9 % is not full)', () => {
    const almost = ttyProgressLine({ ...midRun, bytesRead: 999_000 }, 120)
    expect(almost).toContain(' 99% ')
    expect(bar(almost)).toContain('.')
    const full = ttyProgressLine({ ...midRun, bytesRead: 1_000_000 }, 120)
    expect(full).toContain(' 100% ')
    expect(bar(full)).toMatch(/^#+$/)
    expect(full).toMatch(/ETA 0s$/)
  })

  it('shows an empty bar and an unknown ETA before any byte is read', () => {
    const line = ttyProgressLine({ ...midRun, done: 0, affirming: 0, errors: 0, bytesRead: 0 }, 100)
    expect(bar(line)).toMatch(/^\.+$/)
    expect(line).toMatch(/ 0% .* ETA \?$/)
  })

  it('has no bar and no ETA for standard input (size unknown) or an empty file', () => {
    for (const totalBytes of [undefined, 0]) {
      const line = ttyProgressLine({ ...midRun, totalBytes }, 100)
      expect(line).toBe('batch: 1200 lines (1100 affirming, 100 errors) | 120/s')
    }
  })
})

describe('plainProgressLine (not a terminal)', () => {
  it('is the periodic line as before: no bar, percentage and ETA after the rate', () => {
    expect(plainProgressLine(midRun)).toBe('batch: 1200 lines (1100 affirming, 100 errors) | 120/s | 45% ETA 12s')
    expect(plainProgressLine({ ...midRun, totalBytes: undefined })).toBe('batch: 1200 lines (1100 affirming, 100 errors) | 120/s')
  })

  it('formats durations in s, m and h', () => {
    expect([duration(12.4), duration(62), duration(3 * 3600 + 5 * 60), duration(Infinity)]).toEqual(['12s', '1m02s', '3h05m', '?'])
  })
})
