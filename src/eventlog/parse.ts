/**
 * `parseEventLog`: TCG PC Client event logs in the SHA-1 (TCG_PCR_EVENT) and crypto-agile
 * (TCG_PCR_EVENT2) formats (PFP §10.2, §10.4), Windows WBCL logs (same formats, PCR index
 * 0xFFFFFFFF tolerated on EV_NO_ACTION), and confidential-computing CCEL logs (TDX / Hygon
 * CSV: MR indices, 0xFF-padded log areas).
 *
 * Strictness (TCG PFP TCG_EfiSpecIDEvent / TCG_PCR_EVENT2, attacks L-01..L-05): every length is checked against
 * what remains and against a named limit before use; the Spec ID event must come first and
 * only once; every record carries exactly one digest per declared algorithm. Unknown event
 * types are kept raw and reported, never dropped.
 */
import { BootproofError, LimitExceededError } from '../errors.js'
import { ByteReader } from '../bytes/reader.js'
import { resolveLimits, type EventLogLimits } from '../limits.js'
import type { Finding } from '../findings.js'
import { decodeEventData } from './decode/index.js'
import { EV, eventTypeName, isKnownEventType, vendorEventRange } from './event_types.js'
import { checkMissingDigests, isLegacySpecId, isSpecId03, noActionSignature, parseSpecIdEvent, type MissingDigests } from './spec_id.js'
import type { EventDigest, EventLog, SpecIdAlgorithm, StartupLocalityInfo, TcgEvent } from './types.js'

export interface ParseEventLogOptions {
  /** Override named limits (see `DEFAULT_EVENTLOG_LIMITS`). */
  limits?: Partial<EventLogLimits>
  /** Decode event data (default true). Off: every event gets `{kind:'raw'}` (faster). */
  decode?: boolean
  /**
   * What the index field of each record means. `pcr` (default): TPM PCRs of a PC Client log;
   * the Spec ID event must be on PCR 0. `cc-mr`: a confidential-computing log read from the ACPI
   * CCEL area (TDX, Hygon CSV), whose index field is a measurement-register index and whose
   * Spec ID event sits on MR 1 or 0.
   *
   * This is the caller's statement about where the log came from, never guessed from the log:
   * the Spec ID record's index is not measured, so a log that could switch itself to CC rules
   * would switch off the PC Client checks (separators, reserved types, locality).
   */
  registers?: 'pcr' | 'cc-mr'
  /**
   * Accept a trailing run of one repeated byte (0xFF or 0x00) after the last record as padding,
   * reported as an `EVENTLOG_PADDING` finding. Default: true for `cc-mr` logs (CCEL areas are
   * 0xFF-filled), false for `pcr` logs, where a cut inside a record must stay an error (L-02).
   * Never for SHA-1 format logs: 32 zero bytes are a valid TCG_PCR_EVENT there.
   */
  allowPadding?: boolean
}

let defaultLimits: Readonly<EventLogLimits> | undefined

const SHA1_ALG: SpecIdAlgorithm = { algId: 0x0004, bank: 'sha1', digestSize: 20, known: true }
const PCR_EVENT_HEADER = 32 // TCG_PCR_EVENT: PCRIndex, EventType, Digest[20], EventSize

/**
 * Parse a TCG event log.
 *
 * @param bytes the log as read from `/sys/kernel/security/tpm0/binary_bios_measurements`,
 *   Windows TBS (`Tbsi_Get_TCG_Log_Ex`), a CCEL area, or an evidence file.
 * @returns the parsed log; parse-time findings are in `log.findings`.
 * @throws BootproofError with code ERR_EVENTLOG_EMPTY, ERR_EVENTLOG_TRUNCATED,
 *   ERR_EVENTLOG_LIMIT, ERR_EVENTLOG_MALFORMED, ERR_SPECID_INVALID, ERR_SPECID_MISPLACED,
 *   ERR_DIGEST_COUNT_MISMATCH, ERR_DIGEST_ALG_UNDECLARED or ERR_DIGEST_ALG_DUPLICATE, each with
 *   the byte offset and event index.
 * @example
 * const log = parseEventLog(bytes)
 * for (const e of log.events) console.log(e.index, e.pcrIndex, e.typeName)
 */
