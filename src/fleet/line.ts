/**
 * One fleet line: `{"id", "bundle", "nonce", "ak"?, "akEnrolled"?}` → a verdict or a typed error.
 *
 * The verifier-side members are treated exactly as `bootproof verify --bundle` treats its flags:
 * the bundle is attester-written evidence, so its own `nonce` and `ak` are never what the verdict
 * relies on. `nonce` is the nonce the verifier issued (required); `ak` is the verifier's
 * enrollment record of the machine's AK and replaces the bundle's; `akEnrolled` vouches only
 * for that `ak` (giving it without `ak` is an error, as `--ak-enrolled` without `--ak` is).
 * A line that cannot be read never throws: it becomes a result with `error`.
 */
import { decodeBase64Any } from '../bytes/base64.js'
import { fromHexOrUndefined } from '../bytes/hex.js'
import { isBootproofError } from '../errors.js'
import { bundleEvidence, MAX_BUNDLE_CHARS, parseEvidenceBundle } from '../evidence/bundle.js'
import { parseStrictJson, StrictJsonError } from '../json/strict_json.js'
import type { ParseEventLogOptions } from '../eventlog/parse.js'
import { validatePolicy } from '../policy/validate.js'
import type { Policy } from '../policy/types.js'
import type { AkParts } from '../tpm/ak.js'
import type { VerifyQuoteOptions } from '../tpm/quote_core.js'
import { verifyAttestation, type VerifyAttestationInput } from '../verify.js'
import type { CertificateInput } from '../x509/chain.js'
import { bootChainOf } from './fingerprint.js'
import { bomLength } from './lines.js'
import type { FleetLineError, FleetLineErrorCode, FleetResult } from './types.js'

/** Largest accepted line: a largest bundle plus room for the id, nonce and enrolled AK. */
export const DEFAULT_MAX_LINE_BYTES = MAX_BUNDLE_CHARS + 1024 * 1024
/** Longest accepted id (ids are echoed into every output line and the summary). */
export const MAX_ID_CHARS = 1024
/** The line wraps a bundle, whose own depth limit is 8. */
const MAX_LINE_DEPTH = 10

/** What every line is verified with. Plain data, so a worker thread can receive it. */
export interface FleetVerifyOptions {
  /** The policy (JSON), validated once. Without one no verdict is affirming. */
  policy?: unknown
  /** Roots for AK certificate chains. */
  trustAnchors?: CertificateInput[]
  /** Verification time for every line (default: now, per line). */
  now?: Date
  eventLogOptions?: ParseEventLogOptions
  quoteOptions?: VerifyQuoteOptions
  /** Default {@link DEFAULT_MAX_LINE_BYTES}. */
  maxLineBytes?: number
  /**
   * Compute each result's `bootChain` (what a fleet summary clusters on). Default true; `bootproof
   * batch` turns it off without `--summary`: it costs about 5 % of a line's verification and is
   * most of what a worker posts back.
   */
  bootChains?: boolean
}

export interface FleetTask {
  /** See FleetResult.index / FleetResult.line. */
  index: number
  /** Line 1 is the start of the input: the only line whose leading UTF-8 BOM is ignored. */
  line: number
  data: string | Uint8Array
}

export type FleetLineVerifier = (task: FleetTask) => Promise<FleetResult>

class LineError extends Error {
  constructor(
    readonly code: FleetLineErrorCode,
    message: string,
  ) {
    super(message)
  }
}

// ignoreBOM: keep a leading BOM in the text (decodeLine decides where one is allowed).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const LINE_MEMBERS = ['id', 'bundle', 'nonce', 'ak', 'akEnrolled']

function b64(v: unknown, path: string): Uint8Array {
  const out = typeof v === 'string' ? decodeBase64Any(v) : undefined
  if (!out) throw new LineError('ERR_LINE_INVALID', `${path} must be a base64 string`)
  return out
}

