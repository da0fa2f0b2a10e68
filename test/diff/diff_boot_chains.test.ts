/**
 * Boot-chain diffs (src/diff): pairs of corpus logs of the same platform, with the expected
 * differences verified by reading the logs (`bootproof inspect`), the committed OVMF vectors
 * (plain-esp vs sb-esp: Secure Boot on), a Windows log with one boot driver / the ELAM
 * measurement edited, the alignment primitive, and the `bootproof diff` command.
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { diffBootChains, type BootChainDiff, type ComponentChange } from '../../src/diff/diff_boot_chains.js'
import { textChange } from '../../src/diff/diff_boot_chains.js'
import { align } from '../../src/diff/lcs.js'
import { renderBootChainDiff } from '../../src/diff/render.js'
import { parseEventLog } from '../../src/eventlog/parse.js'
import { contextFor } from '../../src/state/fact.js'
import { authenticateLog } from '../../src/attest/authenticate_log.js'
import { extractWindowsState } from '../../src/state/windows/windows_state.js'
import { fromHex } from '../../src/bytes/hex.js'
import { runDiff } from '../../src/cli/commands/diff.js'
import { runPredictPcr4 } from '../../src/cli/commands/predict.js'
import { announceCorpus, CORPUS, corpusBytes, REPO_ROOT, repoBytes } from '../helpers/corpus.js'
import { buildPe, pattern } from '../authenticode/pe_builder.js'

announceCorpus('boot-chain diffs between corpus logs')

const corpusLog = (name: string) => parseEventLog(corpusBytes(`logs/${name}`))
const find = (d: BootChainDiff, pred: (c: ComponentChange) => boolean) => d.components.filter(pred)
const one = (d: BootChainDiff, pred: (c: ComponentChange) => boolean) => {
  const l = find(d, pred)
  expect(l, JSON.stringify(d.components.map((c) => c.summary), null, 1)).toHaveLength(1)
  return l[0]!
}
const identicalPcrs = (d: BootChainDiff) => Object.entries(d.pcrs).filter(([, p]) => p.identical).map(([k]) => Number(k))

describe('alignment and text helpers', () => {
  it('aligns by LCS, with gaps between equal runs', () => {
    expect(align(['a', 'b', 'c', 'd'], ['a', 'x', 'c', 'd', 'e'])).toEqual([
      { op: 'equal', a: 0, b: 0 },
      { op: 'gap', a: [1], b: [1] },
      { op: 'equal', a: 2, b: 2 },
      { op: 'equal', a: 3, b: 3 },
      { op: 'gap', a: [], b: [4] },
    ])
    expect(align([], ['a'])).toEqual([{ op: 'gap', a: [], b: [0] }])
    expect(align(['s', 'a', 's'], ['s', 's'])).toEqual([{ op: 'equal', a: 0, b: 0 }, { op: 'gap', a: [1], b: [] }, { op: 'equal', a: 2, b: 1 }])
  })
  it('summarises long command lines as tokens removed and added', () => {
    const a = 'linux /vmlinuz root=/dev/sda1 ro quiet splash noswap loglevel=7 console=ttyS0 security=apparmor something=else more=tokens'
    const b = 'linux /vmlinuz root=/dev/sda1 ro quiet splash loglevel=7 console=ttyS0 security=apparmor something=else more=tokens console=tty1'
    expect(textChange(a, b)).toBe('−noswap +console=tty1')
    expect(textChange('SecureBoot = 0', 'SecureBoot = 1')).toBe('SecureBoot = 0 → SecureBoot = 1')
  })
})

describe('committed OVMF vectors: plain-esp → sb-esp (Secure Boot turned on)', () => {
  const a = parseEventLog(repoBytes('test-vectors/ovmf/plain-esp/binary_bios_measurements'))
  const b = parseEventLog(repoBytes('test-vectors/ovmf/sb-esp/binary_bios_measurements'))
  const d = diffBootChains(a, b)

  it('a log against itself is identical', () => {
    for (const log of [a, b]) {
      const s = diffBootChains(log, log)
      expect(s.identical).toBe(true)
      expect(s.components).toEqual([])
      expect(Object.values(s.pcrs).every((p) => p.identical && p.valueA === p.valueB)).toBe(true)
    }
  })

  it('reports the Secure Boot variables with entry-level differences', () => {
    expect(d.identical).toBe(false)
    expect(d.bank).toBe('sha256')
    const sb = one(d, (c) => c.component === 'secure-boot-variable' && c.name === 'SecureBoot')
    expect([sb.change, sb.pcr, sb.before?.value, sb.after?.value]).toEqual(['changed', 7, 'SecureBoot = 0', 'SecureBoot = 1'])
    const db = one(d, (c) => c.name === 'db' && c.pcr === 7)
    expect(db.entries!.removed).toEqual([])
    expect(db.entries!.added.map((e) => e.subject)).toEqual([
      'C=US, ST=Washington, L=Redmond, O=Microsoft Corporation, CN=Microsoft Windows Production PCA 2011',
      'C=US, ST=Washington, L=Redmond, O=Microsoft Corporation, CN=Microsoft Corporation UEFI CA 2011',
    ])
    expect(db.entries!.added[1]!.sha256).toBe('48e99b991f57fc52f76149599bff0a58c47154229b9f8d603ac40d3500248507')
    const kek = one(d, (c) => c.name === 'KEK' && c.pcr === 7)
    expect(kek.entries!.added.map((e) => e.subject)).toContain('C=US, ST=Washington, L=Redmond, O=Microsoft Corporation, CN=Microsoft Corporation KEK CA 2011')
    const pk = one(d, (c) => c.name === 'PK' && c.pcr === 7)
    expect(pk.entries!.added[0]!.subject).toMatch(/Debian UEFI Secure Boot \(PK\/KEK key\)/)
    const dbx = one(d, (c) => c.name === 'dbx' && c.pcr === 7)
    expect(dbx.entries).toMatchObject({ added: [{ type: 'sha256' }], removed: [], unchanged: 0 })
    const sbat = one(d, (c) => c.name === 'SbatLevel')
    expect(sbat.change).toBe('changed')
    expect(sbat.after!.value).toContain('sbat,1,2025021800')
    // Authorities that verified shim (db: Microsoft UEFI CA) and GRUB (MokListRT: Debian CA) appear.
    const auth = find(d, (c) => c.component === 'secure-boot-authority' && c.change === 'added')
    expect(auth.map((c) => c.entries!.added[0]!.subject)).toEqual(['C=US, ST=Washington, L=Redmond, O=Microsoft Corporation, CN=Microsoft Corporation UEFI CA 2011', 'CN=Debian Secure Boot CA'])
  })

  it('reports the kernel now measured into PCR 4 (shim verify + EFI stub) and the unchanged boot loaders', () => {
    const k = find(d, (c) => c.pcr === 4)
    expect(k.map((c) => [c.component, c.change, c.after?.digest])).toEqual([
      ['kernel', 'added', '6b1bf35c3bee9918250f593a6fff889c75c1e239cd2fe9e5bb0cd3de9dcb8e51'],
      ['kernel', 'added', '6b1bf35c3bee9918250f593a6fff889c75c1e239cd2fe9e5bb0cd3de9dcb8e51'],
    ])
    expect(d.pcrs['4']!.added.map((e) => e.index)).toEqual([41, 42])
    // Identical register sets: the Secure Boot change does not touch PCR 1-3, 5, 6, 14.
    expect(identicalPcrs(d)).toEqual([1, 2, 3, 5, 6, 14])
    expect(d.pcrs['4']!.valueB).toBe('060e9de2a8ba0bf1e4846483d9bb34fc54df20581da42a4fd18ecef9f4747491')
  })

  it('names the GRUB changes (linuxefi → linux) and the platform firmware volumes', () => {
    expect(find(d, (c) => c.component === 'platform-firmware').map((c) => [c.name, c.change])).toEqual([
      ['firmware volume at 0x820000', 'changed'],
      ['firmware volume at 0x900000', 'changed'],
    ])
    const cfg = one(d, (c) => c.component === 'boot-loader-configuration')
    expect([cfg.pcr, cfg.name, cfg.change]).toEqual([9, '(hd0)/EFI/debian/grub.cfg', 'changed'])
    // linuxefi / linux are the same GRUB step (another GRUB build): paired as a change.
    expect(find(d, (c) => c.component === 'grub-command').map((c) => [c.name, c.change])).toEqual([
      ['menuentry bootproof', 'changed'],
      ['linuxefi → linux', 'changed'],
      ['initrdefi → initrd', 'changed'],
    ])
    expect(one(d, (c) => c.name === 'menuentry bootproof').summary).toContain('−linuxefi −initrdefi +linux +initrd')
    expect(renderBootChainDiff(d)).toContain('Secure Boot variable SecureBoot changed (PCR 7): SecureBoot = 0 → SecureBoot = 1')
  })
})

describe.skipIf(!CORPUS)('corpus pairs of the same platform', () => {
  it('every pair member is identical to itself', () => {
    for (const n of ['google-go-tpm-tools--cos-85-amd-sev.bin', 'kgoldman-ibmtss--ubuntu1.log', 'kgoldman-ibmtss--deb2.log', 'canonical-secboot--eventlog_sb.bin', 'google-go-attestation--windows_gcp_shielded_vm.bin']) {
      const l = corpusLog(n)
      const s = diffBootChains(l, l)
      expect(s.identical, n).toBe(true)
      expect(s.components, n).toEqual([])
    }
  })

  it('GCE COS 85 → 93 (AMD SEV): shim, GRUB and kernel images, kernel file and command line', () => {
    const d = diffBootChains(corpusLog('google-go-tpm-tools--cos-85-amd-sev.bin'), corpusLog('google-go-tpm-tools--cos-93-amd-sev.bin'))
    expect(identicalPcrs(d)).toEqual([0, 1, 2, 3, 6, 7])
    expect(find(d, (c) => c.pcr === 4).map((c) => [c.component, c.name, c.change, c.before!.digest!.slice(0, 16), c.after!.digest!.slice(0, 16)])).toEqual([
      ['boot-loader', '\\EFI\\BOOT\\BOOTX64.EFI', 'changed', 'dba8d69ffb244496', '27cce48e55b3bfb6'],
      ['boot-loader', 'boot application #2 (no device path)', 'changed', 'f7bad83f87940312', 'e3e226fb8c8e3b3f'],
      ['kernel', 'boot application #3 (no device path)', 'changed', '6f6afb3caed004e7', 'dc0aca594caee037'],
    ])
    const cmd = one(d, (c) => c.component === 'kernel-command-line')
    expect([cmd.pcr, cmd.eventsA, cmd.eventsB]).toEqual([8, [43], [43]])
    expect(cmd.before!.value).toContain(' noswap ')
    expect(cmd.after!.value).not.toContain(' noswap ')
    expect(cmd.summary).toMatch(/−noswap .*\+console=tty1/)
    const kfile = one(d, (c) => c.component === 'kernel' && c.pcr === 9)
    expect([kfile.name, kfile.change, kfile.before!.digest!.slice(0, 16), kfile.after!.digest!.slice(0, 16)]).toEqual(['/syslinux/vmlinuz.A', 'changed', 'e81373f2a36d663d', '73ec03f8be5e5be7'])
    expect(find(d, (c) => c.component === 'grub-command').map((c) => c.name)).toEqual(['menuentry local image A', 'menuentry local image B', 'menuentry verified image A', 'menuentry verified image B', 'menuentry Alternate USB Boot', 'linux'])
    expect(one(d, (c) => c.component === 'partition-table').pcr).toBe(5)
  })

  it('GCE COS 93 → 101: SbatLevel added, GRUB now has a path, the kernel measured twice', () => {
    const d = diffBootChains(corpusLog('google-go-tpm-tools--cos-93-amd-sev.bin'), corpusLog('google-go-tpm-tools--cos-101-amd-sev.bin'))
    const sbat = one(d, (c) => c.name === 'SbatLevel')
    expect([sbat.change, sbat.pcr, sbat.after!.value]).toEqual(['added', 7, 'SbatLevel = "sbat,1,2021030218\\x0a"'])
    const grub = one(d, (c) => c.pcr === 4 && c.after?.path === '\\EFI\\BOOT\\grub-lakitu.efi')
    expect([grub.component, grub.change]).toEqual(['boot-loader', 'changed'])
    expect(find(d, (c) => c.pcr === 4 && c.component === 'kernel').map((c) => c.change)).toEqual(['changed', 'added'])
    expect(find(d, (c) => c.pcr === 14).map((c) => [c.component, c.name, c.change])).toEqual([
      ['secure-boot-variable', 'MokList', 'added'],
      ['secure-boot-variable', 'MokListX', 'added'],
    ])
  })

  it('Ubuntu 1 → 2 (kgoldman): kernel 5.4.0-42 → 5.4.0-45, initrd, command line, boot entries, firmware', () => {
    const d = diffBootChains(corpusLog('kgoldman-ibmtss--ubuntu1.log'), corpusLog('kgoldman-ibmtss--ubuntu2.log'))
    const k = one(d, (c) => c.component === 'kernel')
    expect([k.pcr, k.change, k.before!.path, k.after!.path]).toEqual([9, 'changed', '/boot/vmlinuz-5.4.0-42-generic', '/boot/vmlinuz-5.4.0-45-generic'])
    const i = one(d, (c) => c.component === 'initrd')
    expect([i.before!.path, i.after!.path]).toEqual(['/boot/initrd.img-5.4.0-42-generic', '/boot/initrd.img-5.4.0-45-generic'])
    const cmd = one(d, (c) => c.component === 'kernel-command-line')
    expect(cmd.summary).toContain('−/boot/vmlinuz-5.4.0-42-generic')
    expect(cmd.summary).toContain('+/boot/vmlinuz-5.4.0-45-generic')
    expect(one(d, (c) => c.name === 'Boot0003')).toMatchObject({ change: 'removed', pcr: 1, component: 'boot-configuration' })
    expect(one(d, (c) => c.name === 'BootOrder')).toMatchObject({ change: 'changed', before: { value: 'BootOrder = 0003,0001,0000,0002' }, after: { value: 'BootOrder = 0001,0000,0002' } })
    expect(find(d, (c) => c.component === 'platform-firmware').length).toBe(2)
    // shim is the same binary (same Authenticode digest) launched from another path: not a change, a hint.
    expect(find(d, (c) => c.pcr === 4).map((c) => [c.component, c.name])).toEqual([['boot-loader', 'boot application #2 (no device path)']])
    expect(d.pcrs['4']!.hintsDiffer.map((h) => [h.a.name, h.b.name])).toEqual([['\\EFI\\ubuntu\\shimx64.efi', '\\EFI\\BOOT\\BOOTX64.EFI']])
    expect(d.pcrs['7']!.identical).toBe(true)
  })

  it('Debian 1 → 2 (kgoldman): new shim, MokList moved from PCR 7 to PCR 14, GRUB linuxefi → linux, new initrd', () => {
    const d = diffBootChains(corpusLog('kgoldman-ibmtss--deb1.log'), corpusLog('kgoldman-ibmtss--deb2.log'))
    const shim = one(d, (c) => c.pcr === 4 && c.name === '\\EFI\\debian\\shimx64.efi')
    expect([shim.component, shim.change, shim.before!.digest!.slice(0, 12), shim.after!.digest!.slice(0, 12)]).toEqual(['boot-loader', 'changed', '836893e9abfc', '7c3c3655386d'])
    const mok7 = one(d, (c) => c.pcr === 7 && c.name === 'MokList')
    expect(mok7.change).toBe('removed')
    expect(mok7.entries!.removed.map((e) => e.subject)).toEqual(['CN=Debian Secure Boot CA', 'CN=James Bottomley Secure Boot MoK Key'])
    expect(find(d, (c) => c.pcr === 14).map((c) => [c.name, c.change])).toEqual([['MokList', 'added'], ['MokListX', 'added']])
    const signer = one(d, (c) => c.component === 'secure-boot-authority' && c.change === 'added')
    expect(signer.entries!.added[0]).toMatchObject({ type: 'x509', subject: 'CN=Debian Secure Boot Signer', sha256: 'f156d24f5d4e775da0e6a9111f074cfce701939d688c64dba093f97753434f2c' })
    expect(one(d, (c) => c.component === 'initrd')).toMatchObject({ pcr: 9, change: 'changed', name: '/boot/initrd.img-5.10.0-rc1+' })
    expect(find(d, (c) => c.component === 'grub-command' && /efi →/.test(c.name)).map((c) => `${c.change} ${c.name}`)).toEqual(['changed linuxefi → linux', 'changed initrdefi → initrd'])
    // os-prober entries for another disk disappeared.
    expect(find(d, (c) => c.component === 'grub-command' && c.change === 'removed').map((c) => c.name.split(' --')[0])).toEqual(['menuentry Debian GNU/Linux 10 (buster) (on /dev/sdb2)', 'submenu Advanced options for Debian GNU/Linux 10 (buster) (on /dev/sdb2)'])
    expect(identicalPcrs(d)).toEqual([0, 1, 2, 3, 5, 6])
  })

  it('canonical secboot: eventlog_sb → eventlog_sb_no_sbat differs only by SbatLevel', () => {
    const d = diffBootChains(corpusLog('canonical-secboot--eventlog_sb.bin'), corpusLog('canonical-secboot--eventlog_sb_no_sbat.bin'))
    expect(d.components.map((c) => [c.component, c.name, c.change, c.pcr, c.eventsA, c.eventsB])).toEqual([['secure-boot-variable', 'SbatLevel', 'removed', 7, [24], []]])
    expect(identicalPcrs(d)).not.toContain(7)
    expect(Object.keys(d.pcrs).filter((k) => !d.pcrs[k]!.identical)).toEqual(['7'])
  })

  describe('Windows (GCP shielded VM): boot drivers and ELAM from the SIPA data', () => {
    const bytes = () => corpusBytes('logs/google-go-attestation--windows_gcp_shielded_vm.bin').slice()
    const state = () => {
      const log = parseEventLog(bytes())
      return { log, w: extractWindowsState(contextFor(authenticateLog(log))) }
    }
    /** Replace every occurrence of `from` in the data of `events` and re-digest those events (SHA-1 log). */
    function edit(events: number[], from: Uint8Array): Uint8Array {
      const b = bytes()
      const log = parseEventLog(b)
      let hits = 0
      for (const i of events) {
        const ev = log.events[i]!
        const data = b.subarray(ev.dataOffset, ev.dataOffset + ev.data.length)
        for (let o = 0; o + from.length <= data.length; o++) {
          if (from.every((x, k) => data[o + k] === x)) {
            data[o + from.length - 1]! ^= 0x5a
            hits++
          }
        }
        b.set(createHash('sha1').update(data).digest(), ev.offset + 8) // TCG_PCR_EVENT: pcr, type, SHA-1 digest
      }
      expect(hits).toBeGreaterThan(0)
      return b
    }

    it('a boot driver with another Authenticode hash is named by path', () => {
      const { log, w } = state()
      const hal = w.bootModules.find((m) => /\\hal\.dll$/i.test(m.filePath ?? ''))!
      const edited = parseEventLog(edit(hal.events, fromHex(hal.authenticodeHash!)))
      const d = diffBootChains(log, edited)
      expect(d.identical).toBe(false)
      expect(d.notes.join(' ')).toMatch(/Windows measured boot detected/)
      const c = one(d, (x) => x.component === 'windows-boot-driver')
      expect([c.name, c.change, c.before!.digest, c.eventsA]).toEqual(['\\Windows\\system32\\hal.dll', 'changed', hal.authenticodeHash, hal.events])
      expect(c.after!.digest).not.toBe(hal.authenticodeHash)
      expect(find(d, (x) => x.name.startsWith('SIPA event'))).toEqual([])
      expect(Object.keys(d.pcrs).filter((k) => !d.pcrs[k]!.identical).sort()).toEqual(hal.events.map((i) => String(log.events[i]!.pcrIndex)).sort())
    })

    it('an ELAM driver with another measurement', () => {
      const { log, w } = state()
      const elam = w.elamDrivers[0]!
      expect(elam.name).toBe('Windows Defender')
      const d = diffBootChains(log, parseEventLog(edit([elam.eventIndex], fromHex(elam.measured!))))
      const c = one(d, (x) => x.component === 'windows-elam')
      expect([c.name, c.change, c.pcr]).toEqual(['Windows Defender', 'changed', 12])
      expect(c.before!.value).toBe(`measured ${elam.measured}`)
    })
  })
})

