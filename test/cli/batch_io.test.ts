/**
 * `bootproof batch` and its files: output paths are proven writable before any line is verified
 * (a bad -o / --summary is exit 2, one line, no stack trace), an output that names the input is
 * refused before anything is opened for writing, and a write error during the run (disk full,
 * the reader of standard output gone) stops the run cleanly with exit 1.
 */
import { spawn } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { makeFleet } from '../../scripts/make-fleet.js'
import { REPO_ROOT } from '../helpers/corpus.js'
import { BIN, bootproof, expectCleanRefusal, POLICY, quickLines, writeIn, type Run } from './batch_run.js'

const dir = mkdtempSync(join(tmpdir(), 'bootproof-batch-io-'))
const HAS_DEV_FULL = existsSync('/dev/full')

describe('batch output paths are checked before any line is verified (exit 2)', () => {
  const input = join(dir, 'in.ndjson')
  beforeAll(() => writeFileSync(input, quickLines(3)))

  it('refuses -o in a directory that does not exist, with one line and no stack trace', () => {
    expectCleanRefusal(bootproof(['batch', input, '--policy', POLICY, '-o', join(dir, 'missing', 'out.ndjson'), '--workers', '1']), /-o .*missing.*out\.ndjson.*no such directory/)
  })

  it('refuses -o naming a directory', () => {
    const d = join(dir, 'a-dir')
    mkdirSync(d, { recursive: true })
    expectCleanRefusal(bootproof(['batch', input, '--policy', POLICY, '-o', d, '--workers', '1']), /-o .*a-dir.*is a directory/)
  })

  it('refuses --summary in a directory that does not exist before verifying, and creates no -o file', () => {
    const out = join(dir, 'not-created.ndjson')
    const r = bootproof(['batch', input, '--policy', POLICY, '-o', out, '--summary', join(dir, 'missing', 's.json'), '--workers', '1'])
    expectCleanRefusal(r, /--summary .*missing.*s\.json.*no such directory/)
    expect(r.err).not.toContain('attestations in')
    expect(existsSync(out)).toBe(false)
  })

  it('refuses --summary naming a directory', () => {
    const d = join(dir, 'b-dir')
    mkdirSync(d, { recursive: true })
    expectCleanRefusal(bootproof(['batch', input, '--policy', POLICY, '--summary', d, '--workers', '1']), /--summary .*b-dir.*is a directory/)
  })
})

describe('batch refuses an output that is its input (exit 2, the input untouched)', () => {
  const text = quickLines(3)
  const fresh = (name: string) => writeIn(dir, name, text)

  it('-o naming the input file', () => {
    const f = fresh('same.ndjson')
    expectCleanRefusal(bootproof(['batch', f, '--policy', POLICY, '-o', f, '--workers', '1']), /-o .*same file as the input/)
    expect(readFileSync(f, 'utf8')).toBe(text)
  })

  it('-o naming the input through another path (a symbolic link, ./)', () => {
    const f = fresh('linked.ndjson')
    const link = join(dir, 'link.ndjson')
    symlinkSync(f, link)
    expectCleanRefusal(bootproof(['batch', f, '--policy', POLICY, '-o', link, '--workers', '1']), /same file as the input/)
    expectCleanRefusal(bootproof(['batch', join(dir, '.', 'linked.ndjson'), '--policy', POLICY, '-o', f, '--workers', '1']), /same file as the input/)
    expect(readFileSync(f, 'utf8')).toBe(text)
  })

  it('--summary naming the input file', () => {
    const f = fresh('same-summary.ndjson')
    expectCleanRefusal(bootproof(['batch', f, '--policy', POLICY, '--summary', f, '--workers', '1']), /--summary .*same file as the input/)
    expect(readFileSync(f, 'utf8')).toBe(text)
  })

  it('-o and --summary naming one file (that does not exist yet)', () => {
    const f = fresh('in-both.ndjson')
    const both = join(dir, 'both.json')
    expectCleanRefusal(bootproof(['batch', f, '--policy', POLICY, '-o', both, '--summary', join(dir, '.', 'both.json'), '--workers', '1']), /-o and --summary .*same file/)
    expect(existsSync(both)).toBe(false)
  })

  it('standard output appended to the input file (batch f >> f)', () => {
    const f = fresh('appended.ndjson')
    const fd = openSync(f, 'a')
    try {
      expectCleanRefusal(bootproof(['batch', f, '--policy', POLICY, '--workers', '1'], { stdio: ['ignore', fd, 'pipe'] }), /standard output .*same file as the input/)
    } finally {
      closeSync(fd)
    }
    expect(readFileSync(f, 'utf8')).toBe(text)
  })

  it('standard input read from the -o file (batch - -o f < f)', () => {
    const f = fresh('stdin-same.ndjson')
    const fd = openSync(f, 'r')
    try {
      expectCleanRefusal(bootproof(['batch', '-', '--policy', POLICY, '-o', f, '--workers', '1'], { stdio: [fd, 'pipe', 'pipe'] }), /-o .*same file as the input/)
    } finally {
      closeSync(fd)
    }
    expect(readFileSync(f, 'utf8')).toBe(text)
  })
})

