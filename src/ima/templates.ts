/**
 * IMA template descriptors and template fields (Linux security/integrity/ima/ima_template.c,
 * ima_template_lib.c).
 *
 * Binary layout of the template data: for the `ima` template only, `d[20] ‖ u32 len ‖ name`
 * (no template-data length is written for it); for every other template, each field as
 * `u32 len ‖ data`. Strings (n, n-ng, xattrnames) are stored with their NUL; digests with a
 * prefix (d-ng: `"<alg>:" NUL digest`, d-ngv2: `"<type>:<alg>:" NUL digest`).
 *
 * Template hash: `H(template data)`, except for the `ima` template: `sha1(d[20] ‖ name padded
 * with zeros to 256 bytes)`.
 *
 * Nothing here relies on NUL termination (GHSA-v2qp-xh5m-44mf): every search is bounded by the
 * field length.
 */
import { concatBytes } from '../bytes/hex.js'
import { fromHexOrUndefined } from '../bytes/hex.js'
import type { FindingSink } from './findings_cap.js'
import type { ImaDigest, ImaFields, ImaRawField } from './types.js'

/** Field lists of the built-in templates (ima_template.c builtin_templates). */
export const IMA_TEMPLATES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  ima: ['d', 'n'],
  'ima-ng': ['d-ng', 'n-ng'],
  'ima-ngv2': ['d-ngv2', 'n-ng'],
  'ima-sig': ['d-ng', 'n-ng', 'sig'],
  'ima-sigv2': ['d-ngv2', 'n-ng', 'sig'],
  'ima-buf': ['d-ng', 'n-ng', 'buf'],
  'ima-modsig': ['d-ng', 'n-ng', 'sig', 'd-modsig', 'modsig'],
  'evm-sig': ['d-ng', 'n-ng', 'evmsig', 'xattrnames', 'xattrlengths', 'xattrvalues', 'iuid', 'igid', 'imode'],
})

type FieldKind = 'digest' | 'prefixed-digest' | 'string' | 'bytes' | 'uint'

/** Template fields known to this library (ima_template.c supported_fields). */
export const IMA_FIELD_KINDS: Readonly<Record<string, FieldKind>> = Object.freeze({
  d: 'digest',
  'd-ng': 'prefixed-digest',
  'd-ngv2': 'prefixed-digest',
  'd-modsig': 'prefixed-digest',
  n: 'string',
  'n-ng': 'string',
  xattrnames: 'string',
  sig: 'bytes',
  buf: 'bytes',
  modsig: 'bytes',
  evmsig: 'bytes',
  xattrlengths: 'bytes',
  xattrvalues: 'bytes',
  iuid: 'uint',
  igid: 'uint',
  imode: 'uint',
})

/** Name padding of the `ima` template hash (IMA_EVENT_NAME_LEN_MAX + 1). */
export const IMA_NAME_HASH_LEN = 256
/** Largest name of the `ima` template (IMA_EVENT_NAME_LEN_MAX). */
export const IMA_NAME_MAX = 255

const FIELD_ID = /^[a-z][a-z0-9-]{0,15}$/

/**
 * Field ids of a template: the built-in list for a known name, the name split on `|` for a
 * custom descriptor (`d-ng|n-ng|sig`, or a single field id such as `n`), else undefined.
 */
export function templateFields(name: string): readonly string[] | undefined {
  const known = IMA_TEMPLATES[name]
  if (known) return known
  const parts = name.split('|')
  if (parts.every((p) => FIELD_ID.test(p)) && (parts.length > 1 || IMA_FIELD_KINDS[name] !== undefined)) return parts
  return undefined
}

const utf8 = new TextDecoder('utf-8')
const latin1 = new TextDecoder('latin1')
const encoder = new TextEncoder()

export interface FieldDecodeContext {
  entryIndex: number
  entryOffset: number
  findings: FindingSink
  littleEndian: boolean
}

function malformed(ctx: FieldDecodeContext, id: string, why: string, offset?: number): void {
  ctx.findings.push({
    code: 'IMA_FIELD_MALFORMED',
    severity: 'warning',
    message: `entry ${ctx.entryIndex}: template field ${id} ${why}; the field is not decoded`,
    eventIndex: ctx.entryIndex,
    offset: offset ?? ctx.entryOffset,
  })
}

