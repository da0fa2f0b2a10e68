/**
 * Decoding every event of the real logs in /work/shared/corpus (skipped, with a warning, when
 * the corpus is absent). Expected values are cross-checked against independent sources where
 * possible: node:crypto X509Certificate for certificates, tpm2-tools 5.4 hex for device paths.
 */
import { describe, it, expect } from 'vitest'
import { X509Certificate } from 'node:crypto'
import { EV } from '../../../src/eventlog/event_types.js'
import { decodeEventData, summarizeEventData } from '../../../src/eventlog/decode/index.js'
import type { DecodedEventData, SignatureEntry } from '../../../src/eventlog/decode/types.js'
import { HAVE_CORPUS, corpusLogNames, inputOf, loadLog } from './helpers.js'

const decodeLog = (name: string): DecodedEventData[] => loadLog(name).map((ev) => decodeEventData(inputOf(ev)))

function entriesOf(d: DecodedEventData | undefined): SignatureEntry[] {
  if (d?.kind !== 'uefi-variable') throw new Error(`not a variable: ${d?.kind}`)
  if (d.value.type === 'signature-lists') return d.value.lists.flatMap((l) => l.entries)
  if (d.value.type === 'signature-data') return [d.value.entry]
  throw new Error(`no signatures in ${d.name}`)
}

function x509(e: SignatureEntry | undefined): Extract<SignatureEntry, { type: 'x509' }> {
  if (e?.type !== 'x509') throw new Error('not an X.509 entry')
  return e
}

