/**
 * Recognise inputs that are not event logs before they are parsed as one.
 *
 * Why: the event-log parser reads the first bytes as a PCR index, an event type and a size, so
 * `package.json` or a JWT fails with "maxEventDataBytes exceeded" — true, but it does not tell
 * the user they gave the wrong file. Every input is misread the same way, so this names the
 * kind and the command that takes it.
 *
 * No false positive on a real log: a log's first record starts with its PCR index as a u32
 * little-endian (0-23; the Spec ID event is on PCR 0), so its bytes 1-3 are zero. Every kind
 * below is recognised only by leading bytes that make that index far above 23: text (four
 * printable characters), an ACPI signature, DER (0x30 then a long-form length), "MZ", the TPM
 * "\xffTCG" magic, gzip. A log that is merely damaged is left to the parser's own error.
 */
import { BootproofError } from '../errors.js'
import { isImaList } from '../ima/index.js'
import { isCelLog } from '../cel/detect.js'
import { u32leAt } from '../bytes/uint32.js'

export interface InputKind {
  /** Stable identifier: json, evidence-bundle, policy, pcr-values, jwks, jwk, jwt, yaml, ... */
  kind: string
  /** What the input is, for a message ("a JSON evidence bundle"). */
  what: string
  /** Which command takes it, or what to do instead. */
  hint: string
}

const latin1 = new TextDecoder('latin1')

function isPrintableAscii(b: number): boolean {
  return (b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d
}

function u64leHex(b: Uint8Array, o: number): string {
  return `0x${(u32leAt(b, o + 4) * 2 ** 32 + u32leAt(b, o)).toString(16)}`
}

/**
 * ACPI tables that point at a log (TCG ACPI spec §7 for "TCPA"/"TPM2"; UEFI 2.10 §2.3.6 / the
 * TDX guest spec for "CCEL"): each holds the log area's length (LAML) and address (LASA).
 */
function acpiTable(b: Uint8Array): InputKind | undefined {
  if (b.length < 36) return undefined
  const sig = latin1.decode(b.subarray(0, 4))
  if (sig !== 'TCPA' && sig !== 'TPM2' && sig !== 'CCEL') return undefined
  const length = u32leAt(b, 4)
  if (length < 36 || length > b.length) return undefined
  // Where each table keeps LAML / LASA (a TPM2 table has them only in its longer revisions).
  const at = sig === 'CCEL' ? { laml: 40, lasa: 48, lamlBytes: 8 } : sig === 'TCPA' ? { laml: 38, lasa: 42, lamlBytes: 4 } : { laml: 52, lasa: 56, lamlBytes: 4 }
  let area = ''
  if (length >= at.lasa + 8) {
    const laml = at.lamlBytes === 8 ? u64leHex(b, at.laml) : `0x${u32leAt(b, at.laml).toString(16)}`
    area = `: ${laml} bytes at physical address ${u64leHex(b, at.lasa)}`
  }
  const where =
    sig === 'CCEL'
      ? 'read the log itself (Linux: /sys/firmware/acpi/tables/data/CCEL) and give it to bootproof inspect --ccel'
      : 'read the log itself (Linux: /sys/kernel/security/tpm0/binary_bios_measurements) and give it to bootproof inspect'
  return { kind: 'acpi-table', what: `an ACPI ${sig} table (it locates the log${area})`, hint: where }
}

function jsonKind(v: unknown): InputKind {
  const o = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
  if (o && 'quotes' in o && 'ak' in o) return { kind: 'evidence-bundle', what: 'a JSON evidence bundle', hint: 'bootproof verify --bundle <file> --nonce <hex> takes it' }
  if (o && 'version' in o && 'id' in o) return { kind: 'policy', what: 'a JSON policy', hint: 'bootproof policy check <file> validates it; bootproof verify --policy <file> applies it' }
  if (o && Array.isArray(o.keys)) return { kind: 'jwks', what: 'a JSON Web Key Set', hint: 'bootproof token verify <token> --jwks <file> takes it' }
  if (o && typeof o.kty === 'string') return { kind: 'jwk', what: 'a JSON Web Key', hint: 'bootproof token verify --jwks takes a public one; bootproof verify --ear-key a private one' }
  const banks = o && typeof o.pcrs === 'object' && o.pcrs !== null ? (o.pcrs as Record<string, unknown>) : o
  if (banks && Object.keys(banks).length && Object.keys(banks).every((k) => /^(sha1|sha256|sha384|sha512|sm3_256)$/i.test(k))) {
    return { kind: 'pcr-values', what: 'a JSON file of PCR values', hint: 'bootproof replay <log> --expect <file> or bootproof verify --pcrs <file> takes it' }
  }
  return { kind: 'json', what: 'a JSON document', hint: 'bootproof reads JSON only as an evidence bundle (verify --bundle), a policy (policy check) or PCR values (replay --expect)' }
}

function textKind(b: Uint8Array): InputKind {
  let text = new TextDecoder('utf-8').decode(b)
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  const t = text.trimStart()
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      return jsonKind(JSON.parse(t))
    } catch {
      return { kind: 'json', what: 'text that looks like JSON (and does not parse as JSON)', hint: 'an event log is binary: give the log file itself' }
    }
  }
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\s*$/.test(t) && t.startsWith('eyJ')) {
    return { kind: 'jwt', what: 'a JWT (compact JWS)', hint: 'bootproof token verify <file> (--jwks <file> | --root <pem>) takes it' }
  }
  const pem = /^-----BEGIN ([A-Z0-9 ]+)-----/.exec(t)
  if (pem) {
    const label = pem[1]!
    const hint = label.includes('CERTIFICATE')
      ? 'certificates go to --ca (verify, verify-quote), --ak (an AK certificate) or token verify --root'
      : label.includes('PRIVATE')
        ? 'bootproof does not take private keys in PEM (verify --ear-key takes a private JWK)'
        : 'a public key goes to verify-quote --ak or verify --ak'
    return { kind: 'pem', what: `PEM (${label.toLowerCase()})`, hint }
  }
  // tpm2_eventlog prints "---\nversion: 1\nevents:" (older releases start at "events:").
  if (/^(---\s*\n)?(version:\s*\d+\s*\n)?events:/.test(t)) {
    return { kind: 'yaml-eventlog', what: 'YAML from tpm2_eventlog (a rendering of a log, not the log)', hint: 'give the binary log it was made from (Linux: /sys/kernel/security/tpm0/binary_bios_measurements)' }
  }
  // tpm2_pcrread prints "  sha256:\n    0 : 0x…".
  if (/^(sha1|sha256|sha384|sha512|sm3_256)\s*:\s*\n\s*\d+\s*:\s*0x[0-9A-Fa-f]+/.test(t)) {
    return { kind: 'yaml-pcrread', what: 'YAML from tpm2_pcrread (PCR values)', hint: 'PCR values go to bootproof replay <log> --expect <file>' }
  }
  if (/^(---|%YAML)/.test(t)) return { kind: 'yaml', what: 'a YAML document', hint: 'an event log is binary: give the log file itself' }
  return { kind: 'text', what: 'text', hint: 'an event log is binary: give the log file itself (Linux: /sys/kernel/security/tpm0/binary_bios_measurements)' }
}

