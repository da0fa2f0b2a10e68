/**
 * `parseImaLog`: Linux IMA runtime measurement lists, binary or ASCII (auto-detected), with
 * every template hash checked against its template data (entry_checks.ts, run by the parsers
 * on each entry as it is read).
 */
import { BootproofError } from '../errors.js'
import { HASH_ALGS } from '../alg.js'
import { defaultHashProvider } from '../hash/provider.js'
import { detectBinaryLayout, detectImaFormat, TEMPLATE_HASH_SIZES } from './detect.js'
import { parseImaAscii } from './parse_ascii.js'
import { parseImaBinary } from './parse_binary.js'
import { bankForTemplateHashSize, ImaEntryChecks } from './entry_checks.js'
import { DEFAULT_IMA_LIMITS, type ImaLimits, type ImaLog, type ParseImaLogOptions } from './types.js'

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

  const checks = new ImaEntryChecks({ verify: options.verifyTemplateHashes ?? true, hash: options.hash ?? defaultHashProvider(), templateHashAlg: forcedAlg })
  let log: ImaLog
  if (format === 'ima-binary') {
    const layout = detectBinaryLayout(bytes, forcedSize ? [forcedSize] : TEMPLATE_HASH_SIZES, options.endianness ?? 'auto')
    if (!layout) throw new BootproofError('ERR_EVENTLOG_FORMAT', 'the first entry is not an IMA entry header {u32 pcr; template hash; u32 name length; template name}', { offset: 0, eventIndex: 0 })
    const res = parseImaBinary(bytes, { littleEndian: layout.littleEndian, templateHashSize: layout.templateHashSize, limits, truncatedTail }, checks)
    log = {
      format,
      templateHashAlg: forcedAlg ?? bankForTemplateHashSize(layout.templateHashSize)!,
      templateHashSize: layout.templateHashSize,
      endianness: layout.littleEndian ? 'le' : 'be',
      entries: res.entries,
      findings: res.findings,
      size: bytes.length,
    }
    if (res.truncatedTail) log.truncatedTail = res.truncatedTail
  } else {
    const res = parseImaAscii(bytes, { templateHashSize: forcedSize, limits, truncatedTail }, checks)
    const alg = forcedAlg ?? bankForTemplateHashSize(res.templateHashSize)
    if (!alg) throw new BootproofError('ERR_EVENTLOG_MALFORMED', 'no template hash in the list', { offset: 0 })
    log = { format, templateHashAlg: alg, templateHashSize: res.templateHashSize, endianness: 'le', entries: res.entries, findings: res.findings, size: bytes.length }
    if (res.truncatedTail) log.truncatedTail = res.truncatedTail
  }
  if (log.entries.length === 0) throw new BootproofError('ERR_EVENTLOG_EMPTY', 'the IMA measurement list has no entry', { offset: 0 })

  // Parse findings in entry order, then the checks' (stable sort: a parse finding of an entry
  // precedes its checks, as when the checks ran over the finished list); summaries last.
  log.findings = [...log.findings, ...checks.finish()].sort((a, b) => (a.eventIndex ?? Infinity) - (b.eventIndex ?? Infinity))
  return log
}
