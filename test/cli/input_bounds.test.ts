/**
 * The CLI checks an input path before reading it: only regular files (a symlink only to one) or
 * `-` for stdin, and never more than the kind's limit + 1 bytes. Every command that takes a file,
 * in every file position, on /dev/zero, a FIFO, a directory and a symlink to each: exit 2 with a
 * typed error, quickly (a FIFO with no writer must not block).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runCli } from './run.js'
import { CLI_INPUT_LIMITS, readInputFile } from '../../src/cli/io.js'
import { DEFAULT_EVENTLOG_LIMITS } from '../../src/limits.js'
import { driverConfigEvent } from '../fixtures/eventlog/boot_events.js'
import { buildAgileLog } from '../fixtures/eventlog/log_writer.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const LOG = join(ROOT, 'test-vectors/ovmf/sb-esp/binary_bios_measurements')
const Q = join(ROOT, 'test-vectors/quotes/rsassa-sha256')
const NONCE = readFileSync(join(Q, 'nonce.hex'), 'utf8').trim()
const quote = ['--quote', join(Q, 'quote.msg'), '--sig', join(Q, 'quote.sig'), '--ak', join(Q, 'ak.pub')]
const MAA = ['--kind', 'maa', '--issuer', 'https://x.attest.azure.net']
const HCL = join(ROOT, 'test-vectors/cvm/azure/trustee-snp-hcl-report.bin')
const SNP_VCEK = join(ROOT, 'test-vectors/cvm/azure/trustee-snp-vcek.pem')
const TD_QUOTE = join(ROOT, 'test-vectors/cvm/azure/trustee-tdx-td-quote.bin')

let dir: string
const bad: Record<string, string> = {}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bootproof-bounds-'))
  execFileSync('mkfifo', [join(dir, 'fifo')])
  mkdirSync(join(dir, 'dir'))
  symlinkSync('/dev/zero', join(dir, 'link-zero'))
  symlinkSync(join(dir, 'fifo'), join(dir, 'link-fifo'))
  symlinkSync(join(dir, 'dir'), join(dir, 'link-dir'))
  writeFileSync(STREAM_OK, '')
  Object.assign(bad, {
    '/dev/zero': '/dev/zero',
    FIFO: join(dir, 'fifo'),
    directory: join(dir, 'dir'),
    'symlink to /dev/zero': join(dir, 'link-zero'),
    'symlink to a FIFO': join(dir, 'link-fifo'),
    'symlink to a directory': join(dir, 'link-dir'),
  })
})
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
  rmSync(STREAM_OK, { force: true })
})

/** Every file position of every command; `B` is replaced by the bad path. */
const B = '\0BAD'
const POLICY = join(ROOT, 'examples/policies/ovmf-sb-esp.derived.json')
/** An empty NDJSON input for the positions after it (created in beforeAll). */
const STREAM_OK = join(tmpdir(), `bootproof-bounds-empty-${process.pid}.ndjson`)
const POSITIONS: string[][] = [
  ['inspect', B],
  ['replay', B],
  ['replay', LOG, '--expect', B],
  ['verify', '--bundle', B, '--nonce-from-bundle'],
  ['verify', '--log', B, ...quote, '--nonce', NONCE],
  ['verify', '--log', LOG, '--quote', B, '--sig', join(Q, 'quote.sig'), '--ak', join(Q, 'ak.pub'), '--nonce', NONCE],
  ['verify', '--log', LOG, '--quote', join(Q, 'quote.msg'), '--sig', B, '--ak', join(Q, 'ak.pub'), '--nonce', NONCE],
  ['verify', '--log', LOG, '--quote', join(Q, 'quote.msg'), '--sig', join(Q, 'quote.sig'), '--ak', B, '--nonce', NONCE],
  ['verify', '--log', LOG, ...quote, '--nonce', NONCE, '--pcrs', B],
  ['verify', '--log', LOG, ...quote, '--nonce', NONCE, '--policy', B],
  ['verify', '--log', LOG, ...quote, '--nonce', NONCE, '--ca', B],
  ['verify-quote', '--ak', B, '--quote', join(Q, 'quote.msg'), '--sig', join(Q, 'quote.sig')],
  ['verify-quote', '--ak', join(Q, 'ak.pub'), '--quote', B, '--sig', join(Q, 'quote.sig')],
  ['verify-quote', '--ak', join(Q, 'ak.pub'), '--quote', join(Q, 'quote.msg'), '--sig', B],
  ['verify-quote', ...quote, '--pcrs', B],
  ['verify-quote', ...quote, '--ca', B],
  ['verify-cvm', '--hcl-report', B],
  ['verify-cvm', '--hcl-report', HCL, '--vcek', B],
  ['verify-cvm', '--hcl-report', HCL, '--ak', B],
  ['verify-cvm', '--snp-report', B, '--vcek', SNP_VCEK],
  ['verify-cvm', '--tdx-quote', B],
  ['verify-cvm', '--tdx-quote', TD_QUOTE, '--ccel', B],
  ['diff', B, LOG],
  ['diff', LOG, B],
  ['policy', 'check', B],
  ['policy', 'derive', B],
  ['token', 'verify', B, '--jwks', join(Q, 'pcrs.json')],
  ['token', 'verify', LOG, ...MAA, '--jwks', B],
  ['token', 'verify', LOG, ...MAA, '--root', B],
  ['predict-pcr4', B],
  ['predict-pcr4', LOG, '--template', B],
  ['predict-pcr11', B],
  ['verify-pcrsig', B],
  ['verify-pcrsig', join(ROOT, 'test-vectors/uki/signed/uki.efi'), '--key', B],
  ['verify-pcrsig', join(ROOT, 'test-vectors/uki/signed/uki.efi'), '--pcrsig', B],
  ['batch', B, '--policy', POLICY],
  ['batch', STREAM_OK, '--policy', B],
  ['batch', STREAM_OK, '--policy', POLICY, '--baseline', B],
  ['batch', STREAM_OK, '--policy', POLICY, '--ca', B],
  ['fleet', 'query', B, '--component', 'shim'],
]

