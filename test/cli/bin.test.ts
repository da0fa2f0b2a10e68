/** The executable: a reader that leaves early (`| head`) is not a crash. */
import { spawnSync } from 'node:child_process'
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../helpers/corpus.js'
import { makeFleet } from '../../scripts/make-fleet.js'
import { efiActionEvent } from '../fixtures/eventlog/boot_events.js'
import { buildAgileLog } from '../fixtures/eventlog/log_writer.js'

describe('bootproof executable', () => {
  it('stdout closed early (| head -c 1): no EPIPE stack trace, exit code unchanged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bootproof-bin-'))
    const log = join(dir, 'many.bin')
    // ~3000 events: megabytes of --json output, far more than a pipe buffer.
    writeFileSync(log, buildAgileLog({ events: Array.from({ length: 3000 }, (_, i) => efiActionEvent(4, `action ${i}`)) }).bytes)
    const tsx = pathToFileURL(join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href
    const errFile = join(dir, 'stderr.txt')
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`
    const script = `${q(process.execPath)} --import ${q(tsx)} ${q(join(REPO_ROOT, 'src/cli/bin.ts'))} inspect ${q(log)} --json 2>${q(errFile)} | head -c 1 >/dev/null; echo "\${PIPESTATUS[0]}"`
    const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', timeout: 120_000 })
    expect(readFileSync(errFile, 'utf8')).toBe('')
    expect(r.stdout.trim()).toBe('0')
  })

  it.skipIf(!existsSync('/dev/full'))('stdout that cannot be written (> /dev/full): one line on stderr, exit 2, no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bootproof-bin-'))
    const log = join(dir, 'many.bin')
    writeFileSync(log, buildAgileLog({ events: Array.from({ length: 3000 }, (_, i) => efiActionEvent(4, `action ${i}`)) }).bytes)
    const full = openSync('/dev/full', 'w')
    try {
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src/cli/bin.ts'), 'inspect', log, '--json'], { cwd: REPO_ROOT, stdio: ['ignore', full, 'pipe'], encoding: 'utf8', timeout: 120_000 })
      expect(r.status).toBe(2)
      expect(r.stderr).toMatch(/^bootproof: cannot write the output to stdout \(ENOSPC\): it is incomplete\n$/)
    } finally {
      closeSync(full)
    }
  })

  it.skipIf(!existsSync('/dev/full'))('stderr that cannot be written (2> /dev/full) keeps the command\'s exit code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bootproof-bin-'))
    // batch reports on stderr even when every line affirms (exit 0).
    const input = join(dir, 'good.ndjson')
    writeFileSync(input, makeFleet(60, 'bin-stderr').filter((f) => f.kind === 'sb-esp').slice(0, 2).map((f) => f.line + '\n').join(''))
    const full = openSync('/dev/full', 'w')
    try {
      const args = ['--import', 'tsx', join(REPO_ROOT, 'src/cli/bin.ts'), 'batch', input, '--policy', join(REPO_ROOT, 'examples/policies/ovmf-sb-esp.derived.json'), '-o', join(dir, 'out.ndjson'), '--workers', '1']
      const r = spawnSync(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', full], encoding: 'utf8', timeout: 120_000 })
      expect(r.status).toBe(0)
      expect(readFileSync(join(dir, 'out.ndjson'), 'utf8').trim().split('\n')).toHaveLength(2)
    } finally {
      closeSync(full)
    }
  })
})