export function parseEventLog(bytes: Uint8Array, options: ParseEventLogOptions = {}): EventLog {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('parseEventLog: bytes must be a Uint8Array')
  // DEFAULT_EVENTLOG_LIMITS is frozen: without overrides the limits are resolved (and validated)
  // once, not per log.
  const limits = options.limits === undefined ? (defaultLimits ??= Object.freeze(resolveLimits(undefined))) : resolveLimits(options.limits)
  const decode = options.decode !== false
  if (bytes.length === 0) throw new BootproofError('ERR_EVENTLOG_EMPTY', 'event log is empty', { offset: 0 })
  if (bytes.length > limits.maxLogBytes) {
    throw new LimitExceededError('ERR_EVENTLOG_LIMIT', 'maxLogBytes', bytes.length, limits.maxLogBytes, { offset: 0 })
  }
  const r = new ByteReader(bytes, { truncated: 'ERR_EVENTLOG_TRUNCATED', limit: 'ERR_EVENTLOG_LIMIT' })
  const findings: Finding[] = []
  const events: TcgEvent[] = []

  if (looksLikeIma(bytes)) {
    throw new BootproofError('ERR_EVENTLOG_FORMAT', 'this is a Linux IMA measurement list, not a TCG firmware event log', { offset: 0 })
  }
  // Format detection (TCG PFP): the first record is always a TCG_PCR_EVENT.
  const first = readPcrEvent(r, 0, limits)
  const log: EventLog = {
    format: 'tcg-sha1',
    registerKind: 'pcr',
    specId: undefined,
    algorithms: [SHA1_ALG],
    events,
    startupLocality: undefined,
    padding: undefined,
    size: bytes.length,
    findings,
  }

  const registers = options.registers ?? 'pcr'
  if (registers !== 'pcr' && registers !== 'cc-mr') throw new TypeError("parseEventLog: options.registers must be 'pcr' or 'cc-mr'")
  if (first.eventType !== EV.EV_NO_ACTION && isSpecId03(first.data)) {
    // tpm2-tools test_specid_event_badeventtype: never fall back to SHA-1 parsing of a Spec ID record.
    throw new BootproofError('ERR_SPECID_INVALID', `Spec ID event has type 0x${first.eventType.toString(16)}, expected EV_NO_ACTION`, { offset: 4, eventIndex: 0, field: 'EventType' })
  }
  if (first.eventType === EV.EV_NO_ACTION && isSpecId03(first.data)) {
    // Rule 1: PCR 0 (CCEL: MR index 1, where edk2's TDX firmware puts it), EV_NO_ACTION, 20 zero digest bytes.
    const allowed = registers === 'cc-mr' ? [0, 1] : [0]
    if (!allowed.includes(first.pcrIndex)) {
      throw new BootproofError(
        'ERR_SPECID_INVALID',
        `Spec ID event on ${registers === 'cc-mr' ? 'MR' : 'PCR'} ${first.pcrIndex}, expected ${allowed.join(' or ')}${first.pcrIndex === 1 && registers === 'pcr' ? " (a CCEL log? parse it as one: { registers: 'cc-mr' }, CLI --ccel)" : ''}`,
        { offset: 0, eventIndex: 0, field: 'PCRIndex' },
      )
    }
    if (first.digests[0]!.digest.some((b) => b !== 0)) {
      throw new BootproofError('ERR_SPECID_INVALID', 'Spec ID event digest is not 20 zero bytes', { offset: 8, eventIndex: 0, field: 'Digest' })
    }
    log.format = 'tcg-crypto-agile'
    log.registerKind = registers
    log.specId = parseSpecIdEvent(first.data, first.dataOffset, limits)
    log.algorithms = log.specId.algorithms
    // The Spec ID record carries a SHA-1-sized zero digest, not a per-bank one.
    first.digests = []
    first.decoded = decode ? decodeEventData(decodeInput(first, limits)) : { kind: 'raw' }
    events.push(first)
    parseAgileRecords(r, log, limits, decode, options.allowPadding ?? registers === 'cc-mr')
  } else {
    if (first.eventType === EV.EV_NO_ACTION && isLegacySpecId(first.data)) {
      findings.push({
        code: 'EVENTLOG_LEGACY_FORMAT',
        severity: 'warning',
        message: `legacy ${noActionSignature(first.data)!.replace(/\0+$/, '')} log: SHA-1 only (attack L-10)`,
        eventIndex: 0,
      })
    }
    finishEvent(first, log, limits, decode)
    while (!r.atEnd()) {
      checkEventCount(events.length, limits, r.offset)
      finishEvent(readPcrEvent(r, events.length, limits), log, limits, decode)
    }
    if (!findings.some((f) => f.code === 'EVENTLOG_LEGACY_FORMAT')) {
      findings.push({ code: 'EVENTLOG_SHA1_ONLY', severity: 'warning', message: 'SHA-1 format log: only the sha1 bank can be replayed (attack L-10)' })
    }
  }
  return log
}

