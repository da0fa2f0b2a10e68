/**
 * Evidence bundle: one JSON document carrying everything `verifyAttestation` needs
 * (schema/evidence-bundle.schema.json). Binary blobs are base64 (standard or url-safe), the
 * nonce and PCR values lowercase hex. Parsed strictly: unknown members are an error, so a typo
 * cannot silently drop evidence.
 *
 * The bundle is written by the attester, so it is data only: nothing in it chooses how the
 * verifier parses or checks (register kind, flags, limits come from the caller's options), and
 * a repeated member is rejected rather than read last-one-wins (RFC 8259 §4 leaves duplicates
 * undefined; a second "eventLog" must not swap the log one reader sees for another's).
 */
import { decodeBase64Any } from '../bytes/base64.js'
import { BootproofError } from '../errors.js'
import { parseStrictJson, StrictJsonError } from '../json/strict_json.js'
import { fromHexOrUndefined } from '../bytes/hex.js'
import type { AkParts } from '../tpm/ak.js'
import type { QuoteEvidence } from '../tpm/quote_core.js'
import type { PcrValuesInput as PcrValues } from '../pcr_values.js'
import { parsePcrSignature } from '../uki/pcrsig.js'

export interface EvidenceBundle {
  version: 1
  eventLog?: Uint8Array
  quotes: QuoteEvidence[]
  pcrs?: PcrValues
  ak: AkParts
  nonce?: Uint8Array
  /** The Canonical Event Log of the same boot (systemd's tpm2-measure.log; CEL-TLV or CEL-JSON bytes, base64): `verifyAttestation`'s `celLog`. */
  celLog?: Uint8Array
  /**
   * Confidential-VM evidence (members `hclReport`, `vcek`, `tdQuote`): an Azure HCL report (base64),
   * the VCEK / VLEK of its SEV-SNP report (PEM), the TD quote of its TDX report (base64). Pass it
   * to `verifyAttestation` as `cvm`.
   */
  cvm?: { hclReport: Uint8Array; vcek?: string; tdQuote?: Uint8Array }
  /**
   * The UKI's `.pcrsig` (systemd signed PCR 11 policies) as JSON text; in the bundle a string or
   * the document itself. Pass it to `verifyAttestation` as `pcrSignature` (policy `pcr11Signed`).
   */
  pcrSignature?: string
}

/** Largest accepted bundle text (a 16 MiB log in base64 plus quotes and certificates). */
export const MAX_BUNDLE_CHARS = 24 * 1024 * 1024

function bad(path: string, message: string): never {
  throw new BootproofError('ERR_BUNDLE_INVALID', `evidence bundle ${path}: ${message}`, { field: path })
}

function b64(v: unknown, path: string): Uint8Array {
  const out = typeof v === 'string' ? decodeBase64Any(v) : undefined
  return out ?? bad(path, 'must be a base64 string')
}

function only(o: Record<string, unknown>, allowed: string[], path: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) bad(`${path}/${k}`, 'unknown member')
}

function obj(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(path, 'must be an object')
  return v as Record<string, unknown>
}

/** Bundles are shallow (pcrs/bank/index is the deepest); anything deeper is not a bundle. */
const MAX_BUNDLE_DEPTH = 8

/**
 * Members that earlier versions read as verifier settings. They are rejected, not ignored, so
 * that a producer relying on them learns that the verifier never obeys them: the caller passes
 * `eventLogOptions: { registers: 'cc-mr' }` to `verifyAttestation` (CLI: `--ccel`).
 */
const VERIFIER_OPTIONS_IN_EVIDENCE: Record<string, string> = {
  eventLogRegisters: "selects how the event log is parsed, which is the verifier's choice: pass eventLogOptions.registers to verifyAttestation (CLI: --ccel)",
  allowDebug: "decides whether a debuggable confidential VM is acceptable, which is the verifier's choice: pass cvmOptions.allowDebug to verifyAttestation or cvm.allowDebug in the policy (CLI: --allow-debug)",
}

/**
 * Parse an evidence bundle. Give the JSON text: only then are duplicate member names detected
 * (an already parsed object has lost them; it is accepted for callers that built it
 * themselves).
 * @throws BootproofError ERR_BUNDLE_INVALID (with the JSON pointer in `field`: a duplicate
 *   member, an unknown member, a verifier option, a bad value), ERR_JSON_INVALID
 */
