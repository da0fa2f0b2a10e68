/**
 * One line of an ASCII IMA list read at the byte level (ima_fs.c ima_ascii_measurements_show):
 *
 *   "%2d <template hash hex> <template name>" then " <field>" per field
 *
 * and its template data rebuilt from the printed fields (ima_template_lib.c
 * ima_show_template_data_ascii: digests and byte fields print as hex, prefixed digests as
 * `<prefix>:<hex>`, strings with %s, empty fields as nothing).
 *
 * Why bytes and not a decoded string: the parse reads every line once and must stay within a
 * small multiple of the input. Header, field boundaries and rebuilt field bytes are positions
 * in the list and in one scratch buffer per list (grown as needed), so a line costs no
 * per-field arrays; objects are made only when an entry is decoded in full on request
 * (`decodeLine`, which copies the template data out of the scratch buffer). It is also what the
 * kernel hashed: `%s` prints a name's raw bytes, so a name that is not valid UTF-8 is rebuilt
 * byte for byte (a decoded string would have turned its bytes into U+FFFD).
 */
import { BootproofError } from '../errors.js'
import type { FindingSink } from './findings_cap.js'
import { decodeField, IMA_FIELD_KINDS, IMA_HASH_INPUT_LEN, IMA_NAME_MAX, malformedField, prefixedDigestProblem, summarize, templateFields, type FieldDecodeContext } from './templates.js'
import type { DecodedImaEntry } from './lazy_entry.js'
import type { ImaFields, ImaLimits, ImaRawField } from './types.js'

const SP = 0x20
const NIBBLE = new Int8Array(256).fill(-1)
for (let i = 0; i < 10; i++) NIBBLE[0x30 + i] = i
for (let i = 0; i < 6; i++) {
  NIBBLE[0x41 + i] = 10 + i
  NIBBLE[0x61 + i] = 10 + i
}
const TEMPLATE_HASH_SIZES = [20, 32, 48, 64]
/** The prefixed-digest field ids (templates.ts IMA_FIELD_KINDS), one bit each. */
const PREFIXED_BIT: Readonly<Record<string, number>> = { 'd-ng': 1, 'd-ngv2': 2, 'd-modsig': 4 }
const NOT_A_LINE = 'not "<pcr> <template hash> <template name> <fields>"'
// Field texts are decoded one by one: a BOM at the start of a field is text, not a marker.
const utf8Text = new TextDecoder('utf-8', { ignoreBOM: true })

/** Where the header of a line starts: after a UTF-8 BOM (a whole-line decode drops one). */
function headerStart(b: Uint8Array, start: number, end: number): number {
  let p = start
  if (end - p >= 3 && b[p] === 0xef && b[p + 1] === 0xbb && b[p + 2] === 0xbf) p += 3
  if (p < end && b[p] === SP) p++
  return p
}

/** The PCR of a line already validated at parse time, read without decoding the line. */
export function linePcr(b: Uint8Array, start: number, end: number): number {
  let pcr = 0
  for (let p = headerStart(b, start, end); p < end && b[p] !== SP; p++) pcr = pcr * 10 + (b[p]! - 0x30)
  return pcr
}

/** Start of the template-hash hex of a line already validated at parse time. */
export function lineHashAt(b: Uint8Array, start: number, end: number): number {
  let p = headerStart(b, start, end)
  while (b[p] !== SP) p++
  return p + 1
}

/** Decode `2 × size` hex digits at `at` into `out[0, size)` (validated by the caller). */
export function hexInto(b: Uint8Array, at: number, size: number, out: Uint8Array): Uint8Array {
  for (let i = 0; i < size; i++) out[i] = (NIBBLE[b[at + 2 * i]!]! << 4) | NIBBLE[b[at + 2 * i + 1]!]!
  return out
}

/**
 * The state of the last line read: positions into the list (`b`) and into `scratch`. One per
 * list, reused for every line; `read` overwrites it.
 */
export class AsciiLineReader {
  pcr = 0
  /** Hex digits of the template hash: b[hashAt, hashEnd). */
  hashAt = 0
  hashEnd = 0
  templateName = ''
  ids: readonly string[] | undefined = undefined
  /** The printed fields: b[restAt, lineEnd) (empty when the line ends after the name). */
  restAt = 0
  lineEnd = 0
  /** Whether the printed fields were split into `ids` (else kept as one text). */
  split = false
  /** Every field rebuilt: the template data is scratch[0, dataLength). */
  allRebuilt = false
  dataLength = 0
  /** Per field: its text b[textAt, textEnd) and its rebuilt bytes scratch[dataAt, dataEnd), dataAt -1 if not rebuilt. */
  textAt = new Int32Array(16)
  textEnd = new Int32Array(16)
  dataAt = new Int32Array(16)
  dataEnd = new Int32Array(16)
  scratch = new Uint8Array(1024)
  /** Template names repeat line after line: the last one's string and fields are reused. */
  #lastName = ''
  #lastIds: readonly string[] | undefined = undefined
  #lastStringField = -1

