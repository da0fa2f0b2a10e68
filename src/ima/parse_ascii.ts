/**
 * ASCII IMA runtime measurement lists (`ascii_runtime_measurements`, ima_fs.c
 * ima_ascii_measurements_show): one line per entry,
 *
 *   "%2d <template hash hex> <template name>" then " <field>" per field, then "\n"
 *
 * The template data is not printed, so it is rebuilt from the printed fields where their
 * printed form is lossless (see templates.ts); the template hash can then be checked like in a
 * binary list. Lines are split on bytes, so every offset is a byte offset into the input.
 *
 * Memory: an ASCII list is the densest input there is (a 46-byte line is a whole entry), and
 * fully decoded entries cost about 26 heap bytes per input byte, so a list within the default
 * limits exhausted the heap. Each line is therefore read and checked once while parsing (every
 * finding is raised then, the template hash checked against the data rebuilt in the list's
 * scratch buffer; see ascii_line.ts), and only a compact entry is kept: the list context, the
 * line's offset and length, its index and its template-hash status. `pcr`, `violation` and
 * `templateHash` are read from the line directly (the replay needs only them); everything
 * else is decoded again from a private copy of the input when read (`AsciiImaEntry`). Peak
 * memory is the copy plus about 70 bytes per entry, under 3x the input for the densest list.
 */
import { BootproofError, TruncatedInputError } from '../errors.js'
import type { Finding } from '../findings.js'
import { CappedFindings, MAX_FINDINGS_PER_CODE } from './findings_cap.js'
import { AsciiLineReader, hexInto, lineHashAt, linePcr } from './ascii_line.js'
import type { ImaEntryChecks } from './entry_checks.js'
import { LazyImaEntry, type DecodedImaEntry, type LazyImaListContext } from './lazy_entry.js'
import type { ImaEntry, ImaLimits } from './types.js'

export interface AsciiParseSettings {
  /** Template-hash size in bytes, or undefined to take it from the first line. */
  templateHashSize: number | undefined
  limits: ImaLimits
  truncatedTail: 'error' | 'finding'
}

export interface AsciiParseResult {
  entries: ImaEntry[]
  findings: Finding[]
  templateHashSize: number
  truncatedTail?: { offset: number; bytes: number }
}

/** What every entry of one list shares: the private copy of the input, the line reader, a cache. */
interface AsciiListContext extends LazyImaListContext {
  /** Reads lines at parse time and again for full decodes; holds the list's template-hash size. */
  readonly reader: AsciiLineReader
  /**
   * Unknown template names already reported: one IMA_UNKNOWN_TEMPLATE per name, not per line
   * (the entries stay listed in IMA_TEMPLATE_HASH_UNVERIFIED). Bounded by the findings cap.
   */
  readonly unknownTemplates: Set<string>
}

/**
 * An entry of an ASCII list (see lazy_entry.ts): own state is the index, the offset, the line
 * length and the template-hash status. `pcr`, `violation` and `templateHash` are read from the
 * line (validated at parse time) without decoding it; every other property decodes it again.
 */
class AsciiImaEntry extends LazyImaEntry<AsciiListContext> {
  readonly #length: number

  constructor(ctx: AsciiListContext, index: number, offset: number, length: number) {
    super(ctx, index, offset)
    this.#length = length
  }

