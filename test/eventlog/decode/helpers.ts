/**
 * Test helpers: a minimal TCG record walker (independent of src/eventlog/parse.ts, so these
 * tests do not depend on the parser's state) and builders for hand-made event bodies.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEFAULT_EVENTLOG_LIMITS, type EventLogLimits } from '../../../src/limits.js'
import type { DecodeInput } from '../../../src/eventlog/decode/types.js'

const HERE = dirname(fileURLToPath(import.meta.url))
export const CORPUS_LOGS = join(HERE, '../../../../shared/corpus/logs')
export const HAVE_CORPUS = existsSync(CORPUS_LOGS)
if (!HAVE_CORPUS) console.warn(`[decode tests] corpus not found at ${CORPUS_LOGS}: corpus tests are skipped`)

export interface WalkedEvent {
  index: number
  pcr: number
  type: number
  data: Uint8Array
  dataOffset: number
}

const DIGEST_SIZES: Record<number, number> = { 0x4: 20, 0xb: 32, 0xc: 48, 0xd: 64, 0x12: 32, 0x27: 32, 0x28: 48, 0x29: 64 }

/** Walk TCG_PCR_EVENT / TCG_PCR_EVENT2 records; stops quietly at the first record that does not fit. */
export function walkLog(bytes: Uint8Array): WalkedEvent[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out: WalkedEvent[] = []
  if (bytes.length < 32) return out
  const firstSize = dv.getUint32(28, true)
  if (32 + firstSize > bytes.length) return out
  out.push({ index: 0, pcr: dv.getUint32(0, true), type: dv.getUint32(4, true), data: bytes.subarray(32, 32 + firstSize), dataOffset: 32 })
  const sig = String.fromCharCode(...bytes.subarray(32, 48))
  let sizes: Record<number, number> | undefined
  if (dv.getUint32(4, true) === 3 && sig === 'Spec ID Event03\0') {
    sizes = {}
    const n = dv.getUint32(32 + 24, true)
    for (let i = 0; i < n; i++) sizes[dv.getUint16(32 + 28 + 4 * i, true)] = dv.getUint16(32 + 30 + 4 * i, true)
  }
  let p = 32 + firstSize
  while (p + 8 <= bytes.length) {
    const pcr = dv.getUint32(p, true)
    const type = dv.getUint32(p + 4, true)
    if (pcr === 0xffffffff && type === 0xffffffff) break
    let q = p + 8
    if (sizes) {
      if (q + 4 > bytes.length) break
      const count = dv.getUint32(q, true)
      q += 4
      if (count > 16) break
      let ok = true
      for (let i = 0; i < count && ok; i++) {
        if (q + 2 > bytes.length) ok = false
        else {
          const size = sizes[dv.getUint16(q, true)] ?? DIGEST_SIZES[dv.getUint16(q, true)]
          if (size === undefined) ok = false
          else q += 2 + size
        }
      }
      if (!ok) break
    } else q += 20
    if (q + 4 > bytes.length) break
    const size = dv.getUint32(q, true)
    q += 4
    if (q + size > bytes.length) break
    // CCEL areas are zero/0xFF padded after the last record.
    if (pcr === 0 && type === 0 && size === 0) break
    out.push({ index: out.length, pcr, type, data: bytes.subarray(q, q + size), dataOffset: q })
    p = q + size
  }
  return out
}

export function corpusLogNames(): string[] {
  if (!HAVE_CORPUS) return []
  return readdirSync(CORPUS_LOGS)
    .filter((f) => !/ima|ascii_runtime|binary_runtime|cel\.bin|sml-/.test(f))
    .sort()
}

export function loadLog(name: string): WalkedEvent[] {
  return walkLog(new Uint8Array(readFileSync(join(CORPUS_LOGS, name))))
}

export function inputOf(ev: Pick<WalkedEvent, 'type' | 'pcr' | 'data'> & Partial<WalkedEvent>, limits: EventLogLimits = DEFAULT_EVENTLOG_LIMITS): DecodeInput {
  return { eventType: ev.type, pcrIndex: ev.pcr, data: ev.data, dataOffset: ev.dataOffset ?? 1000, eventIndex: ev.index ?? 7, limits }
}

/** Build an input from parts. */
export function input(eventType: number, data: Uint8Array, pcrIndex = 7, limits: EventLogLimits = DEFAULT_EVENTLOG_LIMITS): DecodeInput {
  return { eventType, pcrIndex, data, dataOffset: 1000, eventIndex: 7, limits }
}

// ---- byte builders (little-endian, as in event logs) ----

export function cat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const arrs = parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p)))
  const out = new Uint8Array(arrs.reduce((n, a) => n + a.length, 0))
  let o = 0
  for (const a of arrs) {
    out.set(a, o)
    o += a.length
  }
  return out
}

export function u16(v: number): Uint8Array {
  return Uint8Array.of(v & 0xff, (v >>> 8) & 0xff)
}

export function u32(v: number): Uint8Array {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, v >>> 0, true)
  return b
}

export function u64(v: bigint | number): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, BigInt(v), true)
  return b
}

export function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0))
}

export function utf16(s: string): Uint8Array {
  const b = new Uint8Array(s.length * 2)
  for (let i = 0; i < s.length; i++) {
    b[2 * i] = s.charCodeAt(i) & 0xff
    b[2 * i + 1] = s.charCodeAt(i) >>> 8
  }
  return b
}

/** GUID text → the 16 mixed-endian bytes. */
export function guid(text: string): Uint8Array {
  const h = text.replace(/-/g, '')
  const bytes = Uint8Array.from(h.match(/../g)!.map((x) => parseInt(x, 16)))
  const swap = (a: number, b: number): void => {
    bytes.subarray(a, b).reverse()
  }
  swap(0, 4)
  swap(4, 6)
  swap(6, 8)
  return bytes
}

export function hexBytes(h: string): Uint8Array {
  return Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16))
}

/** UEFI_VARIABLE_DATA with an exact header. */
export function variableData(vendor: string, name: string, data: Uint8Array): Uint8Array {
  return cat(guid(vendor), u64(name.length), u64(data.length), utf16(name), data)
}

/** One EFI_SIGNATURE_LIST. */
export function signatureList(type: string, header: Uint8Array, signatureSize: number, entries: Uint8Array[]): Uint8Array {
  const body = cat(header, ...entries)
  return cat(guid(type), u32(28 + body.length), u32(header.length), u32(signatureSize), body)
}

/** A device-path node. */
export function node(type: number, sub: number, body: Uint8Array | number[]): Uint8Array {
  const b = body instanceof Uint8Array ? body : Uint8Array.from(body)
  return cat([type, sub], u16(4 + b.length), b)
}

export const END = Uint8Array.of(0x7f, 0xff, 0x04, 0x00)
