/** UEFI_VARIABLE_DATA's VariableData offset (TCG PFP §10.4.4): exact lengths only (attack L-09). */
import { describe, expect, it } from 'vitest'
import { variableDataOffset } from '../../src/eventlog/variable_data.js'

/** GUID (16 zero bytes), UINT64 name length, UINT64 data length, then `rest`. */
function vd(nameLen: bigint, dataLen: bigint, rest: number): Uint8Array {
  const d = new Uint8Array(32 + rest)
  const v = new DataView(d.buffer)
  v.setBigUint64(16, nameLen, true)
  v.setBigUint64(24, dataLen, true)
  return d
}

describe('variableDataOffset', () => {
  it('is 32 + 2·nameLen when the lengths add up to the data exactly', () => {
    expect(variableDataOffset(vd(2n, 1n, 5))).toBe(36)
    expect(variableDataOffset(vd(0n, 0n, 0))).toBe(32)
  })
  it('is undefined for a short header or lengths that do not add up', () => {
    expect(variableDataOffset(new Uint8Array(31))).toBeUndefined()
    expect(variableDataOffset(vd(2n, 2n, 5))).toBeUndefined()
    expect(variableDataOffset(vd(2n, 0n, 5))).toBeUndefined()
  })
  it('is undefined for UINT64 lengths near 2^53 and 2^64 whose true sum is not the length (no rounding to a match)', () => {
    for (const [n, l] of [[2n ** 63n, 5n], [2n ** 52n, 5n], [1n, 2n ** 64n - 1n], [2n ** 63n - 1n, 2n], [0n, 2n ** 53n + 5n]] as const) {
      expect(variableDataOffset(vd(n, l, 7)), `${n} ${l}`).toBeUndefined()
    }
  })
})
