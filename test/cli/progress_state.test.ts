/**
 * Progress lines for large inputs (terminal only), the default log path, and the boot-state
 * text: invalid values, BootOrder from PCR 1, the Windows section, PCR 0xFFFFFFFF.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEFAULT_EVENT_LOG, PROGRESS_MIN_BYTES } from '../../src/cli/io.js'
import { CORPUS, REPO_ROOT, announceCorpus } from '../helpers/corpus.js'
import { efiActionEvent, secureBootEvent, separatorEvent } from '../fixtures/eventlog/boot_events.js'
import { buildAgileLog } from '../fixtures/eventlog/log_writer.js'
import { runCli } from './run.js'
import { runCliWith } from './run_io.js'

const tmp = mkdtempSync(join(tmpdir(), 'bootproof-progress-'))
const LOG = join(REPO_ROOT, 'test-vectors/ovmf/sb-esp/binary_bios_measurements')

describe('progress on large inputs', () => {
  const big = join(tmp, 'big.bin')
  // Five 1 MiB EV_EFI_ACTION events: over the threshold, still a valid log.
  writeFileSync(big, buildAgileLog({ events: Array.from({ length: 5 }, (_, i) => efiActionEvent(4, String(i).repeat(1 << 20))) }).bytes)

  it('prints read / phase / done lines on a terminal (stderr), and nothing on stdout', async () => {
    const r = await runCliWith({ tty: { out: false, err: true } }, 'inspect', '--state', big)
    const lines = r.err.trim().split('\n')
    expect(lines[0]).toMatch(/^bootproof: read .*big\.bin \(5\.0 MiB\); /)
    expect(lines.slice(1).map((l) => l.replace(/ \(\d+\.\d s\)$/, ''))).toEqual([
      'bootproof: parsing…',
      'bootproof: replaying and checking integrity…',
      'bootproof: reading the boot state…',
      'bootproof: done',
    ])
    expect(r.out).not.toContain('bootproof:')
  })

  it('prints nothing when stderr is not a terminal', async () => {
    const r = await runCliWith({ tty: { out: true, err: false } }, 'inspect', big)
    expect(r.code).toBe(0)
    expect(r.err).toBe('')
  })

  it('prints nothing for small inputs, even on a terminal', async () => {
    const r = await runCliWith({ tty: { out: true, err: true } }, 'inspect', LOG)
    expect(r.err).toBe('')
    expect(PROGRESS_MIN_BYTES).toBeGreaterThan(1 << 20)
  })
})

describe('default input', () => {
  it('inspect without a path reads this machine\'s log (or says why it cannot, with the securityfs hint)', async () => {
    const r = await runCli('inspect', '--json')
    if (r.code === 0) {
      // Root with securityfs mounted: the same result as naming the path.
      expect(r.out).toBe((await runCli('inspect', DEFAULT_EVENT_LOG, '--json')).out)
    } else {
      expect(r.code).toBe(2)
      const e = JSON.parse(r.out).error
      expect(e.code).toBe('ERR_INPUT_INVALID')
      expect(e.message).toContain(`cannot read default event log ${DEFAULT_EVENT_LOG}`)
      expect(e.message).toContain('needs root')
      expect(e.path).toBe(DEFAULT_EVENT_LOG)
    }
  })

  it('two paths are still a usage error', async () => {
    const r = await runCli('inspect', LOG, LOG)
    expect(r.code).toBe(2)
    expect(r.err).toContain('inspect takes one <log> path')
  })
})

describe('inspect --state text', () => {
  it('an invalid SecureBoot value is not "(not measured) trusted": invalid, untrusted, with its reason code', async () => {
    const p = join(tmp, 'sb2.bin')
    writeFileSync(p, buildAgileLog({ events: [secureBootEvent(2), separatorEvent(7)] }).bytes)
    const r = await runCli('inspect', '--state', p)
    const sb = r.out.split('\n').find((l) => l.startsWith('  SecureBoot '))
    expect(sb).toBe('  SecureBoot             (invalid value)  UNTRUSTED (FACT_VALUE_INVALID: event 1\'s data is not a valid value) events [1]')
    expect(r.out).toContain('[error] SECUREBOOT_VALUE_INVALID (event 1)')
    expect(r.code).toBe(1)
  })

  it('BootOrder is under PCR 1 (where the log measures it), in hex, with the reason code of its trust', async () => {
    const r = await runCli('inspect', '--state', LOG)
    const lines = r.out.split('\n')
    const at = lines.indexOf('boot configuration (PCR 1):')
    expect(at).toBeGreaterThan(0)
    expect(lines[at + 1]).toMatch(/^  BootOrder {14}0001,0000,0002  UNTRUSTED \(FACT_LABEL_UNBOUND: .*\) events \[10\]$/)
    expect(lines[at + 2]).toMatch(/^  Boot0001 +"UEFI Non-Block Boot Device" PciRoot\(0x0\)\/Pci\(0x2,0x0\)/)
    expect(lines.indexOf('boot applications (PCR 4):')).toBeGreaterThan(at)
  })

  it('the Windows section the JSON has is in the text too', async () => {
    const p = join(REPO_ROOT, 'test-vectors/synthetic/windows-os-events-without-sha1.bin')
    const text = (await runCli('inspect', '--state', p)).out
    const json = JSON.parse((await runCli('inspect', '--state', p, '--json')).out)
    expect(text).toContain('\nwindows (SIPA; claims under MAA names):\n')
    for (const [name, f] of Object.entries(json.state.windows.claims as Record<string, { value: unknown; trusted: boolean }>)) {
      expect(text).toMatch(new RegExp(`\\n  ${name} +${JSON.stringify(f.value)}  ${f.trusted ? 'trusted' : 'UNTRUSTED'}`))
    }
    expect(text).toContain(`  boot modules           ${json.state.windows.bootModules.length}`)
  })

  it('a log without Windows data has no Windows section', async () => {
    expect((await runCli('inspect', '--state', LOG)).out).not.toContain('windows')
  })
})

announceCorpus('Windows boot modules and ELAM drivers in inspect --state text')
describe.skipIf(!CORPUS)('inspect --state on a real Windows log', () => {
  it('lists boot modules (first 20) and ELAM drivers', async () => {
    const p = join(CORPUS!, 'logs/google-go-attestation--windows_gcp_shielded_vm.bin')
    if (!existsSync(p)) return console.warn('[SKIPPED] windows_gcp_shielded_vm.bin absent')
    const r = await runCli('inspect', '--state', p)
    expect(r.out).toContain('  boot modules           64\n')
    expect(r.out).toMatch(/\n {4}events \[11, 12\] 44e1ea32b24a0488[0-9a-f]+ \\Windows\\system32\\winload\.efi \(Microsoft Windows\)\n/)
    expect(r.out).toContain('    … 44 more (see --json)')
    expect(r.out).toContain('  ELAM drivers           1\n    Windows Defender (event 14, PCR 12)')
  })
})

describe('PCR 0xFFFFFFFF is printed as 0xFFFFFFFF', () => {
  const p = join(REPO_ROOT, 'test-vectors/synthetic/pcr-index-ffffffff.bin')
  it('in the inspect table and in findings of inspect and replay', async () => {
    for (const argv of [['inspect', p], ['replay', p], ['inspect', '--state', p]]) {
      const r = await runCli(...argv)
      expect(r.out, argv.join(' ')).not.toMatch(/4294967295| -1 /)
    }
    const table = (await runCli('inspect', p)).out
    expect(table).toMatch(/\n {2}25 {2}0xFFFFFFFF {2}EV_EFI_ACTION /)
    expect((await runCli('replay', p)).out).toContain('[error] PCR_INDEX_OUT_OF_RANGE (PCR 0xFFFFFFFF, event 25): EV_EFI_ACTION on PCR index 0xFFFFFFFF (> 23)')
  })

  it('JSON keeps the number (a stable shape)', async () => {
    const j = JSON.parse((await runCli('inspect', p, '--json')).out)
    expect(j.events[25].pcrIndex).toBe(4294967295)
  })
})
