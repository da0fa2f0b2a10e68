/**
 * A firmware TCG log and a Canonical Event Log of the same boot, replayed into one PCR set.
 *
 * On a real boot the firmware log holds every extend made before ExitBootServices (including
 * systemd-boot's and systemd-stub's EV_IPL / EV_EVENT_TAG records in PCRs 5, 8, 11-13) and the
 * CEL holds what the OS extended later (systemd's /run/log/systemd/tpm2-measure.log: phases into
 * PCR 11, machine-id / file systems / volume keys into PCR 15, NvPCR anchors into PCR 9). So a
 * PCR's value is its firmware events first, then its CEL records, in log order (TPM 2.0 Part 1
 * §17.3: extends only append). The combined value is what the quote is compared with: a PCR
 * counts as authenticated only when that combined replay reproduces it (evidence.ts).
 *
 * NV indices (systemd NvPCRs) are replayed apart under their own key: a TPM2_Quote selects PCRs
 * only (TPM 2.0 Part 3 §18.4), so no quote authenticates them; they are reported.
 */
import { BootproofError } from '../errors.js'
import type { HashAlgName } from '../alg.js'
import { defaultHashProvider, type HashProvider } from '../hash/provider.js'
import { verifyCelContent, type CelIntegrityReport } from '../cel/integrity.js'
import { replayCelLog, type CelReplayResult } from '../cel/replay.js'
import type { CelLog } from '../cel/types.js'
import { comparePcrs, initialPcrValue, type CompareRules, type ReplayedBank, type ReplayedPcr, type ReplayResult } from '../eventlog/replay.js'
import { normalizePcrValues, type PcrValues, type PcrValuesInput } from '../eventlog/pcr_values.js'
import type { EventLog } from '../eventlog/types.js'

/** A PCR of the combined replay: the firmware events (`events`), then these CEL records. */
export interface CombinedPcr extends ReplayedPcr {
  /** CEL record indices extended after the firmware events, in order. */
  celRecords: number[]
  /** CEL records without a digest in this bank (the PCR is then not replayable in it). */
  celMissingDigest?: number[]
  /** CEL records in a firmware PCR (0-7): the PCR is then not replayable (see checkCel). */
  celInFirmwarePcr?: number[]
}

/**
 * PCRs 0-7 belong to the platform firmware (TCG PC Client PFP §3.3.4: measured before the OS,
 * closed by the separator); no OS log extends them (systemd's uses 9, 11, 15 and NV indices). The
 * split between the firmware log and the CEL is not measured, so a CEL record there would let a
 * firmware event be moved out of the firmware log, out of sight of every reader of it (a
 * forbidden boot application in PCR 4, "UEFI Debug Mode" in PCR 7), with the combined replay
 * still matching the quote.
 */
const FIRMWARE_PCR_MAX = 7

/** The CEL's part of the authentication stage: parse result, content binding, replays. */
export interface CelChecks {
  log: CelLog
  /** Content binding of every record (`verifyCelContent`), in the checked banks. */
  integrity: CelIntegrityReport
  /** The CEL replayed alone: PCR deltas from initial values, and NV indices under `nvpcrs`. */
  replay: CelReplayResult
  /** Firmware events then CEL records per PCR, in the firmware replay's banks. */
  combined: ReplayResult
  /** PCRs (or MRs) the CEL extends. */
  pcrs: number[]
}

/**
 * Replay `cel` on top of the firmware replay `fw` (firmware events first per PCR). Banks are the
 * firmware replay's: a CEL record lacking one of them makes its PCR non-replayable there (attack
 * L-04), never skipped.
 * @throws BootproofError ERR_CEL_REGISTER_KIND when the CEL's registers are not the log's (MRs vs PCRs).
 */
