/**
 * Binary IMA runtime measurement lists (`binary_runtime_measurements`, ima_fs.c
 * ima_measurements_show). Each entry:
 *
 *   u32 pcr; u8 templateHash[H]; u32 nameLen; char name[nameLen];
 *   `ima` template:   u8 d[20]; u32 len; char n[len]            (no template-data length)
 *   other templates:  u32 dataLen; u8 data[dataLen] = { u32 len; u8 field[len] }*
 *
 * Integers are in host byte order unless the kernel runs with ima_canonical_fmt (little
 * endian). H is the size of the list's bank (20 for the classic list). Every length is checked
 * against what remains and against a named limit before use.
 *
 * Memory: like ASCII lists (parse_ascii.ts), an entry is decoded and checked once while parsing
 * (every finding is raised then; the template hash is checked against the template data at
 * hand) and only a compact entry is kept: the list context, the entry's offset and index, and
 * its template-hash status. The shortest entry is 33 bytes and fully decoded entries (an
 * object, its fields and several subarray views) cost about 12.7 heap bytes per input byte.
 * Every other property is read again from a private copy of the
 * input when accessed (`BinaryImaEntry`): `pcr`, `templateHash` and `violation` directly at
 * their fixed offsets, the rest by decoding the entry again (the last decoded entry of each
 * list is cached). Byte views (`templateHash`, `templateData`, `rawFields[].data`, digests)
 * point into that copy, which the caller cannot change.
 */
import { BootproofError, TruncatedInputError } from '../errors.js'
import { ByteReader } from '../bytes/reader.js'
import type { Finding } from '../findings.js'
import { CappedFindings, type FindingSink } from './findings_cap.js'
import { decodeField, IMA_HASH_INPUT_LEN, IMA_NAME_MAX, summarize, templateFields, templateHashInputInto, type FieldDecodeContext } from './templates.js'
import type { ImaEntryChecks } from './entry_checks.js'
import { LazyImaEntry, type DecodedImaEntry, type LazyImaListContext } from './lazy_entry.js'
import type { ImaEntry, ImaFields, ImaLimits, ImaRawField } from './types.js'
import { u32beAt, u32leAt } from '../bytes/uint32.js'

const CODES = { truncated: 'ERR_EVENTLOG_TRUNCATED', limit: 'ERR_EVENTLOG_LIMIT' } as const
const FIELD_CODES = { truncated: 'ERR_EVENTDATA_TRUNCATED', limit: 'ERR_EVENTDATA_LIMIT' } as const

export interface BinaryParseSettings {
  littleEndian: boolean
  templateHashSize: number
  limits: ImaLimits
  truncatedTail: 'error' | 'finding'
}

export interface BinaryParseResult {
  entries: ImaEntry[]
  findings: Finding[]
  truncatedTail?: { offset: number; bytes: number }
}

/** A u32 at a position already bounds-checked (at parse time). */
function u32At(b: Uint8Array, p: number, le: boolean): number {
  return le ? u32leAt(b, p) : u32beAt(b, p)
}

function u32(r: ByteReader, le: boolean, field: string): number {
  return le ? r.u32le(field) : r.u32be(field)
}

/** What every entry of one list shares: the private copy of the input, the settings, a cache. */
interface BinaryListContext extends LazyImaListContext {
  readonly settings: BinaryParseSettings
}

/**
 * An entry of a binary list (see lazy_entry.ts): own state is the index, the offset and the
 * template-hash status. `pcr`, `templateHash`, `templateName`, `templateData` and `violation`
 * are read directly at their offsets (validated at parse time) without a full decode: the
 * replay and the hash check need only them. The rest decodes the entry again.
 */
class BinaryImaEntry extends LazyImaEntry<BinaryListContext> {
  protected decodeAgain(): DecodedImaEntry {
    const ctx = this.list
    const r = new ByteReader(ctx.bytes, CODES)
    r.pos = this.offset
    // Parse-time findings were reported already; a re-decode's go nowhere.
    return readEntry(r, this.index, ctx.settings, [])
  }

