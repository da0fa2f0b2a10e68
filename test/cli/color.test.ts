/**
 * Colour: on a terminal only (per stream), never with --json or NO_COLOR, FORCE_COLOR honoured;
 * only status words are coloured, and input text can never bring its own escape sequences.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { colorEnabled, highlight } from '../../src/cli/color.js'
import { REPO_ROOT } from '../helpers/corpus.js'
import { driverConfigEvent } from '../fixtures/eventlog/boot_events.js'
import { buildAgileLog } from '../fixtures/eventlog/log_writer.js'
import { runCliWith } from './run_io.js'

const LOG = join(REPO_ROOT, 'test-vectors/ovmf/sb-esp/binary_bios_measurements')
const TTY = { out: true, err: true }
const RED = '\x1b[31m'
const GREEN = '\x1b[32m'
const YELLOW = '\x1b[33m'
const OFF = '\x1b[39m'
const ESC = /\x1b/

describe('colorEnabled', () => {
  it.each([
    [true, {}, false, true],
    [false, {}, false, false], // not a terminal
    [true, {}, true, false], // --json
    [true, { NO_COLOR: '1' }, false, false],
    [true, { NO_COLOR: '' }, false, true], // no-color.org: only a non-empty value counts
    [false, { FORCE_COLOR: '1' }, false, true],
    [false, { FORCE_COLOR: '' }, false, true],
    [true, { FORCE_COLOR: '0' }, false, false],
    [true, { FORCE_COLOR: 'false' }, false, false],
    [true, { FORCE_COLOR: '1', NO_COLOR: '1' }, false, true], // as Node does: FORCE_COLOR wins
    [false, { FORCE_COLOR: '1' }, true, false], // but never with --json
    [true, { TERM: 'dumb' }, false, false],
  ])('tty=%s env=%j json=%s → %s', (tty, env, json, want) => {
    expect(colorEnabled(tty, env, json)).toBe(want)
  })
})

describe('highlight', () => {
  it('colours severities and statuses where the renderers put them', () => {
    expect(highlight('  [error] X: m')).toBe(`  [${RED}error${OFF}] X: m`)
    expect(highlight('  [warning] X: m')).toBe(`  [${YELLOW}warning${OFF}] X: m`)
    expect(highlight('  [info] X: m')).toBe('  [info] X: m')
    expect(highlight('result: OK')).toBe(`result: ${GREEN}OK${OFF}`)
    expect(highlight('result: FAILED')).toBe(`result: ${RED}FAILED${OFF}`)
    expect(highlight('quote: INVALID')).toBe(`quote: ${RED}INVALID${OFF}`)
    expect(highlight('  FAIL quote.nonce ERR_X: m')).toBe(`  ${RED}FAIL${OFF} quote.nonce ERR_X: m`)
    expect(highlight('  ok   ak.key: m')).toBe(`  ${GREEN}ok${OFF}   ak.key: m`)
    expect(highlight('Attestation verdict: AFFIRMING')).toBe(`Attestation verdict: ${GREEN}AFFIRMING${OFF}`)
    expect(highlight('Attestation verdict: WARNING')).toBe(`Attestation verdict: ${YELLOW}WARNING${OFF}`)
    expect(highlight('  contraindicated firmware  [x=1]')).toBe(`  ${RED}contraindicated${OFF} firmware  [x=1]`)
    expect(highlight('   7: ab12  mismatch')).toBe(`   7: ab12  ${RED}mismatch${OFF}`)
    expect(highlight('bootproof: ERR_INPUT_KIND: x')).toBe(`bootproof: ${RED}ERR_INPUT_KIND${OFF}: x`)
  })

  it('leaves words inside values alone, and JSON output plain', () => {
    expect(highlight('  kernel command line    "OK trusted"  UNTRUSTED (X: y) events [1]')).toBe(`  kernel command line    "OK trusted"  ${RED}UNTRUSTED${OFF} (X: y) events [1]`)
    expect(highlight('   5  EV_EFI_ACTION  sha256:00  "result: OK [error]"')).not.toMatch(ESC)
    expect(highlight('  12    7  EV_EFI_VARIABLE_AUTHORITY  sha256:00  x  trusted')).not.toMatch(ESC)
    expect(highlight('{\n  "severity": "error",\n  "ok": true\n}')).not.toMatch(ESC)
    expect(highlight('[\n  "[error] x"\n]')).not.toMatch(ESC)
  })
})

describe('the CLI', () => {
  it('colours boot-state trust on a terminal', async () => {
    const r = await runCliWith({ tty: TTY }, 'inspect', '--state', LOG)
    expect(r.code).toBe(0)
    expect(r.out).toContain(`  SecureBoot             true  ${GREEN}trusted${OFF} events [4]`)
    expect(r.out).toContain(`${RED}UNTRUSTED${OFF} (FACT_LABEL_UNBOUND`)
  })

  it('never when stdout is not a terminal, with NO_COLOR, or with --json', async () => {
    for (const [opts, extra] of [
      [{}, []],
      [{ tty: { out: false, err: true } }, []],
      [{ tty: TTY, env: { NO_COLOR: '1' } }, []],
      [{ tty: TTY }, ['--json']],
    ] as const) {
      const r = await runCliWith(opts, 'inspect', '--state', LOG, ...extra)
      expect(r.out, JSON.stringify(opts)).not.toMatch(ESC)
    }
  })

  it('FORCE_COLOR colours a pipe', async () => {
    const r = await runCliWith({ env: { FORCE_COLOR: '1' } }, 'inspect', '--state', LOG)
    expect(r.out).toContain(`${GREEN}trusted${OFF}`)
  })

  it('stderr follows its own terminal: an error code is red only there', async () => {
    const onTty = await runCliWith({ tty: { out: false, err: true } }, 'inspect', join(REPO_ROOT, 'package.json'))
    expect(onTty.err).toContain(`bootproof: ${RED}ERR_INPUT_KIND${OFF}: `)
    const piped = await runCliWith({ tty: { out: true, err: false } }, 'inspect', join(REPO_ROOT, 'package.json'))
    expect(piped.err).not.toMatch(ESC)
  })

  it('an escape sequence inside the log is shown escaped; the only ESC bytes are ours', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bootproof-color-'))
    const p = join(dir, 'esc.bin')
    writeFileSync(p, buildAgileLog({ events: [driverConfigEvent({ name: 'x\x1b[32mOK', data: new Uint8Array([1]) })] }).bytes)
    const r = await runCliWith({ tty: TTY, env: { FORCE_COLOR: '1' } }, 'inspect', p)
    expect(r.out).toContain('\\u001b[32mOK')
    expect(r.out.replaceAll(`${RED}`, '').replaceAll(`${YELLOW}`, '').replaceAll(`${GREEN}`, '').replaceAll(OFF, '')).not.toMatch(ESC)
  })
})
