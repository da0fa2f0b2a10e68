/**
 * Predict PCR 11 for a unified kernel image the way systemd-stub measures it and
 * `systemd-measure calculate` computes it (systemd `src/boot/stub.c`, `src/measure/measure-tool.c`;
 * docs/TPM2_PCR_MEASUREMENTS.md, PCR 11).
 *
 * Per bank, from an all-zero PCR 11: for every section of the stub's table, in table order, that
 * is present and non-empty, extend H(name ‖ NUL) and then H(content); then, per phase path,
 * extend H(word) for each word (no NUL). `extend(d)` is PCR := H(PCR ‖ d).
 *
 * Which sections count depends on the stub version (section_table.ts): it comes from the UKI's
 * `.sdmagic`, or from the caller. Input may also be the section files themselves, as given to
 * `systemd-measure --linux= --osrel= ...`; then every section given is measured.
 */
import { digestSize } from '../alg.js'
import { concatBytes, toHex } from '../bytes/hex.js'
import { BootproofError } from '../errors.js'
import { defaultHashProvider, type HashProvider } from '../hash/provider.js'
import { resolveUkiLimits, type UkiLimits } from './limits.js'
import { parseUki, type UkiImage } from './parse_uki.js'
import { phaseWords, resolvePhasePaths } from './phases.js'
import { NEWEST_KNOWN_STUB_VERSION, sectionTable, UKI_SECTIONS } from './section_table.js'

/** The PCR banks systemd-measure computes (its default set). */
export const PCR11_BANKS = Object.freeze(['sha1', 'sha256', 'sha384', 'sha512'] as const)
export type Pcr11Bank = (typeof PCR11_BANKS)[number]

/** One value, as systemd-measure prints it: `phase` is absent for the empty path (kernel only). */
export interface Pcr11Entry {
  phase?: string
  pcr: 11
  hash: string
}

/** `systemd-measure calculate --json` output: per bank, one entry per phase path. */
export type Pcr11Calculation = Partial<Record<Pcr11Bank, Pcr11Entry[]>>

export interface Pcr11MeasuredSection {
  name: string
  /** Bytes hashed (VirtualSize for a UKI). */
  size: number
  /** H(content) per bank, lowercase hex: the second of the section's two extends. */
  digests: Partial<Record<Pcr11Bank, string>>
}

export interface Pcr11Prediction {
  /** Exactly the data `systemd-measure calculate --json=short` prints for the same sections, banks and phases. */
  values: Pcr11Calculation
  /** The sections measured, in measuring order. */
  measured: Pcr11MeasuredSection[]
  /** UKI sections present that this stub does not measure (`.pcrsig` always; `.uname`, `.sbat` before 254). */
  notMeasured: string[]
  /** The phase paths computed, in output order (`''` = kernel only). */
  phases: string[]
  /** The stub major version whose section table was used. */
  stubVersion: number
  /** Where it came from: the UKI's `.sdmagic`, the caller, or (section files) the newest table. */
  stubVersionSource: 'sdmagic' | 'option' | 'newest'
  /** Things the caller should know (a stub newer than the newest table known, a version override). */
  notes: string[]
}

/** Section files as given to systemd-measure: name (with the dot) → content. */
export interface Pcr11SectionFiles {
  sections: Readonly<Record<string, Uint8Array>>
}

export type Pcr11Input = Uint8Array | UkiImage | Pcr11SectionFiles

export interface PredictPcr11Options {
  /** Banks (default: all four, like systemd-measure). Output keys are sorted and de-duplicated. */
  banks?: readonly string[]
  /** Phase paths (default: systemd-measure's four). Given paths are normalised, sorted and de-duplicated. */
  phases?: readonly string[]
  /** The stub's systemd major version, overriding `.sdmagic` (required for a UKI without one). */
  stubVersion?: number
  hash?: HashProvider
  limits?: Partial<UkiLimits>
}

const NUL = new Uint8Array([0])
const utf8 = new TextEncoder()

/**
 * @throws BootproofError `ERR_PE_*` / `ERR_UKI_MALFORMED` / `ERR_UKI_LIMIT` (parse),
 *   `ERR_UKI_NO_LINUX`, `ERR_UKI_STUB_VERSION`, `ERR_UKI_UNSUPPORTED`, `ERR_UKI_PHASE_INVALID`,
 *   `ERR_HASH_UNSUPPORTED` (a bank other than sha1/sha256/sha384/sha512)
 * @example
 * const p = predictPcr11(ukiBytes, { banks: ['sha256'] })
 * p.values.sha256 // [{ phase: 'enter-initrd', pcr: 11, hash: '…' }, …]
 */
export function predictPcr11(input: Pcr11Input, options: PredictPcr11Options = {}): Pcr11Prediction {
  const limits = resolveUkiLimits(options.limits)
  const hash = options.hash ?? defaultHashProvider()
  const banks = resolveBanks(options.banks)
  const phases = resolvePhasePaths(options.phases, limits)
  const plan = measurementPlan(input, options, limits)

  const measured: Pcr11MeasuredSection[] = plan.sections.map(([name, content]) => ({ name, size: content.length, digests: {} }))
  const values: Pcr11Calculation = {}
  for (const bank of banks) {
    let pcr: Uint8Array = new Uint8Array(digestSize(bank))
    plan.sections.forEach(([name, content], i) => {
      pcr = hash.digest2(bank, pcr, hash.digest(bank, concatBytes(utf8.encode(name), NUL)))
      const d = hash.digest(bank, content)
      measured[i]!.digests[bank] = toHex(d)
      pcr = hash.digest2(bank, pcr, d)
    })
    values[bank] = phases.map((path) => {
      let v = pcr
      for (const w of phaseWords(path)) v = hash.digest2(bank, v, hash.digest(bank, utf8.encode(w)))
      return path === '' ? { pcr: 11 as const, hash: toHex(v) } : { phase: path, pcr: 11 as const, hash: toHex(v) }
    })
  }
  return { values, measured, notMeasured: plan.notMeasured, phases, stubVersion: plan.version, stubVersionSource: plan.source, notes: plan.notes }
}