  /**
   * @param templateHashSize the list's template-hash size, or 0 to take it from the first line
   *   (every line must then have it).
   */
  constructor(
    readonly limits: ImaLimits,
    public templateHashSize: number,
  ) {}

  /**
   * Read the header of the line b[start, end): undefined, or why it is not an entry line (the
   * caller's line error). Throws ERR_EVENTLOG_LIMIT for a template name over its limit.
   */
  readHeader(b: Uint8Array, start: number, end: number, offset: number, index: number): string | undefined {
    if (end === start) return 'empty line'
    for (let i = start; i < end; i++) if (b[i] === 0) return 'NUL byte in an ASCII list'
    let p = headerStart(b, start, end)
    const digitsAt = p
    let pcr = 0
    while (p < end && b[p]! >= 0x30 && b[p]! <= 0x39) pcr = pcr * 10 + (b[p++]! - 0x30)
    const digits = p - digitsAt
    if (digits < 1 || digits > 10 || p >= end || b[p] !== SP) return NOT_A_LINE
    const hashAt = ++p
    while (p < end && NIBBLE[b[p]!]! >= 0) p++
    const hashEnd = p
    if (hashEnd === hashAt || p >= end || b[p] !== SP) return NOT_A_LINE
    const nameAt = ++p
    while (p < end && b[p]! >= 0x21 && b[p]! <= 0x7e) p++
    const nameEnd = p
    if (nameEnd === nameAt || (p < end && b[p] !== SP)) return NOT_A_LINE
    if (pcr > 0xffffffff) return `PCR ${String.fromCharCode(...b.subarray(digitsAt, digitsAt + digits))} out of range`
    const hexDigits = hashEnd - hashAt
    if (hexDigits % 2 !== 0 || !TEMPLATE_HASH_SIZES.includes(hexDigits / 2)) return `template hash of ${hexDigits} hex digits`
    if (this.templateHashSize === 0) this.templateHashSize = hexDigits / 2
    else if (hexDigits / 2 !== this.templateHashSize) return `template hash of ${hexDigits / 2} bytes in a list of ${this.templateHashSize}-byte hashes`
    this.pcr = pcr
    this.hashAt = hashAt
    this.hashEnd = hashEnd
    this.restAt = p < end ? p + 1 : end
    this.lineEnd = end
    this.#name(b, nameAt, nameEnd, offset, index)
    return undefined
  }

