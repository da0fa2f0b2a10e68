/**
 * TCG_EfiSpecIDEvent ("Spec ID Event03", PFP §10.4.5.1) parsing and validation. The record
 * is the root of trust for parsing: it declares which digests every later record carries
 * and how long each is, so every Spec ID rule (TCG PFP TCG_EfiSpecIDEvent; attack L-03) is enforced here.
 */
import { bankName, hashAlgName, HASH_ALGS } from '../alg.js'
import { BootproofError, TruncatedInputError } from '../errors.js'
import { ByteReader } from '../bytes/reader.js'
import type { EventLogLimits } from '../limits.js'
import { EV } from './event_types.js'
import type { EventLog, SpecIdAlgorithm, SpecIdEvent } from './types.js'

const SIG_LEN = 16
const SPEC_ID_03 = 'Spec ID Event03\0'

/** The 16-byte signature at the start of EV_NO_ACTION data, as a string (latin1), or undefined. */
export function noActionSignature(data: Uint8Array): string | undefined {
  if (data.length < SIG_LEN) return undefined
  let s = ''
  for (let i = 0; i < SIG_LEN; i++) s += String.fromCharCode(data[i]!)
  return s
}

export function isSpecId03(data: Uint8Array): boolean {
  return noActionSignature(data) === SPEC_ID_03
}

/** Legacy TPM 1.2 / EFI 1.2 Spec ID signatures: these logs use the SHA-1 format throughout. */
export function isLegacySpecId(data: Uint8Array): boolean {
  const s = noActionSignature(data)
  return s === 'Spec ID Event02\0' || s === 'Spec ID Event00\0'
}

function invalid(message: string, offset: number, field: string): never {
  throw new BootproofError('ERR_SPECID_INVALID', `Spec ID event: ${message}`, { offset, eventIndex: 0, field })
}

/**
 * Parse and validate the Spec ID event data (`data` starts at absolute offset `base`).
 * @throws BootproofError ERR_SPECID_INVALID on any rule violation, ERR_EVENTLOG_LIMIT when it
 *   declares more algorithms than `limits.maxAlgorithms`.
 */
export function parseSpecIdEvent(data: Uint8Array, base: number, limits: EventLogLimits): SpecIdEvent {
  const r = new ByteReader(data, { truncated: 'ERR_EVENTLOG_TRUNCATED', limit: 'ERR_EVENTLOG_LIMIT', base, eventIndex: 0 })
  try {
    const sigBytes = r.take(SIG_LEN, 'signature')
    const signature = String.fromCharCode(...sigBytes).replace(/\0+$/, '')
    const platformClass = r.u32le('platformClass')
    const specVersionMinor = r.u8('specVersionMinor')
    const specVersionMajor = r.u8('specVersionMajor')
    const specErrata = r.u8('specErrata')
    const uintnSize = r.u8('uintnSize')
    // Rule 3 (go-attestation, pcrlock): PFP 2.0 logs only.
    if (specVersionMajor !== 2 || specVersionMinor !== 0) {
      invalid(`unsupported spec version ${specVersionMajor}.${specVersionMinor}`, base + 20, 'specVersion')
    }
    if (uintnSize !== 1 && uintnSize !== 2) invalid(`uintnSize ${uintnSize} is neither 1 nor 2`, base + 23, 'uintnSize')
    const countAt = r.offset
    const count = r.u32le('numberOfAlgorithms')
    // Rule 4: never preallocate from the count; 0 and absurd counts are rejected up front.
    if (count === 0) invalid('numberOfAlgorithms is 0', countAt, 'numberOfAlgorithms')
    if (count > limits.maxAlgorithms) r.limit('numberOfAlgorithms', count, limits.maxAlgorithms, countAt)
    const algorithms: SpecIdAlgorithm[] = []
    const seen = new Set<number>()
    for (let i = 0; i < count; i++) {
      const at = r.offset
      const algId = r.u16le('digestSizes.algorithmId')
      const digestSize = r.u16le('digestSizes.digestSize')
      if (seen.has(algId)) invalid(`duplicate algorithm 0x${algId.toString(16)}`, at, 'digestSizes')
      seen.add(algId)
      const name = hashAlgName(algId)
      // Rule 5 (attack L-03): a known algorithm must declare its canonical size.
      if (name && HASH_ALGS[name].size !== digestSize) {
        invalid(`${name} declared with digest size ${digestSize}, expected ${HASH_ALGS[name].size}`, at, 'digestSizes')
      }
      if (digestSize === 0 || digestSize > 128) invalid(`algorithm 0x${algId.toString(16)} has digest size ${digestSize}`, at, 'digestSizes')
      algorithms.push({ algId, bank: bankName(algId), digestSize, known: name !== undefined })
    }
    const vendorInfoSize = r.u8('vendorInfoSize')
    const vendorInfo = r.take(vendorInfoSize, 'vendorInfo')
    // Rule 8: vendorInfoSize consumes exactly the rest of the event.
    if (!r.atEnd()) invalid(`${r.remaining} bytes after vendorInfo`, r.offset, 'vendorInfo')
    return { signature, platformClass, specVersionMinor, specVersionMajor, specErrata, uintnSize, algorithms, vendorInfo }
  } catch (e) {
    if (e instanceof TruncatedInputError) invalid(`truncated (${e.message})`, e.offset ?? base, e.field ?? 'event')
    throw e
  }
}

