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
 * limits exhausted the heap. Each line is therefore decoded and checked once while parsing
 * (every finding is raised then), and only a compact entry is kept: the list context, the
 * line's offset and length, its index and its template-hash status. Everything else is decoded
 * again from a private copy of the input when read (`AsciiImaEntry`), so peak memory is the
 * copy plus about 70 bytes per entry, under 3x the input for the densest list.
 */
import { BootproofError, TruncatedInputError } from '../errors.js'
import { fromHexOrUndefined } from '../bytes/hex.js'
import type { Finding } from '../findings.js'
import { CappedFindings, MAX_FINDINGS_PER_CODE, type FindingSink } from './findings_cap.js'
import { buildTemplateData, decodeField, fieldFromAscii, splitAsciiFields, summarize, templateFields, type FieldDecodeContext } from './templates.js'
import { LazyImaEntry, type DecodedImaEntry, type LazyImaListContext } from './lazy_entry.js'
import type { ImaEntry, ImaFields, ImaLimits, ImaRawField } from './types.js'

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

const LINE = /^ ?(\d{1,10}) ([0-9a-fA-F]+) ([\x21-\x7e]+)(?: (.*))?$/s
const utf8 = new TextDecoder('utf-8')

class LineError extends Error {}

/** What every entry of one list shares: the private copy of the input, the settings, a cache. */
interface AsciiListContext extends LazyImaListContext {
  readonly settings: AsciiParseSettings
  /** Set once the first line fixed it. */
  templateHashSize: number
  /**
   * Unknown template names already reported: one IMA_UNKNOWN_TEMPLATE per name, not per line
   * (the entries stay listed in IMA_TEMPLATE_HASH_UNVERIFIED). Bounded by the findings cap.
   */
  readonly unknownTemplates: Set<string>
}

/**
 * An entry of an ASCII list (see lazy_entry.ts): own state is the index, the offset, the line
 * length and the template-hash status; every other property decodes the line again.
 */
class AsciiImaEntry extends LazyImaEntry<AsciiListContext> {
  readonly #length: number

  constructor(ctx: AsciiListContext, index: number, offset: number, length: number) {
    super(ctx, index, offset)
    this.#length = length
  }

