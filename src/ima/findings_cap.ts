/**
 * Per-entry findings of an IMA list, capped per code. Every line of a list can raise a finding
 * (an unknown template, a violation, a template-hash mismatch with two hex digests), and a
 * finding costs hundreds of bytes against a 46-byte line: uncapped, the findings alone cost
 * several times the input. The first `MAX_FINDINGS_PER_CODE` of each code are kept in full;
 * later ones are folded into one summary finding of the same code and severity that lists
 * their entries in `relatedEvents` (8 bytes each), so nothing is silently dropped.
 */
import type { Finding } from '../findings.js'

export const MAX_FINDINGS_PER_CODE = 64

export class CappedFindings {
  readonly #list: Finding[] = []
  readonly #counts = new Map<string, number>()
  readonly #overflow = new Map<string, Finding & { relatedEvents: number[] }>()

  /** Same signature as `Array.prototype.push`, so decoders can take either. */
  push(...items: Finding[]): number {
    for (const f of items) {
      const n = (this.#counts.get(f.code) ?? 0) + 1
      this.#counts.set(f.code, n)
      if (n <= MAX_FINDINGS_PER_CODE) {
        this.#list.push(f)
        continue
      }
      let o = this.#overflow.get(f.code)
      if (!o) {
        o = { code: f.code, severity: f.severity, message: '', relatedEvents: [] }
        this.#overflow.set(f.code, o)
        this.#list.push(o)
      }
      if (f.eventIndex !== undefined) o.relatedEvents.push(f.eventIndex)
      else if (f.relatedEvents) o.relatedEvents.push(...f.relatedEvents)
    }
    return this.#list.length
  }

  /**
   * Whether the next finding of `code` is kept in full. When not, only its `eventIndex` (or
   * `relatedEvents`) is kept, so a caller may skip wording it.
   */
  keepsInFull(code: string): boolean {
    return (this.#counts.get(code) ?? 0) < MAX_FINDINGS_PER_CODE
  }

  get length(): number {
    return this.#list.length
  }

  /** The findings, summaries worded with their final counts. */
  finish(): Finding[] {
    for (const [code, o] of this.#overflow) {
      o.message = `${(this.#counts.get(code) ?? 0) - MAX_FINDINGS_PER_CODE} more ${code} finding(s) after the first ${MAX_FINDINGS_PER_CODE}; their entries are in relatedEvents`
    }
    return this.#list
  }
}

/** Where decoders put findings: a plain array or a `CappedFindings`. */
export type FindingSink = Pick<Finding[], 'push'>