interface Plan {
  sections: [string, Uint8Array][]
  notMeasured: string[]
  version: number
  source: Pcr11Prediction['stubVersionSource']
  notes: string[]
}

/** The (name, content) pairs to extend, in the stub's order, and the version they follow. */
export function measurementPlan(input: Pcr11Input, options: Pick<PredictPcr11Options, 'stubVersion'>, limits: UkiLimits): Plan {
  const notes: string[] = []
  if (isSectionFiles(input)) {
    const version = options.stubVersion ?? NEWEST_KNOWN_STUB_VERSION
    const table = sectionTable(version)
    const given = Object.keys(input.sections)
    for (const name of given) {
      const info = table.find((s) => s.name === name)
      if (!info || !info.measured) throw new BootproofError('ERR_UKI_UNSUPPORTED', `section ${name} is not measured by systemd-stub ${version}`, { field: name })
      const c = input.sections[name]
      if (!(c instanceof Uint8Array)) throw new TypeError(`sections[${name}] must be a Uint8Array`)
      if (c.length > limits.maxSectionBytes) throw new BootproofError('ERR_UKI_LIMIT', `section ${name} is ${c.length} bytes, above ${limits.maxSectionBytes} (maxSectionBytes)`, { field: name })
    }
    if (!input.sections['.linux']?.length) throw new BootproofError('ERR_UKI_NO_LINUX', 'no .linux content: the kernel is mandatory (systemd-measure --linux=)')
    // Empty sections are skipped entirely, name event included (measure-tool.c, and the stub skips size 0).
    const sections = table.filter((s) => s.measured && (input.sections[s.name]?.length ?? 0) > 0).map((s) => [s.name, input.sections[s.name]!] as [string, Uint8Array])
    return { sections, notMeasured: [], version, source: options.stubVersion === undefined ? 'newest' : 'option', notes }
  }

  const uki = input instanceof Uint8Array ? parseUki(input, { limits }) : input
  let version: number
  let source: Plan['source']
  if (options.stubVersion !== undefined) {
    version = options.stubVersion
    source = 'option'
    if (uki.stub && uki.stub.major !== version) notes.push(`stub version ${version} given; the UKI's .sdmagic says ${uki.stub.version}`)
  } else if (uki.stub) {
    version = uki.stub.major
    source = 'sdmagic'
  } else {
    const why = uki.foreignMagic !== undefined ? `its .sdmagic is not systemd-stub's ("${uki.foreignMagic}")` : 'it has no .sdmagic section'
    throw new BootproofError('ERR_UKI_STUB_VERSION', `cannot tell which sections the stub measures: ${why}; give the stub version`, { field: '.sdmagic' })
  }
  const table = sectionTable(version)
  if (version > NEWEST_KNOWN_STUB_VERSION) notes.push(`systemd-stub ${version} is newer than the newest section table known (${NEWEST_KNOWN_STUB_VERSION}); sections it added are not predicted`)
  if (!uki.sections.get('.linux')) throw new BootproofError('ERR_UKI_NO_LINUX', uki.emptySections.includes('.linux') ? 'the .linux section is empty (VirtualSize 0)' : 'the UKI has no .linux section', { field: '.linux' })
  const sections: [string, Uint8Array][] = []
  for (const info of table) {
    const s = uki.sections.get(info.name)
    if (!s || !info.measured) continue
    if (info.unpredictable) throw new BootproofError('ERR_UKI_UNSUPPORTED', `the UKI has ${info.name}: ${info.unpredictable}, so PCR 11 cannot be predicted offline`, { offset: s.headerOffset, field: info.name })
    sections.push([info.name, s.content])
  }
  const measuredNames = new Set(sections.map(([n]) => n))
  const notMeasured = UKI_SECTIONS.map((s) => s.name).filter((n) => uki.sections.has(n) && !measuredNames.has(n))
  return { sections, notMeasured, version, source, notes }
}

function isSectionFiles(input: Pcr11Input): input is Pcr11SectionFiles {
  return !(input instanceof Uint8Array) && !('pe' in input) && typeof (input as Pcr11SectionFiles).sections === 'object'
}

/**
 * Banks sorted and de-duplicated, as systemd-measure prints them.
 * @throws BootproofError ERR_HASH_UNSUPPORTED
 */
export function resolveBanks(banks: readonly string[] | undefined): Pcr11Bank[] {
  if (banks === undefined) return [...PCR11_BANKS]
  const out = new Set<Pcr11Bank>()
  for (const b of banks) {
    if (!(PCR11_BANKS as readonly string[]).includes(b)) throw new BootproofError('ERR_HASH_UNSUPPORTED', `PCR 11 bank ${String(b)} is not one of ${PCR11_BANKS.join(', ')}`)
    out.add(b as Pcr11Bank)
  }
  if (!out.size) throw new BootproofError('ERR_HASH_UNSUPPORTED', 'no PCR 11 bank given')
  return [...out].sort()
}

