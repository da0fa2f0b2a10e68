/** Shared evidence for the policy tests: the committed sb-esp recording with its real quote. */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseEventLog, verifyQuote, type EventLog, type VerifyQuoteResult } from '../../src/index.js'
import { parseTpm2ToolsPcrFile } from '../../src/tpm/pcr_file.js'
import { replayEventLog, replayedValues } from '../../src/eventlog/replay.js'
import { pcrValuesToJSON } from '../../src/eventlog/pcr_values.js'
import type { QuoteEvidenceSummary } from '../../src/policy/index.js'
import { REPO_ROOT, repoBytes } from '../helpers/corpus.js'

export const SB = 'test-vectors/ovmf/sb-esp'

export interface SbEsp {
  bytes: Uint8Array
  log: EventLog
  /** The quoted PCR values (tpm2_quote -o), sha256:0-9. */
  pcrs: Record<string, Record<string, string>>
  quote: VerifyQuoteResult
}

let cached: Promise<SbEsp> | undefined

export function loadSbEsp(): Promise<SbEsp> {
  cached ??= (async () => {
    const bytes = repoBytes(`${SB}/binary_bios_measurements`)
    const log = parseEventLog(bytes)
    const pcrs = parseTpm2ToolsPcrFile(repoBytes(`${SB}/quote/quote.pcrs`)).pcrs
    const nonce = new Uint8Array(Buffer.from(readFileSync(resolve(REPO_ROOT, SB, 'quote/nonce.hex'), 'utf8').trim(), 'hex'))
    const quote = await verifyQuote({ attest: repoBytes(`${SB}/quote/quote.msg`), signature: repoBytes(`${SB}/quote/quote.sig`), ak: repoBytes(`${SB}/quote/ak.pub`), nonce, pcrs })
    if (!quote.valid) throw new Error(`sb-esp quote does not verify: ${JSON.stringify(quote.errors)}`)
    return { bytes, log, pcrs, quote }
  })()
  return cached
}

/** A copy of `bytes` with the `bank` digest of event `index` changed (first byte flipped). */
export function tamperDigest(log: EventLog, bytes: Uint8Array, index: number, bank = 'sha256'): Uint8Array {
  const ev = log.events[index]!
  const d = ev.digests.find((x) => x.bank === bank)!.digest
  const copy = new Uint8Array(bytes)
  const region = Buffer.from(copy.buffer, ev.offset, ev.length)
  const at = region.indexOf(Buffer.from(d))
  if (at < 0) throw new Error('digest not found in record')
  copy[ev.offset + at] = copy[ev.offset + at]! ^ 0xff
  return copy
}

/** A copy of `bytes` with one byte of event `index`'s data changed (digest kept): attack R-02. */
export function tamperData(log: EventLog, bytes: Uint8Array, index: number, offsetInData: number): Uint8Array {
  const ev = log.events[index]!
  const copy = new Uint8Array(bytes)
  copy[ev.dataOffset + offsetInData] = copy[ev.dataOffset + offsetInData]! ^ 0x01
  return copy
}

/**
 * A quote summary whose "authenticated" values are the log's own replay: for corpus logs that come
 * without a quote. Tests only; a real caller passes verifyQuote's result.
 */
export function selfQuote(log: EventLog): QuoteEvidenceSummary {
  return { valid: true, pcrs: pcrValuesToJSON(replayedValues(replayEventLog(log))) }
}

export function errors<T extends { severity: string }>(fs: readonly T[]): T[] {
  return fs.filter((f) => f.severity === 'error')
}