/** What `bytes` is when it is recognisably not an event log; `undefined` otherwise. */
export function detectNonLogInput(bytes: Uint8Array): InputKind | undefined {
  if (bytes.length < 4) return undefined
  const acpi = acpiTable(bytes)
  if (acpi) return acpi
  const [b0, b1, b2, b3] = [bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!]
  if (b0 === 0xff && b1 === 0x54 && b2 === 0x43 && b3 === 0x47) {
    return { kind: 'tpm-attest', what: 'a TPM2 quote (TPMS_ATTEST, "\\xffTCG" magic)', hint: 'bootproof verify-quote --quote <file> (or verify --quote) takes it' }
  }
  if (b0 === 0x4d && b1 === 0x5a) return { kind: 'pe', what: 'a PE/COFF image ("MZ")', hint: 'bootproof predict-pcr4 <pe...> takes it' }
  if (b0 === 0x1f && b1 === 0x8b) return { kind: 'gzip', what: 'gzip-compressed data', hint: 'decompress it first' }
  if (b0 === 0x30 && b1 >= 0x81 && b1 <= 0x84) {
    return { kind: 'der', what: 'DER-encoded ASN.1 (a certificate or key)', hint: 'certificates go to --ca or --ak; an AK public key to --ak' }
  }
  // IMA lists (the ASCII form is text) are named by the event-log parser itself, and `replay` takes them.
  if (isImaList(bytes)) return undefined
  // So are TCG CEL logs (CEL-JSON is text; systemd's tpm2-measure.log): `replay` takes them.
  if (isCelLog(bytes)) return undefined
  // A UTF-8 BOM, or four printable characters: text (see the module comment).
  const bom = b0 === 0xef && b1 === 0xbb && b2 === 0xbf
  const head = bytes.subarray(bom ? 3 : 0, Math.min(bytes.length, (bom ? 3 : 0) + 4))
  if (head.length === 4 && head.every(isPrintableAscii)) return textKind(bytes)
  return undefined
}

/** `ERR_INPUT_KIND`, with the detected kind also as a field (`--json` prints `error.kind`). */
export class InputKindError extends BootproofError {
  readonly kind: string
  constructor(message: string, kind: string) {
    super('ERR_INPUT_KIND', message)
    this.kind = kind
  }

  override toJSON(): ReturnType<BootproofError['toJSON']> & { kind: string } {
    return { ...super.toJSON(), kind: this.kind }
  }
}

/**
 * Throw `ERR_INPUT_KIND` when `bytes`, read from `path` where an event log was expected, is
 * recognisably something else (see {@link detectNonLogInput}). Call before parsing.
 */
export function assertEventLogInput(bytes: Uint8Array, path: string): void {
  const k = detectNonLogInput(bytes)
  if (!k) return
  const name = path === '-' ? 'standard input' : path
  throw new InputKindError(`${name} is ${k.what}, not a TCG event log; ${k.hint}`, k.kind)
}