function checkEventCount(count: number, limits: EventLogLimits, offset: number): void {
  if (count >= limits.maxEvents) throw new LimitExceededError('ERR_EVENTLOG_LIMIT', 'maxEvents', count + 1, limits.maxEvents, { offset, eventIndex: count })
}

function readEventData(r: ByteReader, index: number, limits: EventLogLimits): { data: Uint8Array; dataOffset: number } {
  const sizeAt = r.offset
  const size = r.u32le('EventSize')
  if (size > limits.maxEventDataBytes) r.limit('maxEventDataBytes', size, limits.maxEventDataBytes, sizeAt)
  const dataOffset = r.offset
  return { data: r.take(size, 'Event'), dataOffset }
}

/** TCG_PCR_EVENT (PFP §10.2.1): the SHA-1 record. */
function readPcrEvent(r: ByteReader, index: number, limits: EventLogLimits): TcgEvent {
  r.eventIndex = index
  const offset = r.offset
  r.need(PCR_EVENT_HEADER, 'TCG_PCR_EVENT header')
  const pcrIndex = r.u32le('PCRIndex')
  const eventType = r.u32le('EventType')
  const digest = r.take(20, 'Digest')
  const { data, dataOffset } = readEventData(r, index, limits)
  return {
    index,
    offset,
    length: r.offset - offset,
    pcrIndex,
    eventType,
    typeName: eventTypeName(eventType),
    digests: [{ algId: 0x0004, bank: 'sha1', digest }],
    data,
    dataOffset,
    decoded: { kind: 'raw' },
  }
}

function parseAgileRecords(r: ByteReader, log: EventLog, limits: EventLogLimits, decode: boolean, allowPadding: boolean): void {
  const algs = log.algorithms
  const byId = new Map<number, SpecIdAlgorithm>(algs.map((a) => [a.algId, a]))
  const n = algs.length
  const missingDigests: MissingDigests[] = []
  while (!r.atEnd()) {
    const index = log.events.length
    if (allowPadding && isPadding(r.bytes, r.pos)) {
      log.padding = { offset: r.offset, length: r.remaining, byte: r.bytes[r.pos]! }
      log.findings.push({
        code: 'EVENTLOG_PADDING',
        severity: 'info',
        message: `${r.remaining} bytes of 0x${r.bytes[r.pos]!.toString(16).padStart(2, '0')} padding after the last event`,
        offset: r.offset,
      })
      r.pos = r.bytes.length
      break
    }
    checkEventCount(index, limits, r.offset)
    r.eventIndex = index
    const offset = r.offset
    const pcrIndex = r.u32le('PCRIndex')
    const eventType = r.u32le('EventType')
    const countAt = r.offset
    const count = r.u32le('Digests.count')
    // Rule 1.6.2 / attack L-04: one digest per declared algorithm, checked before any read.
    // 1 <= count < n is decided after the last record (checkMissingDigests): only the narrow
    // real-world shapes are accepted, and the missing banks become non-replayable (replay.ts).
    if (count === 0 || count > n) {
      throw new BootproofError('ERR_DIGEST_COUNT_MISMATCH', `event ${index} carries ${count} digests; the Spec ID event declares ${n} (1 to ${n} allowed)`, {
        offset: countAt,
        eventIndex: index,
        field: 'Digests.count',
      })
    }
    const digests: EventDigest[] = new Array(count)
    for (let i = 0; i < count; i++) {
      const algAt = r.offset
      const algId = r.u16le('TPMT_HA.hashAlg')
      const alg = byId.get(algId)
      if (!alg) {
        throw new BootproofError('ERR_DIGEST_ALG_UNDECLARED', `event ${index} has a digest for algorithm 0x${algId.toString(16)} that the Spec ID event does not declare`, {
          offset: algAt,
          eventIndex: index,
          field: 'TPMT_HA.hashAlg',
        })
      }
      for (let j = 0; j < i; j++) {
        if (digests[j]!.algId === algId) {
          throw new BootproofError('ERR_DIGEST_ALG_DUPLICATE', `event ${index} carries two ${alg.bank} digests`, { offset: algAt, eventIndex: index, field: 'TPMT_HA.hashAlg' })
        }
      }
      digests[i] = { algId, bank: alg.bank, digest: r.take(alg.digestSize, 'TPMT_HA.digest') }
    }
    const { data, dataOffset } = readEventData(r, index, limits)
    // Rule 9 (attack L-03): one Spec ID event, first.
    if (eventType === EV.EV_NO_ACTION && isSpecId03(data)) {
      throw new BootproofError('ERR_SPECID_MISPLACED', `a second Spec ID event at record ${index}`, { offset, eventIndex: index })
    }
    const ev: TcgEvent = {
      index,
      offset,
      length: r.offset - offset,
      pcrIndex,
      eventType,
      typeName: eventTypeName(eventType),
      digests,
      data,
      dataOffset,
      decoded: { kind: 'raw' },
    }
    if (count < n) {
      const missing = algs.filter((a) => !digests.some((d) => d.algId === a.algId)).map((a) => a.bank)
      missingDigests.push({ index, pcr: pcrIndex, missing, countAt })
    }
    finishEvent(ev, log, limits, decode)
  }
  if (missingDigests.length > 0) checkMissingDigests(log, missingDigests)
}

