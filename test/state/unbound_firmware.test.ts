/**
 * PCR 7 and PCR 1 facts from bound bytes only: the event type is not measured (R-01), EV_EFI_ACTION
 * binds its string and EV_EFI_VARIABLE_DRIVER_CONFIG its whole UEFI_VARIABLE_DATA (TCG PFP
 * §10.4.4), edk2's EV_EFI_VARIABLE_BOOT only VariableData (the name beside it is unbound).
 */
import { describe, expect, it } from 'vitest'
import * as B from '../fixtures/eventlog/log_builder.js'
import { attest, FIRMWARE_PCRS, hidden, stateOf, untrustedFindings } from './unbound_helpers.js'


const SPDM_DEVICE_POLICY = 0x800000e3
const debugEvent = B.efiActionEvent(7, 'UEFI Debug Mode')
/** standardBoot with `ev` measured into PCR 7 before its separator. */
function withPcr7(ev: B.EventSpec): B.EventSpec[] {
  const events = B.standardBoot()
  const sep = events.findIndex((e) => e.pcr === 7 && e.type === B.T.EV_SEPARATOR)
  events.splice(sep, 0, ev)
  return events
}

describe('UEFI debug mode (R-04) from bound bytes', () => {
  it('baseline: a measured "UEFI Debug Mode" is a trusted fact and fails the policy', async () => {
    expect(stateOf(withPcr7(debugEvent), FIRMWARE_PCRS).secureBoot.debugMode).toMatchObject({ value: true, trusted: true })
    const r = await attest(withPcr7(debugEvent), FIRMWARE_PCRS, { secureBoot: { required: true } })
    expect(r.verdict.bootproof_findings.some((f) => f.code === 'POLICY_SECUREBOOT_DEBUG_MODE')).toBe(true)
    expect(r.verdict.ear_status).not.toBe('affirming')
  })

  it('retyped to another type that binds the data, it is still found by its bytes', () => {
    const ev = { ...debugEvent, type: B.T.EV_EFI_VARIABLE_AUTHORITY }
    expect(stateOf(withPcr7(ev), FIRMWARE_PCRS).secureBoot.debugMode).toMatchObject({ value: true, trusted: true })
  })

  it('retyped with its data replaced (digest kept), "no debugger" is not trusted', async () => {
    const events = withPcr7(hidden(debugEvent, B.ascii('SPDM policy'), SPDM_DEVICE_POLICY))
    const f = stateOf(events, FIRMWARE_PCRS).secureBoot.debugMode
    expect(f).toMatchObject({ value: false, trusted: false, reasonCode: 'EVENT_CONTENT_UNBOUND' })
    // The policy reads debugMode.value only (src/policy/appraise/secure_boot.ts): it must also
    // require debugMode.trusted for the untrusted fact to reach the verdict.
  })

  it('a quote that leaves PCR 7 out cannot vouch for "no debugger"', () => {
    expect(stateOf(B.standardBoot(), [0, 1, 2, 3, 4, 5, 6]).secureBoot.debugMode).toMatchObject({ value: false, trusted: false, reasonCode: 'PCR_NOT_QUOTED' })
    expect(stateOf(B.standardBoot(), FIRMWARE_PCRS).secureBoot.debugMode).toMatchObject({ value: false, trusted: true })
  })
})

describe('Secure Boot variables by their bound (GUID, name), not by type', () => {
  const pkIndex = (events: B.EventSpec[]) => events.findIndex((e) => e.pcr === 7 && e.type === B.T.EV_EFI_VARIABLE_DRIVER_CONFIG && B.hex(e.data!).includes(B.hex(B.utf16le('PK')).slice(0, 8)) && e.data!.length > 40 && B.hex(e.data!.subarray(16, 24)) === B.hex(B.u64le(2)))

  it('a PK retyped as an authority does not make "no PK measured" trusted', async () => {
    const events = B.standardBoot()
    const i = pkIndex(events)
    expect(i).toBeGreaterThan(0)
    events[i] = { ...events[i]!, type: B.T.EV_EFI_VARIABLE_AUTHORITY }
    const s = stateOf(events, FIRMWARE_PCRS)
    expect(s.secureBoot.pk).toMatchObject({ value: undefined, trusted: false, reasonCode: 'FACT_LABEL_UNBOUND' })
    // A PK allow-list passes on "nothing measured": it must not pass on a hidden PK.
    const r = await attest(events, FIRMWARE_PCRS, { secureBoot: { pk: { allowed: [{ sha256: '00'.repeat(32) }] } } })
    expect(r.quote.valid).toBe(true)
    expect(untrustedFindings(r).some((f) => f.message.startsWith('PK'))).toBe(true)
    expect(r.verdict.ear_status).not.toBe('affirming')
  })

  it('baseline: the genuine PK is trusted and checked against the allow-list', async () => {
    expect(stateOf(B.standardBoot(), FIRMWARE_PCRS).secureBoot.pk.trusted).toBe(true)
    const r = await attest(B.standardBoot(), FIRMWARE_PCRS, { secureBoot: { pk: { allowed: [{ sha256: '00'.repeat(32) }] } } })
    expect(untrustedFindings(r)).toEqual([])
  })
})

describe('PCR 1 boot variables: the name is bound only when the whole structure is hashed', () => {
  it('edk2 form (VariableData only): BootOrder and Boot0000 are untrusted labels', () => {
    const s = stateOf(B.standardBoot(), FIRMWARE_PCRS)
    expect(s.bootApps.bootOrder).toMatchObject({ value: [0], trusted: false, reasonCode: 'FACT_LABEL_UNBOUND' })
    expect(s.bootApps.bootEntries[0]!.option).toMatchObject({ trusted: false, reasonCode: 'FACT_LABEL_UNBOUND' })
  })

  it('renaming Boot0000 to BootOrder keeps the digest valid, and is not trusted either way', () => {
    const events = B.standardBoot()
    const i = events.findIndex((e) => e.type === B.T.EV_EFI_VARIABLE_BOOT && B.hex(e.data!).includes(B.hex(B.utf16le('Boot0000'))))
    const renamed = B.variableBootEvent('Boot0001', B.loadOption('UEFI Shell'))
    events[i] = { ...renamed, hashed: events[i]!.hashed }
    const s = stateOf(events, FIRMWARE_PCRS)
    expect(s.bootApps.bootEntries[0]).toMatchObject({ name: 'Boot0001', option: { trusted: false, reasonCode: 'FACT_LABEL_UNBOUND' } })
  })

  it('whole-structure form binds the name: trusted', () => {
    const events = B.standardBoot().map((e) => (e.type === B.T.EV_EFI_VARIABLE_BOOT ? { ...e, hashed: e.data } : e))
    expect(stateOf(events, FIRMWARE_PCRS).bootApps.bootOrder).toMatchObject({ value: [0], trusted: true })
  })
})
