/**
 * Parse a compact JWS (RFC 7515 §7.1) before any cryptography: size cap (J-10), exactly three
 * base64url segments, fatal UTF-8, and the strict duplicate-rejecting JSON parser over the exact
 * decoded header and payload bytes (J-09). jose re-parses the same bytes with `JSON.parse` when
 * it verifies the signature; since duplicates are rejected here, both parsers read the same
 * members.
 */
import { base64urlDecode } from './base64url.js'
import { parseStrictJson, StrictJsonError } from './strict_json.js'
import { tokenParseError } from './token_error.js'

/** Default cap on a token's length in characters (1 MiB). The real MAA TPM boot token is 315 186. */
export const DEFAULT_MAX_TOKEN_BYTES = 1 << 20

/** Maximum nesting of the header and payload JSON. */
export const MAX_JSON_DEPTH = 64

export interface ParsedCompactJws {
  /** The token with surrounding whitespace removed. */
  token: string
  header: Record<string, unknown>
  payload: Record<string, unknown>
  /** Exact bytes of the decoded payload segment. */
  payloadBytes: Uint8Array
  signature: Uint8Array
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function decodeJsonSegment(seg: string, what: 'header' | 'payload'): { value: Record<string, unknown>; bytes: Uint8Array } {
  const bytes = base64urlDecode(seg)
  if (!bytes) throw tokenParseError('ERR_JWT_MALFORMED', `JWS ${what} is not canonical unpadded base64url`)
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch (e) {
    throw tokenParseError('ERR_JWT_MALFORMED', `JWS ${what} is not valid UTF-8`, e)
  }
  let value: unknown
  try {
    value = parseStrictJson(text, { maxDepth: MAX_JSON_DEPTH })
  } catch (e) {
    if (e instanceof StrictJsonError && e.kind === 'duplicate') {
      throw tokenParseError('ERR_JWT_DUPLICATE_KEY', `JWS ${what}: ${e.message}`, e)
    }
    throw tokenParseError('ERR_JWT_MALFORMED', `JWS ${what} is not valid JSON: ${(e as Error).message}`, e)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw tokenParseError('ERR_JWT_MALFORMED', `JWS ${what} is not a JSON object`)
  }
  return { value: value as Record<string, unknown>, bytes }
}

/**
 * Split and decode a compact JWS whose payload is a JSON object (a JWT).
 * @throws BootproofError ERR_JWT_TOO_LARGE, ERR_JWT_MALFORMED, ERR_JWT_DUPLICATE_KEY
 */
export function parseCompactJws(input: string, maxTokenBytes = DEFAULT_MAX_TOKEN_BYTES): ParsedCompactJws {
  if (typeof input !== 'string') throw new TypeError('token must be a string')
  // Check the raw length first: nothing is decoded from an oversized input.
  if (input.length > maxTokenBytes + 64) throw tokenParseError('ERR_JWT_TOO_LARGE', `token is ${input.length} characters; the limit is ${maxTokenBytes}`)
  const token = input.trim()
  if (token.length > maxTokenBytes) throw tokenParseError('ERR_JWT_TOO_LARGE', `token is ${token.length} characters; the limit is ${maxTokenBytes}`)
  const parts = token.split('.')
  if (parts.length !== 3) throw tokenParseError('ERR_JWT_MALFORMED', `a compact JWS has 3 segments, this token has ${parts.length}`)
  const [h, p, s] = parts as [string, string, string]
  if (!h.length || !p.length) throw tokenParseError('ERR_JWT_MALFORMED', 'empty JWS header or payload segment')
  const header = decodeJsonSegment(h, 'header').value
  const payload = decodeJsonSegment(p, 'payload')
  const signature = base64urlDecode(s)
  if (!signature) throw tokenParseError('ERR_JWT_MALFORMED', 'JWS signature is not canonical unpadded base64url')
  checkHeaderShape(header)
  return { token, header, payload: payload.value, payloadBytes: payload.bytes, signature }
}

/** Types of the registered header parameters bootproof reads (RFC 7515 §4.1). */
function checkHeaderShape(h: Record<string, unknown>): void {
  const bad = (m: string): never => {
    throw tokenParseError('ERR_JWT_MALFORMED', `JWS header: ${m}`)
  }
  if (typeof h.alg !== 'string' || !h.alg.length) bad('"alg" must be a non-empty string')
  if ('kid' in h && (typeof h.kid !== 'string' || h.kid.length > 1024)) bad('"kid" must be a string of at most 1024 characters')
  if ('jku' in h && typeof h.jku !== 'string') bad('"jku" must be a string')
  if ('x5u' in h && typeof h.x5u !== 'string') bad('"x5u" must be a string')
  if ('typ' in h && typeof h.typ !== 'string') bad('"typ" must be a string')
  if ('x5c' in h) {
    if (!Array.isArray(h.x5c) || !h.x5c.length || h.x5c.length > 10 || !h.x5c.every((c) => typeof c === 'string')) {
      bad('"x5c" must be an array of 1 to 10 base64 strings')
    }
  }
  if ('crit' in h && !Array.isArray(h.crit)) bad('"crit" must be an array')
}
