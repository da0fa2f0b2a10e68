import { describe, expect, it } from 'vitest'
import { parseCelTlv, replayCelLog, detectCelFormat } from '../../src/cel/index.js'
import { BootproofError } from '../../src/errors.js'
import { defaultHashProvider } from '../../src/hash/provider.js'
import { toHex } from '../../src/bytes/hex.js'

/** T (1 byte) ‖ L (u32 BE) ‖ V; `len` overrides L to build lying lengths. */
function tlv(t: number, v: Uint8Array | number[], len?: number): number[] {
  const b = [...v]
  const l = len ?? b.length
  return [t, (l >>> 24) & 0xff, (l >>> 16) & 0xff, (l >>> 8) & 0xff, l & 0xff, ...b]
}
const SHA256 = 0x0b
const D1 = Array.from({ length: 32 }, (_, i) => i)
const D2 = Array.from({ length: 32 }, (_, i) => 0xff - i)
function record(recnum: number, pcr: number, digest = D1, content = tlv(5, [...tlv(0, [0, 0, 0, 0x0d]), ...tlv(1, [0x61, 0x62])])): number[] {
  return [...tlv(0, [recnum]), ...tlv(1, [pcr]), ...tlv(3, tlv(SHA256, digest)), ...content]
}
const bytes = (...parts: number[][]): Uint8Array => new Uint8Array(parts.flat())

function code(f: () => unknown): string | undefined {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(BootproofError)
    return (e as BootproofError).code
  }
  return undefined
}

