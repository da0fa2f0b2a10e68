/**
 * `bootproof batch` output paths, second round: every output check is settled before the input
 * is opened (a FIFO input would block the refusal), pipes compare like files, paths still to be
 * created are resolved through symbolic links (also dangling ones), the summary is written
 * atomically, paths are quoted in messages, an empty input is a failure, and the policy and
 * baseline files are not outputs.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeFleet } from '../../scripts/make-fleet.js'
import { REPO_ROOT } from '../helpers/corpus.js'
import { BIN, bootproof, expectCleanRefusal, POLICY, quickLines, writeIn, type Run } from './batch_run.js'

const dir = mkdtempSync(join(tmpdir(), 'bootproof-batch-paths-'))
const HAS_MKFIFO = spawnSync('mkfifo', ['--version']).status === 0

/** A run that verified its lines (quick lines: every one an error line, exit 1). */
function expectRan(r: Run, lines: number): void {
  expect(r.signal, `killed: ${r.err}`).toBeNull()
  expect(r.code, r.err).toBe(1)
  expect(r.err).toMatch(new RegExp(`\\b${lines} attestations? in\\b`))
}

function fresh(name: string, text = quickLines(3, 'p')): string {
  return writeIn(dir, name, text)
}

describe('every output is settled before the input is opened', () => {
  it.skipIf(!HAS_MKFIFO)('a FIFO input with an -o that cannot be created: refused, and the process exits', () => {
    const fifo = join(dir, 'in.fifo')
    spawnSync('mkfifo', [fifo])
    const r = bootproof(['batch', fifo, '--policy', POLICY, '-o', join(dir, 'nodir', 'x.ndjson'), '--workers', '1'], { timeout: 20_000 })
    expectCleanRefusal(r, /-o .*nodir.*no such directory/)
  }, 30_000)

  it.skipIf(!HAS_MKFIFO)('a FIFO input with a --summary that cannot be written: refused, and the process exits', () => {
    const fifo = join(dir, 'in2.fifo')
    spawnSync('mkfifo', [fifo])
    const r = bootproof(['batch', fifo, '--policy', POLICY, '--summary', join(dir, 'nodir', 's.json'), '--workers', '1'], { timeout: 20_000 })
    expectCleanRefusal(r, /--summary .*nodir.*no such directory/)
  }, 30_000)

  it('a missing input is still refused before -o is created', () => {
    const out = join(dir, 'never.ndjson')
    const r = bootproof(['batch', join(dir, 'missing.ndjson'), '--policy', POLICY, '-o', out, '--workers', '1'])
    expect(r.code, r.err).toBe(2)
    expect(existsSync(out)).toBe(false)
  })
})

describe('pipes compare by device and inode; character devices never do', () => {
  it('standard input from a pipe and -o /dev/stdin (the same pipe): refused, no hang', () => {
    const r = bootproof(['batch', '-', '--policy', POLICY, '-o', '/dev/stdin', '--workers', '1'], { input: quickLines(3, 'p'), timeout: 20_000 })
    expectCleanRefusal(r, /-o "\/dev\/stdin" is the same file as the input/)
  }, 30_000)

  it('standard output to a pipe and --summary /dev/stdout: refused as the same file', () => {
    const r = bootproof(['batch', fresh('so.ndjson'), '--policy', POLICY, '--summary', '/dev/stdout', '--workers', '1'], { timeout: 20_000 })
    expectCleanRefusal(r, /--summary "\/dev\/stdout" is the same file as standard output/)
  }, 30_000)

  it('--summary /dev/stderr (a pipe) is written in place, not renamed beside a /proc link', () => {
    // stderr into a pipe (to cat, whose output is read here); stdout discarded.
    const node = [process.execPath, '--import', 'tsx', BIN, 'batch', fresh('se.ndjson'), '--policy', POLICY, '-o', '/dev/null', '--summary', '/dev/stderr', '--workers', '1']
    const r = spawnSync('sh', ['-c', '"$@" 2>&1 >/dev/null | cat; exit 0', 'sh', ...node], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 })
    expect(r.stdout).toContain('"kind": "bootproof-fleet-summary"')
    expect(r.stdout).toMatch(/\b3 attestations in\b/)
  })

  it('--summary naming a socket: refused before the run, it cannot be opened by path', async () => {
    const sock = join(dir, 'summary.sock')
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(sock, resolve))
    try {
      const r = bootproof(['batch', fresh('sock.ndjson'), '--policy', POLICY, '-o', '/dev/null', '--summary', sock, '--workers', '1'])
      expectCleanRefusal(r, /--summary ".*summary\.sock": a socket cannot be opened by its path \(ENXIO\)/)
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })

  it('-o /dev/null with --summary /dev/null stays allowed', () => {
    expectRan(bootproof(['batch', fresh('null.ndjson'), '--policy', POLICY, '-o', '/dev/null', '--summary', '/dev/null', '--workers', '1']), 3)
  })
})

