/**
 * A canonical, order-preserving text of an integrity report (every event's status, matched form,
 * per-bank outcome in key order, unchecked banks; every finding with all its fields), and its
 * SHA-256. The corpus regression test compares these with values recorded from the
 * implementation before its hashing path was optimised, so any change of verdict, of the
 * reported form, of bank order or of a finding's fields shows up.
 */
import { createHash } from 'node:crypto'
import type { IntegrityReport } from '../../src/index.js'
import { corpusBytes, expectedEntries, repoBytes } from '../helpers/corpus.js'

export interface IntegritySummary {
  counts: Record<string, number>
  /** `type-name status form` → number of events. */
  forms: Record<string, number>
  /** SHA-256 of the canonical text of the whole report. */
  sha256: string
}

export function canonicalIntegrityText(report: IntegrityReport): string {
  const lines: string[] = []
  for (const e of report.events) {
    lines.push([e.index, e.status, e.form ?? '-', JSON.stringify(Object.entries(e.banks)), JSON.stringify(e.uncheckedBanks ?? null), JSON.stringify(Object.keys(e))].join(' '))
  }
  for (const f of report.findings) lines.push(JSON.stringify(Object.entries(f)))
  lines.push(JSON.stringify(report.counts))
  return lines.join('\n')
}

export function summarizeIntegrity(report: IntegrityReport, typeNames: readonly string[]): IntegritySummary {
  const forms: Record<string, number> = {}
  for (const e of report.events) {
    if (e.status === 'not-applicable' && e.form === undefined) continue
    const k = `${typeNames[e.index]} ${e.status} ${e.form ?? '-'}`
    forms[k] = (forms[k] ?? 0) + 1
  }
  const sorted = Object.fromEntries(Object.entries(forms).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  return { counts: { ...report.counts }, forms: sorted, sha256: createHash('sha256').update(canonicalIntegrityText(report)).digest('hex') }
}

export interface IntegrityCase {
  name: string
  bytes: Uint8Array
  registers: 'pcr' | 'cc-mr'
}

/** The committed OVMF recordings and every TCG / WBCL / CCEL log of the corpus (when present). */
export function integrityCases(): IntegrityCase[] {
  const out: IntegrityCase[] = []
  for (const d of ['plain-direct', 'plain-esp', 'sb-esp']) out.push({ name: `ovmf/${d}`, bytes: repoBytes(`test-vectors/ovmf/${d}/binary_bios_measurements`), registers: 'pcr' })
  for (const e of expectedEntries()) {
    if (!/^(tcg-pc-client|windows-wbcl|ccel) /.test(e.format) || !e.log?.startsWith('logs/')) continue
    out.push({ name: e.name, bytes: corpusBytes(e.log), registers: e.format.startsWith('ccel') ? 'cc-mr' : 'pcr' })
  }
  return out
}

/** The integrity options each case is checked with: every bank, and each of sha256 and sha1 alone (quoted-bank runs). */
export const INTEGRITY_BANK_SETS: readonly (readonly string[] | undefined)[] = [undefined, ['sha256'], ['sha1']]
