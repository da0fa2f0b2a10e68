/**
 * Windows claims: SIPA records in EV_EVENT_TAG are bound as a whole, the WBCL boundary only when
 * its digest binds "WBCL", and a claim resting on absence needs every PCR of WINDOWS_ABSENCE_PCRS.
 */
import { describe, expect, it } from 'vitest'
import { authenticateLog } from '../../src/attest/authenticate_log.js'
import { EV } from '../../src/eventlog/event_types.js'
import { contextFor } from '../../src/state/fact.js'
import { extractWindowsState, WINDOWS_ABSENCE_PCRS } from '../../src/state/windows/windows_state.js'
import { cat, makeLog, sha256, tlv, u64, type Spec } from './windows/build.js'

const TRUSTBOUNDARY = 0x40010001
const safeMode = (on: boolean) => tlv(TRUSTBOUNDARY, tlv(0x00050005, [on ? 1 : 0]))
const dep = (v: number) => tlv(TRUSTBOUNDARY, tlv(0x00050004, u64(v)))
const WBCL = new TextEncoder().encode('WBCL')
const sep = (pcr: number): Spec => ({ pcr, type: EV.EV_SEPARATOR, data: WBCL })
const claims = (specs: Spec[], quoted?: number[]) => extractWindowsState(contextFor(authenticateLog(makeLog(specs), quoted ? { onlyPcrs: quoted } : {}))).claims

describe('Windows claims from bound bytes', () => {
  it('baseline: a safe-mode record is a trusted contrary fact', () => {
    expect(claims([{ pcr: 12, type: EV.EV_EVENT_TAG, data: safeMode(true) }, sep(12), sep(13), sep(14)]).notSafeMode).toMatchObject({ value: false, trusted: true })
  })

  it('a "WBCL" boundary whose digest does not bind it hides nothing', () => {
    // The first PCR 12 event (genuinely SAFEMODE = 1) rewritten as a WBCL separator, digest kept.
    const genuine = safeMode(true)
    const specs: Spec[] = [{ pcr: 12, type: EV.EV_SEPARATOR, data: WBCL, digest: sha256(genuine) }, { pcr: 12, type: EV.EV_EVENT_TAG, data: safeMode(false) }, sep(13), sep(14)]
    const w = extractWindowsState(contextFor(authenticateLog(makeLog(specs))))
    expect(w.findings.some((f) => f.code === 'WINDOWS_WBCL_SEPARATOR_UNVERIFIED')).toBe(true)
    expect(w.claims.notSafeMode).toMatchObject({ trusted: false, reasonCode: 'EVENT_CONTENT_MISMATCH' })
  })

  it('"not safe mode" from absence needs every Windows PCR authenticated', () => {
    expect(WINDOWS_ABSENCE_PCRS).toEqual([11, 12, 13, 14, 19, 20])
    const specs: Spec[] = [{ pcr: 12, type: EV.EV_EVENT_TAG, data: safeMode(false) }, sep(12), sep(13), sep(14)]
    expect(claims(specs, [12, 13, 14]).notSafeMode).toMatchObject({ value: true, trusted: false, reasonCode: 'PCR_NOT_QUOTED' })
    expect(claims(specs, [...WINDOWS_ABSENCE_PCRS]).notSafeMode).toMatchObject({ value: true, trusted: true })
    // A contrary record decides by itself: no absence needed.
    expect(claims([{ pcr: 12, type: EV.EV_EVENT_TAG, data: safeMode(true) }, sep(12)], [12]).notSafeMode).toMatchObject({ value: false, trusted: true })
  })

  it('"last DEP value" over records of two PCRs that disagree rests on unbound order', () => {
    const specs: Spec[] = [{ pcr: 12, type: EV.EV_EVENT_TAG, data: dep(3) }, { pcr: 13, type: EV.EV_EVENT_TAG, data: dep(0) }, sep(12), sep(13), sep(14)]
    expect(claims(specs).depPolicy).toMatchObject({ value: 0, trusted: false, reasonCode: 'FACT_ORDER_UNBOUND' })
    const same: Spec[] = [{ pcr: 12, type: EV.EV_EVENT_TAG, data: dep(3) }, { pcr: 13, type: EV.EV_EVENT_TAG, data: cat(dep(3)) }, sep(12), sep(13), sep(14)]
    expect(claims(same).depPolicy).toMatchObject({ value: 3, trusted: true })
  })
})
