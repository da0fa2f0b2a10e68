/**
 * Structural checks that replay cannot see (tcg-event-log.md §6, attacks, L-05,
 * L-06). They return findings; they never throw.
 *
 * - exactly one EV_SEPARATOR in each of PCR 0-7, with 4 data bytes; 0x00000000 normal,
 *   0xFFFFFFFF accepted and noted, 0x00000001 = firmware error;
 * - an event whose digest equals a separator's (or a well-known EV_EFI_ACTION string's) must
 *   carry that type: retyping is how the event-type masquerade hides events;
 * - pre-OS configuration events must not follow their PCR's separator;
 * - PCR indices above 23 are only tolerated on EV_NO_ACTION (Windows 0xFFFFFFFF records);
 * - EV_NO_ACTION digests should be zero (they are never extended).
 * In CCEL logs (MR indices) only duplicate separators per register and the no-action rule apply.
 */
import type { HashAlgName } from '../alg.js'
import { defaultHashProvider, type HashProvider } from '../hash/provider.js'
import type { Finding } from '../findings.js'
import { EV } from './event_types.js'
import type { IntegrityReport } from './integrity.js'
import type { EventLog, TcgEvent } from './types.js'

const SEP_VALUES = { '00000000': [0, 0, 0, 0], ffffffff: [0xff, 0xff, 0xff, 0xff], '01000000': [1, 0, 0, 0] } as const
const WELL_KNOWN_ACTIONS = ['Calling EFI Application from Boot Option', 'Exit Boot Services Invocation', 'Returning from EFI Application from Boot Option']

/**
 * Types measured before ReadyToBoot in PCR 0 and 7; seeing one after the separator is wrong.
 * PCR 1 is left out on purpose: real firmware (corpus: tcglog-parser, tpm2-tss pc_client,
 * Keylime laptop, AMD server logs) measures handoff tables and variables there after it.
 */
const PRE_OS_TYPES: Record<number, readonly number[]> = {
  0: [EV.EV_S_CRTM_VERSION, EV.EV_S_CRTM_CONTENTS, EV.EV_POST_CODE, EV.EV_EFI_PLATFORM_FIRMWARE_BLOB, EV.EV_EFI_PLATFORM_FIRMWARE_BLOB2, EV.EV_EFI_HCRTM_EVENT],
  7: [EV.EV_EFI_VARIABLE_DRIVER_CONFIG],
}

/** Types allowed in PCR 7 (go-attestation `ParseSecurebootState`; SPDM policy/authority: PFP 1.06). */
const PCR7_TYPES: ReadonlySet<number> = new Set([
  EV.EV_NO_ACTION,
  EV.EV_SEPARATOR,
  EV.EV_EFI_ACTION,
  EV.EV_EFI_VARIABLE_DRIVER_CONFIG,
  EV.EV_EFI_VARIABLE_AUTHORITY,
  EV.EV_EFI_SPDM_DEVICE_POLICY,
  EV.EV_EFI_SPDM_DEVICE_AUTHORITY,
])

/** Descriptor types (digest not over the data) the PFP assigns to each firmware PCR. */
const NATIVE_DESCRIPTOR_TYPES: Record<number, readonly number[]> = {
  0: [EV.EV_S_CRTM_CONTENTS, EV.EV_POST_CODE, EV.EV_POST_CODE2, EV.EV_EFI_PLATFORM_FIRMWARE_BLOB, EV.EV_EFI_PLATFORM_FIRMWARE_BLOB2, EV.EV_NONHOST_CODE],
  1: [EV.EV_CPU_MICROCODE, EV.EV_EFI_HANDOFF_TABLES, EV.EV_EFI_HANDOFF_TABLES2, EV.EV_NONHOST_CONFIG],
  2: [EV.EV_EFI_BOOT_SERVICES_DRIVER, EV.EV_EFI_RUNTIME_SERVICES_DRIVER, EV.EV_EFI_PLATFORM_FIRMWARE_BLOB, EV.EV_EFI_PLATFORM_FIRMWARE_BLOB2, EV.EV_EFI_SPDM_FIRMWARE_BLOB],
  4: [EV.EV_EFI_BOOT_SERVICES_APPLICATION],
}

const te = new TextEncoder()

type KnownDigests = Map<number, { digest: Uint8Array; what: string }[]>
const knownCache = new Map<string, KnownDigests>()

