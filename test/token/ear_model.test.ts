import { describe, expect, it } from 'vitest'
import * as model from '../../src/ear/model.js'
import * as ar4si from '../../src/verdict/ar4si.js'
import * as ear from '../../src/token/ear_claims.js'

describe('one EAR / AR4SI model', () => {
  it('the verdict and token modules expose the model itself', () => {
    expect(ar4si.tierOf).toBe(model.tierOf)
    expect(ear.tierOf).toBe(model.tierOf)
    expect(ar4si.statusOfVector).toBe(model.statusFromVector)
    expect(ear.statusFromVector).toBe(model.statusFromVector)
    expect(ear.worstStatus).toBe(model.worstStatus)
    expect(ear.EAR_STATUS_VALUE).toBe(model.EAR_STATUS_VALUE)
    expect(ar4si.AR4SI).toBe(model.AR4SI)
  })

  it('tiers of every int8 value (AR4SI ranges)', () => {
    const expected = (v: number) =>
      v >= -1 && v <= 1 ? 'none' : (v >= 2 && v <= 31) || (v >= -32 && v <= -2) ? 'affirming' : (v >= 32 && v <= 95) || (v >= -96 && v <= -33) ? 'warning' : 'contraindicated'
    for (let v = -128; v <= 127; v++) expect(model.tierOf(v), String(v)).toBe(expected(v))
  })

  it('worse / worstStatus / statusFromVector / lower', () => {
    expect(model.worstStatus([])).toBe('none')
    expect(model.worstStatus(['affirming', 'none', 'warning'])).toBe('warning')
    expect(model.worse('none', 'affirming')).toBe('affirming')
    expect(model.statusFromVector({ configuration: 2, executables: 33 })).toBe('warning')
    expect(model.statusFromVector({ configuration: undefined })).toBe('none')
    const v: model.Ar4siVector = { configuration: 2 }
    model.lower(v, 'configuration', 32)
    model.lower(v, 'configuration', 3)
    expect(v.configuration).toBe(32)
    model.lower(v, 'configuration', 33)
    expect(v.configuration).toBe(33)
    expect(model.isTrustClaimValue(127)).toBe(true)
    expect(model.isTrustClaimValue(128)).toBe(false)
    expect(model.isTrustClaimValue(1.5)).toBe(false)
  })
})
