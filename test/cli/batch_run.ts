/**
 * Running `bootproof batch` as a process in the batch I/O tests: the real executable (tsx), lines
 * that fail fast, and the shape of a clean refusal.
 */
import { spawnSync, type StdioOptions } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'vitest'
import { REPO_ROOT } from '../helpers/corpus.js'

export const BIN = join(REPO_ROOT, 'src/cli/bin.ts')
export const POLICY = join(REPO_ROOT, 'examples/policies/ovmf-sb-esp.derived.json')

/** Lines that fail fast (no bundle): each is an error line, so no run of them exits 0. */
/** `text` written to `dir`/`name`; its path. */
export function writeIn(dir: string, name: string, text: string | Uint8Array): string {
  const p = join(dir, name)
  writeFileSync(p, text)
  return p
}

export function quickLines(n: number, prefix = 'q'): string {
  return Array.from({ length: n }, (_, i) => `{"id":"${prefix}${String(i).padStart(6, '0')}"}\n`).join('')
}

export interface Run {
  code: number | null
  signal: NodeJS.Signals | null
  out: string
  err: string
}

/**
 * The CLI in a child process; `shell` runs first in `sh -c` (e.g. `ulimit -f 8`), then the CLI;
 * `imports`: modules Node loads after tsx, before the CLI (`--import`, e.g. module hooks).
 */
export function bootproof(args: string[], opts: { stdio?: StdioOptions; input?: string; timeout?: number; shell?: string; imports?: string[] } = {}): Run {
  const node = [process.execPath, '--import', 'tsx', ...(opts.imports ?? []).flatMap((m) => ['--import', m]), BIN, ...args]
  const [cmd, argv] = opts.shell !== undefined ? ['sh', ['-c', `${opts.shell}; exec "$@"`, 'sh', ...node]] : [node[0]!, node.slice(1)]
  const r = spawnSync(cmd as string, argv as string[], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: opts.timeout ?? 120_000,
    maxBuffer: 64 << 20,
    ...(opts.input !== undefined ? { input: opts.input } : {}),
    ...(opts.stdio ? { stdio: opts.stdio } : {}),
  })
  return { code: r.status, signal: r.signal, out: r.stdout ?? '', err: r.stderr ?? '' }
}

/** A clean refusal: exit 2 and exactly one line on stderr, no stack trace, no line verified. */
export function expectCleanRefusal(r: Run, message: RegExp): void {
  expect(r.signal, `killed: ${r.err}`).toBeNull()
  expect(r.code, r.err).toBe(2)
  const lines = r.err.trimEnd().split('\n')
  expect(lines, r.err).toHaveLength(1)
  expect(lines[0]).toMatch(/^bootproof: ERR_USAGE: /)
  expect(lines[0]).toMatch(message)
  expect(r.err).not.toMatch(/ERR_INTERNAL|Unhandled|\n\s+at /)
}