/**
 * `batch` streams its NDJSON input of any length: a named pipe is a legitimate source there (a
 * producer streaming attestations), so only that position accepts a FIFO; devices and
 * directories are refused like everywhere else.
 */
const STREAMING_POSITION = (argv: string[]): boolean => argv[0] === 'batch' && argv[1] === B

describe('every command refuses non-regular files before reading', () => {
  // Commands load their modules on first use (src/cli/main.ts); under vitest that first load
  // includes transforming the sources. Load them all once, so the timing below is the input
  // check's, not the module loader's.
  beforeAll(async () => {
    const { COMMANDS } = await import('../../src/cli/main.js')
    await Promise.all(Object.values(COMMANDS).map((load) => load()))
  }, 60_000)
  it('covers every command that takes a file', async () => {
    const { COMMANDS } = await import('../../src/cli/main.js')
    expect(new Set(POSITIONS.map((p) => p[0]))).toEqual(new Set(Object.keys(COMMANDS)))
  })
  for (const kind of ['/dev/zero', 'FIFO', 'directory', 'symlink to /dev/zero', 'symlink to a FIFO', 'symlink to a directory']) {
    it(`${kind}: exit 2, ERR_INPUT_NOT_FILE, under a second, in all ${POSITIONS.length} positions`, async () => {
      for (const argv of POSITIONS) {
        if (kind.includes('FIFO') && STREAMING_POSITION(argv)) continue
        const t0 = performance.now()
        const r = await runCli(...argv.map((a) => (a === B ? bad[kind]! : a)))
        const ms = performance.now() - t0
        const what = argv.join(' ')
        expect(r.code, what).toBe(2)
        expect(r.err, what).toContain('ERR_INPUT_NOT_FILE')
        expect(ms, what).toBeLessThan(1000)
      }
    })
  }

  it('the JSON error names the code and the path', async () => {
    const r = await runCli('inspect', bad.FIFO!, '--json')
    expect(r.code).toBe(2)
    expect(JSON.parse(r.out).error).toMatchObject({ code: 'ERR_INPUT_NOT_FILE', path: bad.FIFO })
  })

  it('a missing file stays ERR_INPUT_INVALID, with the OS code', async () => {
    const r = await runCli('inspect', join(dir, 'nope.bin'), '--json')
    expect(r.code).toBe(2)
    expect(JSON.parse(r.out).error).toMatchObject({ code: 'ERR_INPUT_INVALID', sysCode: 'ENOENT' })
  })
})

