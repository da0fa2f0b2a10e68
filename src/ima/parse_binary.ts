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
 */
import { BootproofError, TruncatedInputError } from '../errors.js'
import { ByteReader } from '../bytes/reader.js'
import type { Finding } from '../findings.js'
import { CappedFindings, type FindingSink } from './findings_cap.js'
import { decodeField, IMA_NAME_MAX, summarize, templateFields, type FieldDecodeContext } from './templates.js'
import type { ImaEntry, ImaFields, ImaLimits, ImaRawField } from './types.js'

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

function u32(r: ByteReader, le: boolean, field: string): number {
  return le ? r.u32le(field) : r.u32be(field)
}

export function parseImaBinary(bytes: Uint8Array, s: BinaryParseSettings): BinaryParseResult {
  const r = new ByteReader(bytes, CODES)
  const entries: ImaEntry[] = []
  // Capped per code: a list of hostile entries must not cost a finding object per entry.
  const findings = new CappedFindings()
  const out: BinaryParseResult = { entries, findings: [] }
  while (!r.atEnd()) {
    const start = r.pos
    r.eventIndex = entries.length
    if (entries.length >= s.limits.maxEntries) r.limit('maxEntries', entries.length + 1, s.limits.maxEntries)
    let entry: ImaEntry
    try {
      entry = readEntry(r, entries.length, s, findings)
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
    entries.push(entry)
  }
  out.findings = findings.finish()
  return out
}

function readEntry(r: ByteReader, index: number, s: BinaryParseSettings, findings: FindingSink): ImaEntry {
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
    const sub = r.sub(dataLen, 'templateData', FIELD_CODES)
    templateData = sub.bytes
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
    index,
    offset,
    pcr,
    templateHash,
    templateName,
    templateData,
    fields,
    rawFields,
    ...summarize(fields),
    violation,
    templateHashStatus: 'not-applicable',
  }
}
