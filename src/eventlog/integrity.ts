/**
 * Event-content integrity (go-attestation docs/event-log-disclosure.md; attack R-02). Replay authenticates only the
 * (PCR, digest) sequence: EventType and event data are not measured. For the event types whose
 * digest is a hash of (a defined part of) the event data, this module recomputes that hash in
 * every replayable bank. An event's content may be trusted only when it is `verified`.
 *
 * Statuses:
 * - `verified`: one defined form of the data hashes to the digest in every checked bank;
 * - `mismatch`: the type binds its data, and no form matches (the data was edited, or the
 *   firmware deviates from the spec: see `severity` of the finding);
 * - `not-applicable`: the digest is of something else (a PE image, a memory region, a file),
 *   or the event is never extended; the content is an unverified hint.
 */
import { concatBytes, toHex } from '../bytes/hex.js'
import type { HashAlgName } from '../alg.js'
import { defaultHashProvider, type HashProvider } from '../hash/provider.js'
import type { Finding, Severity } from '../findings.js'
import { EV } from './event_types.js'
import type { EventDigest, EventLog, TcgEvent } from './types.js'

export type IntegrityStatus = 'verified' | 'mismatch' | 'not-applicable'

export interface EventIntegrity {
  index: number
  status: IntegrityStatus
  /** Which form of the data matched (`data`, `variable-data`, `grub-suffix`, …). */
  form?: string
  /** Banks that were checked, with their outcome. */
  banks: Record<string, boolean>
  /** Banks that could not be checked (algorithm unknown to the library). */
  uncheckedBanks?: string[]
}

export interface IntegrityReport {
  events: EventIntegrity[]
  findings: Finding[]
  counts: Record<IntegrityStatus, number>
}

interface Form {
  form: string
  bytes: Uint8Array
  /** A firmware-quirk form: matching it is reported as a warning. */
  quirk?: boolean
  /**
   * The form binds only part of what the event claims (the VariableData of a named variable, not
   * its name): a match leaves the event untrusted (`not-applicable`) with a warning.
   */
  partial?: boolean
}

const GRUB_PREFIXES = ['grub_cmd: ', 'kernel_cmdline: ', 'module_cmdline: ', 'grub_kernel_cmdline ', 'grub_cmd ']