  protected decodeAgain(): DecodedImaEntry {
    const ctx = this.list
    const line = ctx.bytes.subarray(this.offset, this.offset + this.#length)
    // Parse-time findings were reported already; a re-decode's go nowhere.
    return parseLine(line, this.offset, this.index + 1, this.index, ctx, ctx.settings, [])
  }

  protected override position(): Pick<ImaEntry, 'index' | 'offset' | 'line'> {
    return { index: this.index, offset: this.offset, line: this.line }
  }

  /** ASCII lists have no entry without its line: the line number is index + 1. */
  get line(): number {
    return this.index + 1
  }
}

export function parseImaAscii(input: Uint8Array, s: AsciiParseSettings): AsciiParseResult {
  // Private copy: lazily decoded entries must keep reading the bytes that were checked.
  const bytes = input.slice()
  const entries: ImaEntry[] = []
  // Capped per code: every line may raise a finding, which costs more than the line.
  const findings = new CappedFindings()
  const ctx: AsciiListContext = { bytes, settings: s, templateHashSize: s.templateHashSize ?? 0, unknownTemplates: new Set(), cachedIndex: -1, cached: undefined }
  const out: AsciiParseResult = { entries, findings: [], templateHashSize: s.templateHashSize ?? 0 }
  let pos = 0
  let lineNo = 0
  while (pos < bytes.length) {
    lineNo++
    const nl = bytes.indexOf(0x0a, pos)
    const end = nl < 0 ? bytes.length : nl
    const last = nl < 0
    let lineBytes = bytes.subarray(pos, end)
    if (lineBytes.length > 0 && lineBytes[lineBytes.length - 1] === 0x0d) lineBytes = lineBytes.subarray(0, lineBytes.length - 1)
    if (entries.length >= s.limits.maxEntries) {
      throw new BootproofError('ERR_EVENTLOG_LIMIT', `maxEntries exceeded: ${entries.length + 1} > ${s.limits.maxEntries} at offset ${pos}`, { offset: pos, eventIndex: entries.length, field: 'maxEntries' })
    }
    try {
      parseLine(lineBytes, pos, lineNo, entries.length, ctx, s, findings)
      entries.push(new AsciiImaEntry(ctx, entries.length, pos, lineBytes.length))
    } catch (e) {
      if (!(e instanceof LineError)) throw e
      // A last line without its newline that does not parse was cut short.
      if (last) {
        if (s.truncatedTail === 'finding' && entries.length > 0) {
          out.truncatedTail = { offset: pos, bytes: bytes.length - pos }
          findings.push({
            code: 'IMA_TRUNCATED_TAIL',
            severity: 'warning',
            message: `line ${lineNo} (offset ${pos}) has no newline and does not parse (${e.message}); it was not replayed`,
            eventIndex: entries.length,
            offset: pos,
          })
          break
        }
        throw new TruncatedInputError('ERR_EVENTLOG_TRUNCATED', bytes.length - pos + 1, bytes.length - pos, { offset: pos, eventIndex: entries.length, field: `line ${lineNo}` })
      }
      throw new BootproofError('ERR_EVENTLOG_MALFORMED', `line ${lineNo} (offset ${pos}): ${e.message}`, { offset: pos, eventIndex: entries.length, field: `line ${lineNo}` })
    }
    pos = end + 1
  }
  out.templateHashSize = ctx.templateHashSize
  out.findings = findings.finish()
  return out
}

function parseLine(lineBytes: Uint8Array, offset: number, lineNo: number, index: number, out: AsciiListContext, s: AsciiParseSettings, findings: FindingSink): DecodedImaEntry {
  if (lineBytes.length === 0) throw new LineError('empty line')
  if (lineBytes.indexOf(0) >= 0) throw new LineError('NUL byte in an ASCII list')
  const text = utf8.decode(lineBytes)
  const m = LINE.exec(text)
  if (!m) throw new LineError('not "<pcr> <template hash> <template name> <fields>"')
  const pcr = Number(m[1])
  if (pcr > 0xffffffff) throw new LineError(`PCR ${m[1]} out of range`)
  const hashHex = m[2]!
  const templateHash = fromHexOrUndefined(hashHex)
  if (!templateHash || ![20, 32, 48, 64].includes(templateHash.length)) throw new LineError(`template hash of ${hashHex.length} hex digits`)
  if (out.templateHashSize === 0) out.templateHashSize = templateHash.length
  else if (templateHash.length !== out.templateHashSize) throw new LineError(`template hash of ${templateHash.length} bytes in a list of ${out.templateHashSize}-byte hashes`)
  const templateName = m[3]!
  if (templateName.length > s.limits.maxTemplateNameBytes) {
    throw new BootproofError('ERR_EVENTLOG_LIMIT', `maxTemplateNameBytes exceeded: ${templateName.length} > ${s.limits.maxTemplateNameBytes} at offset ${offset}`, { offset, eventIndex: index, field: 'maxTemplateNameBytes' })
  }
  const rest = m[4] ?? ''

  const fields: ImaFields = {}
  let rawFields: ImaRawField[] = []
  let templateData: Uint8Array | undefined
  const ctx: FieldDecodeContext = { entryIndex: index, entryOffset: offset, findings, littleEndian: true }
  const ids = templateFields(templateName)
  const texts = ids ? splitAsciiFields(ids, rest) : undefined
  if (!ids && !out.unknownTemplates.has(templateName)) {
    if (out.unknownTemplates.size < MAX_FINDINGS_PER_CODE) out.unknownTemplates.add(templateName)
    findings.push({ code: 'IMA_UNKNOWN_TEMPLATE', severity: 'info', message: `entry ${index} (line ${lineNo}): template "${templateName}" is not known; its fields are kept as printed`, eventIndex: index, offset })
  }
  if (ids && texts && texts.length > s.limits.maxFields) {
    throw new BootproofError('ERR_EVENTLOG_LIMIT', `maxFields exceeded: ${texts.length} > ${s.limits.maxFields} at offset ${offset}`, { offset, eventIndex: index, field: 'maxFields' })
  }
  if (ids && texts) {
    const built = texts.map((t, i) => ({ id: ids[i]!, text: t, data: fieldFromAscii(ids[i]!, t) }))
    if (templateName === 'ima' && built[0]?.data?.length !== 20) built[0]!.data = undefined
    if (built.every((b) => b.data !== undefined)) {
      const t = buildTemplateData(templateName, built as { id: string; data: Uint8Array }[])
      templateData = t.data
      if (t.data.length > s.limits.maxTemplateDataBytes) {
        throw new BootproofError('ERR_EVENTLOG_LIMIT', `maxTemplateDataBytes exceeded: ${t.data.length} > ${s.limits.maxTemplateDataBytes} at offset ${offset}`, { offset, eventIndex: index, field: 'maxTemplateDataBytes' })
      }
      rawFields = t.rawFields.map((r, i) => ({ ...r, text: built[i]!.text }))
    } else {
      rawFields = built.map((b) => ({ id: b.id, data: b.data ?? new Uint8Array(0), text: b.text }))
    }
    // A field whose printed form could not be rebuilt has no bytes to decode.
    rawFields.forEach((f, i) => {
      if (built[i]!.data !== undefined) decodeField(ctx, fields, f)
    })
  } else {
    rawFields = [{ id: '#fields', data: new Uint8Array(0), text: rest }]
  }
  return {
    pcr,
    templateHash,
    templateName,
    templateData,
    fields,
    rawFields,
    ...summarize(fields),
    violation: templateHash.every((b) => b === 0),
  }
}