  protected decodeAgain(): DecodedImaEntry {
    const { bytes, reader } = this.list
    reader.readHeader(bytes, this.offset, this.offset + this.#length, this.offset, this.index)
    reader.readFields(bytes, this.offset, this.index)
    return reader.decodeLine(bytes, this.index, this.offset)
  }

  override get pcr(): number {
    return linePcr(this.list.bytes, this.offset, this.offset + this.#length)
  }
  override get templateHash(): Uint8Array {
    const { bytes, reader } = this.list
    const size = reader.templateHashSize
    return hexInto(bytes, lineHashAt(bytes, this.offset, this.offset + this.#length), size, new Uint8Array(size))
  }
  override get violation(): boolean {
    const { bytes, reader } = this.list
    const at = lineHashAt(bytes, this.offset, this.offset + this.#length)
    for (let i = at; i < at + 2 * reader.templateHashSize; i++) if (bytes[i] !== 0x30) return false
    return true
  }

  protected override position(): Pick<ImaEntry, 'index' | 'offset' | 'line'> {
    return { index: this.index, offset: this.offset, line: this.line }
  }

  /** ASCII lists have no entry without its line: the line number is index + 1. */
  get line(): number {
    return this.index + 1
  }
}

/**
 * Parse an ASCII list; every entry is checked by `checks` as it is read.
 */
export function parseImaAscii(input: Uint8Array, s: AsciiParseSettings, checks: ImaEntryChecks): AsciiParseResult {
  // Private copy: lazily decoded entries must keep reading the bytes that were checked.
  const bytes = input.slice()
  const entries: ImaEntry[] = []
  // Capped per code: every line may raise a finding, which costs more than the line.
  const findings = new CappedFindings()
  const reader = new AsciiLineReader(s.limits, s.templateHashSize ?? 0)
  const ctx: AsciiListContext = { bytes, reader, unknownTemplates: new Set(), cachedIndex: -1, cached: undefined }
  const out: AsciiParseResult = { entries, findings: [], templateHashSize: s.templateHashSize ?? 0 }
  // The listed template hash of the current line (the size is fixed by the first line).
  let listed = new Uint8Array(0)
  let pos = 0
  let lineNo = 0
  while (pos < bytes.length) {
    lineNo++
    const nl = bytes.indexOf(0x0a, pos)
    const next = nl < 0 ? bytes.length : nl
    const last = nl < 0
    const end = next > pos && bytes[next - 1] === 0x0d ? next - 1 : next
    const index = entries.length
    if (index >= s.limits.maxEntries) {
      throw new BootproofError('ERR_EVENTLOG_LIMIT', `maxEntries exceeded: ${index + 1} > ${s.limits.maxEntries} at offset ${pos}`, { offset: pos, eventIndex: index, field: 'maxEntries' })
    }
    const why = reader.readHeader(bytes, pos, end, pos, index)
    if (why !== undefined) {
      // A last line without its newline that does not parse was cut short.
      if (last) {
        if (s.truncatedTail === 'finding' && index > 0) {
          out.truncatedTail = { offset: pos, bytes: bytes.length - pos }
          findings.push({
            code: 'IMA_TRUNCATED_TAIL',
            severity: 'warning',
            message: `line ${lineNo} (offset ${pos}) has no newline and does not parse (${why}); it was not replayed`,
            eventIndex: index,
            offset: pos,
          })
          break
        }
        throw new TruncatedInputError('ERR_EVENTLOG_TRUNCATED', bytes.length - pos + 1, bytes.length - pos, { offset: pos, eventIndex: index, field: `line ${lineNo}` })
      }
      throw new BootproofError('ERR_EVENTLOG_MALFORMED', `line ${lineNo} (offset ${pos}): ${why}`, { offset: pos, eventIndex: index, field: `line ${lineNo}` })
    }
    const name = reader.templateName
    if (!reader.ids && !ctx.unknownTemplates.has(name)) {
      if (ctx.unknownTemplates.size < MAX_FINDINGS_PER_CODE) ctx.unknownTemplates.add(name)
      findings.push({ code: 'IMA_UNKNOWN_TEMPLATE', severity: 'info', message: `entry ${index} (line ${lineNo}): template "${name}" is not known; its fields are kept as printed`, eventIndex: index, offset: pos })
    }
    reader.readFields(bytes, pos, index)
    reader.reportFields(index, pos, findings)
    const e = new AsciiImaEntry(ctx, index, pos, end - pos)
    entries.push(e)
    const size = reader.templateHashSize
    if (listed.length !== size) listed = new Uint8Array(size)
    hexInto(bytes, reader.hashAt, size, listed)
    let violation = true
    for (let i = 0; i < size; i++) if (listed[i] !== 0) violation = false
    checks.check(e, reader.pcr, violation, listed, reader.hashInput())
    pos = next + 1
  }
  out.templateHashSize = reader.templateHashSize
  out.findings = findings.finish()
  return out
}
