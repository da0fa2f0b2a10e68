/**
 * Signed collateral documents of Intel PCS API v4 (TDX): the response body
 * `{"tcbInfo": {…}, "signature": "<hex r‖s>"}` or `{"enclaveIdentity": {…}, "signature": …}`, and
 * the issuer chain served in a response header (`TCB-Info-Issuer-Chain`,
 * `SGX-Enclave-Identity-Issuer-Chain`: URL-encoded PEM).
 *
 * The signature covers the exact bytes of the member value as served, so the value is cut out of
 * the text, never re-serialized (whitespace and member order are part of what is signed). The
 * text is parsed with the strict parser first: duplicate member names are rejected, so the value
 * that is verified is the value that is read.
 */
import { fromHexOrUndefined } from '../../bytes/hex.js'
import { BootproofError } from '../../errors.js'
import { parseStrictJson, StrictJsonError } from '../../json/strict_json.js'
import type { CertificateInput } from '../../x509/chain.js'
import { parseCertificates } from '../../x509/certificate.js'

/** One signed document with its issuer chain. Give `body`, or `signed` and `signature`. */
export interface TdxCollateralDocument {
  /** The response body exactly as served (text or UTF-8 bytes). */
  body?: string | Uint8Array
  /** The signed JSON value alone (the `tcbInfo` / `enclaveIdentity` member as served). */
  signed?: string | Uint8Array
  /** With `signed`: the signature, hex text of r‖s or its 64 bytes. */
  signature?: string | Uint8Array
  /** The issuer chain: PEM (plain or URL-encoded as in the response header) or certificates. */
  issuerChain: string | Uint8Array | readonly CertificateInput[]
}

/** Largest accepted collateral text (bytes); TCB Info is a few KB. */
export const MAX_COLLATERAL_BYTES = 1024 * 1024

export interface SignedJson {
  /** The UTF-8 bytes the signature covers. */
  signedBytes: Uint8Array
  /** The parsed signed value. */
  value: Record<string, unknown>
  signature: Uint8Array
  issuerChain: CertificateInput[]
}

export function malformed(what: string, message: string): never {
  throw new BootproofError('ERR_TDX_COLLATERAL_MALFORMED', `${what}: ${message}`)
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function text(input: string | Uint8Array, what: string): string {
  const size = typeof input === 'string' ? input.length : input.length
  if (size > MAX_COLLATERAL_BYTES) malformed(what, `${size} bytes exceed ${MAX_COLLATERAL_BYTES}`)
  if (typeof input === 'string') return input
  try {
    return UTF8.decode(input)
  } catch {
    return malformed(what, 'not UTF-8')
  }
}

function strict(t: string, what: string): unknown {
  try {
    return parseStrictJson(t)
  } catch (e) {
    if (e instanceof StrictJsonError) malformed(what, `not valid JSON (${e.message})`)
    throw e
  }
}

/**
 * The raw text of each member of the top-level object of `t`, which is known to be valid JSON.
 * Strings are skipped with their escapes; nesting is tracked by brackets outside strings.
 */
function memberSpans(t: string): Map<string, string> {
  const out = new Map<string, string>()
  let i = t.indexOf('{') + 1
  const ws = (): void => {
    while (i < t.length && ' \t\n\r'.includes(t[i]!)) i++
  }
  const skipString = (): void => {
    i++
    while (t[i] !== '"') i += t[i] === '\\' ? 2 : 1
    i++
  }
  for (;;) {
    ws()
    if (t[i] === '}') return out
    const keyStart = i
    skipString()
    const key = JSON.parse(t.slice(keyStart, i)) as string
    ws()
    i++ // ':'
    ws()
    const start = i
    let depth = 0
    for (;;) {
      const c = t[i]!
      if (c === '"') {
        skipString()
        if (depth === 0) break
        continue
      }
      if (c === '{' || c === '[') depth++
      else if (c === '}' || c === ']') {
        if (depth === 0) break
        depth--
        if (depth === 0) {
          i++
          break
        }
      } else if (c === ',' && depth === 0) break
      i++
    }
    out.set(key, t.slice(start, i).replace(/[ \t\n\r]+$/, ''))
    ws()
    if (t[i] === ',') i++
  }
}

function signatureBytes(s: string | Uint8Array, what: string): Uint8Array {
  if (typeof s !== 'string') {
    if (s.length !== 64) malformed(what, `signature is ${s.length} bytes, not 64`)
    return s
  }
  const b = /^[0-9a-fA-F]{128}$/.test(s) ? fromHexOrUndefined(s) : undefined
  if (!b) malformed(what, 'signature is not 128 hex digits (r‖s)')
  return b
}

function issuerChain(input: TdxCollateralDocument['issuerChain'], what: string): CertificateInput[] {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) return [...input]
  let pem = typeof input === 'string' ? input : text(input, `${what} issuer chain`)
  // The PCS header form: "-----BEGIN%20CERTIFICATE-----%0AMIIC…".
  if (/BEGIN%20CERTIFICATE/.test(pem)) {
    try {
      pem = decodeURIComponent(pem)
    } catch {
      malformed(what, 'the issuer chain is not valid URL-encoded text')
    }
  }
  return parseCertificates(pem)
}

/**
 * Cut the signed member out of a collateral document.
 * @param member `tcbInfo` or `enclaveIdentity`.
 * @throws BootproofError ERR_TDX_COLLATERAL_MALFORMED, ERR_PEM_INVALID / ERR_CERT_INVALID (issuer chain).
 */
export function readSignedJson(doc: TdxCollateralDocument, member: 'tcbInfo' | 'enclaveIdentity'): SignedJson {
  const what = member === 'tcbInfo' ? 'TCB Info' : 'QE Identity'
  if ((doc.body === undefined) === (doc.signed === undefined)) throw new TypeError(`${what}: give either body, or signed and signature`)
  let signedText: string
  let signature: Uint8Array
  if (doc.body !== undefined) {
    const t = text(doc.body, what)
    const v = strict(t, what)
    if (typeof v !== 'object' || v === null || Array.isArray(v)) malformed(what, 'the body is not a JSON object')
    const keys = Object.keys(v).sort()
    if (keys.join(',') !== [member, 'signature'].sort().join(',')) malformed(what, `the body must hold exactly "${member}" and "signature", found ${JSON.stringify(keys)}`)
    const sig = (v as Record<string, unknown>).signature
    if (typeof sig !== 'string') malformed(what, 'signature is not a string')
    signature = signatureBytes(sig, what)
    signedText = memberSpans(t).get(member)!
  } else {
    if (doc.signature === undefined) throw new TypeError(`${what}: signed needs signature`)
    signedText = text(doc.signed!, what)
    signature = signatureBytes(doc.signature, what)
  }
  const value = strict(signedText, what)
  if (typeof value !== 'object' || value === null || Array.isArray(value)) malformed(what, `"${member}" is not a JSON object`)
  return { signedBytes: new TextEncoder().encode(signedText), value: value as Record<string, unknown>, signature, issuerChain: issuerChain(doc.issuerChain, what) }
}
