/**
 * The forms of an event's data that its digest may be over, per event type (attack R-02): the
 * whole data, a defined part of it, or a documented firmware deviation. `verifyEventIntegrity`
 * (integrity.ts) hashes them; this module only says which bytes to try, in which order.
 *
 * The forms of one event are written into a `FormList` that the caller reuses for every event of
 * a log: a log has hundreds of events and most of them have a single form, so building arrays of
 * form objects per event cost more than the comparison they feed.
 */
import type { Severity } from '../findings.js'
import { EV } from './event_types.js'
import type { TcgEvent } from './types.js'
import { u32leAt } from '../bytes/uint32.js'
import { variableDataOffset } from './variable_data.js'

/** A firmware-quirk form: matching it is reported as an info finding. */
export const FORM_QUIRK = 1
/** Old shim's authority form (go-attestation #157/#158): every byte of the data but the last is bound. */
export const LAST_BYTE_UNBOUND_FORM = 'data-without-last-byte'
/**
 * The form binds only part of what the event claims (the VariableData of a named variable, not
 * its name): a match leaves the event untrusted (`not-applicable`) with a warning.
 */
export const FORM_PARTIAL = 2

/** How a mismatch of an event type is judged. */
export interface FormRules {
  readonly severity: Severity
  /** False: a mismatch leaves the content unverified without a finding. */
  readonly strict: boolean
}

const ERROR_STRICT: FormRules = Object.freeze({ severity: 'error', strict: true })
const ERROR_LAX: FormRules = Object.freeze({ severity: 'error', strict: false })
const WARNING_STRICT: FormRules = Object.freeze({ severity: 'warning', strict: true })
const WARNING_LAX: FormRules = Object.freeze({ severity: 'warning', strict: false })

/** Up to four candidate forms of one event, in the order they are tried; reused across events. */
export class FormList {
  count = 0
  readonly names: string[] = ['', '', '', '']
  readonly bytes: Uint8Array[] = [EMPTY, EMPTY, EMPTY, EMPTY]
  readonly flags: number[] = [0, 0, 0, 0]

  add(name: string, bytes: Uint8Array, flags = 0): void {
    const i = this.count++
    this.names[i] = name
    this.bytes[i] = bytes
    this.flags[i] = flags
  }

  /** The slot of the form called `name`, or -1. */
  indexOf(name: string): number {
    for (let i = 0; i < this.count; i++) if (this.names[i] === name) return i
    return -1
  }
}

const EMPTY = new Uint8Array(0)

const GRUB_PREFIXES = ['grub_cmd: ', 'kernel_cmdline: ', 'module_cmdline: ', 'grub_kernel_cmdline ', 'grub_cmd ']