export function checkCel(log: EventLog, fw: ReplayResult, cel: CelLog, options: { hash?: HashProvider; banks?: readonly string[] } = {}): CelChecks {
  const hash = options.hash ?? defaultHashProvider()
  if (cel.registerKind !== log.registerKind && cel.records.some((r) => r.handle !== 'nv_index')) {
    throw new BootproofError('ERR_CEL_REGISTER_KIND', `the CEL log extends ${cel.registerKind === 'cc-mr' ? 'CC measurement registers' : 'PCRs'} but the firmware log is a ${log.registerKind} log: they are not one register set`, { field: 'registerKind' })
  }
  const banks = new Map<string, ReplayedBank>()
  for (const b of fw.banks.values()) {
    const pcrs = new Map<number, ReplayedPcr>()
    for (const [i, p] of b.pcrs) pcrs.set(i, { ...p, events: [...p.events], ...(p.missingDigestEvents ? { missingDigestEvents: [...p.missingDigestEvents] } : {}), celRecords: [] } as CombinedPcr)
    banks.set(b.bank, { ...b, pcrs })
  }
  const pcrSet = new Set<number>()
  for (const r of cel.records) {
    if (r.handle === 'nv_index') continue
    pcrSet.add(r.register)
    for (const bank of banks.values()) {
      if (!bank.replayable) continue
      let p = bank.pcrs.get(r.register) as CombinedPcr | undefined
      if (!p) {
        const init = initialPcrValue(log, r.register, bank.size)
        p = { index: r.register, initial: init, value: init, events: [], replayable: true, celRecords: [] }
        bank.pcrs.set(r.register, p)
      }
      p.celRecords.push(r.index)
      if (log.registerKind === 'pcr' && r.register <= FIRMWARE_PCR_MAX) {
        // Not replayable, so not authenticated: PCR_NOT_REPLAYABLE names the records.
        p.replayable = false
        p.missingDigestEvents ??= []
        ;(p.celInFirmwarePcr ??= []).push(r.index)
        continue
      }
      const d = r.digests.find((x) => x.bank === bank.bank)
      if (!d) {
        // comparePcrs reads missingDigestEvents for the message: keep it defined (firmware ones only).
        p.replayable = false
        p.missingDigestEvents ??= []
        ;(p.celMissingDigest ??= []).push(r.index)
        continue
      }
      p.value = hash.digest2(bank.bank as HashAlgName, p.value, d.digest)
    }
  }
  const opts = { hash, ...(options.banks ? { banks: options.banks } : {}) }
  return {
    log: cel,
    integrity: verifyCelContent(cel, opts),
    replay: replayCelLog(cel, opts),
    combined: { banks, findings: [], ok: true },
    pcrs: [...pcrSet].sort((a, b) => a - b),
  }
}

const COMBINED_RULES = (log: EventLog, banks: Map<string, ReplayedBank>): CompareRules => {
  const cel = (bank: string, pcr: number): CombinedPcr | undefined => banks.get(bank)?.pcrs.get(pcr) as CombinedPcr | undefined
  return {
    initial: (pcr, size) => initialPcrValue(log, pcr, size),
    bankNotInLog: (bank, pcr) => `the logs carry no ${bank} digests, so ${bank}:${pcr} cannot be checked`,
    notReplayable: (bank, pcr, missing) => {
      const p = cel(bank, pcr)
      const fwRecs = p?.celInFirmwarePcr ?? []
      if (fwRecs.length) return `${bank}:${pcr} cannot be authenticated: CEL record(s) ${fwRecs.join(', ')} extend firmware PCR ${pcr}, which only the firmware log may hold (where the firmware log ends and the CEL begins is not measured)`
      const recs = p?.celMissingDigest ?? []
      return `${bank}:${pcr} cannot be replayed: ${[missing.length ? `firmware event(s) ${missing.join(', ')}` : '', recs.length ? `CEL record(s) ${recs.join(', ')}` : ''].filter(Boolean).join(' and ')} carry no ${bank} digest`
    },
    mismatch: (bank, pcr, events) => {
      const recs = cel(bank, pcr)?.celRecords ?? []
      return events.length === 0 && recs.length === 0
        ? `${bank}:${pcr} has no events in either log, so it must hold its initial value; it does not`
        : `${bank}:${pcr} replay of firmware event(s) [${events.join(', ')}] then CEL record(s) [${recs.join(', ')}] does not give the expected value: a record is missing, added, reordered, or from another boot`
    },
    maxRelatedEvents: 4096,
  }
}

/** Compare the combined replay with expected (quoted) values; every expected PCR is compared (attack L-08). */
export function compareCombined(log: EventLog, checks: CelChecks, expected: PcrValues | PcrValuesInput): ReplayResult {
  const result: ReplayResult = { banks: checks.combined.banks, findings: [], ok: true }
  comparePcrs(result, normalizePcrValues(expected, 'expected PCR values'), COMBINED_RULES(log, checks.combined.banks))
  return result
}