export function parseEvidenceBundle(input: string | unknown): EvidenceBundle {
  let json: unknown = input
  if (typeof input === 'string') {
    if (input.length > MAX_BUNDLE_CHARS) bad('', `larger than ${MAX_BUNDLE_CHARS} characters`)
    try {
      json = parseStrictJson(input, { maxDepth: MAX_BUNDLE_DEPTH })
    } catch (e) {
      if (e instanceof StrictJsonError && e.kind === 'duplicate') bad(e.pointer ?? '', `duplicate member ${JSON.stringify(e.key)} (at character ${e.position}): evidence with two values for one member is ambiguous`)
      throw new BootproofError('ERR_JSON_INVALID', `evidence bundle: not valid JSON (${(e as Error).message})`, { cause: e })
    }
  }
  const o = obj(json, '')
  for (const k of Object.keys(o)) if (Object.hasOwn(VERIFIER_OPTIONS_IN_EVIDENCE, k)) bad(`/${k}`, `not accepted in evidence: it ${VERIFIER_OPTIONS_IN_EVIDENCE[k]}`)
  only(o, ['$schema', 'version', 'eventLog', 'quotes', 'pcrs', 'ak', 'nonce', 'comment', 'hclReport', 'vcek', 'tdQuote', 'celLog', 'pcrSignature'], '')
  for (const k of ['$schema', 'comment']) if (o[k] !== undefined && typeof o[k] !== 'string') bad(`/${k}`, 'must be a string')
  if (o.version !== 1) bad('/version', `unsupported version ${JSON.stringify(o.version)} (this library reads version 1)`)
  if (!Array.isArray(o.quotes) || o.quotes.length === 0) bad('/quotes', 'must be a non-empty array')
  if (o.quotes.length > 16) bad('/quotes', 'more than 16 quotes')
  const quotes = o.quotes.map((q, i) => {
    const qo = obj(q, `/quotes/${i}`)
    only(qo, ['attest', 'signature'], `/quotes/${i}`)
    return { attest: b64(qo.attest, `/quotes/${i}/attest`), signature: b64(qo.signature, `/quotes/${i}/signature`) }
  })
  const ako = obj(o.ak, '/ak')
  only(ako, ['public', 'pem', 'certificate', 'intermediates'], '/ak')
  const ak: AkParts = {}
  if (ako.public !== undefined) ak.public = b64(ako.public, '/ak/public')
  if (ako.pem !== undefined) {
    if (typeof ako.pem !== 'string') bad('/ak/pem', 'must be a PEM string')
    ak.spki = ako.pem
  }
  if (ako.certificate !== undefined) {
    if (typeof ako.certificate !== 'string') bad('/ak/certificate', 'must be a PEM string')
    ak.certificate = ako.certificate
  }
  if (ako.intermediates !== undefined) {
    if (!Array.isArray(ako.intermediates) || ako.intermediates.some((x) => typeof x !== 'string')) bad('/ak/intermediates', 'must be an array of PEM strings')
    ak.intermediates = ako.intermediates as string[]
  }
  if (ak.public === undefined && ak.spki === undefined && ak.certificate === undefined) bad('/ak', 'needs public, pem or certificate')
  const out: EvidenceBundle = { version: 1, quotes, ak }
  if (o.eventLog !== undefined) out.eventLog = b64(o.eventLog, '/eventLog')
  if (o.celLog !== undefined) out.celLog = b64(o.celLog, '/celLog')
  if (o.nonce !== undefined) {
    const n = typeof o.nonce === 'string' ? fromHexOrUndefined(o.nonce) : undefined
    if (!n) bad('/nonce', 'must be a hex string')
    out.nonce = n
  }
  if (o.pcrs !== undefined) out.pcrs = obj(o.pcrs, '/pcrs') as PcrValues
  if (o.pcrSignature !== undefined) out.pcrSignature = pcrSignatureText(o.pcrSignature)
  if (o.hclReport !== undefined) {
    const cvm: NonNullable<EvidenceBundle['cvm']> = { hclReport: b64(o.hclReport, '/hclReport') }
    if (o.vcek !== undefined) {
      if (typeof o.vcek !== 'string' || !/^\s*-----BEGIN CERTIFICATE-----/.test(o.vcek)) bad('/vcek', 'must be a PEM certificate (the VCEK or VLEK, optionally followed by its chain)')
      cvm.vcek = o.vcek
    }
    if (o.tdQuote !== undefined) cvm.tdQuote = b64(o.tdQuote, '/tdQuote')
    out.cvm = cvm
  } else {
    for (const k of ['vcek', 'tdQuote']) if (o[k] !== undefined) bad(`/${k}`, 'only with "hclReport" (the report it endorses)')
  }
  return out
}

