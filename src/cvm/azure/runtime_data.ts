/**
 * The HCL report's runtime data: a JSON document the paravisor writes and binds to the hardware
 * report through REPORT_DATA (binding.ts). It carries the vTPM's keys as JWKs (RFC 7517 / RFC
 * 7518 §6.3.1 RSA: `n`, `e` base64url), the VM configuration and 64 bytes of user data:
 *
 *   {"keys":[{"kid":"HCLAkPub","kty":"RSA","e":"AQAB","n":"…",…},{"kid":"HCLEkPub",…}],
 *    "vm-configuration":{…},"user-data":"<128 hex digits>"}
 *
 * Read strictly: duplicate member names are rejected (RFC 8259 §4 leaves them undefined, and two
 * readers could see two different AKs), and so is a repeated `kid`. The AK is chosen by
 * `kid == "HCLAkPub"`, never by position or `key_ops` (older reports say `["encrypt"]`).
 * Members this module does not read are kept in `json` untouched.
 */
import { BootproofError } from '../../errors.js'
import { fromHexOrUndefined } from '../../bytes/hex.js'
import { parseStrictJson, StrictJsonError } from '../../json/strict_json.js'
import { base64urlDecode } from '../../token/base64url.js'
import { rsaBits, stripLeadingZeros, type KeyMaterial } from '../../x509/spki.js'
import { rsaSpkiDer } from './rsa_spki.js'

/** The AK's key id in the runtime data. */
export const HCL_AK_KID = 'HCLAkPub'
/** The EK's key id in the runtime data. */
export const HCL_EK_KID = 'HCLEkPub'

const MAX_KEYS = 16
const MAX_DEPTH = 8
/** RSA moduli between 1024 and 16384 bits; anything else is not a vTPM key. */
const MIN_N_BYTES = 128
const MAX_N_BYTES = 2048
const MAX_E_BYTES = 8

export interface HclJwk {
  kid: string
  kty: string
  keyOps?: string[]
  /** RSA keys only: n and e (big-endian, no leading zeros). */
  key?: KeyMaterial & { kty: 'RSA' }
  /** RSA keys only: the SubjectPublicKeyInfo DER built from n and e. */
  spki?: Uint8Array
}

export interface HclRuntimeData {
  keys: HclJwk[]
  /** The `HCLAkPub` key, when present. */
  ak?: HclJwk
  /** The `HCLEkPub` key, when present. */
  ek?: HclJwk
  vmConfiguration?: Record<string, unknown>
  /** `user-data`, decoded from hex (either case). */
  userData?: Uint8Array
  /** The whole document as parsed. */
  json: Record<string, unknown>
}

function invalid(message: string, offset: number, field?: string): never {
  throw new BootproofError('ERR_HCL_RUNTIME_DATA_INVALID', `HCL runtime data: ${message}`, { offset, ...(field ? { field } : {}) })
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function b64uInteger(v: unknown, name: string, i: number, offset: number): Uint8Array {
  const b = typeof v === 'string' ? base64urlDecode(v) : undefined
  if (!b || !b.length) invalid(`keys[${i}].${name} is not a base64url integer`, offset, `/keys/${i}/${name}`)
  return stripLeadingZeros(b)
}

function readKey(v: unknown, i: number, offset: number): HclJwk {
  if (!isObject(v)) invalid(`keys[${i}] is not an object`, offset, `/keys/${i}`)
  if (typeof v.kid !== 'string' || !v.kid) invalid(`keys[${i}].kid is not a non-empty string`, offset, `/keys/${i}/kid`)
  if (typeof v.kty !== 'string') invalid(`keys[${i}].kty is not a string`, offset, `/keys/${i}/kty`)
  const out: HclJwk = { kid: v.kid, kty: v.kty }
  if (v.key_ops !== undefined) {
    if (!Array.isArray(v.key_ops) || v.key_ops.some((x) => typeof x !== 'string')) invalid(`keys[${i}].key_ops is not an array of strings`, offset, `/keys/${i}/key_ops`)
    out.keyOps = v.key_ops as string[]
  }
  if (v.kty === 'RSA') {
    const n = b64uInteger(v.n, 'n', i, offset)
    const e = b64uInteger(v.e, 'e', i, offset)
    if (n.length < MIN_N_BYTES || n.length > MAX_N_BYTES) invalid(`keys[${i}] (${v.kid}): RSA modulus of ${rsaBits(n)} bits`, offset, `/keys/${i}/n`)
    if (e.length > MAX_E_BYTES || (e.length === 1 && e[0]! < 3) || (e[e.length - 1]! & 1) === 0) invalid(`keys[${i}] (${v.kid}): RSA exponent is not an odd integer >= 3 of at most 64 bits`, offset, `/keys/${i}/e`)
    out.key = { kty: 'RSA', n, e }
    out.spki = rsaSpkiDer(n, e)
  }
  return out
}

/**
 * Parse the runtime data bytes (exactly as stored in the HCL report).
 * @param offset where the bytes start in the HCL report (for error locations)
 * @throws BootproofError ERR_HCL_RUNTIME_DATA_INVALID
 */
export function parseRuntimeData(bytes: Uint8Array, offset = 0): HclRuntimeData {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch {
    invalid('not UTF-8', offset)
  }
  let json: unknown
  try {
    json = parseStrictJson(text, { maxDepth: MAX_DEPTH })
  } catch (e) {
    if (e instanceof StrictJsonError) invalid(`not strict JSON: ${e.message}`, offset + Math.max(0, e.position), e.pointer)
    throw e
  }
  if (!isObject(json)) invalid('not a JSON object', offset)
  if (!Array.isArray(json.keys)) invalid('"keys" is not an array', offset, '/keys')
  if (json.keys.length > MAX_KEYS) invalid(`more than ${MAX_KEYS} keys`, offset, '/keys')
  const keys = json.keys.map((k, i) => readKey(k, i, offset))
  const seen = new Set<string>()
  for (const k of keys) {
    if (seen.has(k.kid)) invalid(`two keys with kid ${JSON.stringify(k.kid)}: which one is bound would depend on the reader`, offset, '/keys')
    seen.add(k.kid)
  }
  const out: HclRuntimeData = { keys, json }
  const ak = keys.find((k) => k.kid === HCL_AK_KID)
  if (ak) {
    if (!ak.key) invalid(`${HCL_AK_KID} is a ${JSON.stringify(ak.kty)} key, not RSA`, offset, '/keys')
    out.ak = ak
  }
  const ek = keys.find((k) => k.kid === HCL_EK_KID)
  if (ek) out.ek = ek
  const config = json['vm-configuration']
  if (config !== undefined) {
    if (!isObject(config)) invalid('"vm-configuration" is not an object', offset, '/vm-configuration')
    out.vmConfiguration = config
  }
  const user = json['user-data']
  if (user !== undefined) {
    const b = typeof user === 'string' ? fromHexOrUndefined(user) : undefined
    if (!b) invalid('"user-data" is not a hex string', offset, '/user-data')
    out.userData = b
  }
  return out
}
