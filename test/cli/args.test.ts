/**
 * Argument parsing (util.parseArgs), --version, per-command --help, and where usage goes:
 * asked-for help is a result (stdout, exit 0), usage after a mistake is an error (stderr, exit 2).
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parseArgs } from '../../src/cli/io.js'
import { commandUsage, packageVersion } from '../../src/cli/main.js'
import { REPO_ROOT } from '../helpers/corpus.js'
import { runCli } from './run.js'

const LOG = join(REPO_ROOT, 'test-vectors/ovmf/sb-esp/binary_bios_measurements')
const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version
const SPEC = { booleans: ['json'], strings: ['expect'], multi: ['ak'] }

describe('parseArgs (util.parseArgs, same results as before)', () => {
  it('takes --flag value and --flag=value alike, collects multi flags, keeps - as a positional', () => {
    expect(parseArgs(['--expect', 'a.json', 'log', '--json'], SPEC)).toEqual({ flags: { expect: 'a.json', json: true }, positional: ['log'] })
    expect(parseArgs(['--expect=a.json', '-'], SPEC)).toEqual({ flags: { expect: 'a.json' }, positional: ['-'] })
    expect(parseArgs(['--ak', 'x', '--ak=y', '--expect', '-'], SPEC)).toEqual({ flags: { ak: ['x', 'y'], expect: '-' }, positional: [] })
  })

  it('returns a plain object (commands use `in` and indexing on it)', () => {
    expect(Object.getPrototypeOf(parseArgs(['--json'], SPEC).flags)).toBe(Object.prototype)
  })

  it('-- ends options: what follows is positional even when it looks like a flag', () => {
    expect(parseArgs(['--', '--json', '-x'], SPEC)).toEqual({ flags: {}, positional: ['--json', '-x'] })
  })

  it.each([
    [['--bogus'], 'unknown option --bogus'],
    [['-x'], 'unknown option -x'],
    [['--json=yes'], '--json takes no value'],
    [['--expect'], '--expect needs a value'],
    [['--expect', '--json'], '--expect needs a value (write --expect=<value>'],
  ])('%j is a usage error: %s', (argv, message) => {
    expect(() => parseArgs(argv, SPEC)).toThrowError(expect.objectContaining({ code: 'ERR_USAGE', message: expect.stringContaining(message) }))
  })
})

describe('bootproof --version / -V', () => {
  it('prints the package.json version, exit 0', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await runCli(flag)
      expect(r).toEqual({ code: 0, out: `${VERSION}\n`, err: '' })
    }
    expect(packageVersion()).toBe(VERSION)
  })

  it('works from the executable too (package.json found from bin.ts)', () => {
    // From another directory: the version comes from the module's location, not the cwd.
    const tsx = pathToFileURL(join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href
    const r = spawnSync(process.execPath, ['--import', tsx, join(REPO_ROOT, 'src/cli/bin.ts'), '--version'], { cwd: tmpdir(), encoding: 'utf8', timeout: 60_000 })
    expect(r.stdout.trim()).toBe(VERSION)
    expect(r.status).toBe(0)
  })
})

describe('help and usage', () => {
  it('inspect --help prints the inspect usage on stdout, exit 0 (was a usage error)', async () => {
    for (const flag of ['--help', '-h']) {
      const r = await runCli('inspect', flag)
      expect(r.code).toBe(0)
      expect(r.err).toBe('')
      expect(r.out).toMatch(/^usage: bootproof inspect \[<log>\] \[--json\] \[--state\] \[--ccel\]/)
      expect(r.out).not.toContain('verify-quote') // that command's usage only
    }
  })

  it('every command has a usage block cut from the top-level usage', async () => {
    const { COMMANDS } = await import('../../src/cli/main.js')
    for (const cmd of Object.keys(COMMANDS)) expect(commandUsage(cmd), cmd).toMatch(new RegExp(`^usage: bootproof ${cmd}\\b`))
    expect(commandUsage('policy')).toContain('policy check <policy.json>')
    expect(commandUsage('nope')).toBeUndefined()
  })

  it('bootproof help <command> and --help after a subcommand work too', async () => {
    expect((await runCli('help', 'diff')).out).toMatch(/^usage: bootproof diff <logA> <logB>/)
    const r = await runCli('policy', 'derive', '--help')
    expect(r.code).toBe(0)
    expect(r.out).toContain('policy derive <log...>')
  })

  it('--help after -- is a path, not a request for help', async () => {
    const r = await runCli('inspect', '--', '--help')
    expect(r.code).toBe(2)
    expect(r.err).toContain('cannot read --help')
  })

  it('no command: the usage goes to stderr, stdout stays empty, exit 2', async () => {
    const r = await runCli()
    expect(r.code).toBe(2)
    expect(r.out).toBe('')
    expect(r.err).toContain('usage: bootproof <command> [options]')
  })

  it('a usage error prints the code, then that command\'s usage, on stderr only', async () => {
    const r = await runCli('inspect', LOG, '--bogus')
    expect(r.code).toBe(2)
    expect(r.out).toBe('')
    expect(r.err).toMatch(/^bootproof: ERR_USAGE: unknown option --bogus.*\nusage: bootproof inspect /)
  })

  it('with --json a usage error is also the JSON error on stdout', async () => {
    const r = await runCli('diff', LOG, '--json')
    expect(r.code).toBe(2)
    expect(JSON.parse(r.out).error.code).toBe('ERR_USAGE')
    expect(r.err).toContain('usage: bootproof diff')
  })

  it('--flag=value reaches the command', async () => {
    const r = await runCli('diff', LOG, LOG, '--bank=sha384', '--json')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out).bank).toBe('sha384')
  })

  it('the top-level usage lists the flags verify-quote and verify take', async () => {
    const { out } = await runCli('--help')
    for (const flag of ['--no-nonce', '--now <iso>', '--allow-sha1', '--nonce-from-bundle', '--ak-enrolled']) expect(out).toContain(flag)
    expect(commandUsage('verify-quote')).toContain('--no-nonce')
  })
})
