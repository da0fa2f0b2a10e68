/**
 * Regression tests for the narrow real-firmware shapes the structure and integrity checks accept
 * as warnings (severity model: errors are unsound evidence or tampering; a documented firmware
 * deviation or incompleteness is a warning that keeps its pcr), each next to its near miss that
 * must stay an error. Corpus logs that showed them: amd635, deb1, linux_tpm12, the TDX CCEL logs.
 */
import { describe, expect, it } from 'vitest'
import { analyzeEventLog } from '../../src/attest/analyze.js'
import { parseEventLog } from '../../src/eventlog/parse.js'
import type { Finding } from '../../src/findings.js'
import * as B from '../fixtures/eventlog/log_builder.js'

const { T } = B
const analyze = (events: B.EventSpec[], o: Parameters<typeof parseEventLog>[1] = {}) => analyzeEventLog(parseEventLog(B.buildAgileLog({ events }).bytes, o))
const withCode = (f: Finding[], code: string) => f.filter((x) => x.code === code)
const errors = (f: Finding[]) => f.filter((x) => x.severity === 'error').map((x) => x.code)

describe('separators in PCR logs', () => {
  it('boot path run twice (every PCR 0-7 holds two): one SEPARATOR_REPEATED_BOOT warning per PCR', () => {
    const a = analyze([...B.standardBoot(), ...B.separators()])
    expect(withCode(a.findings, 'SEPARATOR_REPEATED_BOOT').map((f) => [f.pcr, f.severity]).sort((x, y) => Number(x[0]) - Number(y[0]))).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((p) => [p, 'warning']))
    expect(errors(a.findings)).toEqual([])
  })
  it('near miss: a second separator in PCR 0-6 only is SEPARATOR_DUPLICATE (error) in each', () => {
    const a = analyze([...B.standardBoot(), ...B.separators([0, 1, 2, 3, 4, 5, 6])])
    expect(withCode(a.findings, 'SEPARATOR_DUPLICATE').map((f) => [f.pcr, f.severity]).sort((x, y) => Number(x[0]) - Number(y[0]))).toEqual([0, 1, 2, 3, 4, 5, 6].map((p) => [p, 'error']))
  })
  it('a partial log without separators: SEPARATOR_MISSING warnings that keep their pcr', () => {
    const a = analyze([B.efiActionEvent(4, 'Calling EFI Application from Boot Option')])
    expect(withCode(a.findings, 'SEPARATOR_MISSING').map((f) => [f.pcr, f.severity])).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((p) => [p, 'warning']))
    expect(a.ok).toBe(true)
  })
})

describe('PCR 7 DRIVER_CONFIG after the separator (attack R-03 a)', () => {
  const afterSep = (ev: B.EventSpec) => [...B.standardBoot(), ev]
  it("older shim's MokList / MokListX (shim GUID): SHIM_MOKLIST_AFTER_SEPARATOR warning", () => {
    for (const name of ['MokList', 'MokListX']) {
      const a = analyze(afterSep(B.driverConfigEvent({ guid: B.GUID.SHIM_LOCK, name, data: B.sha256SignatureList(1, 3) })))
      expect(withCode(a.findings, 'SHIM_MOKLIST_AFTER_SEPARATOR'), name).toEqual([expect.objectContaining({ severity: 'warning', pcr: 7 })])
      expect(errors(a.findings), name).toEqual([])
    }
  })
  it('"SecureBoot" and "db" after the separator stay EVENT_AFTER_SEPARATOR errors', () => {
    expect(errors(analyze(afterSep(B.secureBootEvent(true))).findings)).toContain('EVENT_AFTER_SEPARATOR')
    const db = B.driverConfigEvent({ guid: B.GUID.EFI_IMAGE_SECURITY_DATABASE, name: 'db', data: B.sha256SignatureList(1, 4) })
    expect(errors(analyze(afterSep(db)).findings)).toContain('EVENT_AFTER_SEPARATOR')
  })
  it('near miss: "MokList" under another GUID is an error', () => {
    const ev = B.driverConfigEvent({ guid: B.GUID.EFI_GLOBAL_VARIABLE, name: 'MokList', data: B.sha256SignatureList(1, 3) })
    expect(errors(analyze(afterSep(ev)).findings)).toContain('EVENT_AFTER_SEPARATOR')
  })
})

