/**
 * UKI limit overrides resolve like every other area's limits (src/limits.ts): a bad value is
 * refused with the same error, naming the field, before any byte of the image is read.
 */
import { describe, expect, it } from 'vitest'
import { resolveLimits } from '../../src/limits.js'
import { DEFAULT_UKI_LIMITS, resolveUkiLimits, type UkiLimits } from '../../src/uki/limits.js'
import { parseUki } from '../../src/uki/parse_uki.js'
import { predictPcr11 } from '../../src/uki/predict_pcr11.js'
import { parsePcrSignature } from '../../src/uki/pcrsig.js'
import { verifyPcrSignature } from '../../src/uki/verify_pcrsig.js'
import { vector } from './uki_fixture.js'

type Field = keyof UkiLimits
const BAD: { kind: string; field: Field; value: unknown }[] = [
  { kind: 'negative', field: 'maxSectionBytes', value: -1 },
  { kind: 'NaN', field: 'maxPcrsigBytes', value: Number.NaN },
  { kind: 'non-integer', field: 'maxPhases', value: 1.5 },
  { kind: 'Infinity', field: 'maxPhaseBytes', value: Number.POSITIVE_INFINITY },
  { kind: '-Infinity', field: 'maxPcrsigEntries', value: Number.NEGATIVE_INFINITY },
  { kind: 'unsafe integer', field: 'maxSectionBytes', value: 2 ** 53 },
  { kind: 'numeric string', field: 'maxPhases', value: '16' },
  { kind: 'null', field: 'maxPcrsigBytes', value: null },
]

const override = (b: (typeof BAD)[number]) => ({ [b.field]: b.value }) as Partial<UkiLimits>
const message = (field: string) => `limits.${field} must be a non-negative safe integer`

function thrown(f: () => unknown): unknown {
  try {
    f()
  } catch (e) {
    return e
  }
  throw new Error('expected a throw')
}

describe('resolveUkiLimits', () => {
  it('returns the defaults without overrides, and a caller value over its default', () => {
    expect(resolveUkiLimits()).toEqual(DEFAULT_UKI_LIMITS)
    expect(resolveUkiLimits({ maxPhases: 0, maxSectionBytes: 4096 })).toEqual({ ...DEFAULT_UKI_LIMITS, maxPhases: 0, maxSectionBytes: 4096 })
  })

  for (const b of BAD) {
    it(`refuses a ${b.kind} ${b.field}, naming the field`, () => {
      const e = thrown(() => resolveUkiLimits(override(b)))
      expect(e).toBeInstanceOf(TypeError)
      expect((e as Error).message).toBe(message(b.field))
    })
  }

  it('throws exactly what the event-log resolver throws for the same bad value', () => {
    for (const b of BAD) {
      const uki = thrown(() => resolveUkiLimits(override(b))) as Error
      const log = thrown(() => resolveLimits({ maxEvents: b.value as number })) as Error
      expect(uki.constructor).toBe(log.constructor)
      expect(uki.message.replace(b.field, 'F')).toBe(log.message.replace('maxEvents', 'F'))
    }
  })
})

describe('bad UKI limit overrides through the public entries', () => {
  const uki = vector('signed/uki.efi')
  for (const b of BAD) {
    it(`parseUki refuses a ${b.kind} ${b.field}`, () => {
      expect(() => parseUki(uki, { limits: override(b) })).toThrowError(new TypeError(message(b.field)))
    })
    it(`predictPcr11 refuses a ${b.kind} ${b.field}`, () => {
      expect(() => predictPcr11(uki, { limits: override(b) })).toThrowError(new TypeError(message(b.field)))
    })
    it(`parsePcrSignature refuses a ${b.kind} ${b.field}`, () => {
      expect(() => parsePcrSignature('{}', { limits: override(b) })).toThrowError(new TypeError(message(b.field)))
    })
    it(`verifyPcrSignature refuses a ${b.kind} ${b.field}`, async () => {
      await expect(verifyPcrSignature(uki, { limits: override(b) })).rejects.toThrowError(new TypeError(message(b.field)))
    })
  }

  it('a valid override reaches the check it names (maxSectionBytes below the .linux section)', () => {
    expect(() => parseUki(uki, { limits: { maxSectionBytes: 16 } })).toThrowError(expect.objectContaining({ code: 'ERR_UKI_LIMIT', message: expect.stringContaining('(maxSectionBytes)') }))
  })
})