  override get pcr(): number {
    const ctx = this.list
    return u32At(ctx.bytes, this.offset, ctx.settings.littleEndian)
  }
  override get templateHash(): Uint8Array {
    const ctx = this.list
    const start = this.offset + 4
    return ctx.bytes.subarray(start, start + ctx.settings.templateHashSize)
  }
  // The template name is checked to be printable ASCII at parse time.
  override get templateName(): string {
    const ctx = this.list
    const at = this.offset + 4 + ctx.settings.templateHashSize
    const len = u32At(ctx.bytes, at, ctx.settings.littleEndian)
    let name = ''
    for (let i = at + 4; i < at + 4 + len; i++) name += String.fromCharCode(ctx.bytes[i]!)
    return name
  }
  override get templateData(): Uint8Array | undefined {
    const ctx = this.list
    const b = ctx.bytes
    const le = ctx.settings.littleEndian
    const nameAt = this.offset + 4 + ctx.settings.templateHashSize
    const nameLen = u32At(b, nameAt, le)
    const dataAt = nameAt + 4 + nameLen
    if (nameLen === 3 && b[nameAt + 4] === 0x69 && b[nameAt + 5] === 0x6d && b[nameAt + 6] === 0x61) {
      // `ima`: d[20] ‖ u32 len ‖ n, no template-data length.
      return b.subarray(dataAt, dataAt + 24 + u32At(b, dataAt + 20, le))
    }
    return b.subarray(dataAt + 4, dataAt + 4 + u32At(b, dataAt, le))
  }
  override get violation(): boolean {
    const ctx = this.list
    const b = ctx.bytes
    const start = this.offset + 4
    const end = start + ctx.settings.templateHashSize
    for (let i = start; i < end; i++) if (b[i] !== 0) return false
    return true
  }
}

/** Parse a binary list; every entry is checked by `checks` as it is read. */
export function parseImaBinary(input: Uint8Array, s: BinaryParseSettings, checks: ImaEntryChecks): BinaryParseResult {
  // Private copy: lazily decoded entries must keep reading the bytes that were checked.
  const bytes = input.slice()
  const ctx: BinaryListContext = { bytes, settings: s, cachedIndex: -1, cached: undefined }
  const r = new ByteReader(bytes, CODES)
  const entries: ImaEntry[] = []
  // Capped per code: a list of hostile entries must not cost a finding object per entry.
  const findings = new CappedFindings()
  const out: BinaryParseResult = { entries, findings: [] }
  // The padded hash input of `ima` entries, reused (the checks do not keep it).
  const imaScratch = new Uint8Array(IMA_HASH_INPUT_LEN)
  while (!r.atEnd()) {
    const start = r.pos
    r.eventIndex = entries.length
    if (entries.length >= s.limits.maxEntries) r.limit('maxEntries', entries.length + 1, s.limits.maxEntries)
    let d: DecodedImaEntry
    try {
      d = readEntry(r, entries.length, s, findings)
    } catch (e) {
      // A cut inside the last entry: tolerated only on request, and only after a complete entry.
      if (e instanceof TruncatedInputError && e.code === 'ERR_EVENTLOG_TRUNCATED' && s.truncatedTail === 'finding' && entries.length > 0) {
        const bytesLeft = bytes.length - start
        out.truncatedTail = { offset: start, bytes: bytesLeft }
        findings.push({
          code: 'IMA_TRUNCATED_TAIL',
          severity: 'warning',
          message: `the last ${bytesLeft} byte(s) from offset ${start} are an incomplete entry (${e.message}); they were not replayed`,
          eventIndex: entries.length,
          offset: start,
        })
        break
      }
      throw e
    }
    const e = new BinaryImaEntry(ctx, entries.length, start)
    entries.push(e)
    checks.check(e, d.pcr, d.violation, d.templateHash, templateHashInputInto(d, imaScratch))
  }
  out.findings = findings.finish()
  return out
}

