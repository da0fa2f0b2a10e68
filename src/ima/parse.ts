/**
 * `parseImaLog`: Linux IMA runtime measurement lists, binary or ASCII (auto-detected), with
 * every template hash checked against its template data.
 */
import { BootproofError } from '../errors.js'
import { toHex, bytesEqual } from '../bytes/hex.js'
import { HASH_ALGS, type HashAlgName } from '../alg.js'
import { defaultHashProvider } from '../hash/provider.js'
import { detectBinaryLayout, detectImaFormat, TEMPLATE_HASH_SIZES } from './detect.js'
import { parseImaAscii } from './parse_ascii.js'
import { parseImaBinary } from './parse_binary.js'
import { templateHashInput } from './templates.js'
import { CappedFindings } from './findings_cap.js'
import { DEFAULT_IMA_LIMITS, type ImaLimits, type ImaLog, type ParseImaLogOptions } from './types.js'

const BANK_BY_SIZE: Record<number, HashAlgName> = { 20: 'sha1', 32: 'sha256', 48: 'sha384', 64: 'sha512' }

export function resolveImaLimits(overrides?: Partial<ImaLimits>): ImaLimits {
  const out = { ...DEFAULT_IMA_LIMITS, ...(overrides ?? {}) }
  for (const [k, v] of Object.entries(out)) {
    if (!Number.isSafeInteger(v) || v < 0) throw new TypeError(`limits.${k} must be a non-negative safe integer`)
  }
  return out
}

/**
 * Parse an IMA runtime measurement list.
 *
 * @param bytes `/sys/kernel/security/ima/binary_runtime_measurements` or
 *   `ascii_runtime_measurements` (also the per-bank `*_runtime_measurements_<alg>` files).
 * @returns entries with decoded template fields; parse-time findings (IMA_VIOLATION,
 *   IMA_TEMPLATE_HASH_MISMATCH, …) in `findings`.
 * @throws BootproofError ERR_EVENTLOG_EMPTY, ERR_EVENTLOG_FORMAT (not an IMA list),
 *   ERR_EVENTLOG_TRUNCATED (an entry is cut short; offset = where the entry's missing field
 *   starts, eventIndex = the entry), ERR_EVENTLOG_LIMIT, ERR_EVENTLOG_MALFORMED (bad template
 *   name, unparseable ASCII line), ERR_EVENTDATA_TRUNCATED (a template field overruns its
 *   template data), ERR_HASH_UNSUPPORTED.
 * @example
 * const list = parseImaLog(readFileSync('/sys/kernel/security/ima/binary_runtime_measurements'))
 * const res = replayImaLog(list, { expected: quote.pcrs })
 */
export function parseImaLog(bytes: Uint8Array, options: ParseImaLogOptions = {}): ImaLog {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('parseImaLog: bytes must be a Uint8Array')
  const limits = resolveImaLimits(options.limits)
  if (bytes.length === 0) throw new BootproofError('ERR_EVENTLOG_EMPTY', 'the IMA measurement list is empty', { offset: 0 })
  if (bytes.length > limits.maxListBytes) {
    throw new BootproofError('ERR_EVENTLOG_LIMIT', `maxListBytes exceeded: ${bytes.length} > ${limits.maxListBytes}`, { offset: 0, field: 'maxListBytes' })
  }
  const forcedAlg = options.templateHashAlg
  if (forcedAlg !== undefined && !Object.prototype.hasOwnProperty.call(HASH_ALGS, forcedAlg)) throw new TypeError(`templateHashAlg: unknown algorithm ${String(forcedAlg)}`)
  const forcedSize = forcedAlg ? HASH_ALGS[forcedAlg].size : undefined
  const truncatedTail = options.truncatedTail ?? 'error'
  let format = options.format ?? 'auto'
  if (format === 'auto') {
    const f = detectImaFormat(bytes)
    if (!f) throw new BootproofError('ERR_EVENTLOG_FORMAT', 'not a Linux IMA runtime measurement list (binary or ASCII)', { offset: 0 })
    format = f
  }

  let log: ImaLog
  if (format === 'ima-binary') {
    const layout = detectBinaryLayout(bytes, forcedSize ? [forcedSize] : TEMPLATE_HASH_SIZES, options.endianness ?? 'auto')
    if (!layout) throw new BootproofError('ERR_EVENTLOG_FORMAT', 'the first entry is not an IMA entry header {u32 pcr; template hash; u32 name length; template name}', { offset: 0, eventIndex: 0 })
    const res = parseImaBinary(bytes, { littleEndian: layout.littleEndian, templateHashSize: layout.templateHashSize, limits, truncatedTail })
    log = {
      format,
      templateHashAlg: forcedAlg ?? BANK_BY_SIZE[layout.templateHashSize]!,
      templateHashSize: layout.templateHashSize,
      endianness: layout.littleEndian ? 'le' : 'be',
      entries: res.entries,
      findings: res.findings,
      size: bytes.length,
    }
    if (res.truncatedTail) log.truncatedTail = res.truncatedTail
  } else {
    const res = parseImaAscii(bytes, { templateHashSize: forcedSize, limits, truncatedTail })
    const alg = forcedAlg ?? BANK_BY_SIZE[res.templateHashSize]
    if (!alg) throw new BootproofError('ERR_EVENTLOG_MALFORMED', 'no template hash in the list', { offset: 0 })
    log = { format, templateHashAlg: alg, templateHashSize: res.templateHashSize, endianness: 'le', entries: res.entries, findings: res.findings, size: bytes.length }
    if (res.truncatedTail) log.truncatedTail = res.truncatedTail
  }
  if (log.entries.length === 0) throw new BootproofError('ERR_EVENTLOG_EMPTY', 'the IMA measurement list has no entry', { offset: 0 })

  checkEntries(log, options)
  return log
}

