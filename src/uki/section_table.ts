/**
 * Which UKI sections systemd-stub measures into PCR 11, and in which order, per stub version.
 *
 * The stub walks its own table of UKI sections (UAPI "Unified Kernel Image" specification;
 * systemd `src/fundamental/uki.h`, earlier `tpm-pcr.h`) in table order, not in PE file order.
 * Entries are only ever appended or inserted ("DO NOT REORDER"), so the relative order of the
 * sections two versions share is the same; what differs is membership: a 252 stub does not
 * measure `.uname` or `.sbat` although every stub carries its own `.sbat`. `.pcrsig` is in the
 * table but never measured: it holds the signature over the result.
 */
import { BootproofError } from '../errors.js'

export interface UkiSectionInfo {
  /** Section name, with the leading dot. */
  name: string
  /** First systemd-stub major version that measures it. */
  since: number
  /** Measured into PCR 11 (false only for `.pcrsig`). */
  measured: boolean
  /**
   * Why the offline prediction cannot cover it: the stub picks it per device or per boot
   * (multi-profile UKIs, `.dtbauto`, `.efifw`).
   */
  unpredictable?: string
}

/** The canonical order (the newest table); `since` marks when each entry joined. */
export const UKI_SECTIONS: readonly UkiSectionInfo[] = Object.freeze([
  { name: '.linux', since: 252, measured: true },
  { name: '.osrel', since: 252, measured: true },
  { name: '.cmdline', since: 252, measured: true },
  { name: '.initrd', since: 252, measured: true },
  { name: '.ucode', since: 256, measured: true },
  { name: '.splash', since: 252, measured: true },
  { name: '.dtb', since: 252, measured: true },
  { name: '.uname', since: 254, measured: true },
  { name: '.sbat', since: 254, measured: true },
  { name: '.pcrsig', since: 252, measured: false },
  { name: '.pcrpkey', since: 252, measured: true },
  { name: '.profile', since: 257, measured: true, unpredictable: 'a multi-profile UKI: the profile is chosen at boot' },
  { name: '.dtbauto', since: 257, measured: true, unpredictable: 'the stub measures the one .dtbauto matching the running hardware' },
  { name: '.hwids', since: 257, measured: true },
  { name: '.efifw', since: 258, measured: true, unpredictable: 'the stub measures the one .efifw matching the running hardware' },
])

/** Oldest stub whose PCR 11 measurements are modelled (the first to measure UKI sections into PCR 11 in this form). */
export const MIN_STUB_VERSION = 252
/** Newest stub version whose table is known; a newer stub may measure sections not listed. */
export const NEWEST_KNOWN_STUB_VERSION = 258

/** The sections a stub of `version` knows, in its measuring order. */
export function sectionTable(version: number): UkiSectionInfo[] {
  if (!Number.isSafeInteger(version) || version < MIN_STUB_VERSION) {
    throw new BootproofError('ERR_UKI_STUB_VERSION', `systemd-stub ${version} is older than ${MIN_STUB_VERSION}: its PCR 11 measurements are not modelled`, { field: 'stubVersion' })
  }
  return UKI_SECTIONS.filter((s) => s.since <= version)
}

/** The stub identity in `.sdmagic`: `#### LoaderInfo: systemd-stub <version> ####` (systemd `src/boot/stub.c`). */
export interface StubInfo {
  /** The whole magic string, NUL removed. */
  text: string
  /** The version as written (`252.39-1~deb12u2`). */
  version: string
  /** Its leading integer: the systemd major version. */
  major: number
}

const SDMAGIC = /^#### LoaderInfo: systemd-stub ([0-9][0-9A-Za-z.~+_-]{0,63}) ####$/

/**
 * Read `.sdmagic` content. `undefined` when the text is not systemd-stub's (systemd-boot's own
 * magic says `systemd-boot`, another stub has none): the caller must then be told the version.
 */
export function parseStubMagic(content: Uint8Array): StubInfo | undefined {
  let end = content.indexOf(0)
  if (end < 0) end = content.length
  if (end > 256) return undefined
  let text = ''
  for (let i = 0; i < end; i++) {
    const c = content[i]!
    if (c < 0x20 || c > 0x7e) return undefined
    text += String.fromCharCode(c)
  }
  const m = SDMAGIC.exec(text)
  if (!m) return undefined
  return { text, version: m[1]!, major: Number.parseInt(m[1]!, 10) }
}
