/**
 * Secure Boot state from PCR 7 (TCG PFP §10.4.4, §3.3.4.8; attacks S-03, S-04, S-05, R-01, R-02,
 * R-04). EV_EFI_VARIABLE_DRIVER_CONFIG's digest is H(UEFI_VARIABLE_DATA): GUID, name and data are
 * bound, the event type is not. Variables are matched by (GUID, name) — the decoder sets `known`
 * only for recognised pairs — and every value is a Fact whose trust follows its source events.
 */
import { bytesEqual } from '../bytes/hex.js'
import { EV } from '../eventlog/event_types.js'
import { LAST_BYTE_UNBOUND_FORM } from '../eventlog/integrity_forms.js'
import type { SignatureEntry, UefiVariableData } from '../eventlog/decode/types.js'
import type { Finding } from '../findings.js'
import { EFI_GLOBAL_VARIABLE, EFI_IMAGE_SECURITY_DATABASE } from '../eventlog/decode/guid.js'
import { fact, untrustedFact, type Fact, type StateContext } from './fact.js'
import { boundBytes, uefiVariableContent, variableOf, withBoundAbsence } from './events.js'

/** One entry of a signature database, without the DER (see `der` for the raw bytes). */
export interface SignatureDbEntry {
  type: 'x509' | 'sha256' | 'other'
  owner: string
  ownerName?: string
  /** x509: SHA-256 fingerprint of the certificate; sha256: the hash itself. */
  sha256?: string
  /** x509 only: decoded certificate fields, when the X.509 decoder is available. */
  subject?: string
  issuer?: string
  serial?: string
  notBefore?: string
  notAfter?: string
  der?: Uint8Array
}

export interface SignatureDb {
  certs: SignatureDbEntry[]
  hashes: string[]
  otherCount: number
}

export interface Authority {
  eventIndex: number
  /** Which database the entry came from (`db`, `Shim`, `MokListTrusted`, `SbatLevel`, ...). */
  name: string
  guid: string
  afterSeparator: boolean
  entry?: SignatureDbEntry
  text?: string
  trusted: boolean
  /**
   * The digest matched only the old-shim form, which leaves the logged data's last byte unbound
   * (go-attestation #157): the entry's last byte (inside a certificate's signature) and so its
   * `sha256` are attacker data. A deny-list must then match every value of that byte.
   */
  lastByteUnbound?: true
}

export interface SecureBootState {
  enabled: Fact<boolean | undefined>
  setupMode: Fact<number | undefined>
  auditMode: Fact<number | undefined>
  deployedMode: Fact<number | undefined>
  pk: Fact<SignatureDb | undefined>
  kek: Fact<SignatureDb | undefined>
  db: Fact<SignatureDb | undefined>
  dbx: Fact<SignatureDb | undefined>
  dbt: Fact<SignatureDb | undefined>
  dbr: Fact<SignatureDb | undefined>
  /** Authorities (EV_EFI_VARIABLE_AUTHORITY) in log order. */
  authorities: Authority[]
  /** "UEFI Debug Mode" EV_EFI_ACTION in PCR 7 (a firmware debugger was present). */
  debugMode: Fact<boolean>
  /** "DMA Protection Disabled" EV_EFI_ACTION in PCR 7. */
  dmaProtectionDisabled: Fact<boolean>
  /** PCR 7 separator event index. */
  separator: number | undefined
}

export function signatureDbEntry(e: SignatureEntry): SignatureDbEntry {
  const base = { owner: e.owner, ...(e.ownerName ? { ownerName: e.ownerName } : {}) }
  if (e.type === 'x509') return { type: 'x509', ...base, sha256: e.sha256, der: e.der }
  if (e.type === 'sha256') return { type: 'sha256', ...base, sha256: e.hash }
  return { type: 'other', ...base }
}

function signatureDb(v: UefiVariableData): SignatureDb | undefined {
  if (v.value.type !== 'signature-lists') return undefined
  const db: SignatureDb = { certs: [], hashes: [], otherCount: 0 }
  for (const list of v.value.lists) {
    for (const e of list.entries) {
      if (e.type === 'x509') db.certs.push(signatureDbEntry(e))
      else if (e.type === 'sha256') db.hashes.push(e.hash)
      else db.otherCount++
    }
  }
  return db
}

const DB_NAMES = ['PK', 'KEK', 'db', 'dbx', 'dbt', 'dbr'] as const
const MODE_NAMES = ['SecureBoot', 'SetupMode', 'AuditMode', 'DeployedMode'] as const
/** The GUID each Secure Boot variable lives under (UEFI §3.3, §32.6.1). */
const VARIABLE_GUID: Record<string, string> = {
  PK: EFI_GLOBAL_VARIABLE,
  KEK: EFI_GLOBAL_VARIABLE,
  SecureBoot: EFI_GLOBAL_VARIABLE,
  SetupMode: EFI_GLOBAL_VARIABLE,
  AuditMode: EFI_GLOBAL_VARIABLE,
  DeployedMode: EFI_GLOBAL_VARIABLE,
  db: EFI_IMAGE_SECURITY_DATABASE,
  dbx: EFI_IMAGE_SECURITY_DATABASE,
  dbt: EFI_IMAGE_SECURITY_DATABASE,
  dbr: EFI_IMAGE_SECURITY_DATABASE,
}