/** Violations, PCR range, and template hash = H(template data) for every entry. */
function checkEntries(log: ImaLog, options: ParseImaLogOptions): void {
  const verify = options.verifyTemplateHashes ?? true
  const hash = options.hash ?? defaultHashProvider()
  const unverifiable: number[] = []
  const perEntry = log.findings
  // Capped per code (findings_cap.ts): every entry can be a violation or a mismatch.
  const out = new CappedFindings()
  for (const e of log.entries) {
    if (e.pcr > 23) {
      out.push({ code: 'IMA_PCR_OUT_OF_RANGE', severity: 'error', message: `entry ${e.index} names PCR ${e.pcr}, which a TPM does not have; it is not replayed`, eventIndex: e.index, offset: e.offset, pcr: e.pcr })
    }
    if (e.violation) {
      if (!out.keepsInFull('IMA_VIOLATION')) {
        out.push({ code: 'IMA_VIOLATION', severity: 'warning', message: '', eventIndex: e.index })
        continue
      }
      out.push({
        code: 'IMA_VIOLATION',
        severity: 'warning',
        message: `entry ${e.index} (${e.filename ?? e.templateName}) is a measurement violation (all-zero template hash: the file was open for writing while measured, or measured while open for writing): its content is unknown; it is extended as all-0xFF`,
        eventIndex: e.index,
        offset: e.offset,
        pcr: e.pcr,
      })
      continue
    }
    if (!verify) continue
    const input = templateHashInput(e)
    if (!input) {
      unverifiable.push(e.index)
      continue
    }
    const h = hash.digest(log.templateHashAlg, input)
    if (bytesEqual(h, e.templateHash)) e.templateHashStatus = 'verified'
    else {
      e.templateHashStatus = 'mismatch'
      // Past the cap only the entry index is kept: do not word (and decode) what is folded.
      if (!out.keepsInFull('IMA_TEMPLATE_HASH_MISMATCH')) {
        out.push({ code: 'IMA_TEMPLATE_HASH_MISMATCH', severity: 'error', message: '', eventIndex: e.index })
        continue
      }
      out.push({
        code: 'IMA_TEMPLATE_HASH_MISMATCH',
        severity: 'error',
        message: `entry ${e.index} (${e.filename ?? e.templateName}): ${log.templateHashAlg} of the template data does not equal the listed template hash; the replay still uses the listed hash, but this entry's fields (file name, digest, signature) are not what was measured`,
        eventIndex: e.index,
        offset: e.offset,
        pcr: e.pcr,
        bank: log.templateHashAlg,
        expected: toHex(e.templateHash),
        observed: toHex(h),
      })
    }
  }
  if (unverifiable.length > 0) {
    out.push({
      code: 'IMA_TEMPLATE_HASH_UNVERIFIED',
      severity: 'info',
      message: `${unverifiable.length} entr${unverifiable.length === 1 ? 'y' : 'ies'} of the ASCII list could not have their template data rebuilt from the printed fields (unknown or numeric fields, or ambiguous spacing); their fields are unverified hints`,
      relatedEvents: unverifiable,
    })
  }
  // Keep parse findings in entry order, then the checks.
  log.findings = [...perEntry, ...out.finish()].sort((a, b) => (a.eventIndex ?? Infinity) - (b.eventIndex ?? Infinity))
}