describe('a write error during the run stops it cleanly (exit 1)', () => {
  it.skipIf(!HAS_DEV_FULL)('-o on a full disk (/dev/full): one line naming ENOSPC, no stack trace, no summary', () => {
    const input = join(dir, 'full.ndjson')
    writeFileSync(input, quickLines(5))
    const summary = join(dir, 'full-summary.json')
    const r = bootproof(['batch', input, '--policy', POLICY, '-o', '/dev/full', '--summary', summary, '--workers', '1'])
    expect(r.code, r.err).toBe(1)
    const lines = r.err.trimEnd().split('\n')
    expect(lines, r.err).toHaveLength(1)
    expect(lines[0]).toMatch(/^batch: stopped after \d+ lines?: cannot write -o "\/dev\/full": no space left on device \(ENOSPC\)/)
    expect(r.err).not.toMatch(/ERR_INTERNAL|Unhandled|\n\s+at /)
    expect(existsSync(summary)).toBe(false)
  })

  it.skipIf(!HAS_DEV_FULL)('standard output on a full disk: the same one line, no stack trace', () => {
    const input = join(dir, 'full-stdout.ndjson')
    writeFileSync(input, quickLines(5))
    const fd = openSync('/dev/full', 'w')
    let r: Run
    try {
      r = bootproof(['batch', input, '--policy', POLICY, '--workers', '1'], { stdio: ['ignore', fd, 'pipe'] })
    } finally {
      closeSync(fd)
    }
    expect(r.code, r.err).toBe(1)
    expect(r.err.trimEnd().split('\n'), r.err).toHaveLength(1)
    expect(r.err).toMatch(/^batch: stopped after \d+ lines?: cannot write standard output: no space left on device \(ENOSPC\)/)
    expect(r.err).not.toMatch(/ERR_INTERNAL|Unhandled|\n\s+at /)
  })

  it('standard output closed by its reader (| head): stops quietly, exit 1, nothing on stderr', async () => {
    // About 2 MB of output: the reader leaves after the first chunk, long before the end.
    const input = join(dir, 'many.ndjson')
    writeFileSync(input, quickLines(25_000))
    const child = spawn(process.execPath, ['--import', 'tsx', BIN, 'batch', input, '--policy', POLICY, '--workers', '1'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let err = ''
    let got = 0
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')))
    child.stdout.once('data', (d: Buffer) => {
      got = d.length
      child.stdout.destroy()
    })
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)))
    expect(got).toBeGreaterThan(0)
    expect(code, err).toBe(1)
    expect(err).toBe('')
  }, 120_000)
})

describe('batch and the byte order mark (the worker pool path)', () => {
  it('accepts a BOM at the start of the file and refuses one on a later line', () => {
    const good = makeFleet(20, 'batch-io-bom').find((f) => f.kind === 'sb-esp')!.line
    const input = join(dir, 'bom.ndjson')
    writeFileSync(input, '\ufeff' + good + '\n\ufeff' + good + '\n')
    const out = join(dir, 'bom.out.ndjson')
    const r = bootproof(['batch', input, '--policy', POLICY, '-o', out, '--workers', '1'])
    expect(r.code, r.err).toBe(1)
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l))
    expect(lines.map((l) => l.ear_status ?? l.error.code)).toEqual(['affirming', 'ERR_LINE_NOT_JSON'])
    expect(lines[1].error.message).toMatch(/^line 2: .*byte order mark/)
  }, 120_000)
})
