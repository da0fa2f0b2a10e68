/** `diff` shows where two long values differ instead of clipping both to the same prefix. */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { renderBootChainDiff } from '../../src/diff/render.js'
import { clipPair, pcrText, textChange } from '../../src/diff/text.js'
import type { BootChainDiff } from '../../src/diff/types.js'
import { efiActionEvent, separators } from '../fixtures/eventlog/boot_events.js'
import { buildAgileLog } from '../fixtures/eventlog/log_writer.js'
import { runCli } from './run.js'

const PATH = 'PciRoot(0x0)/Pci(0x1f,0x2)/Sata(0x0,0xffff,0x0)/HD(1,GPT,0b6e1e74-31a4-4a3a-9a5e-0b3bd3a6e8c2,0x800,0x100000)/'

describe('clipPair / textChange', () => {
  it('two long texts that differ late: both cut around the difference, which shows', () => {
    const a = `${PATH}EFI/ubuntu/shimx64.efi`
    const b = `${PATH}EFI/debian/shimx64.efi`
    const [x, y] = clipPair(a, b, 60)
    expect(x).not.toBe(y)
    expect(x).toMatch(/^….*\/EFI\/ubuntu\/shimx64\.efi$/)
    expect(y).toMatch(/^….*\/EFI\/debian\/shimx64\.efi$/)
    expect(x.length).toBeLessThanOrEqual(60)
    expect(textChange(a, b)).toMatch(/^…\S*EFI\/ubuntu\/shimx64\.efi → …\S*EFI\/debian\/shimx64\.efi$/)
  })

  it('short texts, or an early difference, are left as before', () => {
    expect(clipPair('abc', 'abd', 10)).toEqual(['abc', 'abd'])
    expect(clipPair(`x${'a'.repeat(200)}`, `y${'a'.repeat(200)}`, 20)).toEqual([`x${'a'.repeat(18)}…`, `y${'a'.repeat(18)}…`])
  })

  it('one text a prefix of the other: the extra part shows', () => {
    const [x, y] = clipPair('a'.repeat(150), `${'a'.repeat(150)}-extra`, 40)
    expect(x).toMatch(/^…a+$/)
    expect(y).toMatch(/^…a+-extra$/)
  })

  it('a long command-line token changed late is clipped around its change', () => {
    // The tokens differ at character 71, past the 48 a token is clipped to.
    const uuid = (c: string) => `root=PARTUUID=${'0b6e1e74'.repeat(7)}e8c${c}-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`
    const a = `BOOT_IMAGE=/vmlinuz-6.8.0 ${uuid('1')} ro quiet splash ${'x'.repeat(80)}`
    const b = `BOOT_IMAGE=/vmlinuz-6.8.0 ${uuid('2')} ro quiet splash ${'x'.repeat(80)}`
    const t = textChange(a, b)
    const [removed, added] = t.split(' ')
    expect(removed).not.toBe(added?.replace('+', '−'))
    expect(removed).toContain('e8c1')
    expect(added).toContain('e8c2')
  })

  it('pcrText: decimal, and 0xFFFFFFFF in hex', () => {
    expect(pcrText('7')).toBe('7')
    expect(pcrText(4294967295)).toBe('0xFFFFFFFF')
  })
})

describe('renderBootChainDiff', () => {
  const pcr = { identical: true, eventCountA: 1, eventCountB: 1, added: [], removed: [], changed: [] }
  it('says so when two descriptions are clipped to the same summary upstream', () => {
    const ref = (index: number, summary: string) => ({ index, type: 'EV_EFI_ACTION', summary }) as never
    const d: BootChainDiff = {
      identical: true,
      bank: 'sha256',
      registerKind: 'pcr',
      components: [],
      notes: [],
      pcrs: {
        '4': { ...pcr, hintsDiffer: [{ a: ref(3, 'same…'), b: ref(3, 'same…') }] },
        '5': { ...pcr, hintsDiffer: [{ a: ref(4, `${PATH}a`), b: ref(4, `${PATH}b`) }] },
      },
    }
    const text = renderBootChainDiff(d)
    expect(text).toContain('  PCR 4: same… → (differs past the summary; see --json) [A 3 | B 3]')
    expect(text).toMatch(/ {2}PCR 5: …\S*a → …\S*b \[A 4 \| B 4\]/)
  })
})

describe('bootproof diff', () => {
  it('two boot paths that differ past character 100 print differently (was: two identical-looking sides)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bootproof-diff-'))
    const log = (s: string) => buildAgileLog({ events: [efiActionEvent(4, `${PATH}EFI/${s}/shimx64.efi`), ...separators()] }).bytes
    writeFileSync(join(dir, 'a.bin'), log('ubuntu'))
    writeFileSync(join(dir, 'b.bin'), log('debian'))
    const r = await runCli('diff', join(dir, 'a.bin'), join(dir, 'b.bin'))
    expect(r.code).toBe(1)
    const line = r.out.split('\n').find((l) => l.startsWith('  ~ '))!
    const detail = line.slice(line.indexOf('(PCR 4): ') + 9)
    expect(detail).toMatch(/^…\S+\/EFI\/ubuntu\/shimx64\.efi" → …\S+\/EFI\/debian\/shimx64\.efi" \[A 1 \| B 1\]$/)
  })
})
