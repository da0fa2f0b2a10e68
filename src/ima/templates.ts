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

// A name's leading U+FEFF is part of the name: a decoder that drops it (the default) would show
// "\ufeff/usr/bin/sh" as "/usr/bin/sh", a different file.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true })
const latin1 = new TextDecoder('latin1')

export interface FieldDecodeContext {
  entryIndex: number
  entryOffset: number
  findings: FindingSink
  littleEndian: boolean
}

/** Report a field that does not decode (IMA_FIELD_MALFORMED). */
export function malformedField(ctx: FieldDecodeContext, id: string, why: string, offset?: number): void {
  ctx.findings.push({
    code: 'IMA_FIELD_MALFORMED',
    severity: 'warning',
    message: `entry ${ctx.entryIndex}: template field ${id} ${why}; the field is not decoded`,
    eventIndex: ctx.entryIndex,
    offset: offset ?? ctx.entryOffset,
  })
}

/**
 * Why `data[start, end)` is not a well-formed `"<prefix>:" NUL digest` field, or undefined when
 * it is. Allocates only to word a problem, so an ASCII list's parse can check every line's
 * rebuilt field in place. The search for the NUL is bounded by the field (GHSA-v2qp-xh5m-44mf).
 */
export function prefixedDigestProblem(data: Uint8Array, start: number, end: number, id: string): string | undefined {
  let nul = -1
  for (let i = start; i < end; i++) {
    if (data[i] === 0) {
      nul = i
      break
    }
  }
  if (nul < 0) return 'has no NUL after its algorithm prefix'
  if (nul === start || data[nul - 1] !== 0x3a /* ':' */) return 'has no "<alg>:" prefix'
  for (let i = start; i < nul; i++) {
    const c = data[i]!
    if (c < 0x21 || c > 0x7e) return 'has a non-printable algorithm prefix'
  }
  // The prefix without its final ':': `<alg>` (d-ng, d-modsig) or `<type>:<alg>` (d-ngv2).
  let colon = -1
  for (let i = start; i < nul - 1; i++) {
    if (data[i] === 0x3a) {
      colon = i
      break
    }
  }
  if (id === 'd-ngv2') {
    if (colon <= start || colon === nul - 2) return `prefix "${latin1.decode(data.subarray(start, nul - 1))}" is not "<type>:<alg>:"`
    return undefined
  }
  if (colon >= 0) return `prefix "${latin1.decode(data.subarray(start, nul - 1))}" is not "<alg>:"`
  return undefined
}

/** Split `"<prefix>:" NUL digest` without relying on a NUL terminator beyond the field. */
export function decodePrefixedDigest(data: Uint8Array, id: string): ImaDigest | string {
  const problem = prefixedDigestProblem(data, 0, data.length, id)
  if (problem !== undefined) return problem
  const nul = data.indexOf(0)
  const prefix = latin1.decode(data.subarray(0, nul - 1))
  const digest = data.subarray(nul + 1)
  if (id === 'd-ngv2') {
    const colon = prefix.indexOf(':')
    return { type: prefix.slice(0, colon), alg: prefix.slice(colon + 1), digest }
  }
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
      if (typeof d === 'string') malformedField(ctx, raw.id, d, raw.offset)
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
        else malformedField(ctx, raw.id, 'is too large', raw.offset)
      } else malformedField(ctx, raw.id, `has length ${data.length} (expected 2, 4 or 8)`, raw.offset)
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
  return templateHashInputInto(entry, undefined)
}

/** Size of the `ima` template's hash input: d[20] ‖ name padded to 256. */
export const IMA_HASH_INPUT_LEN = 20 + IMA_NAME_HASH_LEN

/**
 * `templateHashInput`, writing an `ima` entry's padded input into `scratch` (at least
 * IMA_HASH_INPUT_LEN bytes, reused by the caller) instead of a fresh buffer: a parse checks
 * every entry, and lists of `ima` entries would otherwise allocate 276 bytes per entry.
 */
export function templateHashInputInto(entry: { templateName: string; templateData: Uint8Array | undefined; rawFields: readonly ImaRawField[] }, scratch: Uint8Array | undefined): Uint8Array | undefined {
  const data = entry.templateData
  if (!data) return undefined
  if (entry.templateName !== 'ima') return data
  const d = entry.rawFields.find((f) => f.id === 'd')
  const n = entry.rawFields.find((f) => f.id === 'n')
  if (!d || !n || d.data.length !== 20 || n.data.length > IMA_NAME_MAX) return undefined
  const out = scratch ? scratch.subarray(0, IMA_HASH_INPUT_LEN) : new Uint8Array(IMA_HASH_INPUT_LEN)
  if (scratch) out.fill(0, 20 + n.data.length)
  out.set(d.data)
  out.set(n.data, 20)
  return out
}
