/**
 * Unified kernel images and `.pcrsig`: mutated UKIs (PE headers and UKI section headers) through
 * parseUki → predictPcr11 → verifyPcrSignature, and mutated `.pcrsig` JSON through
 * verifyPcrSignature against the recorded signed UKI.
 */
import { existsSync, readdirSync } from 'node:fs'
import { parseUki } from '../../../src/uki/parse_uki.js'
import { predictPcr11 } from '../../../src/uki/predict_pcr11.js'
import { verifyPcrSignature } from '../../../src/uki/verify_pcrsig.js'
import { emptyLayout, mutateBinary, readUint, type Field, type Walker } from '../lib/binary.js'
import { mutateJson } from '../lib/json.js'
import type { Family, Seed, SeedSet } from '../family.js'
import { bytes, short, text, vec } from '../seeds.js'

/**
 * PE/COFF as a UKI reader sees it: e_lfanew, NumberOfSections, SizeOfOptionalHeader,
 * SizeOfHeaders, the certificate directory, and per section header VirtualSize / VirtualAddress /
 * SizeOfRawData / PointerToRawData (lengths and offsets), each header a record, each raw data a region.
 */
export const walkPe: Walker = (b) => {
  const layout = emptyLayout()
  const u = (off: number, size: number) => (off + size <= b.length ? Number(readUint(b, off, size, true)) : undefined)
  const field = (off: number, size: number, kind: Field['kind']) => {
    if (off + size <= b.length) layout.fields.push({ off, size, le: true, kind, remaining: b.length - off - size })
  }
  if (b.length < 64 || b[0] !== 0x4d || b[1] !== 0x5a) return layout
  field(0x3c, 4, 'len')
  const pe = u(0x3c, 4)
  if (pe === undefined || pe + 24 > b.length) return layout
  field(pe + 6, 2, 'count')
  field(pe + 20, 2, 'len')
  const opt = pe + 24
  const sizeOfOpt = u(pe + 20, 2) ?? 0
  field(opt + 60, 4, 'len')
  field(opt + 108, 4, 'count')
  field(opt + 112 + 32, 4, 'value')
  field(opt + 112 + 36, 4, 'len')
  const n = u(pe + 6, 2) ?? 0
  let off = opt + sizeOfOpt
  for (let i = 0; i < n && off + 40 <= b.length; i++, off += 40) {
    layout.records.push({ start: off, end: off + 40 })
    layout.fields.push({ off, size: 8, le: true, kind: 'type' })
    field(off + 8, 4, 'len')
    field(off + 12, 4, 'value')
    field(off + 16, 4, 'len')
    field(off + 20, 4, 'value')
    const ptr = u(off + 20, 4) ?? 0
    const raw = u(off + 16, 4) ?? 0
    if (ptr + raw <= b.length && raw > 0) layout.data.push({ start: ptr, end: Math.min(ptr + raw, ptr + 4096) })
  }
  return layout
}

/** Section names worth writing over a header's name field (little-endian u64 of the ASCII). */
const NAME_VALUES = ['.linux', '.osrel', '.cmdline', '.initrd', '.pcrsig', '.pcrpkey', '.sdmagic', '.linuxA', '.profile', '.dtbauto'].map((s) => {
  let v = 0
  for (let i = Math.min(s.length, 6) - 1; i >= 0; i--) v = v * 256 + s.charCodeAt(i)
  return v
})

let cached: { key: Uint8Array; uki: Uint8Array } | undefined
const signed = () => (cached ??= { key: bytes(vec('uki/signed/pcrpkey.pem')), uki: bytes(vec('uki/signed/uki.efi')) })
const signedKey = () => signed().key

async function runUki(b: Uint8Array): Promise<void> {
  const uki = parseUki(b)
  predictPcr11(uki, { stubVersion: uki.stub?.major ?? 252 })
  if (uki.sections.has('.pcrsig')) await verifyPcrSignature(uki, uki.sections.has('.pcrpkey') ? {} : { key: signedKey() })
}

export const ukiFamily: Family<Uint8Array> = {
  name: 'uki',
  description: 'UKI PE images: parseUki → predictPcr11 → verifyPcrSignature (when .pcrsig is present)',
  async seeds(): Promise<SeedSet<Uint8Array>> {
    const seeds: Seed<Uint8Array>[] = readdirSync(vec('uki'))
      .sort()
      .map((d) => vec(`uki/${d}/uki.efi`))
      .filter((f) => existsSync(f))
      .map((f) => ({ name: short(f), value: bytes(f) }))
    return { seeds, notes: [`${seeds.length} seeds (test-vectors/uki)`] }
  },
  mutate(seed, rng, all) {
    return mutateBinary(seed.value, { rng, walker: walkPe, donors: all.map((s) => ({ name: s.name, bytes: s.value })), typeValues: NAME_VALUES })
  },
  run: (b) => runUki(b),
  size: (b) => b.length,
  toBytes: (b) => b,
}

export const pcrsigFamily: Family<string> = {
  name: 'uki-pcrsig',
  description: '.pcrsig JSON: verifyPcrSignature against the signed UKI, and alone with its key (signature-only)',
  async seeds(): Promise<SeedSet<string>> {
    const seeds: Seed<string>[] = ['signed', 'signed-enter-initrd', 'talos'].map((d) => ({ name: `test-vectors/uki/${d}/pcrsig.json`, value: text(vec(`uki/${d}/pcrsig.json`)) }))
    return { seeds, notes: [`${seeds.length} seeds`] }
  },
  mutate(seed, rng, all) {
    return mutateJson(JSON.parse(seed.value), rng, { donors: all.map((s) => JSON.parse(s.value) as unknown) })
  },
  async run(input) {
    await verifyPcrSignature(signed().uki, { pcrsig: input })
    await verifyPcrSignature(input, { key: signedKey() })
  },
  size: (s) => s.length,
  toBytes: (s) => new TextEncoder().encode(s),
}
