/**
 * Event-content integrity (go-attestation docs/event-log-disclosure.md; attack R-02). Replay authenticates only the
 * (PCR, digest) sequence: EventType and event data are not measured. For the event types whose
 * digest is a hash of (a defined part of) the event data, this module recomputes that hash in
 * every replayable bank. An event's content may be trusted only when it is `verified`.
 *
 * Statuses:
 * - `verified`: one defined form of the data hashes to the digest in every checked bank;
 * - `mismatch`: the type binds its data, and no form matches (the data was edited, or the
 *   firmware deviates from the spec: see `severity` of the finding);
 * - `not-applicable`: the digest is of something else (a PE image, a memory region, a file),
 *   or the event is never extended; the content is an unverified hint.
 */
import { toHex } from '../bytes/hex.js'
import type { HashAlgName } from '../alg.js'
import { defaultHashProvider, digestEquals, type HashProvider } from '../hash/provider.js'
import type { Finding } from '../findings.js'
import { EV } from './event_types.js'
import { collectForms, FORM_PARTIAL, FORM_QUIRK, FormList } from './integrity_forms.js'
import type { EventDigest, EventLog } from './types.js'

export type IntegrityStatus = 'verified' | 'mismatch' | 'not-applicable'

export interface EventIntegrity {
  index: number
  status: IntegrityStatus
  /** Which form of the data matched (`data`, `variable-data`, `grub-suffix`, …). */
  form?: string
  /** Banks that were checked, with their outcome. */
  banks: Record<string, boolean>
  /** Banks that could not be checked (algorithm unknown to the library). */
  uncheckedBanks?: string[]
}

export interface IntegrityReport {
  events: EventIntegrity[]
  findings: Finding[]
  counts: Record<IntegrityStatus, number>
}

/** Shared empty list (never mutated, never returned). */
const NONE: string[] = []

/**
 * Check every event whose digest binds its data, in every replayable bank (or in `banks`).
 * @example
 * const report = verifyEventIntegrity(log)
 * const trusted = report.events.filter((e) => e.status === 'verified')
 */