const te = new TextEncoder()
const DEBUG_MODE = te.encode('UEFI Debug Mode')
const DMA_DISABLED = te.encode('DMA Protection Disabled')

export function extractSecureBoot(ctx: StateContext, findings: Finding[]): SecureBootState {
  const { log } = ctx
  const seen = new Map<string, number[]>() // known name -> events
  const authorities: Authority[] = []
  let separator: number | undefined
  const debug: number[] = []
  const dma: number[] = []
  // Variables found by their bound (GUID, name) under a type other than DRIVER_CONFIG: the type is
  // not measured (R-01), so such a copy makes "X was not measured" unprovable.
  const elsewhere = new Map<string, number[]>()
  for (const ev of log.events) {
    if (ev.pcrIndex !== 7 || log.registerKind !== 'pcr') continue
    // Unexpected types in PCR 7 are a structural finding (PCR7_UNEXPECTED_EVENT_TYPE) that taints PCR 7.
    if (ev.eventType === EV.EV_SEPARATOR) {
      // Only a separator whose data its digest binds is the boundary (TCG PFP §3.3.4.1).
      if (ctx.integrity.events[ev.index]?.status === 'verified') separator ??= ev.index
      continue
    }
    // The EV_EFI_ACTION strings (TCG PFP §10.4.4, R-04) by their bound bytes, whatever the type.
    const bound = boundBytes(ctx, ev)
    if (bound && bytesEqual(bound, DEBUG_MODE)) debug.push(ev.index)
    if (bound && bytesEqual(bound, DMA_DISABLED)) dma.push(ev.index)
    if (ev.eventType !== EV.EV_EFI_VARIABLE_DRIVER_CONFIG) {
      const c = bound === ev.data ? uefiVariableContent(ev.data) : undefined
      if (c && VARIABLE_GUID[c.name] === c.guid && !(ev.eventType === EV.EV_EFI_VARIABLE_AUTHORITY && c.name === 'db')) {
        elsewhere.set(c.name, [...(elsewhere.get(c.name) ?? []), ev.index])
      }
    }
    const v = variableOf(ev)
    if (!v) continue
    if (ev.eventType === EV.EV_EFI_VARIABLE_DRIVER_CONFIG) {
      if (!v.known) {
        // Attack S-03: "dbx" under the wrong GUID is not the dbx.
        findings.push({ code: 'SECUREBOOT_VARIABLE_UNRECOGNISED', severity: 'warning', message: `PCR 7 variable "${v.name}" under ${v.guid} is not a recognised (GUID, name) pair; ignored`, pcr: 7, eventIndex: ev.index })
        continue
      }
      const list = seen.get(v.known) ?? []
      list.push(ev.index)
      seen.set(v.known, list)
    } else if (ev.eventType === EV.EV_EFI_VARIABLE_AUTHORITY) {
      const entry = v.value.type === 'signature-data' ? signatureDbEntry(v.value.entry) : undefined
      const t = fact(ctx, true, [ev.index])
      authorities.push({
        eventIndex: ev.index,
        name: v.known ?? v.name,
        guid: v.guid,
        afterSeparator: separator !== undefined,
        ...(entry ? { entry } : {}),
        ...(v.value.type === 'text' ? { text: v.value.text } : {}),
        trusted: t.trusted,
        ...(ctx.integrity.events[ev.index]?.form === LAST_BYTE_UNBOUND_FORM ? { lastByteUnbound: true as const } : {}),
      })
    }
  }
  for (const [name, events] of seen) {
    if (events.length > 1) {
      findings.push({ code: 'SECUREBOOT_VARIABLE_DUPLICATE', severity: 'error', message: `${name} measured ${events.length} times in PCR 7 (events ${events.join(', ')})`, pcr: 7, eventIndex: events[1], relatedEvents: events })
    }
  }
  const lastOf = (name: string) => {
    const events = seen.get(name)
    return events ? log.events[events[events.length - 1]!]! : undefined
  }
  /** "X was not measured": PCR 7 authenticated, and no bound copy of X under another type. */
  const absent = <T>(name: string): Fact<T | undefined> => {
    const other = elsewhere.get(name)
    if (other) return untrustedFact(undefined, other, 'FACT_LABEL_UNBOUND', `${name} is measured in event ${other[0]} typed ${log.events[other[0]!]!.typeName}, not EV_EFI_VARIABLE_DRIVER_CONFIG (the event type is not measured)`)
    return fact(ctx, undefined, [], 7)
  }
  const mode = (name: (typeof MODE_NAMES)[number]): Fact<number | undefined> => {
    const ev = lastOf(name)
    if (!ev) return absent(name)
    const v = variableOf(ev)!
    const value = v.value.type === 'uint8' ? v.value.value : undefined
    return fact(ctx, value, [ev.index])
  }
  const dbFact = (name: (typeof DB_NAMES)[number]): Fact<SignatureDb | undefined> => {
    const ev = lastOf(name)
    if (!ev) return absent(name)
    return fact(ctx, signatureDb(variableOf(ev)!), [ev.index])
  }

  // SecureBoot: exactly one byte, 0 or 1 (attack S-04). Anything else is unknown, never "on".
  const sbEv = lastOf('SecureBoot')
  let enabled: Fact<boolean | undefined>
  if (!sbEv) {
    enabled = absent('SecureBoot')
  } else {
    const v = variableOf(sbEv)!
    const raw = v.variableData
    const value = raw.length === 1 && (raw[0] === 0 || raw[0] === 1) ? raw[0] === 1 : undefined
    if (value === undefined && raw.length === 0) {
      // Firmware that measures the variable while it does not exist (Arch Linux + systemd-boot,
      // go-tpm-tools arch-linux-workstation.bin; go-eventlog's AllowEmptySBVar): Secure Boot is
      // not shown to be on, which is all a verifier may conclude. State unknown, a warning: an
      // honest machine, and "unknown" never satisfies a rule that wants Secure Boot on (S-04).
      findings.push({ code: 'SECUREBOOT_VALUE_EMPTY', severity: 'warning', message: 'SecureBoot variable was measured with no data (the variable did not exist); Secure Boot state unknown, not on', pcr: 7, eventIndex: sbEv.index })
    } else if (value === undefined) {
      findings.push({ code: 'SECUREBOOT_VALUE_INVALID', severity: 'error', message: `SecureBoot variable data is ${raw.length === 1 ? `0x${raw[0]!.toString(16)}` : `${raw.length} bytes`}, expected one byte 0 or 1; state unknown`, pcr: 7, eventIndex: sbEv.index })
    }
    // An invalid value is unknown, and an unknown state is not a trusted fact (S-04).
    enabled = value === undefined ? untrustedFact(value, [sbEv.index], 'FACT_VALUE_INVALID', `event ${sbEv.index}'s data is not a valid value`) : fact(ctx, value, [sbEv.index])
  }
  const state: SecureBootState = {
    enabled,
    setupMode: mode('SetupMode'),
    auditMode: mode('AuditMode'),
    deployedMode: mode('DeployedMode'),
    pk: dbFact('PK'),
    kek: dbFact('KEK'),
    db: dbFact('db'),
    dbx: dbFact('dbx'),
    dbt: dbFact('dbt'),
    dbr: dbFact('dbr'),
    authorities,
    // "No debugger" rests on absence: every PCR 7 event must have bound content, or one of them
    // could be the "UEFI Debug Mode" action retyped with its data replaced (R-01, R-02).
    debugMode: debug.length ? fact(ctx, true, debug) : withBoundAbsence(ctx, fact(ctx, false, [], 7), [7], [7]),
    dmaProtectionDisabled: dma.length ? fact(ctx, true, dma) : withBoundAbsence(ctx, fact(ctx, false, [], 7), [7], [7]),
    separator,
  }
  if (enabled.value === true) {
    if (authorities.length === 0) {
      findings.push({ code: 'SECUREBOOT_NO_AUTHORITY', severity: 'error', message: 'SecureBoot = 1 but no EV_EFI_VARIABLE_AUTHORITY event: nothing shows an image was verified (attack S-04)', pcr: 7 })
    }
    for (const [name, f] of [['PK', state.pk], ['KEK', state.kek], ['db', state.db]] as const) {
      if (!f.value || f.value.certs.length + f.value.hashes.length + f.value.otherCount === 0) {
        findings.push({ code: 'SECUREBOOT_EMPTY_DATABASE', severity: 'error', message: `SecureBoot = 1 but ${name} is ${f.value ? 'empty' : 'not measured'} (attack S-04)`, pcr: 7, ...(f.events[0] !== undefined ? { eventIndex: f.events[0] } : {}) })
      }
    }
  }
  if (debug.length) {
    findings.push({ code: 'UEFI_DEBUG_MODE', severity: 'error', message: 'a UEFI debugger was present during boot ("UEFI Debug Mode", attack R-04)', pcr: 7, eventIndex: debug[0], relatedEvents: debug })
  }
  if (dma.length) {
    findings.push({ code: 'DMA_PROTECTION_DISABLED', severity: 'warning', message: 'the firmware reports DMA protection disabled (attack R-04)', pcr: 7, eventIndex: dma[0], relatedEvents: dma })
  }
  // PKfail (CVE-2024-8105) needs decoded subjects: checked in boot_state.ts.
  return state
}