describe.skipIf(!HAVE_CORPUS)('corpus logs (../shared/corpus/logs)', () => {
  it('every event of every log decodes without a decoder bug, and the result is plain data', () => {
    const unparsed: string[] = []
    let events = 0
    for (const name of corpusLogNames()) {
      for (const ev of loadLog(name)) {
        events++
        const d = decodeEventData(inputOf(ev))
        const summary = summarizeEventData(d)
        expect(summary.length).toBeGreaterThan(0)
        expect(summary).not.toMatch(/[\n\r]/)
        // No BigInt and no cycles: JSON with Uint8Array rendered as hex must work.
        expect(() => JSON.stringify(d, (_k, v: unknown) => (v instanceof Uint8Array ? 'hex' : v))).not.toThrow()
        if (d.kind === 'unparsed') {
          expect(d.error.message).not.toContain('internal decoder error')
          unparsed.push(`${name}#${ev.index}:${d.error.code}`)
        }
      }
    }
    expect(events).toBeGreaterThan(4000)
    // Only genuinely malformed bodies: a synthetic Spec ID whose vendorInfo runs past the event,
    // and an EV_EVENT_TAG that is a bare string without the tagged-event header.
    expect(unparsed).toEqual([
      'google-go-eventlog--ccel_unpadded.data.bin#17:ERR_EVENTDATA_TRUNCATED',
      'tpm2-software-tpm2-tools--specid-vendordata.bin#0:ERR_EVENTDATA_TRUNCATED',
    ])
  })

  it('sb_cert_eventlog: Secure Boot variables, db certificates and authorities', () => {
    const d = decodeLog('google-go-attestation--sb_cert_eventlog')
    expect(summarizeEventData(d[2]!)).toBe('SecureBoot = 1')
    expect(summarizeEventData(d[5]!)).toBe('db: 4 certs, 0 hashes')
    expect(summarizeEventData(d[6]!)).toBe('dbx: 0 certs, 77 hashes')
    const db = entriesOf(d[5]).map(x509)
    expect(db.map((e) => e.sha256)).toEqual([
      '48e99b991f57fc52f76149599bff0a58c47154229b9f8d603ac40d3500248507',
      'df545bf919a2439c36983b54cdfc903dfa4f37d3996d8d84b4c31eec6f3c163e',
      'e8e95f0733a55e8bad7be0a1413ee23c51fcea64b3c8fa6a786935fddcc71961',
      '2848361a9c1e32df1d3e2ed6a7b9e67a525cf8a13b164f8006c9479578f746de',
    ])
    for (const e of db) {
      const cert = new X509Certificate(e.der)
      expect(e.sha256).toBe(cert.fingerprint256.replace(/:/g, '').toLowerCase())
      expect(cert.subject).toContain('O=Microsoft Corporation')
      expect(e.owner).toBe('d281fad2-8d88-47a4-9792-5baa47bb1b89')
    }
    expect(new X509Certificate(db[2]!.der).subject).toContain('CN=Microsoft Windows Production PCA 2011')
    // The authority that verified shim is the Microsoft UEFI CA from db.
    expect(d[8]).toMatchObject({ kind: 'uefi-variable', name: 'db', known: 'db', value: { type: 'signature-data', ownerMissing: false } })
    expect(x509(entriesOf(d[8])[0]).sha256).toBe(db[0]!.sha256)
    // shim's built-in Canonical certificate, without an owner GUID.
    expect(d[12]).toMatchObject({ kind: 'uefi-variable', name: 'Shim', guidName: 'SHIM_LOCK', value: { type: 'signature-data', ownerMissing: true } })
    const shimCert = new X509Certificate(x509(entriesOf(d[12])[0]).der)
    expect(shimCert.subject).toContain('CN=Canonical Ltd. Master Certificate Authority')
  })

  it('cos-93-amd-sev: old shim authorities (bare certificate + padding) decode with a note', () => {
    const d = decodeLog('google-go-tpm-tools--cos-93-amd-sev.bin')
    expect(d[42]).toMatchObject({ kind: 'uefi-variable', name: 'db', note: '6 byte(s) after VariableData and no SignatureOwner: old shim authority quirk' })
    expect(x509(entriesOf(d[42])[0]).sha256).toBe('a7b8c851deb2acba7c7d0e6ec091c93440f942c65d776fdcb58016f8fd1674b0')
    // The same certificate, logged by firmware with its owner GUID.
    expect(x509(entriesOf(d[20])[0]).sha256).toBe('a7b8c851deb2acba7c7d0e6ec091c93440f942c65d776fdcb58016f8fd1674b0')
    expect(d[41]).toMatchObject({ kind: 'image-load', devicePath: '', trailingBytes: 9 })
    expect(summarizeEventData(d[2]!)).toBe('GCE NonHostInfo: AMD_SEV')
  })

  it('ubuntu1.log: boot variables, device paths and GPT', () => {
    const d = decodeLog('kgoldman-ibmtss--ubuntu1.log')
    expect(summarizeEventData(d[12]!)).toBe('BootOrder = 0003,0001,0000,0002')
    expect(d[13]).toMatchObject({
      kind: 'uefi-variable',
      name: 'Boot0003',
      value: {
        type: 'load-option',
        option: { description: 'ubuntu', active: true, devicePath: 'HD(15,GPT,afec0cad-a607-4eac-8c91-82d327a14f3e,0x2800,0x35000)/\\EFI\\ubuntu\\shimx64.efi' },
      },
    })
    expect(summarizeEventData(d[15]!)).toBe('Boot0000: "UiApp" Fv(7cb8bdc9-f8eb-4f34-aaea-3ee4af6516a1)/FvFile(462caa21-7614-4503-836e-8ab6f4662331)')
    expect(d[26]).toMatchObject({
      kind: 'image-load',
      devicePath: 'PciRoot(0x0)/Pci(0x6,0x0)/HD(15,GPT,afec0cad-a607-4eac-8c91-82d327a14f3e,0x2800,0x35000)/\\EFI\\ubuntu\\shimx64.efi',
      filePath: '\\EFI\\ubuntu\\shimx64.efi',
    })
    expect(d[10]).toMatchObject({ kind: 'image-load', devicePath: 'PciRoot(0x0)/Pci(0x3,0x0)/Offset(0x15C00,0x47FFF)' })
    const gpt = d[25]!
    expect(gpt.kind).toBe('gpt')
    if (gpt.kind !== 'gpt') return
    expect(gpt.diskGuid).toBe('44d5a0e4-cd29-4b73-890c-ebae85f2373e')
    expect(gpt.partitions.map((p) => p.typeName)).toEqual(['Linux filesystem', 'BIOS boot', 'EFI System Partition'])
    // The ESP's unique GUID is the one in the boot device path.
    expect(gpt.partitions[2]).toMatchObject({ uniqueGuid: 'afec0cad-a607-4eac-8c91-82d327a14f3e', startingLba: '0x2800', endingLba: '0x377ff' })
    expect(d[29]).toMatchObject({ kind: 'ipl', form: 'grub-command', text: 'search.fs_uuid 50ee49c7-3ad6-45e2-ad89-e3d5147c093e root hd0,gpt1' })
  })

  it('keylime binary_bios_measurements: Boot Guard platform', () => {
    const d = decodeLog('keylime-keylime--binary_bios_measurements')
    expect(d[1]).toEqual({ kind: 'startup-locality', locality: 3 })
    expect(d[2]).toMatchObject({ kind: 'text', text: 'Boot Guard Measured S-CRTM', nulTerminated: true })
    expect(d[3]).toMatchObject({ kind: 'text', text: 'N40ET41W ', encoding: 'utf-16le' })
    expect(d[4]).toEqual({ kind: 'firmware-blob', base: '0xfff00000', length: '0x59d0' })
    expect(d[10]).toMatchObject({ kind: 'text', text: 'ACPI DATA' })
    expect(summarizeEventData(d[16]!)).toBe('dbx: 2 certs, 458 hashes')
    expect(d[23]).toMatchObject({ kind: 'uefi-variable', name: 'LenovoConfig', guid: '2a4dc6b7-41f5-45dd-b46f-2dd334c1cf65', value: { type: 'bytes' } })
    expect(d[23]).not.toHaveProperty('known')
  })

  it('H-CRTM, firmware blob 2, handoff tables 2, S-CRTM GUID', () => {
    const h = decodeLog('tpm2-software-tpm2-tss--binary_measurements_hcrtm.bin')
    expect(h[1]).toMatchObject({ kind: 'text', text: 'HCRTM', matchesExpected: true })
    expect(summarizeEventData(h[14]!)).toBe('Boot0001: "EFI Internal Shell" MemoryMapped(0xB,0x55000080,0x5685007F)/FvFile(7c04a583-9e3e-4f1c-ad65-e05268d0b4d1)')
    const a = decodeLog('kgoldman-ibmtss--amd635.log')
    expect(a[1]).toEqual({ kind: 'guid', guid: '546bfb1e-1d0c-4055-a4ad-4ef4bf17b83a' })
    expect(a[2]).toEqual({ kind: 'firmware-blob', description: 'FV_MAIN', base: '0xff651000', length: '0x65f000' })
    expect(a[17]).toEqual({ kind: 'handoff-tables', description: 'SmbiosTable', tables: [{ guid: 'f2fd1544-9794-4a2c-992e-e5bbcf20e394', guidName: 'SMBIOS3_TABLE', address: '0xa9171000' }] })
  })

  it('Windows GCP log: SIPA tagged events and WBCL separators', () => {
    const events = loadLog('google-go-attestation--windows_gcp_shielded_vm.bin')
    const d = events.map((ev) => decodeEventData(inputOf(ev)))
    expect(d[9]).toMatchObject({ kind: 'image-load', filePath: '\\EFI\\Microsoft\\Boot\\bootmgfw.efi' })
    const tagEvents = events.filter((ev) => ev.type === EV.EV_EVENT_TAG)
    expect(tagEvents.length).toBe(6)
    for (const ev of tagEvents) {
      const t = decodeEventData(inputOf(ev))
      // The top-level records tile the event data exactly.
      expect(t.kind === 'event-tag' && t.records.reduce((n, r) => n + 8 + r.size, 0)).toBe(ev.data.length)
    }
    expect(d[11]).toMatchObject({ kind: 'event-tag', records: [{ id: 0x40010001, size: 176 }] })
    expect(d.slice(18, 21)).toEqual([
      { kind: 'separator', meaning: 'wbcl' },
      { kind: 'separator', meaning: 'wbcl' },
      { kind: 'separator', meaning: 'wbcl' },
    ])
  })

  it('GCE logs: S-CRTM version string and NonHostInfo; coreos shim policy variables', () => {
    const d = decodeLog('google-go-attestation--coreos_36_shielded_vm_no_secure_boot_eventlog')
    expect(d[1]).toMatchObject({ kind: 'text', text: 'GCE Virtual Firmware v1', encoding: 'utf-16le' })
    expect(d[2]).toEqual({ kind: 'gce-nonhost-info', technology: 1, technologyName: 'AMD_SEV' })
    expect(summarizeEventData(d[12]!)).toBe('Boot0001: "UEFI nvme_card-pd" PciRoot(0x0)/Pci(0x4,0x0)/NVMe(0x1,00-00-00-00-00-00-00-00)')
    expect(d[25]).toMatchObject({ kind: 'uefi-variable', name: 'SbatLevel', value: { type: 'text', text: 'sbat,1,2021030218\\x0a' } })
    expect(d[26]).toMatchObject({ kind: 'uefi-variable', name: 'MokListTrusted', value: { type: 'uint8', value: 1 } })
    expect(d[74]).toEqual({ kind: 'action', text: 'Exit Boot Services Invocation', printable: true, wellKnown: true })
  })
})