  /** The template name and its field ids, reusing the previous line's when the bytes match. */
  #name(b: Uint8Array, at: number, end: number, offset: number, index: number): void {
    const len = end - at
    let same = len === this.#lastName.length
    for (let i = 0; same && i < len; i++) same = this.#lastName.charCodeAt(i) === b[at + i]
    if (!same) {
      if (len > this.limits.maxTemplateNameBytes) {
        throw new BootproofError('ERR_EVENTLOG_LIMIT', `maxTemplateNameBytes exceeded: ${len} > ${this.limits.maxTemplateNameBytes} at offset ${offset}`, { offset, eventIndex: index, field: 'maxTemplateNameBytes' })
      }
      let name = ''
      for (let i = at; i < end; i++) name += String.fromCharCode(b[i]!)
      const ids = templateFields(name)
      let stringField = -1
      for (let i = 0; ids && i < ids.length; i++) {
        if (IMA_FIELD_KINDS[ids[i]!] === 'string') stringField = stringField === -1 ? i : -2
      }
      this.#lastName = name
      this.#lastIds = ids
      this.#lastStringField = stringField
    }
    this.templateName = this.#lastName
    this.ids = this.#lastIds
  }

  /**
   * Split the printed fields of the line read by `readHeader` and rebuild each field's bytes.
   * The kernel joins fields with one space and does not escape spaces in names, so at most one
   * string field may contain spaces: it takes what the others leave; any other surplus of
   * spaces (or a shortfall) leaves the fields unsplit. Throws ERR_EVENTLOG_LIMIT (maxFields,
   * maxTemplateDataBytes).
   */
  readFields(b: Uint8Array, offset: number, index: number): void {
    this.split = false
    this.allRebuilt = false
    this.dataLength = 0
    const ids = this.ids
    if (!ids) return
    const n = ids.length
    const end = this.lineEnd
    let spaces = 0
    for (let i = this.restAt; i < end; i++) if (b[i] === SP) spaces++
    if (spaces + 1 < n) return
    // The field that takes the surplus: the one string field, or the last when there is none.
    const wide = spaces + 1 === n ? n - 1 : this.#lastStringField
    if (wide < 0) return
    if (n > this.limits.maxFields) {
      throw new BootproofError('ERR_EVENTLOG_LIMIT', `maxFields exceeded: ${n} > ${this.limits.maxFields} at offset ${offset}`, { offset, eventIndex: index, field: 'maxFields' })
    }
    if (this.textAt.length < n) this.#growFields(n)
    let p = this.restAt
    for (let i = 0; i < wide; i++) {
      this.textAt[i] = p
      while (b[p] !== SP) p++
      this.textEnd[i] = p++
    }
    let e = end
    for (let i = n - 1; i > wide; i--) {
      let q = e - 1
      while (b[q] !== SP) q--
      this.textAt[i] = q + 1
      this.textEnd[i] = e
      e = q
    }
    this.textAt[wide] = p
    this.textEnd[wide] = e
    this.split = true

    // Rebuild into the scratch buffer in template-data form: `u32 len ‖ data` per field, or for
    // the `ima` template `d[20] ‖ u32 strlen ‖ name` (no NUL, no length before d). A field not
    // rebuilt leaves no bytes; the others keep their stored form (strings with their NUL).
    const ima = this.templateName === 'ima'
    // A field's bytes never exceed its text plus a NUL; the `ima` hash input follows the data.
    const need = 4 * n + (end - this.restAt) + n + IMA_HASH_INPUT_LEN
    // Doubling amortises growth; past 64 KiB of slack a huge line gets what it needs only.
    if (this.scratch.length < need) this.scratch = new Uint8Array(Math.max(need, Math.min(2 * this.scratch.length, need + 65536)))
    let w = 0
    let all = true
    for (let i = 0; i < n; i++) {
      const head = ima ? (i === 0 ? 0 : 4) : 4
      const at = w + head
      const stop = this.#rebuild(ids[i]!, b, this.textAt[i]!, this.textEnd[i]!, at)
      if (stop < 0 || (ima && i === 0 && stop - at !== 20)) {
        this.dataAt[i] = -1
        all = false
        continue
      }
      // `ima`: the name's length is its strlen (the NUL is dropped below once all is rebuilt).
      if (head === 4) writeU32le(this.scratch, w, ima ? stop - at - 1 : stop - at)
      this.dataAt[i] = at
      this.dataEnd[i] = stop
      w = stop
    }
    if (!all) return
    if (ima) this.dataEnd[1] = --w
    if (w > this.limits.maxTemplateDataBytes) {
      throw new BootproofError('ERR_EVENTLOG_LIMIT', `maxTemplateDataBytes exceeded: ${w} > ${this.limits.maxTemplateDataBytes} at offset ${offset}`, { offset, eventIndex: index, field: 'maxTemplateDataBytes' })
    }
    this.allRebuilt = true
    this.dataLength = w
  }

  #growFields(n: number): void {
    const size = Math.max(n, 2 * this.textAt.length)
    this.textAt = new Int32Array(size)
    this.textEnd = new Int32Array(size)
    this.dataAt = new Int32Array(size)
    this.dataEnd = new Int32Array(size)
  }

  /** One field's stored bytes written at scratch[at, …) from its text; the end, or -1. */
  #rebuild(id: string, b: Uint8Array, from: number, to: number, at: number): number {
    const out = this.scratch
    switch (IMA_FIELD_KINDS[id]) {
      case 'digest':
      case 'bytes':
        return hexField(b, from, to, out, at)
      case 'prefixed-digest': {
        if (from === to) return id === 'd-modsig' ? at : -1
        let colon = to - 1
        while (colon >= from && b[colon] !== 0x3a) colon--
        if (colon <= from) return -1
        for (let i = from; i <= colon; i++) if (b[i]! < 0x21 || b[i]! > 0x7e) return -1
        const prefixLen = colon + 1 - from
        const stop = hexField(b, colon + 1, to, out, at + prefixLen + 1)
        if (stop < 0) return -1
        copyBytes(b, from, colon + 1, out, at)
        out[at + prefixLen] = 0
        return stop
      }
      case 'string':
        // `%s` printed the bytes up to the NUL the field is stored with.
        copyBytes(b, from, to, out, at)
        out[at + to - from] = 0
        return at + to - from + 1
      default:
        // uint fields print in decimal with a width the text does not show; unknown fields have
        // no known printed form.
        return -1
    }
  }

  /**
   * Findings of the rebuilt fields, as decoding them reports them (templates.ts decodeField):
   * only a prefixed digest can fail, and a field id already decoded is not decoded again.
   */
  reportFields(index: number, offset: number, findings: FindingSink): void {
    if (!this.split) return
    const ids = this.ids!
    let decoded = 0
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!
      const at = this.dataAt[i]!
      if (at < 0 || IMA_FIELD_KINDS[id] !== 'prefixed-digest') continue
      const end = this.dataEnd[i]!
      const bit = PREFIXED_BIT[id] ?? 0
      if ((id === 'd-modsig' && at === end) || (decoded & bit) !== 0) continue
      const why = prefixedDigestProblem(this.scratch, at, end, id)
      if (why === undefined) decoded |= bit
      else malformedField({ entryIndex: index, entryOffset: offset, findings, littleEndian: true }, id, why)
    }
  }

  /**
   * What the template hash is computed over, as a view of the scratch buffer (valid until the
   * next line is read): the template data, or for `ima` `d[20] ‖ name padded to 256`.
   */
  hashInput(): Uint8Array | undefined {
    if (!this.allRebuilt) return undefined
    if (this.templateName !== 'ima') return this.scratch.subarray(0, this.dataLength)
    const nameLen = this.dataEnd[1]! - this.dataAt[1]!
    if (nameLen > IMA_NAME_MAX) return undefined
    const at = this.dataLength
    const out = this.scratch.subarray(at, at + IMA_HASH_INPUT_LEN)
    copyBytes(this.scratch, 0, 20, out, 0)
    copyBytes(this.scratch, this.dataAt[1]!, this.dataEnd[1]!, out, 20)
    out.fill(0, 20 + nameLen)
    return out
  }

  /** The line read, decoded in full (fresh objects; field bytes copied out of the scratch). */
  decodeLine(b: Uint8Array, index: number, offset: number): DecodedImaEntry {
    const size = (this.hashEnd - this.hashAt) / 2
    const templateHash = hexInto(b, this.hashAt, size, new Uint8Array(size))
    const fields: ImaFields = {}
    let rawFields: ImaRawField[]
    let templateData: Uint8Array | undefined
    const ids = this.ids
    if (ids && this.split) {
      const copy = this.scratch.slice(0, this.dataLength || this.#usedScratch(ids.length))
      if (this.allRebuilt) templateData = copy
      rawFields = ids.map((id, i) => ({ id, data: this.dataAt[i]! < 0 ? new Uint8Array(0) : copy.subarray(this.dataAt[i]!, this.dataEnd[i]!), text: utf8Text.decode(b.subarray(this.textAt[i]!, this.textEnd[i]!)) }))
      // Parse-time findings were reported already; a re-decode's go nowhere.
      const ctx: FieldDecodeContext = { entryIndex: index, entryOffset: offset, findings: [], littleEndian: true }
      rawFields.forEach((f, i) => {
        if (this.dataAt[i]! >= 0) decodeField(ctx, fields, f)
      })
    } else {
      rawFields = [{ id: '#fields', data: new Uint8Array(0), text: utf8Text.decode(b.subarray(this.restAt, this.lineEnd)) }]
    }
    let violation = true
    for (let i = 0; i < size; i++) if (templateHash[i] !== 0) violation = false
    return { pcr: this.pcr, templateHash, templateName: this.templateName, templateData, fields, rawFields, ...summarize(fields), violation }
  }

  /** End of the last rebuilt field's bytes when not every field was rebuilt. */
  #usedScratch(n: number): number {
    let end = 0
    for (let i = 0; i < n; i++) if (this.dataAt[i]! >= 0) end = Math.max(end, this.dataEnd[i]!)
    return end
  }
}

/** b[from, to) to out[at, …): a loop, not `set(subarray)`, so a line's copies allocate no views. */
function copyBytes(b: Uint8Array, from: number, to: number, out: Uint8Array, at: number): void {
  for (let i = from; i < to; i++) out[at++] = b[i]!
}

function writeU32le(out: Uint8Array, at: number, v: number): void {
  out[at] = v & 0xff
  out[at + 1] = (v >>> 8) & 0xff
  out[at + 2] = (v >>> 16) & 0xff
  out[at + 3] = (v >>> 24) & 0xff
}

/** Hex digits b[from, to) decoded to out[at, …): the end, or -1 (odd length, not hex). */
function hexField(b: Uint8Array, from: number, to: number, out: Uint8Array, at: number): number {
  if ((to - from) % 2 !== 0) return -1
  let w = at
  for (let i = from; i < to; i += 2) {
    const hi = NIBBLE[b[i]!]!
    const lo = NIBBLE[b[i + 1]!]!
    if ((hi | lo) < 0) return -1
    out[w++] = (hi << 4) | lo
  }
  return w
}