function readEntry(r: ByteReader, index: number, s: BinaryParseSettings, findings: FindingSink): DecodedImaEntry {
  const le = s.littleEndian
  const offset = r.offset
  r.eventIndex = index
  const pcr = u32(r, le, 'pcr')
  const templateHash = r.take(s.templateHashSize, 'templateHash')
  const nameAt = r.offset
  const nameLen = u32(r, le, 'templateNameLength')
  if (nameLen > s.limits.maxTemplateNameBytes) r.limit('maxTemplateNameBytes', nameLen, s.limits.maxTemplateNameBytes, nameAt)
  if (nameLen === 0) throw new BootproofError('ERR_EVENTLOG_MALFORMED', `entry ${index}: empty template name at offset ${nameAt}`, { offset: nameAt, eventIndex: index, field: 'templateNameLength' })
  const nameBytes = r.take(nameLen, 'templateName')
  let templateName = ''
  for (let i = 0; i < nameBytes.length; i++) {
    const c = nameBytes[i]!
    if (c < 0x21 || c > 0x7e) {
      throw new BootproofError('ERR_EVENTLOG_MALFORMED', `entry ${index}: template name has a non-printable byte 0x${c.toString(16).padStart(2, '0')} at offset ${nameAt + 4 + i} (wrong template-hash size or a corrupt list)`, {
        offset: nameAt + 4 + i,
        eventIndex: index,
        field: 'templateName',
      })
    }
    templateName += String.fromCharCode(c)
  }

  const fields: ImaFields = {}
  const rawFields: ImaRawField[] = []
  const ctx: FieldDecodeContext = { entryIndex: index, entryOffset: offset, findings, littleEndian: le }
  let templateData: Uint8Array
  if (templateName === 'ima') {
    // IMA_SHOW_BINARY_NO_FIELD_LEN d, IMA_SHOW_BINARY_OLD_STRING_FMT n.
    const dataStart = r.pos
    const dAt = r.offset
    const d = r.take(20, 'd')
    const nAt = r.offset
    const nLen = u32(r, le, 'n.length')
    if (nLen > IMA_NAME_MAX) r.limit('imaNameLength', nLen, IMA_NAME_MAX, nAt)
    const n = r.take(nLen, 'n')
    templateData = r.bytes.subarray(dataStart, r.pos)
    rawFields.push({ id: 'd', data: d, offset: dAt }, { id: 'n', data: n, offset: nAt + 4 })
  } else {
    const lenAt = r.offset
    const dataLen = u32(r, le, 'templateDataLength')
    if (dataLen > s.limits.maxTemplateDataBytes) r.limit('maxTemplateDataBytes', dataLen, s.limits.maxTemplateDataBytes, lenAt)
    // r.sub() with FIELD_CODES, without its per-call options spread (this runs twice per entry).
    const dataAt = r.offset
    templateData = r.take(dataLen, 'templateData')
    const sub = new ByteReader(templateData, { truncated: FIELD_CODES.truncated, limit: FIELD_CODES.limit, base: dataAt, eventIndex: index })
    const ids = templateFields(templateName)
    if (!ids) {
      findings.push({
        code: 'IMA_UNKNOWN_TEMPLATE',
        severity: 'info',
        message: `entry ${index}: template "${templateName}" is not known; its fields are kept raw`,
        eventIndex: index,
        offset,
      })
    }
    while (!sub.atEnd()) {
      if (rawFields.length >= s.limits.maxFields) sub.limit('maxFields', rawFields.length + 1, s.limits.maxFields)
      const id = ids?.[rawFields.length] ?? `#${rawFields.length}`
      const fLen = u32(sub, le, `${id}.length`)
      const fAt = sub.offset
      rawFields.push({ id, data: sub.take(fLen, id), offset: fAt })
    }
    if (ids && rawFields.length !== ids.length) {
      findings.push({
        code: 'IMA_TEMPLATE_FIELD_COUNT',
        severity: 'warning',
        message: `entry ${index}: template "${templateName}" has ${ids.length} field(s) but the template data holds ${rawFields.length}`,
        eventIndex: index,
        offset,
      })
    }
  }
  for (const f of rawFields) decodeField(ctx, fields, f)
  const violation = templateHash.every((b) => b === 0)
  return {
    pcr,
    templateHash,
    templateName,
    templateData,
    fields,
    rawFields,
    ...summarize(fields),
    violation,
  }
}