function startsWithAscii(data: Uint8Array, prefix: string): boolean {
  if (data.length < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (data[i] !== prefix.charCodeAt(i)) return false
  return true
}

function withoutTrailingNul(b: Uint8Array): Uint8Array | undefined {
  return b.length > 0 && b[b.length - 1] === 0 ? b.subarray(0, b.length - 1) : undefined
}

/** UEFI_VARIABLE_DATA.VariableData (TCG PFP), or undefined when the lengths are inconsistent. */
function variableData(data: Uint8Array): Uint8Array | undefined {
  if (data.length < 32) return undefined
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const nameLen = v.getBigUint64(16, true)
  const dataLen = v.getBigUint64(24, true)
  if (32n + 2n * nameLen + dataLen !== BigInt(data.length)) return undefined
  return data.subarray(32 + 2 * Number(nameLen))
}

/**
 * EV_EVENT_TAG ids whose digest is of the content they name (a file, a table, a command line),
 * not of the tagged event: the Linux EFI stub's LoadOptions 0x8F3B22ED and initrd 0x8F3B22EC,
 * systemd's SMBIOS types 1, 2, 11, loader.conf, devicetree, initrd and ucode addons.
 */
const CONTENT_TAG_IDS: ReadonlySet<number> = new Set([0x8f3b22ec, 0x8f3b22ed, 0xd5cb7cbc, 0xe0d47bc8, 0xc0b3bd23, 0xf5bc582a, 0x6c46f751, 0x49dffe0f, 0xdac08e1a])

const ZERO_BYTE = new Uint8Array(1)

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

const LINUX_STUB_DESCRIPTIONS = ['LOADED_IMAGE::LoadOptions\0', 'Linux initrd\0']

function isLinuxStubDescription(ev: TcgEvent, cc: boolean): boolean {
  if (ev.pcrIndex !== (cc ? 3 : 9)) return false
  return LINUX_STUB_DESCRIPTIONS.some((s) => ev.data.length === s.length && startsWithAscii(ev.data, s))
}

/**
 * The forms of the event data that the digest may be over, per type (attack R-02), or
 * undefined when the digest does not bind the data.
 */
function formsFor(ev: TcgEvent, cc: boolean): { forms: Form[]; severity: Severity; strict: boolean } | undefined {
  const d = ev.data
  // Built only for the types below (most events of a log are of other types).
  const data = (): Form => ({ form: 'data', bytes: d })
  switch (ev.eventType) {
    case EV.EV_EFI_VARIABLE_DRIVER_CONFIG: {
      // PFP §10.4.4 binds the whole UEFI_VARIABLE_DATA. Firmware of the TCG EFI Platform 1.22 /
      // TPM 1.2 era hashed VariableData only (corpus: go-attestation linux_tpm12, a ThinkPad:
      // SecureBoot, PK, KEK, db, dbx all in that form). That form does not bind the variable's
      // name or GUID, so a relabelled event (db shown as dbx) would still match it: the event
      // stays untrusted, with a warning, and the replay is not failed by it.
      const vd = variableData(d)
      const forms: Form[] = [data()]
      if (vd) forms.push({ form: 'variable-data', bytes: vd, partial: true })
      return { forms, severity: 'error', strict: true }
    }
    case EV.EV_SEPARATOR:
    case EV.EV_ACTION:
    case EV.EV_EFI_ACTION:
    case EV.EV_EFI_VARIABLE_BOOT2:
    case EV.EV_EFI_GPT_EVENT:
    case EV.EV_OMIT_BOOT_DEVICE_EVENTS:
      return { forms: [data()], severity: 'error', strict: true }
    case EV.EV_EVENT_TAG: {
      // Linux's EFI stub tags (LOAD_OPTIONS 0x8F3B22ED, initrd 0x8F3B22EC; PCR 9) measure the
      // command line / initrd content, not the tagged event: their data is a description.
      // systemd's tags (loader.conf in PCR 5, SMBIOS, devicetree / initrd / ucode addons in PCR 12;
      // systemd TPM2_PCR_MEASUREMENTS) likewise hash the file or table they name.
      const id = d.length >= 4 ? (d[0]! | (d[1]! << 8) | (d[2]! << 16) | (d[3]! << 24)) >>> 0 : 0
      const linuxTag = CONTENT_TAG_IDS.has(id)
      // Older Linux EFI stubs logged only the description string, without the tagged-event
      // header (corpus: go-eventlog ccel_unpadded, TDX MR 3): the digest is of the command line.
      // Recognised by the exact strings in PCR 9 / CC MR 3 only; its content stays unverified.
      if (!linuxTag && isLinuxStubDescription(ev, cc)) return undefined
      return { forms: [data()], severity: 'error', strict: !linuxTag }
    }
    case EV.EV_EFI_VARIABLE_AUTHORITY: {
      // Old shim measured one byte fewer than it logged (go-attestation #157/#158): narrow, flagged.
      const forms: Form[] = [data()]
      if (d.length > 0) forms.push({ form: 'data-without-last-byte', bytes: d.subarray(0, d.length - 1), quirk: true })
      return { forms, severity: 'error', strict: true }
    }
    case EV.EV_EFI_VARIABLE_BOOT: {
      // edk2 hashes VariableData only (PFP 1.05 clarified it); some firmware hashes the whole structure.
      const vd = variableData(d)
      const forms: Form[] = vd ? [{ form: 'variable-data', bytes: vd }] : []
      forms.push(data())
      return { forms, severity: 'error', strict: true }
    }
    // Types where the spec says digest = H(data) but real firmware deviates (observed firmware quirks): a mismatch
    // leaves the content untrusted and is reported as a warning, not a verification failure.
    case EV.EV_COMPACT_HASH:
    case EV.EV_S_CRTM_VERSION:
    case EV.EV_NONHOST_INFO:
    case EV.EV_TABLE_OF_DEVICES:
      return { forms: [data()], severity: 'warning', strict: true }
    // edk2 (QEMU fw_cfg ACPI loader, TDX TdHob / payload info; PFP §10.4.1 leaves the data
    // platform-specific) logs a description ("ACPI DATA", "etc/acpi/tables", "td_hob") and hashes
    // the configuration blob itself, which is not in the log. Every OVMF, SEV and TDX log in the
    // corpus has this shape; only a few physical platforms log the hashed bytes. The data is
    // therefore not bound: verified if it happens to match, otherwise an unverified hint with
    // no finding (not an error, and no warning on every VM boot).
    case EV.EV_PLATFORM_CONFIG_FLAGS:
      return { forms: [data()], severity: 'warning', strict: false }
    case EV.EV_IPL: {
      // GRUB (PCR 8) hashes the string after its prefix, without the NUL it logs; try the
      // likeliest form first so the common case costs one hash per bank.
      const prefix = GRUB_PREFIXES.find((p) => startsWithAscii(d, p))
      if (prefix) {
        const suffix = d.subarray(prefix.length)
        const s2 = withoutTrailingNul(suffix)
        const forms: Form[] = s2 ? [{ form: 'grub-suffix-without-nul', bytes: s2 }] : []
        forms.push({ form: 'grub-suffix', bytes: suffix }, data())
        return { forms, severity: 'error', strict: ev.pcrIndex === 8 }
      }
      // GRUB's PCR 9 records hash file contents (the data is only the path): nothing to check.
      if (ev.pcrIndex === 9) return undefined
      // Other EV_IPL users (shim MokList in PCR 14, sd-stub in 11/12) either hash the data or,
      // for UKI section names, something else by design: verified if a form matches, never strict.
      const forms: Form[] = [data()]
      const noNul = withoutTrailingNul(d)
      if (noNul) forms.push({ form: 'data-without-nul', bytes: noNul })
      // systemd-boot <= 250 (PCR 8) logged its UTF-16LE command line one byte short of what it
      // hashed: the last byte of the UTF-16 NUL is missing from the data (real Arch Linux log).
      // The digest then binds the data plus one constant zero byte.
      if (d.length % 2 === 1 && d[d.length - 1] === 0) forms.push({ form: 'utf16-data-with-last-nul-byte', bytes: concatBytes(d, ZERO_BYTE) })
      // systemd-stub (PCR 11) describes a section by its name in UTF-16LE but hashes the name in
      // ASCII with its NUL (UAPI UKI). An ASCII-only UTF-16 string maps one-to-one to its ASCII
      // form, so a match binds the UTF-16 data too.
      const ascii = ev.pcrIndex === 11 ? asciiOfUtf16(d) : undefined
      if (ascii) forms.push({ form: 'utf16-name-as-ascii', bytes: ascii })
      return { forms, severity: 'error', strict: false }
    }
    default:
      return undefined
  }
}

/** Shared empty list (never mutated, never returned). */
const NONE: string[] = []

/**
 * Check every event whose digest binds its data, in every replayable bank (or in `banks`).
 * @example
 * const report = verifyEventIntegrity(log)
 * const trusted = report.events.filter((e) => e.status === 'verified')
 */
export function verifyEventIntegrity(log: EventLog, options: { hash?: HashProvider; banks?: readonly string[] } = {}): IntegrityReport {
  const hash = options.hash ?? defaultHashProvider()
  const events: EventIntegrity[] = []
  const findings: Finding[] = []
  const counts: Record<IntegrityStatus, number> = { verified: 0, mismatch: 0, 'not-applicable': 0 }
  // With `banks`, content is checked only in those banks (the ones a quote authenticates: a
  // digest in an unquoted bank proves nothing either way). Others are listed as unchecked.
  const knownIds = new Set(log.algorithms.filter((a) => a.known && (!options.banks || options.banks.includes(a.bank))).map((a) => a.algId))
  const allKnown = knownIds.size === log.algorithms.length
  /** Per event type, the form that matched last. */
  const lastForm = new Map<number, string>()
  for (const ev of log.events) {
    const spec = ev.eventType === EV.EV_NO_ACTION ? undefined : formsFor(ev, log.registerKind === 'cc-mr')
    if (!spec || ev.digests.length === 0) {
      events.push({ index: ev.index, status: 'not-applicable', banks: {} })
      counts['not-applicable']++
      continue
    }
    let checked: readonly EventDigest[] = ev.digests
    let unchecked: string[] = NONE
    if (!allKnown) {
      const c: EventDigest[] = []
      for (const x of ev.digests) {
        if (knownIds.has(x.algId)) c.push(x)
        else (unchecked === NONE ? (unchecked = []) : unchecked).push(x.bank)
      }
      checked = c
    }
    const forms = spec.forms
    // At most one form can match: the forms of an event differ in length, so two matching would
    // take a collision in every checked bank. The order in which they are tried therefore does
    // not change the result. The form that matched the previous event of the
    // same type is tried first (a log comes from one firmware and one GRUB: its events share a
    // form), then the others in order. Each attempt stops at its first failing bank.
    const hintName = lastForm.get(ev.eventType)
    const hint = hintName === undefined ? undefined : forms.find((f) => f.form === hintName)
    let matched: Form | undefined
    let banks: Record<string, boolean> = {}
    // The first form's per-bank outcome up to its first failure, completed for the report when
    // nothing matches.
    let firstBanks: Record<string, boolean> | undefined
    let firstStop = 0
    for (let k = hint ? -1 : 0; k < forms.length; k++) {
      const form = k < 0 ? hint! : forms[k]!
      if (k >= 0 && form === hint) continue
      const b: Record<string, boolean> = {}
      const stop = checkForm(hash, form, checked, b)
      if (stop === checked.length && checked.length > 0) {
        matched = form
        banks = b
        break
      }
      if (form === forms[0]) {
        firstBanks = b
        firstStop = stop
      }
    }
    if (matched) lastForm.set(ev.eventType, matched.form)
    else {
      // Complete the first form's banks after its first failure, in bank order.
      banks = firstBanks!
      for (let i = firstStop + 1; i < checked.length; i++) {
        const x = checked[i]!
        banks[x.bank] = bytesEq(hash.digest(x.bank as HashAlgName, forms[0]!.bytes), x.digest)
      }
    }
    const entry: EventIntegrity = { index: ev.index, status: 'not-applicable', banks }
    if (unchecked.length) entry.uncheckedBanks = unchecked
    if (matched?.partial) {
      // Content untrusted (not-applicable), the digest is consistent: a warning, never an error.
      entry.form = matched.form
      findings.push({ code: 'EVENT_DIGEST_PARTIAL', severity: 'warning', message: `${ev.typeName} digest covers only the "${matched.form}" form (older firmware): the variable name and GUID are not bound, so the content is not trusted`, pcr: ev.pcrIndex, eventIndex: ev.index })
    } else if (matched) {
      entry.status = 'verified'
      entry.form = matched.form
      if (matched.quirk) {
        // Info, not warning: the form is narrow and documented (old shim, go-attestation #157), and
        // the content is verified by it; real GCE logs carry it on every boot.
        findings.push({ code: 'EVENT_DIGEST_QUIRK', severity: 'info', message: `${ev.typeName} digest matches only the firmware-quirk form "${matched.form}" (old shim); content verified in that form`, pcr: ev.pcrIndex, eventIndex: ev.index })
      }
    } else if (spec.strict) {
      entry.status = 'mismatch'
      const bad = Object.entries(banks).filter(([, ok]) => !ok).map(([b]) => b)
      const first = ev.digests.find((x) => x.bank === bad[0])
      findings.push({
        code: 'EVENT_DIGEST_MISMATCH',
        severity: spec.severity,
        message: `${ev.typeName} data does not hash to its digest in ${bad.join(', ')}: the content is not what was measured${spec.severity === 'warning' ? ' (a known firmware deviation for this type; content untrusted)' : ''}`,
        pcr: ev.pcrIndex,
        bank: bad[0],
        eventIndex: ev.index,
        offset: ev.dataOffset,
        expected: first ? toHex(first.digest) : undefined,
        observed: first ? toHex(hash.digest(first.bank as HashAlgName, ev.data)) : undefined,
      })
    }
    counts[entry.status]++
    events.push(entry)
  }
  return { events, findings, counts }
}

/**
 * Hash `form` in each checked bank, in order, recording each outcome in `out`, up to and
 * including the first bank that fails. Returns that bank's index, or checked.length when all match.
 */
function checkForm(hash: HashProvider, form: Form, checked: readonly EventDigest[], out: Record<string, boolean>): number {
  for (let i = 0; i < checked.length; i++) {
    const x = checked[i]!
    const ok = bytesEq(hash.digest(x.bank as HashAlgName, form.bytes), x.digest)
    out[x.bank] = ok
    if (!ok) return i
  }
  return checked.length
}

function bytesEq(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