/** Split `"<prefix>:" NUL digest` without relying on a NUL terminator beyond the field. */
export function decodePrefixedDigest(data: Uint8Array, id: string): ImaDigest | string {
  const nul = data.indexOf(0)
  if (nul < 0) return 'has no NUL after its algorithm prefix'
  if (nul === 0 || data[nul - 1] !== 0x3a /* ':' */) return 'has no "<alg>:" prefix'
  for (let i = 0; i < nul; i++) {
    const c = data[i]!
    if (c < 0x21 || c > 0x7e) return 'has a non-printable algorithm prefix'
  }
  const prefix = latin1.decode(data.subarray(0, nul - 1))
  const digest = data.subarray(nul + 1)
  if (id === 'd-ngv2') {
    const colon = prefix.indexOf(':')
    if (colon <= 0 || colon === prefix.length - 1) return `prefix "${prefix}" is not "<type>:<alg>:"`
    return { type: prefix.slice(0, colon), alg: prefix.slice(colon + 1), digest }
  }
  if (prefix.includes(':')) return `prefix "${prefix}" is not "<alg>:"`
  return { alg: prefix, digest }
}

/** A string field: drop one trailing NUL; report an interior NUL (a C reader would stop there). */
function decodeString(ctx: FieldDecodeContext, id: string, data: Uint8Array, offset: number | undefined): string {
  const body = data.length > 0 && data[data.length - 1] === 0 ? data.subarray(0, data.length - 1) : data
  if (body.indexOf(0) >= 0) {
    ctx.findings.push({
      code: 'IMA_NAME_EMBEDDED_NUL',
      severity: 'warning',
      message: `entry ${ctx.entryIndex}: template field ${id} contains a NUL byte before its end; tools that read it as a C string see a shorter name than the one that was hashed`,
      eventIndex: ctx.entryIndex,
      offset: offset ?? ctx.entryOffset,
    })
  }
  return utf8.decode(body)
}

function digestAlgBySize(size: number): string {
  return size === 20 ? 'sha1' : size === 16 ? 'md5' : size === 32 ? 'sha256' : size === 48 ? 'sha384' : size === 64 ? 'sha512' : 'unknown'
}

/** Decode one field's bytes into `fields` (binary lists and rebuilt ASCII fields alike). */
export function decodeField(ctx: FieldDecodeContext, fields: ImaFields, raw: ImaRawField): void {
  const kind = IMA_FIELD_KINDS[raw.id]
  const f = fields as Record<string, unknown>
  if (kind === undefined || f[raw.id] !== undefined) return
  const data = raw.data
  switch (kind) {
    case 'digest':
      f[raw.id] = { alg: digestAlgBySize(data.length), digest: data } satisfies ImaDigest
      return
    case 'prefixed-digest': {
      if (raw.id === 'd-modsig' && data.length === 0) return
      const d = decodePrefixedDigest(data, raw.id)
      if (typeof d === 'string') malformed(ctx, raw.id, d, raw.offset)
      else f[raw.id] = d
      return
    }
    case 'string':
      f[raw.id] = decodeString(ctx, raw.id, data, raw.offset)
      return
    case 'bytes':
      f[raw.id] = data
      return
    case 'uint': {
      const v = new DataView(data.buffer, data.byteOffset, data.byteLength)
      if (data.length === 2) f[raw.id] = v.getUint16(0, ctx.littleEndian)
      else if (data.length === 4) f[raw.id] = v.getUint32(0, ctx.littleEndian)
      else if (data.length === 8) {
        const big = v.getBigUint64(0, ctx.littleEndian)
        if (big <= BigInt(Number.MAX_SAFE_INTEGER)) f[raw.id] = Number(big)
        else malformed(ctx, raw.id, 'is too large', raw.offset)
      } else malformed(ctx, raw.id, `has length ${data.length} (expected 2, 4 or 8)`, raw.offset)
      return
    }
  }
}

/** filename / fileDigest conveniences from the decoded fields. */
export function summarize(fields: ImaFields): { filename?: string; fileDigest?: ImaDigest } {
  const out: { filename?: string; fileDigest?: ImaDigest } = {}
  const name = fields['n-ng'] ?? fields.n
  if (name !== undefined) out.filename = name
  const digest = fields['d-ng'] ?? fields['d-ngv2'] ?? fields.d
  if (digest !== undefined) out.fileDigest = digest
  return out
}