/** True when bytes[from..] is a non-empty run of one byte value 0x00 or 0xFF. */
function isPadding(bytes: Uint8Array, from: number): boolean {
  const b = bytes[from]
  if (b !== 0xff && b !== 0x00) return false
  for (let i = from + 1; i < bytes.length; i++) if (bytes[i] !== b) return false
  return true
}

function decodeInput(ev: TcgEvent, limits: EventLogLimits) {
  return { eventType: ev.eventType, pcrIndex: ev.pcrIndex, data: ev.data, dataOffset: ev.dataOffset, eventIndex: ev.index, limits }
}

/** Decode, record locality, report unknown types; then append. */
function finishEvent(ev: TcgEvent, log: EventLog, limits: EventLogLimits, decode: boolean): void {
  const { findings } = log
  if (ev.eventType === EV.EV_NO_ACTION && isSpecId03(ev.data)) {
    // Reached only in SHA-1 format parsing (a Spec ID Event03 that is not first).
    throw new BootproofError('ERR_SPECID_MISPLACED', `Spec ID Event03 at record ${ev.index}, not first`, { offset: ev.offset, eventIndex: ev.index })
  }
  if (decode) ev.decoded = decodeEventData(decodeInput(ev, limits))
  if (ev.decoded.kind === 'unparsed') {
    const err = ev.decoded.error
    // A malformed EFI_SIGNATURE_LIST (size underflow / overflow / non-multiple: attack S-02) is
    // not firmware noise: the PK/KEK/db/dbx content a policy reads is unsound, so it is an error.
    const sigList = err.structure === 'EFI_SIGNATURE_LIST'
    findings.push({
      code: sigList ? 'SIGNATURE_LIST_MALFORMED' : 'EVENT_DATA_UNPARSED',
      severity: sigList ? 'error' : 'warning',
      message: `${ev.typeName} data could not be decoded (${err.code}: ${err.message}); kept raw`,
      pcr: ev.pcrIndex,
      eventIndex: ev.index,
      offset: err.offset ?? ev.dataOffset,
    })
  }
  if (!isKnownEventType(ev.eventType)) {
    // Attack R-01: reserved/unknown types in PCR 0-7 are how a masquerade hides events.
    const firmwarePcr = log.registerKind === 'pcr' && ev.pcrIndex <= 7
    const vendor = vendorEventRange(ev.eventType)
    findings.push({
      code: vendor ? 'EVENT_TYPE_VENDOR' : 'EVENT_TYPE_UNKNOWN',
      severity: vendor ? (firmwarePcr ? 'warning' : 'info') : firmwarePcr ? 'error' : 'info',
      message: vendor
        ? `${vendor} vendor event type 0x${ev.eventType.toString(16)} kept raw (content not interpreted)`
        : `unknown event type 0x${ev.eventType.toString(16).padStart(8, '0')} kept raw${firmwarePcr ? ' (reserved types are not allowed in PCR 0-7: attack R-01)' : ''}`,
      pcr: ev.pcrIndex,
      eventIndex: ev.index,
    })
  }
  if (log.registerKind === 'pcr') trackLocality(ev, log)
  log.events.push(ev)
}