/**
 * The `.pcrsig` member: JSON text, or the document as a JSON object (its duplicate members were
 * already refused with the bundle's). Checked strictly here, so a bundle with an unusable one is
 * refused as a whole; its signatures are checked by the verifier, under the policy's keys.
 */
function pcrSignatureText(v: unknown): string {
  const text = typeof v === 'string' ? v : typeof v === 'object' && v !== null && !Array.isArray(v) ? JSON.stringify(v) : bad('/pcrSignature', 'must be the .pcrsig JSON (a string or an object)')
  try {
    parsePcrSignature(text)
  } catch (e) {
    if (e instanceof BootproofError) bad('/pcrSignature', e.message)
    throw e
  }
  return text
}

function toB64(b: Uint8Array): string {
  let s = ''
  for (const x of b) s += String.fromCharCode(x)
  return btoa(s)
}

/** Serialise a bundle (the inverse of `parseEvidenceBundle`). */
export function evidenceBundleToJSON(b: { eventLog?: Uint8Array; celLog?: Uint8Array; quotes: { attest: Uint8Array; signature: Uint8Array }[]; ak: { public?: Uint8Array; pem?: string; certificate?: string }; nonce?: Uint8Array; pcrs?: Record<string, Record<string, string>>; cvm?: { hclReport: Uint8Array; vcek?: string; tdQuote?: Uint8Array }; pcrSignature?: string }): Record<string, unknown> {
  const hex = (x: Uint8Array) => Array.from(x, (v) => v.toString(16).padStart(2, '0')).join('')
  return {
    version: 1,
    ...(b.eventLog ? { eventLog: toB64(b.eventLog) } : {}),
    ...(b.celLog ? { celLog: toB64(b.celLog) } : {}),
    quotes: b.quotes.map((q) => ({ attest: toB64(q.attest), signature: toB64(q.signature) })),
    ...(b.pcrs ? { pcrs: b.pcrs } : {}),
    ak: { ...(b.ak.public ? { public: toB64(b.ak.public) } : {}), ...(b.ak.pem ? { pem: b.ak.pem } : {}), ...(b.ak.certificate ? { certificate: b.ak.certificate } : {}) },
    ...(b.nonce ? { nonce: hex(b.nonce) } : {}),
    ...(b.cvm ? { hclReport: toB64(b.cvm.hclReport), ...(b.cvm.vcek ? { vcek: b.cvm.vcek } : {}), ...(b.cvm.tdQuote ? { tdQuote: toB64(b.cvm.tdQuote) } : {}) } : {}),
    ...(b.pcrSignature !== undefined ? { pcrSignature: b.pcrSignature } : {}),
  }
}

/**
 * The evidence members of a bundle, as `verifyAttestation` takes them: everything the attester
 * sent except its `ak` and `nonce`, which are claims (the verifier gives the nonce it issued and,
 * when it has one, the AK of its enrollment records). The one mapping every caller uses
 * (`verify --bundle`, `batch` and the queue processor through the fleet line verifier), so a
 * member the bundle gains reaches all of them.
 */
export function bundleEvidence(b: EvidenceBundle): Pick<EvidenceBundle, 'eventLog' | 'celLog' | 'quotes' | 'pcrs' | 'cvm' | 'pcrSignature'> {
  return {
    ...(b.eventLog ? { eventLog: b.eventLog } : {}),
    ...(b.celLog ? { celLog: b.celLog } : {}),
    quotes: b.quotes,
    ...(b.pcrs ? { pcrs: b.pcrs } : {}),
    ...(b.cvm ? { cvm: b.cvm } : {}),
    ...(b.pcrSignature !== undefined ? { pcrSignature: b.pcrSignature } : {}),
  }
}
