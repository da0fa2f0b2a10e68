/**
 * `replayImaLog`: fold an IMA list's entries into their PCRs (PCR 10 unless the IMA policy said
 * `pcr=`), per bank, and compare with expected values. The result has the shape of
 * `replayEventLog`'s (`ReplayResult`), so `replayedValues` and the CLI output work unchanged.
 *
 * Extend value per entry and bank (ImaBankRule): the listed template hash in the list's own
 * bank; H_bank(template data) (`recompute`) or the template hash zero-padded (`pad`) in other
 * banks, as the kernel did; all-0xFF for a violation (all-zero template hash) in every bank.
 * PCRs start at zero.
 */
import { HASH_ALGS, isHashAlgName, type HashAlgName } from '../alg.js'
import { defaultHashProvider } from '../hash/provider.js'
import { hasErrors, type Finding } from '../findings.js'
import { normalizePcrValues, type PcrValues } from '../pcr_values.js'
import { comparePcrs } from '../eventlog/replay.js'
import { templateHashInput } from './templates.js'
import type { ImaAnalysis, ImaBankRule, ImaLog, ImaReplayedBank, ImaReplayResult, ImaTemplateHashStatus, ReplayImaOptions } from './types.js'

const RULES: readonly ImaBankRule[] = ['template-hash', 'recompute', 'pad']

/**
 * Replay an IMA list.
 * @example
 * const res = replayImaLog(parseImaLog(bytes), { expected: { sha1: { 10: quotedPcr10 } } })
 * @example
 * // Debian 12 kernel, TPM with sha1+sha256+sha384 banks (see src/ima/README.md)
 * replayImaLog(list, { extendBanks: { sha256: 'recompute', sha384: 'pad' } })
 */
export function replayImaLog(log: ImaLog, options: ReplayImaOptions = {}): ImaReplayResult {
  const hash = options.hash ?? defaultHashProvider()
  const rules: Partial<Record<HashAlgName, ImaBankRule>> = { [log.templateHashAlg]: 'template-hash', ...(options.extendBanks ?? {}) }
  const banks = new Map<string, ImaReplayedBank>()
  for (const [name, rule] of Object.entries(rules) as [string, ImaBankRule | undefined][]) {
    if (rule === undefined) continue
    if (!isHashAlgName(name)) throw new TypeError(`extendBanks: unknown bank "${name}"`)
    if (!RULES.includes(rule)) throw new TypeError(`extendBanks.${name}: unknown rule "${String(rule)}" (use ${RULES.join(', ')})`)
    const size = HASH_ALGS[name].size
    const bank: ImaReplayedBank = { bank: name, algId: HASH_ALGS[name].id, size, replayable: true, rule, pcrs: new Map() }
    if (rule === 'template-hash' && size !== log.templateHashSize) {
      bank.replayable = false
      bank.reason = `the list's template hashes are ${log.templateHashSize} bytes (${log.templateHashAlg}); ${name} needs the 'recompute' or 'pad' rule`
    } else if (rule === 'pad' && size < log.templateHashSize) {
      bank.replayable = false
      bank.reason = `cannot pad ${log.templateHashSize}-byte template hashes to ${size} bytes`
    }
    banks.set(name, bank)
  }
  const replayable = [...banks.values()].filter((b) => b.replayable)
  for (const e of log.entries) {
    if (e.pcr > 23) continue
    let input: Uint8Array | undefined | null = null
    for (const bank of replayable) {
      let p = bank.pcrs.get(e.pcr)
      if (!p) {
        const initial = new Uint8Array(bank.size)
        p = { index: e.pcr, initial, value: initial, events: [], replayable: true }
        bank.pcrs.set(e.pcr, p)
      }
      p.events.push(e.index)
      let d: Uint8Array | undefined
      if (e.violation) d = new Uint8Array(bank.size).fill(0xff)
      else if (bank.rule === 'template-hash') d = e.templateHash
      else if (bank.rule === 'pad') {
        d = new Uint8Array(bank.size)
        d.set(e.templateHash)
      } else {
        if (input === null) input = templateHashInput(e)
        if (input) d = hash.digest(bank.bank as HashAlgName, input)
      }
      if (!d) {
        // No template data (ASCII list with fields that cannot be rebuilt): never skip silently.
        p.replayable = false
        ;(p.missingDigestEvents ??= []).push(e.index)
        continue
      }
      p.value = hash.digest2(bank.bank as HashAlgName, p.value, d)
    }
  }
  const result: ImaReplayResult = { banks, findings: [], ok: true }
  if (options.expected) compare(result, normalizePcrValues(options.expected, 'expected PCR values'), new Set(options.pcrs ?? [10]))
  return result
}

/** Same comparison semantics and finding codes as `replayEventLog`, limited to IMA's PCRs. */
function compare(result: ImaReplayResult, expected: PcrValues, authoritative: Set<number>): void {
  const extended = new Set<number>()
  for (const b of result.banks.values()) for (const i of b.pcrs.keys()) extended.add(i)
  comparePcrs(result, expected, {
    initial: (_pcr, size) => new Uint8Array(size),
    include: (pcr) => authoritative.has(pcr) || extended.has(pcr),
    bankNotInLog: (bank, pcr) => `the IMA list is not replayed into ${bank}, so ${bank}:${pcr} cannot be checked (give extendBanks: {${bank}: 'recompute' | 'pad'} for the rule the kernel used)`,
    notReplayable: (bank, pcr, missing) =>
      `${bank}:${pcr} cannot be replayed: the template data of entr${missing.length === 1 ? 'y' : 'ies'} ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', …' : ''} could not be rebuilt to recompute ${bank}`,
    mismatch: (bank, pcr, events) =>
      events.length === 0
        ? `${bank}:${pcr} has no entries in the IMA list, so it must be all zero; it is not (entries were removed, or the list is from another boot)`
        : `${bank}:${pcr} replay of ${events.length} IMA entr${events.length === 1 ? 'y' : 'ies'} does not give the expected value: entries were removed, altered or appended after the quote, the list is from another boot, or the kernel used another bank rule (extendBanks)`,
    maxRelatedEvents: 64,
  })
}

/**
 * Parse-time findings, template-hash counts and replay in one call: what `bootproof replay`
 * prints for an IMA list. `ok` fails closed on any error-severity finding.
 */
export function analyzeImaLog(log: ImaLog, options: ReplayImaOptions = {}): ImaAnalysis {
  const replay = replayImaLog(log, options)
  const counts: Record<ImaTemplateHashStatus, number> = { verified: 0, mismatch: 0, 'not-applicable': 0 }
  for (const e of log.entries) counts[e.templateHashStatus]++
  const findings: Finding[] = [...log.findings, ...replay.findings]
  return { replay, integrity: { counts }, findings, ok: !hasErrors(findings) }
}

/**
 * Parse a CLI bank-rule list such as `sha256=recompute,sha384=pad`.
 * @throws TypeError on an unknown bank or rule.
 */
export function parseImaBankRules(spec: string): Partial<Record<HashAlgName, ImaBankRule>> {
  const out: Partial<Record<HashAlgName, ImaBankRule>> = {}
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [bank, rule] = part.split('=')
    if (!bank || !isHashAlgName(bank)) throw new TypeError(`unknown bank "${bank ?? ''}" in "${part}"`)
    if (!rule || !RULES.includes(rule as ImaBankRule)) throw new TypeError(`unknown rule in "${part}" (use ${RULES.join(', ')})`)
    out[bank] = rule as ImaBankRule
  }
  return out
}

