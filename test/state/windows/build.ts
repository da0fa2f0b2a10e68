/** Test helpers: SIPA TLV builders and in-memory SHA-256 event logs (digest = H(data)). */
import { createHash } from 'node:crypto'
import type { EventLog, TcgEvent } from '../../../src/eventlog/types.js'
import { eventTypeName } from '../../../src/eventlog/event_types.js'

export function tlv(id: number, value: Uint8Array | number[]): Uint8Array {
  const v = value instanceof Uint8Array ? value : new Uint8Array(value)
  const out = new Uint8Array(8 + v.length)
  const dv = new DataView(out.buffer)
  dv.setUint32(0, id >>> 0, true)
  dv.setUint32(4, v.length, true)
  out.set(v, 8)
  return out
}

export function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

export const u32 = (n: number): Uint8Array => {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, n, true)
  return b
}
export const u64 = (n: bigint | number): Uint8Array => {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true)
  return b
}
export const utf16z = (s: string): Uint8Array => {
  const b = new Uint8Array((s.length + 1) * 2)
  for (let i = 0; i < s.length; i++) new DataView(b.buffer).setUint16(2 * i, s.charCodeAt(i), true)
  return b
}

export const sha256 = (d: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(d).digest())

export interface Spec {
  pcr: number
  type: number
  data: Uint8Array
  /** Digest to record instead of H(data) (to simulate edited data with the genuine digest). */
  digest?: Uint8Array
}

/** A crypto-agile SHA-256 log object (no Spec ID record needed by the state code). */
export function makeLog(specs: Spec[]): EventLog {
  let offset = 0
  const events: TcgEvent[] = specs.map((s, index) => {
    const ev: TcgEvent = {
      index,
      offset,
      length: 0,
      pcrIndex: s.pcr,
      eventType: s.type,
      typeName: eventTypeName(s.type),
      digests: [{ algId: 0x000b, bank: 'sha256', digest: s.digest ?? sha256(s.data) }],
      data: s.data,
      dataOffset: offset,
      decoded: { kind: 'raw' },
    }
    offset += s.data.length + 64
    return ev
  })
  return {
    format: 'tcg-crypto-agile',
    registerKind: 'pcr',
    specId: undefined,
    algorithms: [{ algId: 0x000b, bank: 'sha256', digestSize: 32, known: true }],
    events,
    startupLocality: undefined,
    padding: undefined,
    size: offset,
    findings: [],
  }
}

/** UEFI_VARIABLE_DATA for EFI_GLOBAL_VARIABLE. */
export function globalVariable(name: string, data: number[]): Uint8Array {
  const guid = new Uint8Array([0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11, 0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c])
  const n = new Uint8Array(name.length * 2)
  for (let i = 0; i < name.length; i++) n[2 * i] = name.charCodeAt(i)
  return cat(guid, u64(name.length), u64(data.length), n, new Uint8Array(data))
}