export function verifyEventIntegrity(log: EventLog, options: { hash?: HashProvider; banks?: readonly string[] } = {}): IntegrityReport {
  const hash = options.hash ?? defaultHashProvider()
  const events: EventIntegrity[] = []
  const findings: Finding[] = []
  const counts: Record<IntegrityStatus, number> = { verified: 0, mismatch: 0, 'not-applicable': 0 }
  // With `banks`, content is checked only in those banks (the ones a quote authenticates: a
  // digest in an unquoted bank proves nothing either way). Others are listed as unchecked.
  const knownIds = new Set(log.algorithms.filter((a) => a.known && (!options.banks || options.banks.includes(a.bank))).map((a) => a.algId))
  const allKnown = knownIds.size === log.algorithms.length
  const cc = log.registerKind === 'cc-mr'
  /** Per event type, the form that matched last. */
  const lastForm = new Map<number, string>()
  const forms = new FormList()
  const allMatched = new AllMatchedBanks()
  for (const ev of log.events) {
    const rules = ev.eventType === EV.EV_NO_ACTION ? undefined : collectForms(ev, cc, forms)
    if (!rules || ev.digests.length === 0) {
      events.push({ index: ev.index, status: 'not-applicable', banks: {} })
      counts['not-applicable']++
      continue
    }
    let checked: readonly EventDigest[] = ev.digests
    let unchecked: string[] = NONE
    if (!allKnown) {
      const c: EventDigest[] = []
      for (const x of ev.digests) {
        if (knownIds.has(x.algId)) c.push(x)
        else (unchecked === NONE ? (unchecked = []) : unchecked).push(x.bank)
      }
      checked = c
    }
    const n = checked.length
    // At most one form can match: the forms of an event differ in length, so two matching would
    // take a collision in every checked bank (one exception: a 2-byte PCR 11 EV_IPL name, whose
    // `data` and `utf16-name-as-ascii` forms are the same bytes; the order below is fixed, so the
    // reported form is too). The form that matched the previous event of the same type is tried
    // first (a log comes from one firmware and one GRUB: its events share a form), then the
    // others in order. Each attempt stops at its first failing bank.
    const hintName = lastForm.get(ev.eventType)
    const hint = hintName === undefined ? -1 : forms.indexOf(hintName)
    let matched = -1
    // The bank at which the first form failed (every earlier bank matched it).
    let firstStop = 0
    if (n > 0) {
      for (let k = hint >= 0 ? -1 : 0; k < forms.count; k++) {
        const f = k < 0 ? hint : k
        if (k >= 0 && f === hint) continue
        const bytes = forms.bytes[f]!
        let i = 0
        for (; i < n; i++) {
          const x = checked[i]!
          if (!digestEquals(hash, x.bank as HashAlgName, bytes, x.digest)) {
            if (f === 0) firstStop = i
            break
          }
        }
        if (i === n) {
          matched = f
          break
        }
      }
    }
    let banks: Record<string, boolean>
    let bad: string[] = NONE
    if (matched >= 0) {
      lastForm.set(ev.eventType, forms.names[matched]!)
      banks = allMatched.of(checked)
    } else {
      // The first form's per-bank outcome, completed after its first failure in bank order.
      banks = {}
      if (n > 0) {
        bad = []
        for (let i = 0; i < firstStop; i++) banks[checked[i]!.bank] = true
        banks[checked[firstStop]!.bank] = false
        bad.push(checked[firstStop]!.bank)
        for (let i = firstStop + 1; i < n; i++) {
          const x = checked[i]!
          const ok = digestEquals(hash, x.bank as HashAlgName, forms.bytes[0]!, x.digest)
          banks[x.bank] = ok
          if (!ok) bad.push(x.bank)
        }
      }
    }
    const entry: EventIntegrity = { index: ev.index, status: 'not-applicable', banks }
    if (unchecked.length) entry.uncheckedBanks = unchecked
    const flags = matched >= 0 ? forms.flags[matched]! : 0
    if (flags & FORM_PARTIAL) {
      // Content untrusted (not-applicable), the digest is consistent: a warning, never an error.
      const form = forms.names[matched]!
      entry.form = form
      findings.push({ code: 'EVENT_DIGEST_PARTIAL', severity: 'warning', message: `${ev.typeName} digest covers only the "${form}" form (older firmware): the variable name and GUID are not bound, so the content is not trusted`, pcr: ev.pcrIndex, eventIndex: ev.index })
    } else if (matched >= 0) {
      const form = forms.names[matched]!
      entry.status = 'verified'
      entry.form = form
      if (flags & FORM_QUIRK) {
        // Info, not warning: the form is narrow and documented (old shim, go-attestation #157), and
        // the content is verified by it; real GCE logs carry it on every boot.
        findings.push({ code: 'EVENT_DIGEST_QUIRK', severity: 'info', message: `${ev.typeName} digest matches only the firmware-quirk form "${form}" (old shim); content verified in that form`, pcr: ev.pcrIndex, eventIndex: ev.index })
      }
    } else if (rules.strict) {
      entry.status = 'mismatch'
      const first = ev.digests.find((x) => x.bank === bad[0])
      findings.push({
        code: 'EVENT_DIGEST_MISMATCH',
        severity: rules.severity,
        message: `${ev.typeName} data does not hash to its digest in ${bad.join(', ')}: the content is not what was measured${rules.severity === 'warning' ? ' (a known firmware deviation for this type; content untrusted)' : ''}`,
        pcr: ev.pcrIndex,
        bank: bad[0],
        eventIndex: ev.index,
        offset: ev.dataOffset,
        expected: first ? toHex(first.digest) : undefined,
        observed: first ? toHex(hash.digest(first.bank as HashAlgName, ev.data)) : undefined,
      })
    }
    counts[entry.status]++
    events.push(entry)
  }
  return { events, findings, counts }
}

/**
 * The `banks` record of a matched event (every checked bank true, in checked order). A log's
 * events carry their digests in one order, so the record is copied from one made for the first
 * matched event whenever the bank sequence is the same: a copy of an object of known shape costs
 * less than adding its keys one by one.
 */
class AllMatchedBanks {
  private ids: number[] | undefined
  private template: Record<string, boolean> | undefined

  of(checked: readonly EventDigest[]): Record<string, boolean> {
    const ids = this.ids
    if (ids !== undefined && ids.length === checked.length) {
      let same = true
      for (let i = 0; i < ids.length; i++) {
        if (ids[i] !== checked[i]!.algId) {
          same = false
          break
        }
      }
      if (same) return { ...this.template }
    }
    const banks: Record<string, boolean> = {}
    for (const x of checked) banks[x.bank] = true
    if (ids === undefined) {
      this.ids = checked.map((x) => x.algId)
      this.template = banks
      return { ...banks }
    }
    return banks
  }
}
