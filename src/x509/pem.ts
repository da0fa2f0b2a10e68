/**
 * PEM (RFC 7468) armour: strict labels, base64 body only. No Buffer: `atob` exists in every
 * runtime bootproof targets (Node ≥ 16, browsers, Deno, Bun).
 */
import { BootproofError } from '../errors.js'

export interface PemBlock {
  label: string
  der: Uint8Array<ArrayBuffer>
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g

function base64Decode(b64: string, label: string): Uint8Array<ArrayBuffer> {
  const clean = b64.replace(/[\r\n\t ]/g, '')
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) {
    throw new BootproofError('ERR_PEM_INVALID', `PEM ${label}: body is not base64`)
  }
  const bin = atob(clean)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

/** True when the bytes look like PEM text (a BEGIN line after optional whitespace/comments). */
export function looksLikePem(input: Uint8Array | string): boolean {
  const s = typeof input === 'string' ? input : new TextDecoder('latin1').decode(input.subarray(0, Math.min(input.length, 4096)))
  return s.includes('-----BEGIN ')
}

/**
 * Every PEM block in `text`, in order. Text between blocks (openssl's "Bag Attributes",
 * "subject=" lines) is ignored.
 * @throws BootproofError ERR_PEM_INVALID when there is no block, labels differ or base64 is bad.
 */
export function pemDecodeAll(text: string | Uint8Array): PemBlock[] {
  const s = typeof text === 'string' ? text : new TextDecoder('utf-8', { fatal: false }).decode(text)
  const out: PemBlock[] = []
  for (const m of s.matchAll(BLOCK)) {
    const [, begin, body, end] = m
    if (begin !== end) throw new BootproofError('ERR_PEM_INVALID', `PEM BEGIN ${begin} closed by END ${end}`)
    out.push({ label: begin!, der: base64Decode(body!, begin!) })
  }
  if (!out.length) throw new BootproofError('ERR_PEM_INVALID', 'no PEM block found')
  return out
}

/** DER bytes of the blocks with one of `labels`. */
export function pemDecode(text: string | Uint8Array, labels: readonly string[]): Uint8Array<ArrayBuffer>[] {
  const blocks = pemDecodeAll(text).filter((b) => labels.includes(b.label))
  if (!blocks.length) throw new BootproofError('ERR_PEM_INVALID', `no PEM block labelled ${labels.join(' or ')}`)
  return blocks.map((b) => b.der)
}

/** Accept DER bytes or PEM (bytes or string) holding exactly one block of `label`. */
export function derFrom(input: Uint8Array | string, label: string): Uint8Array<ArrayBuffer> {
  if (typeof input !== 'string' && !looksLikePem(input)) {
    const out = new Uint8Array(input.length)
    out.set(input)
    return out
  }
  const blocks = pemDecode(input, [label])
  if (blocks.length !== 1) throw new BootproofError('ERR_PEM_INVALID', `expected one ${label} block, found ${blocks.length}`)
  return blocks[0]!
}