export interface MissingDigests {
  index: number
  pcr: number
  missing: string[]
  countAt: number
}

/** Windows OS-phase record types (SIPA in PCR 11-14, ExitBootServices in PCR 5, WBCL markers). */
const WINDOWS_OS_TYPES: ReadonlySet<number> = new Set([EV.EV_COMPACT_HASH, EV.EV_EVENT_TAG, EV.EV_SEPARATOR, EV.EV_EFI_ACTION, EV.EV_NO_ACTION])
const WINDOWS_OS_PCRS: ReadonlySet<number> = new Set([5, 11, 12, 13, 14, 0xffffffff])

/**
 * Events that lack a declared bank (attack L-04: a replayer of that bank would skip them while
 * the policy is shown their content). Accepted, as a warning, in two shapes only:
 * - the bank is missing from every record after the Spec ID event: it is declared but never
 *   logged (tpm2-tools single-event fixtures), so no replay of it can be fooled; it is simply
 *   not replayable;
 * - a Windows WBCL whose OS-phase tail (tcglog-parser PR #9; corpus dell1, P511) carries only
 *   the active bank: every record from the first short one to the end is short, lacks the same
 *   banks, is a Windows OS-phase type on PCR 5, 11-14 or 0xFFFFFFFF, and the log has a "WBCL"
 *   separator.
 * Both keep each such PCR non-replayable in the missing bank (PCR_NOT_REPLAYABLE on comparison).
 * Anything else is rejected: ERR_DIGEST_COUNT_MISMATCH at the first short record.
 */
export function checkMissingDigests(log: EventLog, missing: MissingDigests[]): void {
  const records = log.events.length - 1 // without the Spec ID event
  const banks = [...new Set(missing.flatMap((m) => m.missing))]
  const sameBanks = missing.every((m) => m.missing.join() === missing[0]!.missing.join())
  const everywhere = sameBanks && missing.length === records
  const first = missing[0]!.index
  const tail = log.events.slice(first)
  const windowsTail =
    sameBanks &&
    missing.length === tail.length &&
    tail.every((e) => WINDOWS_OS_PCRS.has(e.pcrIndex) && WINDOWS_OS_TYPES.has(e.eventType)) &&
    log.events.some((e) => e.eventType === EV.EV_SEPARATOR && e.data.length === 4 && String.fromCharCode(...e.data) === 'WBCL')
  if (!everywhere && !windowsTail) {
    const m = missing[0]!
    throw new BootproofError('ERR_DIGEST_COUNT_MISMATCH', `event ${m.index} lacks the ${m.missing.join(', ')} digest(s) the Spec ID event declares; only a Windows OS-phase tail or a bank absent from every event is accepted (attack L-04)`, {
      offset: m.countAt,
      eventIndex: m.index,
      field: 'Digests.count',
    })
  }
  log.findings.push({
    code: 'EVENT_DIGESTS_MISSING',
    severity: 'warning',
    message: everywhere
      ? `the Spec ID event declares ${banks.join(', ')} but no event carries such a digest: those banks cannot be replayed`
      : `${missing.length} Windows OS-phase event(s) carry only the active bank, not ${banks.join(', ')} (events ${missing.map((m) => m.index).join(', ')}): those banks cannot be replayed for PCRs ${[...new Set(missing.map((m) => m.pcr))].join(', ')}`,
    eventIndex: first,
    relatedEvents: missing.map((m) => m.index),
  })
}
