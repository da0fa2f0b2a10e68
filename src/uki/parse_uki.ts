/**
 * A unified kernel image (UKI) as systemd-stub sees it: the PE image (strict header parse of
 * src/authenticode/pe.ts), its UKI sections located the way the stub locates them, and the
 * stub's identity from `.sdmagic`.
 *
 * The stub measures a section **as loaded in memory**: VirtualSize bytes from its
 * VirtualAddress (systemd `src/boot/pe.c`: the located size is VirtualSize). The loader copies
 * min(SizeOfRawData, VirtualSize) bytes from the file and zero-fills the rest (PE Format,
 * "Section Table": SizeOfRawData is rounded up to FileAlignment, VirtualSize is exact), so the
 * content here is the file slice trimmed to VirtualSize, or padded with zeros up to it.
 *
 * Ambiguity is refused rather than guessed: the 252 stub matches names by prefix and lets the
 * last header win, newer stubs compare the whole 8 bytes and let the first win, so a repeated
 * UKI section name, a longer name starting with one (`.linuxX`), or sections overlapping in
 * memory would make the measured bytes depend on the stub build.
 */
import { parsePe, type PeImage } from '../authenticode/pe.js'
import { BootproofError } from '../errors.js'
import { resolveUkiLimits, type UkiLimits } from './limits.js'
import { parseStubMagic, UKI_SECTIONS, type StubInfo } from './section_table.js'

export interface UkiSection {
  name: string
  /** What the stub hashes: VirtualSize bytes (zero-filled past SizeOfRawData). */
  content: Uint8Array
  virtualAddress: number
  virtualSize: number
  sizeOfRawData: number
  pointerToRawData: number
  /** Bytes of `content` that are the loader's zero fill, not file bytes. */
  zeroFilled: number
  /** File offset of the section header. */
  headerOffset: number
}

export interface UkiImage {
  pe: PeImage
  /** The UKI sections present with a non-zero VirtualSize, by name (known UKI section names only). */
  sections: Map<string, UkiSection>
  /** Names of the UKI sections present with VirtualSize 0: the stub treats them as absent. */
  emptySections: string[]
  /** The stub identity from `.sdmagic`, when it is systemd-stub's. */
  stub?: StubInfo
  /** The raw `.sdmagic` text when present but not systemd-stub's. */
  foreignMagic?: string
}

export interface ParseUkiOptions {
  limits?: Partial<UkiLimits>
}

const KNOWN = new Set(UKI_SECTIONS.map((s) => s.name))
const SDMAGIC = '.sdmagic'

function malformed(message: string, offset?: number, field?: string): BootproofError {
  return new BootproofError('ERR_UKI_MALFORMED', message, { ...(offset !== undefined ? { offset } : {}), ...(field ? { field } : {}) })
}

/**
 * Parse a UKI's PE headers and locate its UKI sections.
 * @throws BootproofError `ERR_PE_*` (headers), `ERR_UKI_MALFORMED` (repeated / ambiguous names,
 *   overlapping sections, a repeated `.sdmagic`), `ERR_UKI_LIMIT` (a section above `maxSectionBytes`)
 */
export function parseUki(bytes: Uint8Array, options: ParseUkiOptions = {}): UkiImage {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('parseUki: bytes must be a Uint8Array')
  const limits = resolveUkiLimits(options.limits)
  const pe = parsePe(bytes)
  const sections = new Map<string, UkiSection>()
  const emptySections: string[] = []
  const seen = new Map<string, number>()
  let magic: UkiSection | undefined

  for (const s of pe.sections) {
    const wanted = KNOWN.has(s.name) || s.name === SDMAGIC
    if (!wanted) {
      for (const k of KNOWN) {
        if (s.name.startsWith(k) && s.name !== k && !KNOWN.has(s.name)) {
          throw malformed(`section "${s.name}" starts with the UKI section name ${k}: systemd-stub 252 compares names by prefix and would take it for ${k}`, s.headerOffset, 'Section.Name')
        }
      }
      continue
    }
    const first = seen.get(s.name)
    if (first !== undefined) {
      throw malformed(`section ${s.name} appears twice (headers at ${first} and ${s.headerOffset}): stubs differ in which one they measure`, s.headerOffset, 'Section.Name')
    }
    seen.set(s.name, s.headerOffset)
    if (s.virtualSize === 0) {
      if (s.name !== SDMAGIC) emptySections.push(s.name)
      continue
    }
    if (s.virtualSize > limits.maxSectionBytes) {
      throw new BootproofError('ERR_UKI_LIMIT', `section ${s.name} has VirtualSize ${s.virtualSize}, above the ${limits.maxSectionBytes}-byte limit (maxSectionBytes)`, { offset: s.headerOffset + 8, field: 'Section.VirtualSize' })
    }
    const fromFile = Math.min(s.sizeOfRawData, s.virtualSize)
    // parsePe has checked PointerToRawData + SizeOfRawData against the file size.
    let content: Uint8Array
    if (fromFile === s.virtualSize) content = bytes.subarray(s.pointerToRawData, s.pointerToRawData + fromFile)
    else {
      content = new Uint8Array(s.virtualSize)
      content.set(bytes.subarray(s.pointerToRawData, s.pointerToRawData + fromFile))
    }
    const section: UkiSection = {
      name: s.name,
      content,
      virtualAddress: s.virtualAddress,
      virtualSize: s.virtualSize,
      sizeOfRawData: s.sizeOfRawData,
      pointerToRawData: s.pointerToRawData,
      zeroFilled: s.virtualSize - fromFile,
      headerOffset: s.headerOffset,
    }
    if (s.name === SDMAGIC) magic = section
    else sections.set(s.name, section)
  }

  checkOverlaps(pe, new Set([...sections.keys()]))

  const out: UkiImage = { pe, sections, emptySections }
  if (magic) {
    const stub = parseStubMagic(magic.content)
    if (stub) out.stub = stub
    else out.foreignMagic = new TextDecoder('latin1').decode(magic.content.subarray(0, 128)).replace(/\0[\s\S]*$/, '')
  }
  return out
}

/**
 * Sections that share memory: the loader copies them in table order, so a UKI section's bytes
 * in memory would be another section's. Only pairs involving a UKI section matter.
 */
function checkOverlaps(pe: PeImage, uki: Set<string>): void {
  const ranges = pe.sections
    .filter((s) => s.virtualSize > 0)
    .map((s) => ({ name: s.name, start: s.virtualAddress, end: s.virtualAddress + s.virtualSize, offset: s.headerOffset }))
    .sort((a, b) => a.start - b.start || a.end - b.end)
  // Compare each range with the furthest-reaching earlier one (kept as we go: linear after the sort).
  let reach = ranges[0]
  for (let i = 1; i < ranges.length; i++) {
    const b = ranges[i]!
    if (b.start < reach!.end && (uki.has(b.name) || uki.has(reach!.name))) {
      throw malformed(`sections ${reach!.name} and ${b.name} overlap in memory (0x${b.start.toString(16)} < 0x${reach!.end.toString(16)})`, b.offset, 'Section.VirtualAddress')
    }
    if (b.end > reach!.end) reach = b
  }
}