describe('size limits apply before the read', () => {
  it('a sparse file over the log limit is refused by size (never read whole)', async () => {
    const p = join(dir, 'huge.bin')
    writeFileSync(p, '')
    truncateSync(p, 200 * 1024 * 1024) // 200 MiB, sparse: stat reports it, nothing is allocated
    for (const argv of [['inspect', p], ['diff', LOG, p], ['policy', 'derive', p], ['verify', '--log', p, ...quote, '--nonce', NONCE]]) {
      const t0 = performance.now()
      const r = await runCli(...argv)
      expect(r.code, argv.join(' ')).toBe(2)
      expect(r.err).toContain('ERR_INPUT_TOO_LARGE')
      expect(r.err).toContain(String(DEFAULT_EVENTLOG_LIMITS.maxLogBytes))
      expect(performance.now() - t0).toBeLessThan(1000)
    }
  })

  it('the limit is exact and overridable: maxBytes accepted, maxBytes + 1 refused', () => {
    const p = join(dir, 'hundred.bin')
    writeFileSync(p, new Uint8Array(100).fill(7))
    expect(readInputFile(p, 100)).toEqual(new Uint8Array(100).fill(7))
    expect(() => readInputFile(p, 99)).toThrowError(expect.objectContaining({ code: 'ERR_INPUT_TOO_LARGE' }))
  })

  it('a size-0 pseudo-file is read to EOF and still capped (st_size is not trusted)', () => {
    const p = '/proc/self/status'
    if (!existsSync(p)) return
    expect(readInputFile(p, 1 << 20).length).toBeGreaterThan(100)
    expect(() => readInputFile(p, 10)).toThrowError(expect.objectContaining({ code: 'ERR_INPUT_TOO_LARGE' }))
  })

  it('a symlink to a regular file is followed', () => {
    const p = join(dir, 'link-log')
    symlinkSync(LOG, p)
    expect(readInputFile(p)).toEqual(new Uint8Array(readFileSync(LOG)))
  })

  it('JSON inputs have their own named limit', () => {
    expect(CLI_INPUT_LIMITS.log).toBe(DEFAULT_EVENTLOG_LIMITS.maxLogBytes)
    expect(CLI_INPUT_LIMITS.json).toBeGreaterThan(0)
    expect(Object.isFrozen(CLI_INPUT_LIMITS)).toBe(true)
  })
})

describe('terminal output', () => {
  it('inspect escapes a bidi override and a zero-width space in a variable name', async () => {
    const p = join(dir, 'bidi.bin')
    writeFileSync(p, buildAgileLog({ events: [driverConfigEvent({ name: 'db\u202etxt.exe\u200b', data: new Uint8Array([1]) })] }).bytes)
    for (const json of [false, true]) {
      const r = await runCli('inspect', p, ...(json ? ['--json'] : []))
      expect(r.code).toBeLessThan(2)
      expect(r.out).not.toMatch(/[\u202e\u200b]/)
      expect(r.out).toContain('db\\u202etxt.exe\\u200b')
      if (json) expect(JSON.stringify(JSON.parse(r.out))).toContain('db\u202etxt.exe\u200b') // same JSON value
    }
  })
})

describe('standard input (-), through the real executable', () => {
  const bin = join(ROOT, 'src/cli/bin.ts')
  const run = (input: Uint8Array) => spawnSync(process.execPath, ['--import', 'tsx', bin, 'inspect', '-', '--json'], { input, cwd: ROOT, timeout: 60_000, maxBuffer: 64 << 20 })

  it('reads a log from stdin', () => {
    const r = run(readFileSync(LOG))
    expect(r.status).toBe(0)
    expect(JSON.parse(r.stdout.toString()).events.length).toBeGreaterThan(10)
  }, 60_000)

  it('stops at the limit + 1 byte on stdin', () => {
    const r = run(new Uint8Array(CLI_INPUT_LIMITS.log + 1))
    expect(r.status).toBe(2)
    expect(r.stderr.toString()).toContain('ERR_INPUT_TOO_LARGE')
  }, 60_000)
})

describe('no unchecked reads remain in the CLI or bootproof/node', () => {
  it('only src/node/read_file.ts touches fs reading APIs', () => {
    const files = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(d, e.name)) : e.name.endsWith('.ts') ? [join(d, e.name)] : []))
    const offenders = [...files(join(ROOT, 'src/cli')), ...files(join(ROOT, 'src/node'))]
      .filter((f) => !f.endsWith('read_file.ts'))
      .filter((f) => /\b(readFileSync|readFile|openSync|createReadStream|readSync)\b/.test(readFileSync(f, 'utf8')))
    expect(offenders).toEqual([])
  })
})
