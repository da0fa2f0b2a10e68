/**
 * Builds small synthetic PE32 / PE32+ images for the Authenticode tests. Layout: DOS header
 * (e_lfanew = 0x80), PE signature, COFF header, optional header (data directories), section
 * table, then the section data where the caller puts it, optional trailing bytes, optional
 * certificate table at the end.
 */
export interface SectionSpec {
  name: string
  pointerToRawData: number
  sizeOfRawData: number
  /** Bytes written at pointerToRawData (default: a pattern derived from the name). */
  data?: Uint8Array
}

export interface PeSpec {
  format?: 'PE32' | 'PE32+'
  sections?: SectionSpec[]
  /** Default: end of the section table rounded up to 0x200. */
  sizeOfHeaders?: number
  numberOfRvaAndSizes?: number
  checksum?: number
  /** Bytes after the last section (before the certificate table). */
  trailing?: Uint8Array
  /** Certificate table content (a WIN_CERTIFICATE blob; not validated by the hash). */
  certTable?: Uint8Array
  /** Override the certificate directory entry after layout. */
  certDir?: { offset: number; size: number }
  /** Minimum file size before the certificate table. */
  minSize?: number
}

export const E_LFANEW = 0x80

export interface BuiltPe {
  bytes: Uint8Array
  optionalHeaderOffset: number
  checksumOffset: number
  certDirEntryOffset: number | undefined
  sizeOfHeaders: number
  sectionTableOffset: number
  certOffset: number | undefined
}

export function pattern(seed: string, n: number): Uint8Array {
  const out = new Uint8Array(n)
  let x = 0x12345678
  for (const c of seed) x = (Math.imul(x, 31) + c.charCodeAt(0)) >>> 0
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    out[i] = x >>> 24
  }
  return out
}

export function buildPe(spec: PeSpec = {}): BuiltPe {
  const plus = (spec.format ?? 'PE32+') === 'PE32+'
  const sections = spec.sections ?? [
    { name: '.text', pointerToRawData: 0x200, sizeOfRawData: 0x400 },
    { name: '.data', pointerToRawData: 0x600, sizeOfRawData: 0x200 },
  ]
  const nDirs = spec.numberOfRvaAndSizes ?? 16
  const fixed = plus ? 112 : 96
  const sizeOfOptionalHeader = fixed + 8 * nDirs
  const opt = E_LFANEW + 24
  const sectionTableOffset = opt + sizeOfOptionalHeader
  const tableEnd = sectionTableOffset + 40 * sections.length
  const sizeOfHeaders = spec.sizeOfHeaders ?? Math.ceil(tableEnd / 0x200) * 0x200
  let end = Math.max(sizeOfHeaders, tableEnd, spec.minSize ?? 0)
  for (const s of sections) end = Math.max(end, s.pointerToRawData + s.sizeOfRawData)
  const trailing = spec.trailing ?? new Uint8Array(0)
  const bodyEnd = end + trailing.length
  const certPad = spec.certTable ? (8 - (bodyEnd % 8)) % 8 : 0
  const certOffset = spec.certTable ? bodyEnd + certPad : undefined
  const total = bodyEnd + certPad + (spec.certTable?.length ?? 0)
  const b = new Uint8Array(total)
  const v = new DataView(b.buffer)
  // Header filler first, so every header byte is non-zero noise the hash must cover.
  b.set(pattern('headers', sizeOfHeaders).subarray(0, Math.min(sizeOfHeaders, total)))
  b.fill(0, 0, tableEnd)
  b[0] = 0x4d
  b[1] = 0x5a
  v.setUint32(0x3c, E_LFANEW, true)
  b.set(pattern('dos stub', E_LFANEW - 0x40), 0x40)
  b.set([0x50, 0x45, 0, 0], E_LFANEW)
  v.setUint16(E_LFANEW + 4, plus ? 0x8664 : 0x14c, true)
  v.setUint16(E_LFANEW + 6, sections.length, true)
  v.setUint32(E_LFANEW + 8, 0x5f5e100, true)
  v.setUint16(E_LFANEW + 20, sizeOfOptionalHeader, true)
  v.setUint16(E_LFANEW + 22, 0x22, true)
  v.setUint16(opt, plus ? 0x20b : 0x10b, true)
  b.set(pattern('optional', 58), opt + 2) // linker version .. up to SizeOfHeaders
  v.setUint32(opt + 60, sizeOfHeaders, true)
  v.setUint32(opt + 64, spec.checksum ?? 0xdeadbeef, true)
  v.setUint16(opt + 68, 10, true) // EFI application
  b.set(pattern('opt2', fixed - 4 - 70), opt + 70)
  v.setUint32(opt + fixed - 4, nDirs, true)
  b.set(pattern('dirs', 8 * nDirs), opt + fixed)
  const certDirEntryOffset = nDirs > 4 ? opt + fixed + 32 : undefined
  if (certDirEntryOffset !== undefined) {
    const cd = spec.certDir ?? (certOffset !== undefined ? { offset: certOffset, size: spec.certTable!.length } : { offset: 0, size: 0 })
    v.setUint32(certDirEntryOffset, cd.offset, true)
    v.setUint32(certDirEntryOffset + 4, cd.size, true)
  }
  sections.forEach((s, i) => {
    const h = sectionTableOffset + 40 * i
    b.set(new TextEncoder().encode(s.name.slice(0, 8)), h)
    v.setUint32(h + 8, s.sizeOfRawData, true)
    v.setUint32(h + 12, 0x1000 * (i + 1), true)
    v.setUint32(h + 16, s.sizeOfRawData, true)
    v.setUint32(h + 20, s.pointerToRawData, true)
    v.setUint32(h + 36, 0x60000020, true)
  })
  for (const s of sections) {
    if (s.pointerToRawData + s.sizeOfRawData <= total && s.sizeOfRawData > 0) b.set(s.data ?? pattern(s.name, s.sizeOfRawData), s.pointerToRawData)
  }
  b.set(trailing, end)
  if (spec.certTable) b.set(spec.certTable, certOffset!)
  return { bytes: b, optionalHeaderOffset: opt, checksumOffset: opt + 64, certDirEntryOffset, sizeOfHeaders, sectionTableOffset, certOffset }
}
