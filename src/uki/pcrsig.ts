/**
 * The `.pcrsig` document: systemd's signed PCR policies (systemd-measure(1) `sign`; the UKI
 * section `.pcrsig`, passed to the OS as `tpm2-pcr-signature.json`).
 *
 *   { "<bank>": [ { "pcrs": [11], "pkfp": "<hex>", "pol": "<hex>", "sig": "<base64>" }, … ], … }
 *
 * One array per bank, one entry per signed phase path (and per key). Entries do not say which
 * phase they are for: a verifier finds that by recomputing PCR 11. Parsed strictly: duplicate
 * members, unknown members, wrong types, non-hex / non-base64 text, a `pol` that is not a
 * SHA-256 policy digest, and PCR lists outside 0-23 are errors (`ERR_UKI_PCRSIG_MALFORMED`).
 * Trailing NULs and whitespace are ignored: a PE section is padded.
 */
import { fromHexOrUndefined } from '../bytes/hex.js'
import { BootproofError } from '../errors.js'
import { parseStrictJson, StrictJsonError } from '../json/strict_json.js'
import { resolveUkiLimits, type UkiLimits } from './limits.js'
import { PCR11_BANKS, type Pcr11Bank } from './predict_pcr11.js'

export interface PcrSignatureEntry {
  bank: Pcr11Bank
  /** Position in the bank's array. */
  index: number
  /** PCR indices the policy covers, ascending. */
  pcrs: number[]
  /** Key fingerprint (lowercase hex), when present. */
  pkfp?: string
  /** The signed TPM2 policy digest (32 bytes). */
  pol: Uint8Array
  /** The RSASSA-PKCS1-v1_5 signature. */
  sig: Uint8Array
}

export interface PcrSignatureDocument {
  /** Entries of every bank, banks in document order. */
  entries: PcrSignatureEntry[]
  /** Banks present, in document order. */
  banks: Pcr11Bank[]
}

/** Largest RSA signature accepted: 16384-bit keys. */
const MAX_SIG_BYTES = 2048
const MEMBERS = new Set(['pcrs', 'pkfp', 'pol', 'sig'])

function malformed(message: string, field?: string): BootproofError {
  return new BootproofError('ERR_UKI_PCRSIG_MALFORMED', `.pcrsig: ${message}`, field ? { field } : {})
}

/**
 * @throws BootproofError ERR_UKI_PCRSIG_MALFORMED
 */
export function parsePcrSignature(input: Uint8Array | string, options: { limits?: Partial<UkiLimits> } = {}): PcrSignatureDocument {
  const limits = resolveUkiLimits(options.limits)
  let text: string
  if (typeof input === 'string') text = input
  else {
    if (input.length > limits.maxPcrsigBytes) throw malformed(`${input.length} bytes exceed ${limits.maxPcrsigBytes} (maxPcrsigBytes)`)
    let end = input.length
    while (end > 0 && input[end - 1] === 0) end--
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input.subarray(0, end))
    } catch {
      throw malformed('not UTF-8 text')
    }
  }
  if (text.length > limits.maxPcrsigBytes) throw malformed(`${text.length} characters exceed ${limits.maxPcrsigBytes} (maxPcrsigBytes)`)
  let doc: unknown
  try {
    doc = parseStrictJson(text.replace(/\0+$/, ''), { maxDepth: 8 })
  } catch (e) {
    if (e instanceof StrictJsonError) throw malformed(`not valid JSON (${e.message})`)
    throw e
  }
  if (!isObject(doc)) throw malformed('not a JSON object')
  const entries: PcrSignatureEntry[] = []
  const banks: Pcr11Bank[] = []
  for (const [bank, list] of Object.entries(doc)) {
    if (!(PCR11_BANKS as readonly string[]).includes(bank)) throw malformed(`bank "${bank}" is not one of ${PCR11_BANKS.join(', ')}`, bank)
    if (!Array.isArray(list)) throw malformed(`"${bank}" is not an array`, bank)
    banks.push(bank as Pcr11Bank)
    list.forEach((e, index) => {
      if (entries.length >= limits.maxPcrsigEntries) throw malformed(`more than ${limits.maxPcrsigEntries} entries (maxPcrsigEntries)`)
      entries.push(parseEntry(e, bank as Pcr11Bank, index))
    })
  }
  if (!entries.length) throw malformed('no signature entries')
  return { entries, banks }
}

function parseEntry(e: unknown, bank: Pcr11Bank, index: number): PcrSignatureEntry {
  const at = `/${bank}/${index}`
  if (!isObject(e)) throw malformed(`${at} is not an object`, at)
  for (const k of Object.keys(e)) if (!MEMBERS.has(k)) throw malformed(`${at} has an unknown member "${k}"`, `${at}/${k}`)
  const { pcrs, pkfp, pol, sig } = e as Record<string, unknown>
  if (!Array.isArray(pcrs) || pcrs.length === 0 || pcrs.length > 24) throw malformed(`${at}/pcrs is not a non-empty array of at most 24 PCRs`, `${at}/pcrs`)
  const seen = new Set<number>()
  for (const p of pcrs) {
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 23) throw malformed(`${at}/pcrs holds ${JSON.stringify(p)}, not a PCR index 0-23`, `${at}/pcrs`)
    if (seen.has(p)) throw malformed(`${at}/pcrs repeats PCR ${p}`, `${at}/pcrs`)
    seen.add(p)
  }
  if (typeof pol !== 'string' || pol.length !== 64) throw malformed(`${at}/pol is not a 32-byte hex SHA-256 policy digest`, `${at}/pol`)
  const polBytes = fromHexOrUndefined(pol)
  if (!polBytes) throw malformed(`${at}/pol is not hex`, `${at}/pol`)
  let pkfpHex: string | undefined
  if (pkfp !== undefined) {
    if (typeof pkfp !== 'string' || pkfp.length !== 64 || !fromHexOrUndefined(pkfp)) throw malformed(`${at}/pkfp is not a 32-byte hex SHA-256 fingerprint`, `${at}/pkfp`)
    pkfpHex = pkfp.toLowerCase()
  }
  if (typeof sig !== 'string') throw malformed(`${at}/sig is not a string`, `${at}/sig`)
  const sigBytes = base64(sig)
  if (!sigBytes || sigBytes.length === 0 || sigBytes.length > MAX_SIG_BYTES) throw malformed(`${at}/sig is not base64 of 1-${MAX_SIG_BYTES} bytes`, `${at}/sig`)
  const out: PcrSignatureEntry = { bank, index, pcrs: [...seen].sort((a, b) => a - b), pol: polBytes, sig: sigBytes }
  if (pkfpHex !== undefined) out.pkfp = pkfpHex
  return out
}

/** Standard base64 with padding (RFC 4648 §4), as systemd writes it; undefined when not. */
function base64(s: string): Uint8Array | undefined {
  if (s.length % 4 !== 0 || s.length > 4 * Math.ceil(MAX_SIG_BYTES / 3) || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return undefined
  const bin = atob(s)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