const STARTUP_LOCALITY_SIG = 'StartupLocality\0'

/**
 * PCR 0's initial value (PFP §10.4.5.3; TCG_EfiStartupLocalityEvent, EV_EFI_HCRTM_EVENT; attack L-07): a
 * StartupLocality EV_NO_ACTION (exactly 17 bytes, value 0, 3 or 4, once, before any PCR 0
 * measurement) or an EV_EFI_HCRTM_EVENT with data exactly "HCRTM" (locality 4). Anything else is
 * reported and not applied, so PCR 0 then replays from zero and a genuine quote will disagree.
 */
function trackLocality(ev: TcgEvent, log: EventLog): void {
  if (ev.pcrIndex !== 0) return
  const set = (info: StartupLocalityInfo, what: string): void => {
    if (log.startupLocality) {
      log.findings.push({ code: 'STARTUP_LOCALITY_DUPLICATE', severity: 'error', message: `second ${what} ignored; the first (event ${log.startupLocality.eventIndex}) applies`, pcr: 0, eventIndex: ev.index, relatedEvents: [log.startupLocality.eventIndex] })
      return
    }
    // Scanned only for a locality event (not for every PCR 0 event: that was quadratic).
    if (log.events.some((e) => e.pcrIndex === 0 && e.eventType !== EV.EV_NO_ACTION)) {
      log.findings.push({ code: 'STARTUP_LOCALITY_LATE', severity: 'error', message: `${what} after a PCR 0 measurement; not applied`, pcr: 0, eventIndex: ev.index })
      return
    }
    log.startupLocality = info
  }
  if (ev.eventType === EV.EV_NO_ACTION && noActionSignature(ev.data) === STARTUP_LOCALITY_SIG) {
    if (ev.data.length !== 17) {
      log.findings.push({ code: 'STARTUP_LOCALITY_MALFORMED', severity: 'error', message: `StartupLocality event data is ${ev.data.length} bytes, expected 17; not applied`, pcr: 0, eventIndex: ev.index })
      return
    }
    const locality = ev.data[16]!
    if (locality !== 0 && locality !== 3 && locality !== 4) {
      log.findings.push({ code: 'STARTUP_LOCALITY_INVALID', severity: 'error', message: `StartupLocality ${locality} is not 0, 3 or 4; not applied`, pcr: 0, eventIndex: ev.index, observed: String(locality) })
      return
    }
    set({ locality, eventIndex: ev.index, source: 'StartupLocality' }, 'StartupLocality event')
  } else if (ev.eventType === EV.EV_EFI_HCRTM_EVENT) {
    if (ev.data.length !== 5 || String.fromCharCode(...ev.data) !== 'HCRTM') {
      log.findings.push({ code: 'HCRTM_EVENT_MALFORMED', severity: 'error', message: 'EV_EFI_HCRTM_EVENT data is not exactly "HCRTM"; locality not applied', pcr: 0, eventIndex: ev.index })
      return
    }
    set({ locality: 4, eventIndex: ev.index, source: 'H-CRTM' }, 'EV_EFI_HCRTM_EVENT')
  }
}

/**
 * IMA lists (binary_runtime_measurements / ascii_runtime_measurements) are a different format
 * (issue 5); say so instead of failing on a meaningless size field. Binary records are
 * {u32 pcr; template digest (20/32/48/64 bytes); u32 nameLen; name ("ima", "ima-ng", "d-ng|sig"...)},
 * the text form starts with the PCR number in ASCII ("10 ").
 */
function looksLikeIma(b: Uint8Array): boolean {
  if (b.length >= 3 && b[0] === 0x31 && b[1] === 0x30 && b[2] === 0x20) return true
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength)
  if (b.length < 8 || v.getUint32(0, true) > 23) return false
  for (const len of [20, 32, 48, 64]) {
    const at = 4 + len
    if (b.length < at + 4 + 3) continue
    const nameLen = v.getUint32(at, true)
    if (nameLen < 2 || nameLen > 255 || at + 4 + nameLen > b.length) continue
    let ok = true
    for (let i = 0; i < nameLen && ok; i++) {
      const c = b[at + 4 + i]!
      ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x7c || c === 0x5f
    }
    if (ok && b[at + 4] === 0x69 /* i */ || (ok && b[at + 4] === 0x64 /* d-ng|... */)) return true
  }
  return false
}
