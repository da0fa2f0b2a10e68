/** Event-data decoding dispatcher (stub: replaced by the full decoders). */
import type { DecodeInput, DecodedEventData } from './types.js'

export function decodeEventData(_input: DecodeInput): DecodedEventData {
  return { kind: 'raw' }
}

export function summarizeEventData(d: DecodedEventData): string {
  return d.kind
}