describe('CEL-TLV parsing', () => {
  it('parses hand-built pcclient_std, ima_template and management records and replays them', () => {
    const ima = tlv(7, [...tlv(0, [...new TextEncoder().encode('ima-ng')]), ...tlv(1, [1, 2, 3])])
    const ver = tlv(4, tlv(1, [...tlv(0, [1]), ...tlv(1, [0])]))
    const log = parseCelTlv(bytes(record(0, 0, D1, ver), record(1, 8), record(2, 10, D2, ima)))
    expect(log.records.map((r) => r.content.type)).toEqual(['cel', 'pcclient_std', 'ima_template'])
    expect(log.records[0]!.content).toEqual({ type: 'cel', management: { kind: 'cel_version', major: 1, minor: 0 } })
    expect(log.records[1]!.content).toMatchObject({ eventType: 0x0d })
    expect(log.findings).toEqual([])
    const h = defaultHashProvider()
    const r = replayCelLog(log)
    const pcr8 = h.digest2('sha256', new Uint8Array(32), new Uint8Array(D1))
    expect(toHex(r.banks.get('sha256')!.pcrs.get(8)!.value)).toBe(toHex(pcr8))
    expect(detectCelFormat(bytes(record(0, 0)))).toBe('cel-tlv')
  })

  it('keeps unknown content types raw with a finding', () => {
    const log = parseCelTlv(bytes(record(0, 9, D1, tlv(0x42, [1, 2]))))
    expect(log.records[0]!.content).toEqual({ type: 'raw', contentType: 0x42, value: new Uint8Array([1, 2]) })
    expect(log.findings.map((f) => f.code)).toEqual(['EVENT_TYPE_UNKNOWN'])
  })

  it('puts NV-index records into nvpcrs', () => {
    const nv = [...tlv(0, [0]), ...tlv(2, [0x01, 0x80, 0x00, 0x01]), ...tlv(3, tlv(SHA256, D1)), ...tlv(4, tlv(2, []))]
    const r = replayCelLog(parseCelTlv(bytes(nv)))
    expect([...r.nvpcrs.banks.get('sha256')!.pcrs.keys()]).toEqual([0x01800001])
    expect(r.banks.get('sha256')!.pcrs.size).toBe(0)
  })

  it('rejects every length field at 0, max and remaining+1 with its code', () => {
    // recnum length 0: an integer needs 1..8 bytes
    expect(code(() => parseCelTlv(bytes(tlv(0, [], 0))))).toBe('ERR_CEL_MALFORMED')
    // recnum length 0xffffffff: above maxValueBytes
    expect(code(() => parseCelTlv(bytes(tlv(0, [], 0xffffffff))))).toBe('ERR_CEL_LIMIT')
    // recnum length remaining+1
    expect(code(() => parseCelTlv(bytes(tlv(0, [1], 2))))).toBe('ERR_CEL_TRUNCATED')
    const head = [...tlv(0, [0]), ...tlv(1, [0])]
    // digests TLV: empty, max, remaining+1
    expect(code(() => parseCelTlv(bytes(head, tlv(3, [], 0), tlv(5, []))))).toBe('ERR_CEL_DIGEST_INVALID')
    expect(code(() => parseCelTlv(bytes(head, tlv(3, [], 0xffffffff))))).toBe('ERR_CEL_LIMIT')
    expect(code(() => parseCelTlv(bytes(head, tlv(3, tlv(SHA256, D1), 38))))).toBe('ERR_CEL_TRUNCATED')
    // one digest: length 0 (wrong size), max, remaining+1
    expect(code(() => parseCelTlv(bytes(head, tlv(3, tlv(SHA256, [], 0)))))).toBe('ERR_CEL_DIGEST_INVALID')
    expect(code(() => parseCelTlv(bytes(head, tlv(3, tlv(SHA256, [], 0xffffffff)))))).toBe('ERR_CEL_LIMIT')
    expect(code(() => parseCelTlv(bytes(head, tlv(3, tlv(SHA256, D1, 33)))))).toBe('ERR_CEL_TRUNCATED')
    // content: event_type length 0, event_data max, content remaining+1
    const pre = [...head, ...tlv(3, tlv(SHA256, D1))]
    expect(code(() => parseCelTlv(bytes(pre, tlv(5, [...tlv(0, []), ...tlv(1, [])]))))).toBe('ERR_CEL_MALFORMED')
    expect(code(() => parseCelTlv(bytes(pre, tlv(5, [...tlv(0, [4]), ...tlv(1, [], 0xffffffff)]))))).toBe('ERR_CEL_LIMIT')
    expect(code(() => parseCelTlv(bytes(pre, tlv(5, [...tlv(0, [4]), ...tlv(1, [])], 12))))).toBe('ERR_CEL_TRUNCATED')
  })

  it('rejects truncation at every byte of a record', () => {
    const full = bytes(record(0, 8))
    for (let n = 1; n < full.length; n++) {
      const c = code(() => parseCelTlv(full.subarray(0, n)))
      expect(['ERR_CEL_TRUNCATED', 'ERR_CEL_MALFORMED'], `cut at ${n}`).toContain(c)
    }
    expect(code(() => parseCelTlv(new Uint8Array(0)))).toBe('ERR_CEL_TRUNCATED')
  })

  it('rejects duplicate and decreasing recnums, misordered fields, extra bytes and bad digests', () => {
    expect(code(() => parseCelTlv(bytes(record(0, 8), record(0, 8))))).toBe('ERR_CEL_RECNUM_DUPLICATE')
    expect(code(() => parseCelTlv(bytes(record(1, 8), record(0, 8))))).toBe('ERR_CEL_RECNUM_ORDER')
    expect(code(() => parseCelTlv(bytes(record(0, 8), record(5, 8))))).toBe('ERR_CEL_RECNUM_ORDER')
    expect(code(() => parseCelTlv(bytes([...tlv(1, [0]), ...tlv(0, [0])])))).toBe('ERR_CEL_MALFORMED')
    const pre = [...tlv(0, [0]), ...tlv(1, [0]), ...tlv(3, tlv(SHA256, D1))]
    expect(code(() => parseCelTlv(bytes(pre, tlv(5, [...tlv(0, [4]), ...tlv(1, []), 0]))))).toBe('ERR_CEL_MALFORMED')
    expect(code(() => parseCelTlv(bytes([...tlv(0, [0]), ...tlv(1, [0]), ...tlv(3, [...tlv(SHA256, D1), ...tlv(SHA256, D2)]), ...tlv(5, [])])))).toBe('ERR_CEL_DIGEST_INVALID')
    expect(code(() => parseCelTlv(bytes([...tlv(0, [0]), ...tlv(1, [0]), ...tlv(3, tlv(0x99, D1)), ...tlv(5, [])])))).toBe('ERR_CEL_DIGEST_INVALID')
    expect(code(() => parseCelTlv(bytes([...tlv(0, [0]), ...tlv(1, [1, 2, 3, 4, 5]), ...tlv(3, tlv(SHA256, D1))])))).toBe('ERR_CEL_MALFORMED')
    expect(code(() => parseCelTlv(bytes(record(0, 8), record(1, 8)), { limits: { maxRecords: 1 } }))).toBe('ERR_CEL_LIMIT')
  })
})
