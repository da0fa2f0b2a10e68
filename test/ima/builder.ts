/**
 * Build IMA measurement lists the way the kernel writes them (ima_fs.c), for hand-made good and
 * bad inputs, and render binary entries in the kernel's ASCII form.
 */
import { createHash } from 'node:crypto'
import type { ImaEntry } from '../../src/ima/index.js'
import { concatBytes } from '../../src/bytes/hex.js'

export function u32(n: number, le = true): Uint8Array {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, n >>> 0, le)
  return b
}

/** Concatenation of bytes and UTF-8 text. */
export function cat(...parts: (Uint8Array | string)[]): Uint8Array {
  return concatBytes(...parts.map((p) => (typeof p === 'string' ? new TextEncoder().encode(p) : p)))
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex')
}

export function unhex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'hex'))
}

export function H(alg: string, ...parts: Uint8Array[]): Uint8Array {
  const h = createHash(alg)
  for (const p of parts) h.update(p)
  return new Uint8Array(h.digest())
}

/** `"<alg>:" NUL digest` (d-ng). */
export function dng(alg: string, digest: Uint8Array): Uint8Array {
  return cat(`${alg}:`, new Uint8Array([0]), digest)
}

/** String field data: the string and its NUL. */
export function str(s: string): Uint8Array {
  return cat(s, new Uint8Array([0]))
}

/** Length-prefixed template data from field data. */
export function templateData(fields: Uint8Array[], le = true): Uint8Array {
  return cat(...fields.flatMap((f) => [u32(f.length, le), f]))
}

export interface EntrySpec {
  pcr?: number
  template: string
  /** Field data for non-`ima` templates. */
  fields?: Uint8Array[]
  /** `ima` template: d and name. */
  d?: Uint8Array
  name?: string
  /** Template-hash algorithm (default sha1). */
  alg?: string
  /** Override the template hash (e.g. all zero for a violation). */
  templateHash?: Uint8Array
  le?: boolean
}

/** One binary entry with a correct template hash unless overridden. */
export function entry(s: EntrySpec): Uint8Array {
  const le = s.le ?? true
  const alg = s.alg ?? 'sha1'
  if (s.template === 'ima') {
    const d = s.d ?? H('sha1', new TextEncoder().encode(s.name ?? ''))
    const name = new TextEncoder().encode(s.name ?? '')
    const padded = new Uint8Array(256)
    padded.set(name)
    const th = s.templateHash ?? H(alg, d, padded)
    return cat(u32(s.pcr ?? 10, le), th, u32(3, le), 'ima', d, u32(name.length, le), name)
  }
  const td = templateData(s.fields ?? [], le)
  const th = s.templateHash ?? H(alg, td)
  return cat(u32(s.pcr ?? 10, le), th, u32(s.template.length, le), s.template, u32(td.length, le), td)
}

/** A typical ima-ng entry for `path` with a sha256 file digest. */
export function imaNg(path: string, opts: Partial<EntrySpec> = {}): Uint8Array {
  return entry({ template: 'ima-ng', fields: [dng('sha256', H('sha256', new TextEncoder().encode(path))), str(path)], ...opts })
}

/** Render a parsed entry as `ascii_runtime_measurements` prints it (ima_fs.c). */
export function renderAscii(e: ImaEntry): string {
  const parts = [`${String(e.pcr).padStart(2)} ${hex(e.templateHash)} ${e.templateName}`]
  for (const f of e.rawFields) {
    let t = ''
    const d = f.data
    if (f.id === 'd-ng' || f.id === 'd-ngv2' || f.id === 'd-modsig') {
      if (d.length > 0) {
        const nul = d.indexOf(0)
        t = new TextDecoder('latin1').decode(d.subarray(0, nul)) + hex(d.subarray(nul + 1))
      }
    } else if (f.id === 'n' || f.id === 'n-ng' || f.id === 'xattrnames') {
      const nul = d.indexOf(0)
      t = new TextDecoder().decode(nul < 0 ? d : d.subarray(0, nul))
    } else if (f.id === 'iuid' || f.id === 'igid' || f.id === 'imode') {
      t = d.length === 2 ? String(new DataView(d.buffer, d.byteOffset).getUint16(0, true)) : d.length === 4 ? String(new DataView(d.buffer, d.byteOffset).getUint32(0, true)) : ''
    } else t = hex(d)
    parts.push(' ' + t)
  }
  return parts.join('') + '\n'
}