/**
 * The bytes the template hash is computed over: the template data, or for the `ima` template
 * `d[20] ‖ name padded to 256`. Undefined when that cannot be formed (no template data, or an
 * `ima` entry whose layout is not `d[20] ‖ u32 ‖ name`).
 */
export function templateHashInput(entry: { templateName: string; templateData: Uint8Array | undefined; rawFields: readonly ImaRawField[] }): Uint8Array | undefined {
  const data = entry.templateData
  if (!data) return undefined
  if (entry.templateName !== 'ima') return data
  const d = entry.rawFields.find((f) => f.id === 'd')
  const n = entry.rawFields.find((f) => f.id === 'n')
  if (!d || !n || d.data.length !== 20 || n.data.length > IMA_NAME_MAX) return undefined
  const out = new Uint8Array(20 + IMA_NAME_HASH_LEN)
  out.set(d.data)
  out.set(n.data, 20)
  return out
}

// ---------------------------------------------------------------------------------------------
// ASCII lists: rebuild field bytes from the printed form (ima_template_lib.c
// ima_show_template_data_ascii): digests print as hex, prefixed digests as "<prefix>:<hex>",
// strings with %s (up to the first NUL), byte fields as hex, empty fields as nothing.

/** Rebuild one field's stored bytes from its printed text, or undefined when not possible. */
export function fieldFromAscii(id: string, text: string): Uint8Array | undefined {
  const kind = IMA_FIELD_KINDS[id]
  switch (kind) {
    case 'digest':
    case 'bytes':
      return fromHexOrUndefined(text)
    case 'prefixed-digest': {
      if (text === '') return id === 'd-modsig' ? new Uint8Array(0) : undefined
      const colon = text.lastIndexOf(':')
      if (colon <= 0) return undefined
      const digest = fromHexOrUndefined(text.slice(colon + 1))
      if (!digest) return undefined
      const prefix = text.slice(0, colon + 1)
      if (!/^[\x21-\x7e]+$/.test(prefix)) return undefined
      const out = new Uint8Array(prefix.length + 1 + digest.length)
      for (let i = 0; i < prefix.length; i++) out[i] = prefix.charCodeAt(i)
      out.set(digest, prefix.length + 1)
      return out
    }
    case 'string': {
      const b = encoder.encode(text)
      const out = new Uint8Array(b.length + 1)
      out.set(b)
      return out
    }
    default:
      // uint fields print in decimal with a width the text does not show; unknown fields have
      // no known printed form.
      return undefined
  }
}

/**
 * Split the printed fields of an ASCII line. The kernel joins fields with one space and does
 * not escape spaces in names, so at most one string field may contain spaces: it takes what
 * the others leave. Returns undefined when the split is ambiguous.
 */
export function splitAsciiFields(ids: readonly string[], rest: string): string[] | undefined {
  const tokens = rest.split(' ')
  if (tokens.length === ids.length) return tokens
  if (tokens.length < ids.length) return undefined
  const stringIdx = ids.flatMap((id, i) => (IMA_FIELD_KINDS[id] === 'string' ? [i] : []))
  if (stringIdx.length !== 1) return undefined
  const s = stringIdx[0]!
  const after = ids.length - 1 - s
  return [...tokens.slice(0, s), tokens.slice(s, tokens.length - after).join(' '), ...tokens.slice(tokens.length - after)]
}

/** Template data in binary-list form from rebuilt fields (`ima`: `d ‖ u32 strlen ‖ name`). */
export function buildTemplateData(templateName: string, fields: readonly { id: string; data: Uint8Array }[]): { data: Uint8Array; rawFields: ImaRawField[] } {
  const raws: ImaRawField[] = []
  const parts: Uint8Array[] = []
  const u32 = (n: number): Uint8Array => new Uint8Array([n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff])
  if (templateName === 'ima') {
    const d = fields[0]!.data
    const name = fields[1]!.data
    const bare = name.length > 0 && name[name.length - 1] === 0 ? name.subarray(0, name.length - 1) : name
    parts.push(d, u32(bare.length), bare)
    raws.push({ id: 'd', data: d }, { id: 'n', data: bare })
  } else {
    for (const f of fields) {
      parts.push(u32(f.data.length), f.data)
      raws.push({ id: f.id, data: f.data })
    }
  }
  return { data: concatBytes(...parts), rawFields: raws }
}