describe('paths still to be created are resolved through symbolic links', () => {
  it('a dangling symbolic link as -o is the file it points to (--summary naming that file is refused)', () => {
    const sub = join(dir, 'dangling')
    mkdirSync(sub)
    symlinkSync('s10.json', join(sub, 'dang'))
    const r = bootproof(['batch', fresh('d.ndjson'), '--policy', POLICY, '-o', join(sub, 'dang'), '--summary', join(sub, 's10.json'), '--workers', '1'])
    expectCleanRefusal(r, /-o and --summary name the same file/)
    expect(existsSync(join(sub, 's10.json'))).toBe(false)
  })

  it('`..` after a symbolic link goes up from its target, not textually', () => {
    const sub = join(dir, 'dotdot')
    mkdirSync(join(sub, 'real', 'deep'), { recursive: true })
    symlinkSync('real/deep', join(sub, 'lnk'))
    const input = fresh('dd.ndjson')
    // lnk/../x.json is real/x.json: the same file as --summary real/x.json.
    expectCleanRefusal(bootproof(['batch', input, '--policy', POLICY, '-o', `${sub}/lnk/../x.json`, '--summary', join(sub, 'real', 'x.json'), '--workers', '1']), /-o and --summary name the same file/)
    // ... and not x.json beside lnk: both are written, each where the kernel puts it.
    const r = bootproof(['batch', input, '--policy', POLICY, '-o', `${sub}/lnk/../x.json`, '--summary', join(sub, 'x.json'), '--workers', '1'])
    expectRan(r, 3)
    expect(readFileSync(join(sub, 'real', 'x.json'), 'utf8').trimEnd().split('\n')).toHaveLength(3)
    expect(JSON.parse(readFileSync(join(sub, 'x.json'), 'utf8')).lines).toBe(3)
  })

  it('a symbolic link loop is refused as an output that cannot be written, not a hang', () => {
    const sub = join(dir, 'loop')
    mkdirSync(sub)
    symlinkSync('b', join(sub, 'a'))
    symlinkSync('a', join(sub, 'b'))
    expectCleanRefusal(bootproof(['batch', fresh('loop.ndjson'), '--policy', POLICY, '--summary', join(sub, 'a'), '--workers', '1']), /--summary .*loop.*a"/)
  })
})

describe('a --summary that passes the check can be written', () => {
  it('a dangling symbolic link into a directory that does not exist: refused before the run', () => {
    const sub = join(dir, 'dsum')
    mkdirSync(sub)
    symlinkSync('nodir/s.json', join(sub, 'dsum'))
    const out = join(sub, 'out.ndjson')
    const r = bootproof(['batch', fresh('ds.ndjson'), '--policy', POLICY, '-o', out, '--summary', join(sub, 'dsum'), '--workers', '1'])
    expectCleanRefusal(r, /--summary .*dsum.*no such directory/)
    expect(existsSync(out)).toBe(false)
  })

  it('an empty --summary or -o is a usage error before any line is verified', () => {
    const input = fresh('empty-arg.ndjson')
    expectCleanRefusal(bootproof(['batch', input, '--policy', POLICY, '--summary', '', '--workers', '1']), /--summary: an empty path/)
    expectCleanRefusal(bootproof(['batch', input, '--policy', POLICY, '-o', '', '--workers', '1']), /-o: an empty path/)
  })

  it('a --summary naming a link to an existing summary replaces that file and keeps the link', () => {
    const sub = join(dir, 'linked-summary')
    mkdirSync(sub)
    writeFileSync(join(sub, 'target.json'), 'old\n')
    symlinkSync('target.json', join(sub, 'link.json'))
    expectRan(bootproof(['batch', fresh('ls.ndjson'), '--policy', POLICY, '-o', '/dev/null', '--summary', join(sub, 'link.json'), '--workers', '1']), 3)
    expect(JSON.parse(readFileSync(join(sub, 'link.json'), 'utf8')).lines).toBe(3)
    expect(readdirSync(sub).sort()).toEqual(['link.json', 'target.json'])
  })

  it('a summary write that fails (file size limit) leaves the earlier summary whole and no temporary file', () => {
    const sub = join(dir, 'atomic')
    mkdirSync(sub)
    const summary = join(sub, 'summary.json')
    const earlier = JSON.stringify({ earlier: 'x'.repeat(200) }) + '\n'
    writeFileSync(summary, earlier)
    // A fleet whose summary is far larger than the limit (8 blocks: 4 or 8 KiB); -o to a device.
    const lines = makeFleet(12, 'batch-paths-atomic').map((f) => f.line).join('\n') + '\n'
    const input = fresh('atomic.ndjson', lines)
    const r = bootproof(['batch', input, '--policy', POLICY, '-o', '/dev/null', '--summary', summary, '--workers', '1'], { shell: 'ulimit -f 8' })
    expect(r.signal, r.err).toBeNull()
    expect(r.code, r.err).toBe(1)
    expect(r.err.trimEnd().split('\n'), r.err).toHaveLength(1)
    expect(readFileSync(summary, 'utf8')).toBe(earlier)
    expect(readdirSync(sub)).toEqual(['summary.json'])
    expect(r.err).toMatch(/^batch: stopped after 12 lines: cannot write --summary ".*summary\.json": .*; no summary was written/)
  }, 120_000)
})

describe('paths in messages are quoted', () => {
  it('a newline in -o cannot forge a second stderr line', () => {
    const r = bootproof(['batch', fresh('nl.ndjson'), '--policy', POLICY, '-o', join(dir, 'nodir') + '\nbootproof: forged/o.ndjson', '--workers', '1'])
    expectCleanRefusal(r, /-o ".*nodir\\nbootproof: forged\/o\.ndjson": no such directory/)
  })

  it('a newline in --summary is quoted too', () => {
    const r = bootproof(['batch', fresh('nl2.ndjson'), '--policy', POLICY, '--summary', join(dir, 'nodir') + '\nforged/s.json', '--workers', '1'])
    expectCleanRefusal(r, /--summary ".*nodir\\nforged\/s\.json": no such directory/)
  })
})

describe('a run with no attestation fails', () => {
  it('empty standard input: exit 1, one line saying the input held no attestation', () => {
    const r = bootproof(['batch', '-', '--policy', POLICY, '--workers', '1'], { input: '' })
    expect(r.code, r.err).toBe(1)
    expect(r.out).toBe('')
    expect(r.err.trimEnd().split('\n'), r.err).toEqual(['batch: the input held no attestation'])
  })

  it('an input of blank lines only: exit 1', () => {
    const r = bootproof(['batch', fresh('blank.ndjson', '\n  \n\t\r\n'), '--policy', POLICY, '--workers', '1'])
    expect(r.code, r.err).toBe(1)
    expect(r.err).toMatch(/held no attestation/)
  })
})

describe('the policy and the baseline are not outputs', () => {
  const policyCopy = (name: string) => writeIn(dir, name, readFileSync(POLICY))

  it('-o naming the --policy file: refused, the policy untouched', () => {
    const p = policyCopy('pol-o.json')
    const before = readFileSync(p, 'utf8')
    expectCleanRefusal(bootproof(['batch', fresh('po.ndjson'), '--policy', p, '-o', p, '--workers', '1']), /-o ".*pol-o\.json" is the --policy file/)
    expect(readFileSync(p, 'utf8')).toBe(before)
  })

  it('-o naming the --baseline file: refused, the baseline untouched', () => {
    const b = policyCopy('base-o.json')
    const before = readFileSync(b, 'utf8')
    const r = bootproof(['batch', fresh('bo.ndjson'), '--policy', POLICY, '--baseline', b, '--summary', join(dir, 'bo-s.json'), '-o', b, '--workers', '1'])
    expectCleanRefusal(r, /-o ".*base-o\.json" is the --baseline file/)
    expect(readFileSync(b, 'utf8')).toBe(before)
  })

  it('--summary naming the --policy file: refused, the policy untouched', () => {
    const p = policyCopy('pol-s.json')
    const before = readFileSync(p, 'utf8')
    expectCleanRefusal(bootproof(['batch', fresh('ps.ndjson'), '--policy', p, '--summary', p, '--workers', '1']), /--summary ".*pol-s\.json" is the --policy file/)
    expect(readFileSync(p, 'utf8')).toBe(before)
  })

  it('--summary naming the --baseline file is allowed: the baseline is rolled forward', () => {
    const b = policyCopy('base-s.json')
    expectRan(bootproof(['batch', fresh('bs.ndjson'), '--policy', POLICY, '--baseline', b, '--summary', b, '-o', '/dev/null', '--workers', '1']), 3)
    expect(JSON.parse(readFileSync(b, 'utf8')).lines).toBe(3)
  })
})