/** Digests of the well-known data in one bank; constants, so computed once per provider and bank. */
function knownDigests(hash: HashProvider, bank: HashAlgName): KnownDigests {
  const key = `${hash.name}/${bank}`
  let m = knownCache.get(key)
  if (m) return m
  m = new Map()
  const add = (bytes: Uint8Array, what: string): void => {
    const digest = hash.digest(bank, bytes)
    const k = prefix(digest)
    m!.set(k, [...(m!.get(k) ?? []), { digest, what }])
  }
  for (const [name, v] of Object.entries(SEP_VALUES)) add(Uint8Array.from(v), `separator:${name}`)
  for (const str of WELL_KNOWN_ACTIONS) add(te.encode(str), `action:${str}`)
  knownCache.set(key, m)
  return m
}

function prefix(d: Uint8Array): number {
  return ((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!) >>> 0
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

const HEX2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

function hex4(d: Uint8Array): string {
  let s = ''
  for (let i = 0; i < d.length; i++) s += HEX2[d[i]!]
  return s
}

export function checkEventLogStructure(log: EventLog, options: { hash?: HashProvider; integrity?: IntegrityReport } = {}): Finding[] {
  const hash = options.hash ?? defaultHashProvider()
  const findings: Finding[] = []
  const pcrLog = log.registerKind === 'pcr'

  // Digests of well-known data per bank, to recognise events by digest. Looked up by
  // their first four bytes, then compared in full: no per-event hex encoding on this path.
  const known = new Map<string, KnownDigests>()
  for (const alg of log.algorithms) if (alg.known) known.set(alg.bank, knownDigests(hash, alg.bank as HashAlgName))
  const recognise = (ev: TcgEvent): string | undefined => {
    for (const d of ev.digests) {
      const candidates = known.get(d.bank)?.get(prefix(d.digest))
      if (!candidates) continue
      for (const c of candidates) if (sameBytes(c.digest, d.digest)) return c.what
    }
    return undefined
  }

  const separators = new Map<number, TcgEvent[]>()
  for (const ev of log.events) {
    if (ev.eventType === EV.EV_NO_ACTION) {
      if (ev.digests.some((d) => d.digest.some((b) => b !== 0))) {
        findings.push({ code: 'NO_ACTION_DIGEST_NONZERO', severity: 'warning', message: 'EV_NO_ACTION event with a non-zero digest (never extended; attack L-06)', pcr: ev.pcrIndex, eventIndex: ev.index })
      }
      if (ev.pcrIndex > 23 && pcrLog) {
        findings.push({ code: 'EVENT_NOT_MEASURED', severity: 'info', message: `EV_NO_ACTION record on PCR index 0x${ev.pcrIndex.toString(16)} (Windows) kept, not extended`, eventIndex: ev.index })
      }
      continue
    }
    if (ev.pcrIndex > 23) {
      findings.push({ code: 'PCR_INDEX_OUT_OF_RANGE', severity: 'error', message: `${ev.typeName} on PCR index ${ev.pcrIndex} (> 23): never replayed (attack L-05)`, pcr: ev.pcrIndex, eventIndex: ev.index })
      continue
    }
    if (ev.eventType === EV.EV_UNUSED && pcrLog && ev.pcrIndex <= 7) {
      // EV_UNUSED is reserved (PFP §10.4.1): the usual target of the event-type masquerade.
      findings.push({ code: 'EVENT_TYPE_RESERVED', severity: 'error', message: 'EV_UNUSED (reserved) event in a firmware PCR: retyped events hide measurements (attack R-01)', pcr: ev.pcrIndex, eventIndex: ev.index })
    }
    const isSep = ev.eventType === EV.EV_SEPARATOR
    const what = recognise(ev)
    if (pcrLog && ev.pcrIndex === 7 && !PCR7_TYPES.has(ev.eventType)) {
      // go-attestation ParseSecurebootState: only these types belong in the Secure Boot policy PCR.
      findings.push({ code: 'PCR7_UNEXPECTED_EVENT_TYPE', severity: 'error', message: `${ev.typeName} is not a Secure Boot policy event type (PCR 7 holds separators, EFI actions, DRIVER_CONFIG variables and authorities)`, pcr: 7, eventIndex: ev.index })
    }
    if (what && pcrLog && ev.pcrIndex <= 7) {
      const wantType = what.startsWith('separator:') ? EV.EV_SEPARATOR : EV.EV_EFI_ACTION
      // A digest can collide with a separator's by content (BootOrder [1,0] is 01 00 00 00;
      // some FIT entries measure 4 zero bytes): an event whose own type verifies its data is
      // not a masquerade. Kept data equal to the separator value, or an unknown type, is.
      const selfVerified = options.integrity?.events[ev.index]?.status === 'verified'
      if (ev.eventType !== wantType && !selfVerified) {
        const retained = ev.data.length === 4 && what === `separator:${hex4(ev.data)}`
        // A descriptor-type event may coincide with a separator digest only in a PCR the PFP
        // assigns that type to (a FIT entry in PCR 0: corpus glinux-alex); anywhere else it is
        // the masquerade.
        const native = NATIVE_DESCRIPTOR_TYPES[ev.pcrIndex]?.includes(ev.eventType) ?? false
        const strong = retained || !native || !what.startsWith('separator:')
        findings.push({
          code: what.startsWith('separator:') ? 'SEPARATOR_RETYPED' : 'ACTION_RETYPED',
          severity: strong ? 'error' : 'warning',
          message: `${ev.typeName} event has the digest of ${what.replace(':', ' ')}; it must be typed ${wantType === EV.EV_SEPARATOR ? 'EV_SEPARATOR' : 'EV_EFI_ACTION'} (event-type masquerade, attack R-01)`,
          pcr: ev.pcrIndex,
          eventIndex: ev.index,
        })
      }
    }
    if (isSep) {
      const list = separators.get(ev.pcrIndex) ?? []
      list.push(ev)
      separators.set(ev.pcrIndex, list)
      checkSeparatorValue(ev, findings, pcrLog)
    }
    // Pre-OS configuration after the separator.
    const pre = pcrLog ? PRE_OS_TYPES[ev.pcrIndex] : undefined
    if (pre && pre.includes(ev.eventType)) {
      const sep = separators.get(ev.pcrIndex)?.[0]
      if (sep) {
        findings.push({ code: 'EVENT_AFTER_SEPARATOR', severity: 'error', message: `${ev.typeName} in PCR ${ev.pcrIndex} after its separator (event ${sep.index}): pre-OS configuration must precede it`, pcr: ev.pcrIndex, eventIndex: ev.index, relatedEvents: [sep.index] })
      }
    }
    if (pcrLog && ev.pcrIndex === 7 && ev.eventType === EV.EV_EFI_VARIABLE_AUTHORITY && !separators.get(7)) {
      findings.push({ code: 'AUTHORITY_BEFORE_SEPARATOR', severity: 'warning', message: 'EV_EFI_VARIABLE_AUTHORITY before the PCR 7 separator (seen on some firmware, systemd #40381)', pcr: 7, eventIndex: ev.index })
    }
  }

  for (const [pcr, list] of separators) {
    if (list.length > 1) {
      findings.push({
        code: 'SEPARATOR_DUPLICATE',
        severity: 'error',
        message: `${list.length} separators in ${pcrLog ? 'PCR' : 'MR'} ${pcr} (events ${list.map((e) => e.index).join(', ')}); exactly one is expected`,
        pcr,
        eventIndex: list[1]!.index,
        relatedEvents: list.map((e) => e.index),
      })
    }
  }
  if (pcrLog) {
    for (let pcr = 0; pcr <= 7; pcr++) {
      if (!separators.has(pcr)) {
        findings.push({ code: 'SEPARATOR_MISSING', severity: 'error', message: `no EV_SEPARATOR in PCR ${pcr}: the pre-OS / OS boundary is not established`, pcr })
      }
    }
  }
  return findings
}

function checkSeparatorValue(ev: TcgEvent, findings: Finding[], pcrLog: boolean): void {
  const d = ev.data
  const at = { pcr: ev.pcrIndex, eventIndex: ev.index, offset: ev.dataOffset }
  // Windows ends PCR 12-14 with a "WBCL" separator (windows-wbcl-sipa.md).
  if (pcrLog && ev.pcrIndex >= 12 && ev.pcrIndex <= 14 && d.length === 4 && String.fromCharCode(...d) === 'WBCL') return
  if (d.length !== 4) {
    findings.push({ code: 'SEPARATOR_MALFORMED', severity: 'error', message: `separator data is ${d.length} bytes, expected 4 (attack L-09)`, ...at })
    return
  }
  const v = hex4(d)
  if (v === '00000000') return
  if (v === 'ffffffff') {
    findings.push({ code: 'SEPARATOR_FFFFFFFF', severity: 'info', message: 'separator value 0xFFFFFFFF (legacy convention; accepted as success)', ...at })
  } else if (v === '01000000') {
    findings.push({ code: 'SEPARATOR_ERROR', severity: 'error', message: 'separator value 1: the firmware reported a measurement error', ...at })
  } else {
    findings.push({ code: 'SEPARATOR_MALFORMED', severity: 'error', message: `separator value 0x${v} is not 0, 1 or 0xFFFFFFFF`, ...at })
  }
}