describe('event integrity forms', () => {
  it('DRIVER_CONFIG hashed over VariableData only (TPM 1.2-era firmware): untrusted with EVENT_DIGEST_PARTIAL, not an error', () => {
    // VariableData starts after the 32-byte header and the UTF-16 name (u64 length at offset 16).
    const boot = B.standardBoot().map((e) => (e.type === T.EV_EFI_VARIABLE_DRIVER_CONFIG ? { ...e, hashed: e.data!.subarray(32 + 2 * e.data![16]!) } : e))
    const a = analyze(boot)
    const partial = withCode(a.findings, 'EVENT_DIGEST_PARTIAL')
    expect(partial.length).toBeGreaterThan(0)
    expect(partial.every((f) => f.severity === 'warning' && f.pcr === 7)).toBe(true)
    for (const f of partial) expect(a.integrity.events[f.eventIndex!]).toMatchObject({ status: 'not-applicable', form: 'variable-data' })
    expect(errors(a.findings)).toEqual([])
  })
  it('near miss: DRIVER_CONFIG data that matches no form is still EVENT_DIGEST_MISMATCH (error)', () => {
    const boot = B.standardBoot().map((e) => (e.type === T.EV_EFI_VARIABLE_DRIVER_CONFIG ? { ...e, hashed: B.ascii('something else') } : e))
    expect(errors(analyze(boot).findings)).toContain('EVENT_DIGEST_MISMATCH')
  })
  it('EV_PLATFORM_CONFIG_FLAGS with a description ("ACPI DATA", edk2 fw_cfg): not bound, no finding', () => {
    const a = analyze([...B.standardBoot(), { pcr: 1, type: T.EV_PLATFORM_CONFIG_FLAGS, data: B.ascii('ACPI DATA'), hashed: B.filled(100, 1) }])
    const idx = a.integrity.events.length - 1
    expect(a.integrity.events[idx]!.status).toBe('not-applicable')
    expect(a.findings.filter((f) => f.eventIndex === idx)).toEqual([])
  })
})

describe('CCEL (TDX) separators per MR', () => {
  const cc = { registers: 'cc-mr' as const }
  const sep = (mr: number) => B.separatorEvent(mr)
  it('pre-edk2-stable202411 layout (MR 1 two, MR 2 none): SEPARATOR_MISPLACED_MR + SEPARATOR_MISSING (MR 2) warnings', () => {
    const a = analyze([sep(1), B.efiActionEvent(2, 'Calling EFI Application from Boot Option'), sep(1)], cc)
    expect(withCode(a.findings, 'SEPARATOR_MISPLACED_MR')).toEqual([expect.objectContaining({ severity: 'warning', pcr: 1 })])
    expect(withCode(a.findings, 'SEPARATOR_MISSING')).toEqual([expect.objectContaining({ severity: 'warning', pcr: 2 })])
    expect(errors(a.findings)).toEqual([])
  })
  it('one separator per mapped PCR (MR 1 three, MR 2 five) is accepted silently', () => {
    const a = analyze([sep(1), sep(1), sep(1), sep(2), sep(2), sep(2), sep(2), sep(2)], cc)
    expect(a.findings.filter((f) => f.code.startsWith('SEPARATOR_'))).toEqual([])
  })
  it('more than the mapped PCRs allow is SEPARATOR_DUPLICATE (error): MR 1 four, MR 2 six, MR 3 two', () => {
    const a = analyze([sep(1), sep(1), sep(1), sep(1), sep(2), sep(2), sep(2), sep(2), sep(2), sep(2), sep(3), sep(3)], cc)
    expect(withCode(a.findings, 'SEPARATOR_DUPLICATE').map((f) => [f.pcr, f.severity])).toEqual([
      [1, 'error'],
      [2, 'error'],
      [3, 'error'],
    ])
  })
})
