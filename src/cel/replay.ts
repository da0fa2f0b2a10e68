/**
 * `replayCelLog`: extend every record's digest into its register, per bank (PCR_new =
 * H(PCR_old ‖ digest), TPM 2.0 Part 1 §17.3; a CEL record documents one such extend, TCG CEL
 * §4). PCRs and MRs are replayed into `banks`; NV indices (systemd's NvPCRs) into `nvpcrs`, kept
 * apart because an NV index and a PCR can share a number.
 *
 * Same semantics as the TCG log replay (src/eventlog/replay.ts): PCRs 17-22 start at all-ones,
 * everything else at zero; a record missing a bank's digest makes its register non-replayable
 * in that bank (attack L-04); comparison with expected values uses `comparePcrs`, so every
 * expected register is compared, including ones no record extends (attack L-08).
 */
import { HASH_ALGS, isHashAlgName, type HashAlgName } from '../alg.js'
import { defaultHashProvider, type HashProvider } from '../hash/provider.js'
import { normalizePcrValues, type PcrValues, type PcrValuesInput } from '../pcr_values.js'
import { comparePcrs, type CompareRules, type ReplayedBank, type ReplayResult } from '../eventlog/replay.js'
import type { CelLog } from './types.js'

export interface CelReplayOptions {
  /** Expected PCR (or MR) values, e.g. a quote's. */
  expected?: PcrValues | PcrValuesInput
  /** Expected NV index values (`{sha256: {"<nv index>": hex}}`). */
  expectedNv?: PcrValues | PcrValuesInput
  hash?: HashProvider
  /** Replay only these banks (default: every bank of the log). */
  banks?: readonly string[]
}

export interface CelReplayResult extends ReplayResult {
  /** NV indices (systemd NvPCRs), keyed by NV index, in the same shape. */
  nvpcrs: ReplayResult
}

function initial(handle: 'pcr' | 'nv_index' | 'cc_mr', index: number, size: number): Uint8Array {
  const v = new Uint8Array(size)
  if (handle === 'pcr' && index >= 17 && index <= 22) v.fill(0xff)
  return v
}

function emptyBanks(log: CelLog, only?: readonly string[]): Map<string, ReplayedBank> {
  const banks = new Map<string, ReplayedBank>()
  for (const name of log.banks) {
    const known = isHashAlgName(name)
    const bank: ReplayedBank = { bank: name, algId: known ? HASH_ALGS[name].id : 0, size: known ? HASH_ALGS[name].size : 0, replayable: known, pcrs: new Map() }
    if (only && !only.includes(name)) {
      bank.replayable = false
      bank.reason = 'not requested (options.banks)'
    }
    banks.set(name, bank)
  }
  return banks
}

const rules = (kind: 'pcr' | 'nv_index' | 'cc_mr', noun: string): CompareRules => ({
  initial: (i, size) => initial(kind, i, size),
  bankNotInLog: (bank, i) => `the CEL log carries no ${bank} digests, so ${bank}:${noun} ${i} cannot be checked`,
  notReplayable: (bank, i, missing) => `${bank}:${noun} ${i} cannot be replayed: record(s) ${missing.join(', ')} carry no ${bank} digest`,
  mismatch: (bank, i, events) =>
    events.length === 0
      ? `${bank}:${noun} ${i} has no records in the CEL log, so it must hold its initial value; it does not`
      : `${bank}:${noun} ${i} replay of ${events.length} record(s) does not give the expected value`,
  maxRelatedEvents: 4096,
})

/**
 * Replay a parsed CEL log.
 * @example
 * const res = replayCelLog(parseCel(bytes), { expected: { sha384: { 4: rtmr3 } } })
 */
export function replayCelLog(log: CelLog, options: CelReplayOptions = {}): CelReplayResult {
  const hash = options.hash ?? defaultHashProvider()
  const pcrBanks = emptyBanks(log, options.banks)
  const nvBanks = emptyBanks(log, options.banks)
  for (const rec of log.records) {
    const target = rec.handle === 'nv_index' ? nvBanks : pcrBanks
    for (const bank of target.values()) {
      if (!bank.replayable) continue
      let p = bank.pcrs.get(rec.register)
      if (!p) {
        const init = initial(rec.handle, rec.register, bank.size)
        p = { index: rec.register, initial: init, value: init, events: [], replayable: true }
        bank.pcrs.set(rec.register, p)
      }
      p.events.push(rec.index)
      const d = rec.digests.find((x) => x.bank === bank.bank)
      if (!d) {
        p.replayable = false
        ;(p.missingDigestEvents ??= []).push(rec.index)
        continue
      }
      p.value = hash.digest2(bank.bank as HashAlgName, p.value, d.digest)
    }
  }
  const nvpcrs: ReplayResult = { banks: nvBanks, findings: [], ok: true }
  const result: CelReplayResult = { banks: pcrBanks, findings: [], ok: true, nvpcrs }
  const regKind = log.registerKind === 'cc-mr' ? 'cc_mr' : 'pcr'
  if (options.expected) comparePcrs(result, normalizePcrValues(options.expected, 'expected PCR values'), rules(regKind, regKind === 'cc_mr' ? 'MR' : 'PCR'))
  if (options.expectedNv) {
    comparePcrs(nvpcrs, normalizePcrValues(options.expectedNv, 'expected NV index values'), rules('nv_index', 'NV index'))
    result.findings.push(...nvpcrs.findings)
    result.ok = result.findings.length === 0
  }
  return result
}