describe('bootproof diff / predict-pcr4 commands', () => {
  const io = () => {
    const o = { out: '', err: '' }
    return { o, io: { out: (s: string) => void (o.out += s + '\n'), err: (s: string) => void (o.err += s + '\n') } }
  }
  const plain = join(REPO_ROOT, 'test-vectors/ovmf/plain-esp/binary_bios_measurements')
  const sb = join(REPO_ROOT, 'test-vectors/ovmf/sb-esp/binary_bios_measurements')

  it('exit 0 when identical, 1 when different, with the documented JSON', async () => {
    const same = io()
    expect(await runDiff([sb, sb, '--json'], same.io)).toBe(0)
    expect(JSON.parse(same.o.out)).toMatchObject({ identical: true, bank: 'sha256', components: [] })
    const diff = io()
    expect(await runDiff([plain, sb, '--json'], diff.io)).toBe(1)
    const j = JSON.parse(diff.o.out)
    expect(j.identical).toBe(false)
    expect(j.pcrs['7']).toMatchObject({ identical: false, eventCountA: 7, eventCountB: 9 })
    expect(j.components.find((c: ComponentChange) => c.name === 'SecureBoot')).toMatchObject({ component: 'secure-boot-variable', change: 'changed', pcr: 7, eventsA: [4], eventsB: [4] })
    const text = io()
    expect(await runDiff([plain, sb], text.io)).toBe(1)
    expect(text.o.out).toContain('components:')
    expect(text.o.out).toMatch(/~ Secure Boot variable db changed \(PCR 7\)/)
  })

  it('exit 2 on usage errors and unreadable or unparseable input', async () => {
    const a = io()
    expect(await runDiff([sb], a.io)).toBe(2)
    expect(a.o.err).toContain('ERR_USAGE')
    const b = io()
    expect(await runDiff([sb, join(REPO_ROOT, 'does-not-exist.bin'), '--json'], b.io)).toBe(2)
    expect(JSON.parse(b.o.out).error.code).toBe('ERR_INPUT_INVALID')
    const c = io()
    expect(await runDiff([sb, join(REPO_ROOT, 'package.json')], c.io)).toBe(2)
    const d = io()
    expect(await runDiff([sb, sb, '--bank', 'sm3_256'], d.io)).toBe(2)
  })

  it('predict-pcr4 prints digests and the template value; exit 2 on a malformed PE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bootproof-predict-'))
    const paths = ['shimx64.efi', 'grubx64.efi', 'vmlinuz'].map((n, i) => {
      const p = join(dir, n)
      writeFileSync(p, buildPe({ trailing: pattern(n, 10 + i) }).bytes)
      return p
    })
    const r = io()
    expect(await runPredictPcr4([...paths, '--template', sb, '--json'], r.io)).toBe(0)
    const j = JSON.parse(r.o.out)
    expect(j).toMatchObject({ pcr: 4, eventType: 'EV_EFI_BOOT_SERVICES_APPLICATION', banks: ['sha256'] })
    expect(j.components).toHaveLength(3)
    expect(j.values.sha256).toMatch(/^[0-9a-f]{64}$/)
    const bad = join(dir, 'bad.efi')
    writeFileSync(bad, new Uint8Array(10))
    const e = io()
    expect(await runPredictPcr4([bad, '--json'], e.io)).toBe(2)
    expect(JSON.parse(e.o.out).error.code).toBe('ERR_PE_MALFORMED')
  })
})