/** The enrolled AK: the bundle's `ak` shape ({public (base64 TPM2B/TPMT_PUBLIC), pem, certificate, intermediates}) or a PEM string. */
function enrolledAk(v: unknown): AkParts | string {
  if (typeof v === 'string') {
    if (!v.includes('-----BEGIN ')) throw new LineError('ERR_LINE_INVALID', '"ak" must be a PEM string or an object {public|pem|certificate}')
    return v
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new LineError('ERR_LINE_INVALID', '"ak" must be a PEM string or an object {public|pem|certificate}')
  const o = v as Record<string, unknown>
  for (const k of Object.keys(o)) if (!['public', 'pem', 'certificate', 'intermediates'].includes(k)) throw new LineError('ERR_LINE_INVALID', `"ak": unknown member ${JSON.stringify(k)}`)
  const ak: AkParts = {}
  if (o.public !== undefined) ak.public = b64(o.public, '"ak.public"')
  for (const k of ['pem', 'certificate'] as const) if (o[k] !== undefined && typeof o[k] !== 'string') throw new LineError('ERR_LINE_INVALID', `"ak.${k}" must be a PEM string`)
  if (typeof o.pem === 'string') ak.spki = o.pem
  if (typeof o.certificate === 'string') ak.certificate = o.certificate
  if (o.intermediates !== undefined) {
    if (!Array.isArray(o.intermediates) || o.intermediates.some((x) => typeof x !== 'string')) throw new LineError('ERR_LINE_INVALID', '"ak.intermediates" must be an array of PEM strings')
    ak.intermediates = o.intermediates as string[]
  }
  if (ak.public === undefined && ak.spki === undefined && ak.certificate === undefined) throw new LineError('ERR_LINE_INVALID', '"ak" needs public, pem or certificate')
  return ak
}

/**
 * The line's text. A UTF-8 byte order mark is dropped only at the very start of the input
 * (`atInputStart`: physical line 1), for strings and bytes alike: RFC 8259 §8.1 lets a parser
 * ignore one there, where editors write it. Anywhere else it is refused, not silently removed
 * (the decoder keeps it: `ignoreBOM`), so both forms of one line get one outcome. The BOM is
 * skipped by a view or a substring, never a copy.
 */
function decodeLine(data: string | Uint8Array, maxLineBytes: number, atInputStart: boolean): string {
  // UTF-8 never takes fewer bytes than UTF-16 code units, so a long string is refused without encoding it.
  const size = typeof data === 'string' ? (data.length > maxLineBytes ? data.length : new TextEncoder().encode(data).length) : data.length
  if (size > maxLineBytes) throw new LineError('ERR_LINE_TOO_LONG', `line longer than ${maxLineBytes} bytes`)
  const skip = atInputStart ? bomLength(data) : 0
  let text: string
  if (typeof data === 'string') text = skip ? data.slice(skip) : data
  else {
    try {
      text = utf8.decode(skip ? data.subarray(skip) : data)
    } catch {
      throw new LineError('ERR_LINE_ENCODING', 'line is not valid UTF-8')
    }
  }
  if (text.charCodeAt(0) === 0xfeff) throw new LineError('ERR_LINE_NOT_JSON', 'not JSON: a byte order mark (U+FEFF) is accepted only at the start of the input')
  return text
}

/** Everything the line verifier needs, prepared once (the policy is validated and frozen once). */
export function createFleetLineVerifier(options: FleetVerifyOptions = {}): FleetLineVerifier {
  const policy: Policy | undefined = options.policy !== undefined ? validatePolicy(options.policy) : undefined
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES
  return async (task) => {
    let id: string | null = null
    const fail = (error: FleetLineError): FleetResult => ({ index: task.index, line: task.line, id, error })
    try {
      const text = decodeLine(task.data, maxLineBytes, task.line === 1)
      let json: unknown
      try {
        json = parseStrictJson(text, { maxDepth: MAX_LINE_DEPTH })
      } catch (e) {
        if (e instanceof StrictJsonError && e.kind === 'duplicate') throw new LineError('ERR_LINE_DUPLICATE_KEY', `duplicate member ${JSON.stringify(e.key)} at ${e.pointer}: a line with two values for one member is ambiguous`)
        throw new LineError('ERR_LINE_NOT_JSON', `not JSON: ${(e as Error).message}`)
      }
      if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new LineError('ERR_LINE_INVALID', 'a line must be a JSON object')
      const o = json as Record<string, unknown>
      if (typeof o.id === 'string' && o.id.length <= MAX_ID_CHARS) id = o.id
      else throw new LineError('ERR_LINE_INVALID', o.id === undefined ? 'missing "id"' : `"id" must be a string of at most ${MAX_ID_CHARS} characters`)
      for (const k of Object.keys(o)) if (!LINE_MEMBERS.includes(k)) throw new LineError('ERR_LINE_INVALID', `unknown member ${JSON.stringify(k)}`)
      if (o.bundle === undefined) throw new LineError('ERR_LINE_INVALID', 'missing "bundle"')
      if (typeof o.nonce !== 'string') throw new LineError('ERR_LINE_INVALID', o.nonce === undefined ? 'missing "nonce" (the nonce the verifier issued, hex)' : '"nonce" must be a hex string')
      const nonce = fromHexOrUndefined(o.nonce)
      if (!nonce) throw new LineError('ERR_LINE_INVALID', '"nonce" must be a hex string')
      if (o.akEnrolled !== undefined && typeof o.akEnrolled !== 'boolean') throw new LineError('ERR_LINE_INVALID', '"akEnrolled" must be true or false')
      if (o.akEnrolled === true && o.ak === undefined) throw new LineError('ERR_LINE_INVALID', '"akEnrolled" vouches for an AK from your enrollment records: give it as "ak" (the bundle\'s AK is the attester\'s claim)')
      const ak = o.ak !== undefined ? enrolledAk(o.ak) : undefined
      const b = parseEvidenceBundle(o.bundle)
      const input: VerifyAttestationInput = {
        ...bundleEvidence(b),
        ak: ak ?? b.ak,
        nonce,
        ...(o.akEnrolled === true ? { akEnrolled: true } : {}),
        ...(policy ? { policy } : {}),
        ...(options.trustAnchors ? { trustAnchors: options.trustAnchors } : {}),
        ...(options.now ? { now: options.now } : {}),
        ...(options.eventLogOptions ? { eventLogOptions: options.eventLogOptions } : {}),
        ...(options.quoteOptions ? { quoteOptions: options.quoteOptions } : {}),
      }
      const r = await verifyAttestation(input)
      return { index: task.index, line: task.line, id, ear_status: r.verdict.ear_status, verdict: r.verdict, ...(options.bootChains !== false ? { bootChain: bootChainOf(r) } : {}) }
    } catch (e) {
      if (e instanceof LineError) return fail({ code: e.code, message: `line ${task.line}: ${e.message}` })
      if (isBootproofError(e)) return fail({ code: e.code, message: `line ${task.line}: ${e.message}` })
      return fail({ code: 'ERR_INTERNAL', message: `line ${task.line}: ${String((e as Error)?.message ?? e)}` })
    }
  }
}
