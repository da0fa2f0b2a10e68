/**
 * Secure Boot state from PCR 7 (PFP §10.4.4, §3.3.4.8; tcg-event-log.md §8.2-8.3; attacks S-03,
 * S-04, S-05, R-04). Variables are matched by (GUID, name) — the decoder sets `known` only for
 * recognised pairs — and every value is a Fact whose trust follows its source events.
 */
import { EV } from '../eventlog/event_types.js'
import type { SignatureEntry, UefiVariableData } from '../eventlog/decode/types.js'
import type { Finding } from '../findings.js'
import { fact, type Fact, type StateContext } from './fact.js'
import { actionText, variableOf } from './events.js'

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

export function extractSecureBoot(ctx: StateContext, findings: Finding[]): SecureBootState {
  const { log } = ctx
  const seen = new Map<string, number[]>() // known name -> events
  const authorities: Authority[] = []
  let separator: number | undefined
  const debug: number[] = []
  const dma: number[] = []
  for (const ev of log.events) {
    if (ev.pcrIndex !== 7 || log.registerKind !== 'pcr') continue
    // Unexpected types in PCR 7 are a structural finding (PCR7_UNEXPECTED_EVENT_TYPE) that taints PCR 7.
    if (ev.eventType === EV.EV_SEPARATOR) {
      separator ??= ev.index
      continue
    }
    const text = actionText(ev)
    if (ev.eventType === EV.EV_EFI_ACTION && text === 'UEFI Debug Mode') debug.push(ev.index)
    if (ev.eventType === EV.EV_EFI_ACTION && text === 'DMA Protection Disabled') dma.push(ev.index)
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
  const mode = (name: (typeof MODE_NAMES)[number]): Fact<number | undefined> => {
    const ev = lastOf(name)
    if (!ev) return fact(ctx, undefined, [], 7)
    const v = variableOf(ev)!
    const value = v.value.type === 'uint8' ? v.value.value : undefined
    return fact(ctx, value, [ev.index])
  }
  const dbFact = (name: (typeof DB_NAMES)[number]): Fact<SignatureDb | undefined> => {
    const ev = lastOf(name)
    if (!ev) return fact(ctx, undefined, [], 7)
    return fact(ctx, signatureDb(variableOf(ev)!), [ev.index])
  }

  // SecureBoot: exactly one byte, 0 or 1 (attack S-04). Anything else is unknown, never "on".
  const sbEv = lastOf('SecureBoot')
  let enabled: Fact<boolean | undefined>
  if (!sbEv) {
    enabled = fact(ctx, undefined, [], 7)
  } else {
    const v = variableOf(sbEv)!
    const raw = v.variableData
    const value = raw.length === 1 && (raw[0] === 0 || raw[0] === 1) ? raw[0] === 1 : undefined
    if (value === undefined) {
      findings.push({ code: 'SECUREBOOT_VALUE_INVALID', severity: 'error', message: `SecureBoot variable data is ${raw.length === 1 ? `0x${raw[0]!.toString(16)}` : `${raw.length} bytes`}, expected one byte 0 or 1; state unknown`, pcr: 7, eventIndex: sbEv.index })
    }
    enabled = fact(ctx, value, [sbEv.index])
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
    debugMode: fact(ctx, debug.length > 0, debug, 7),
    dmaProtectionDisabled: fact(ctx, dma.length > 0, dma, 7),
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
