/** Event type names: `eventTypeOfName` is the inverse of `eventTypeName` (a summary keeps names). */
import { describe, expect, it } from 'vitest'
import { EV, eventTypeName, eventTypeOfName } from '../../src/eventlog/event_types.js'

describe('eventTypeOfName', () => {
  it('round-trips every defined type and unknown ones', () => {
    for (const t of [...Object.values(EV), 0x12345678, 0xffffffff, 0x80000099]) expect(eventTypeOfName(eventTypeName(t))).toBe(t)
  })
  it('knows no other names (no prototype members, no hex without the UNKNOWN_ form)', () => {
    for (const n of ['toString', '__proto__', '0x80000003', 'UNKNOWN_0x123', 'EV_NOPE', '']) expect(eventTypeOfName(n)).toBeUndefined()
  })
})
