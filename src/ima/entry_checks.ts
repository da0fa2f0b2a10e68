/**
 * The per-entry checks of an IMA list: PCR range, violations (all-zero template hash), and the
 * template hash = H(template data) (ima_api.c ima_calc_field_array_hash; for the `ima` template
 * H(d[20] ‖ name padded to 256)).
 *
 * The parsers run them on each entry while its template data is at hand (in a binary list, a
 * view of the input; in an ASCII list, the scratch buffer it was rebuilt into), so no entry is
 * decoded a second time to check it. Findings are kept apart from the parse findings and
 * merged after the parse in the same order a pass over the finished list would give them.
 */
import { toHex } from '../bytes/hex.js'
import type { HashAlgName } from '../alg.js'
import type { Finding } from '../findings.js'
import type { HashProvider } from '../hash/provider.js'
import { CappedFindings } from './findings_cap.js'
import type { ImaEntry } from './types.js'

const BANK_BY_SIZE: Readonly<Record<number, HashAlgName>> = { 20: 'sha1', 32: 'sha256', 48: 'sha384', 64: 'sha512' }

/** The bank of template hashes of `size` bytes when the caller did not name it. */
export function bankForTemplateHashSize(size: number): HashAlgName | undefined {
  return BANK_BY_SIZE[size]
}

export interface ImaEntryCheckSettings {
  /** Check template hashes (else every entry stays `not-applicable`). */
  verify: boolean
  hash: HashProvider
  /** The bank the caller named; else taken from the first template hash's size. */
  templateHashAlg: HashAlgName | undefined
}

export class ImaEntryChecks {
  readonly #s: ImaEntryCheckSettings
  #alg: HashAlgName | undefined
  // Capped per code (findings_cap.ts): every entry can be a violation or a mismatch.
  readonly #out = new CappedFindings()
  readonly #unverifiable: number[] = []

  constructor(settings: ImaEntryCheckSettings) {
    this.#s = settings
    this.#alg = settings.templateHashAlg
  }

  /**
   * Check one entry and set its `templateHashStatus`. `templateHash` is the listed hash and
   * `hashInput` what it must be the hash of (undefined: not rebuilt, unverifiable); both may be
   * views the caller reuses after this returns. The entry's description (file name) is read
   * only for findings kept in full.
   */
  check(e: ImaEntry, pcr: number, violation: boolean, templateHash: Uint8Array, hashInput: Uint8Array | undefined): void {
    const out = this.#out
    if (pcr > 23) {
      out.push({ code: 'IMA_PCR_OUT_OF_RANGE', severity: 'error', message: `entry ${e.index} names PCR ${pcr}, which a TPM does not have; it is not replayed`, eventIndex: e.index, offset: e.offset, pcr })
    }
    if (violation) {
      if (!out.keepsInFull('IMA_VIOLATION')) {
        out.push({ code: 'IMA_VIOLATION', severity: 'warning', message: '', eventIndex: e.index })
        return
      }
      out.push({
        code: 'IMA_VIOLATION',
        severity: 'warning',
        message: `entry ${e.index} (${e.filename ?? e.templateName}) is a measurement violation (all-zero template hash: the file was open for writing while measured, or measured while open for writing): its content is unknown; it is extended as all-0xFF`,
        eventIndex: e.index,
        offset: e.offset,
        pcr,
      })
      return
    }
    if (!this.#s.verify) return
    if (!hashInput) {
      this.#unverifiable.push(e.index)
      return
    }
    const alg = (this.#alg ??= BANK_BY_SIZE[templateHash.length])
    // Unreachable: parseImaLog rejects a list whose bank it cannot name before any check.
    if (!alg) return
    const h = this.#s.hash.digest(alg, hashInput)
    let equal = h.length === templateHash.length
    for (let i = 0; equal && i < h.length; i++) equal = h[i] === templateHash[i]
    if (equal) {
      e.templateHashStatus = 'verified'
      return
    }
    e.templateHashStatus = 'mismatch'
    // Past the cap only the entry index is kept: do not word (and decode) what is folded.
    if (!out.keepsInFull('IMA_TEMPLATE_HASH_MISMATCH')) {
      out.push({ code: 'IMA_TEMPLATE_HASH_MISMATCH', severity: 'error', message: '', eventIndex: e.index })
      return
    }
    const expected = toHex(templateHash)
    out.push({
      code: 'IMA_TEMPLATE_HASH_MISMATCH',
      severity: 'error',
      message: `entry ${e.index} (${e.filename ?? e.templateName}): ${alg} of the template data does not equal the listed template hash; the replay still uses the listed hash, but this entry's fields (file name, digest, signature) are not what was measured`,
      eventIndex: e.index,
      offset: e.offset,
      pcr,
      bank: alg,
      expected,
      observed: toHex(h),
    })
  }

  /** The check findings, the unverifiable entries summarised last. */
  finish(): Finding[] {
    const n = this.#unverifiable.length
    if (n > 0) {
      this.#out.push({
        code: 'IMA_TEMPLATE_HASH_UNVERIFIED',
        severity: 'info',
        message: `${n} entr${n === 1 ? 'y' : 'ies'} of the ASCII list could not have their template data rebuilt from the printed fields (unknown or numeric fields, or ambiguous spacing); their fields are unverified hints`,
        relatedEvents: this.#unverifiable,
      })
    }
    return this.#out.finish()
  }
}