function startsWithAscii(data: Uint8Array, prefix: string): boolean {
  if (data.length < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (data[i] !== prefix.charCodeAt(i)) return false
  return true
}

function grubPrefixLength(d: Uint8Array): number {
  // GRUB's prefixes all start with 'g', 'k' or 'm': most EV_IPL data is rejected on its first byte.
  const c = d[0]
  if (c !== 0x67 && c !== 0x6b && c !== 0x6d) return -1
  for (const p of GRUB_PREFIXES) if (startsWithAscii(d, p)) return p.length
  return -1
}

/** UEFI_VARIABLE_DATA.VariableData, or undefined when the lengths are inconsistent. */
function variableData(d: Uint8Array): Uint8Array | undefined {
  const at = variableDataOffset(d)
  return at === undefined ? undefined : d.subarray(at)
}

/**
 * EV_EVENT_TAG ids whose digest is of the content they name (a file, a table, a command line),
 * not of the tagged event: the Linux EFI stub's LoadOptions 0x8F3B22ED and initrd 0x8F3B22EC,
 * systemd's SMBIOS types 1, 2, 11, loader.conf, devicetree, initrd and ucode addons.
 */
const CONTENT_TAG_IDS: ReadonlySet<number> = new Set([0x8f3b22ec, 0x8f3b22ed, 0xd5cb7cbc, 0xe0d47bc8, 0xc0b3bd23, 0xf5bc582a, 0x6c46f751, 0x49dffe0f, 0xdac08e1a])

/** The ASCII bytes (with a terminating NUL) of a UTF-16LE string whose every unit is below 0x80, else undefined. */
function asciiOfUtf16(d: Uint8Array): Uint8Array | undefined {
  if (d.length < 2 || d.length % 2 !== 0 || d.length > 512) return undefined
  const n = d.length / 2
  const nul = d[d.length - 2] === 0
  const out = new Uint8Array(nul ? n : n + 1)
  for (let i = 0; i < n; i++) {
    const lo = d[2 * i]!
    if (d[2 * i + 1] !== 0 || lo >= 0x80 || (lo === 0 && i !== n - 1)) return undefined
    out[i] = lo
  }
  return out
}

/** The data followed by one zero byte. */
function withZeroByte(d: Uint8Array): Uint8Array {
  const out = new Uint8Array(d.length + 1)
  out.set(d)
  return out
}

const LINUX_STUB_DESCRIPTIONS = ['LOADED_IMAGE::LoadOptions\0', 'Linux initrd\0']

function isLinuxStubDescription(ev: TcgEvent, cc: boolean): boolean {
  if (ev.pcrIndex !== (cc ? 3 : 9)) return false
  return LINUX_STUB_DESCRIPTIONS.some((s) => ev.data.length === s.length && startsWithAscii(ev.data, s))
}

/**
 * Write into `out` the forms of the event data that the digest may be over, in the order they
 * are tried, and return how a mismatch is judged; undefined (and `out` empty) when the digest
 * does not bind the data.
 */
export function collectForms(ev: TcgEvent, cc: boolean, out: FormList): FormRules | undefined {
  out.count = 0
  const d = ev.data
  switch (ev.eventType) {
    case EV.EV_EFI_VARIABLE_DRIVER_CONFIG: {
      // PFP §10.4.4 binds the whole UEFI_VARIABLE_DATA. Firmware of the TCG EFI Platform 1.22 /
      // TPM 1.2 era hashed VariableData only (corpus: go-attestation linux_tpm12, a ThinkPad:
      // SecureBoot, PK, KEK, db, dbx all in that form). That form does not bind the variable's
      // name or GUID, so a relabelled event (db shown as dbx) would still match it: the event
      // stays untrusted, with a warning, and the replay is not failed by it.
      out.add('data', d)
      const vd = variableData(d)
      if (vd) out.add('variable-data', vd, FORM_PARTIAL)
      return ERROR_STRICT
    }
    case EV.EV_SEPARATOR:
    case EV.EV_ACTION:
    case EV.EV_EFI_ACTION:
    case EV.EV_EFI_VARIABLE_BOOT2:
    case EV.EV_EFI_GPT_EVENT:
    case EV.EV_OMIT_BOOT_DEVICE_EVENTS:
      out.add('data', d)
      return ERROR_STRICT
    case EV.EV_EVENT_TAG: {
      // Linux's EFI stub tags (LOAD_OPTIONS 0x8F3B22ED, initrd 0x8F3B22EC; PCR 9) measure the
      // command line / initrd content, not the tagged event: their data is a description.
      // systemd's tags (loader.conf in PCR 5, SMBIOS, devicetree / initrd / ucode addons in PCR 12;
      // systemd TPM2_PCR_MEASUREMENTS) likewise hash the file or table they name.
      const id = d.length >= 4 ? u32leAt(d, 0) : 0
      const linuxTag = CONTENT_TAG_IDS.has(id)
      // Older Linux EFI stubs logged only the description string, without the tagged-event
      // header (corpus: go-eventlog ccel_unpadded, TDX MR 3): the digest is of the command line.
      // Recognised by the exact strings in PCR 9 / CC MR 3 only; its content stays unverified.
      if (!linuxTag && isLinuxStubDescription(ev, cc)) return undefined
      out.add('data', d)
      return linuxTag ? ERROR_LAX : ERROR_STRICT
    }
    case EV.EV_EFI_VARIABLE_AUTHORITY:
      // Old shim measured one byte fewer than it logged (go-attestation #157/#158): narrow, flagged.
      out.add('data', d)
      if (d.length > 0) out.add(LAST_BYTE_UNBOUND_FORM, d.subarray(0, d.length - 1), FORM_QUIRK)
      return ERROR_STRICT
    case EV.EV_EFI_VARIABLE_BOOT: {
      // edk2 hashes VariableData only (PFP 1.05 clarified it); some firmware hashes the whole structure.
      const vd = variableData(d)
      if (vd) out.add('variable-data', vd)
      out.add('data', d)
      return ERROR_STRICT
    }
    // Types where the spec says digest = H(data) but real firmware deviates (observed firmware quirks): a mismatch
    // leaves the content untrusted and is reported as a warning, not a verification failure.
    case EV.EV_COMPACT_HASH:
    case EV.EV_S_CRTM_VERSION:
    case EV.EV_NONHOST_INFO:
    case EV.EV_TABLE_OF_DEVICES:
      out.add('data', d)
      return WARNING_STRICT
    // edk2 (QEMU fw_cfg ACPI loader, TDX TdHob / payload info; PFP §10.4.1 leaves the data
    // platform-specific) logs a description ("ACPI DATA", "etc/acpi/tables", "td_hob") and hashes
    // the configuration blob itself, which is not in the log. Every OVMF, SEV and TDX log in the
    // corpus has this shape; only a few physical platforms log the hashed bytes. The data is
    // therefore not bound: verified if it happens to match, otherwise an unverified hint with
    // no finding (not an error, and no warning on every VM boot).
    case EV.EV_PLATFORM_CONFIG_FLAGS:
      out.add('data', d)
      return WARNING_LAX
    case EV.EV_IPL:
      return iplForms(ev, d, out)
    default:
      return undefined
  }
}

function iplForms(ev: TcgEvent, d: Uint8Array, out: FormList): FormRules | undefined {
  // GRUB (PCR 8) hashes the string after its prefix, without the NUL it logs; the likeliest
  // form comes first so the common case costs one hash per bank.
  const prefix = grubPrefixLength(d)
  if (prefix >= 0) {
    const suffix = d.subarray(prefix)
    if (suffix.length > 0 && suffix[suffix.length - 1] === 0) out.add('grub-suffix-without-nul', suffix.subarray(0, suffix.length - 1))
    out.add('grub-suffix', suffix)
    out.add('data', d)
    return ev.pcrIndex === 8 ? ERROR_STRICT : ERROR_LAX
  }
  // GRUB's PCR 9 records hash file contents (the data is only the path): nothing to check.
  if (ev.pcrIndex === 9) return undefined
  // Other EV_IPL users (shim MokList in PCR 14, sd-stub in 11/12) either hash the data or,
  // for UKI section names, something else by design: verified if a form matches, never strict.
  out.add('data', d)
  const endsInNul = d.length > 0 && d[d.length - 1] === 0
  if (endsInNul) out.add('data-without-nul', d.subarray(0, d.length - 1))
  // systemd-boot <= 250 (PCR 8) logged its UTF-16LE command line one byte short of what it
  // hashed: the last byte of the UTF-16 NUL is missing from the data (real Arch Linux log).
  // The digest then binds the data plus one constant zero byte.
  if (d.length % 2 === 1 && endsInNul) out.add('utf16-data-with-last-nul-byte', withZeroByte(d))
  // systemd-stub (PCR 11) describes a section by its name in UTF-16LE but hashes the name in
  // ASCII with its NUL (UAPI UKI). An ASCII-only UTF-16 string maps one-to-one to its ASCII
  // form, so a match binds the UTF-16 data too.
  const ascii = ev.pcrIndex === 11 ? asciiOfUtf16(d) : undefined
  if (ascii) out.add('utf16-name-as-ascii', ascii)
  return ERROR_LAX
}
