/**
 * Structural checks that replay cannot see (TCG PFP EV_SEPARATOR rules, attacks R-01, R-03, L-05,
 * L-06). They return findings; they never throw.
 *
 * - exactly one EV_SEPARATOR in each of PCR 0-7, with 4 data bytes; 0x00000000 normal,
 *   0xFFFFFFFF accepted and noted, 0x00000001 = firmware error (separatorFindings);
 * - an event whose digest equals a separator's (or a well-known EV_EFI_ACTION string's) must
 *   carry that type: retyping is how the event-type masquerade hides events (R-01);
 * - pre-OS configuration events must not follow their PCR's separator;
 * - PCR indices above 23 are only tolerated on EV_NO_ACTION (Windows 0xFFFFFFFF records);
 * - EV_NO_ACTION records in PCR 0-23 carry zero digests and a known signature (L-06).
 * In CCEL logs (MR indices) only the separator counts per register and the no-action rules apply.
 *
 * Severity model: an error means the evidence is unsound or shows tampering; incompleteness or a
 * documented firmware deviation that only limits what can be trusted is a warning, and keeps the
 * `pcr` (and event index) so later stages can mark that register's facts untrusted.
 */
import { isWbclSeparator } from './windows_marker.js'
import type { HashAlgName } from '../alg.js'
import { bytesEqual } from '../bytes/hex.js'
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

  // Digests of well-known data per bank, to recognise events by digest (R-01). Looked up by
  // their first four bytes, then compared in full: no per-event hex encoding on this path.
  const known = new Map<string, KnownDigests>()
  for (const alg of log.algorithms) if (alg.known) known.set(alg.bank, knownDigests(hash, alg.bank as HashAlgName))
  const recognise = (ev: TcgEvent): string | undefined => {
    for (const d of ev.digests) {
      const candidates = known.get(d.bank)?.get(prefix(d.digest))
      if (!candidates) continue
      for (const c of candidates) if (bytesEqual(c.digest, d.digest)) return c.what
    }
    return undefined
  }

  const separators = new Map<number, TcgEvent[]>()
  for (const ev of log.events) {
    if (ev.eventType === EV.EV_NO_ACTION) {
      checkNoAction(ev, pcrLog, findings)
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
    // Pre-OS configuration after the separator (R-03).
    const pre = pcrLog ? PRE_OS_TYPES[ev.pcrIndex] : undefined
    if (pre && pre.includes(ev.eventType)) {
      const sep = separators.get(ev.pcrIndex)?.[0]
      if (sep && ev.pcrIndex === 7 && isShimMokList(ev)) {
        // Older shim measured MokList / MokListX into PCR 7 as DRIVER_CONFIG (corpus: Debian
        // deb1); newer shim uses EV_IPL in PCR 14. Recognised only by shim's GUID and these two
        // names: it is not a Secure Boot variable, and "SecureBoot" / "db" here stays an error (R-03).
        findings.push({ code: 'SHIM_MOKLIST_AFTER_SEPARATOR', severity: 'warning', message: `${ev.typeName} for shim's ${mokName(ev)} in PCR 7 after the separator (older shim): OS-loader data, not Secure Boot configuration`, pcr: 7, eventIndex: ev.index, relatedEvents: [sep.index] })
      } else if (sep) {
        findings.push({ code: 'EVENT_AFTER_SEPARATOR', severity: 'error', message: `${ev.typeName} in PCR ${ev.pcrIndex} after its separator (event ${sep.index}): pre-OS configuration must precede it`, pcr: ev.pcrIndex, eventIndex: ev.index, relatedEvents: [sep.index] })
      }
    }
    if (pcrLog && ev.pcrIndex === 7 && ev.eventType === EV.EV_EFI_VARIABLE_AUTHORITY && !separators.get(7)) {
      findings.push({ code: 'AUTHORITY_BEFORE_SEPARATOR', severity: 'warning', message: 'EV_EFI_VARIABLE_AUTHORITY before the PCR 7 separator (seen on some firmware, systemd #40381)', pcr: 7, eventIndex: ev.index })
    }
  }

  findings.push(...separatorFindings(log, separators))
  return findings
}

function checkSeparatorValue(ev: TcgEvent, findings: Finding[], pcrLog: boolean): void {
  const d = ev.data
  const at = { pcr: ev.pcrIndex, eventIndex: ev.index, offset: ev.dataOffset }
  // Windows ends PCR 12-14 with a "WBCL" separator (Windows SDK wbcl.h; TCG PFP §10.4.1).
  if (pcrLog && ev.pcrIndex >= 12 && ev.pcrIndex <= 14 && isWbclSeparator(ev)) return
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

/** The signatures of the EV_NO_ACTION bodies the PFP defines (§10.4.5; PFP 1.06 SP800-155 Event2/3). */
const NO_ACTION_SIGNATURES: ReadonlySet<string> = new Set([
  'Spec ID Event03\0',
  'Spec ID Event02\0',
  'Spec ID Event00\0',
  'StartupLocality\0',
  'SP800-155 Event\0',
  'SP800-155 Event2',
  'SP800-155 Event3',
  'H-CRTM CompMeas\0',
  'NvIndexInstance\0',
  'NvIndexDynamic\0\0',
])

/**
 * EV_NO_ACTION is never extended (attack L-06), so its digests and content prove nothing. In PCR
 * 0-23 (and every CC register) a non-zero digest or an unknown signature means the record was
 * forged or retyped: error. A body shorter than a signature is a warning (go-attestation's
 * short_no_action_eventlog is a real log). Windows records on index 0xFFFFFFFF carry SIPA data
 * with real digests: kept, reported, never extended.
 */
function checkNoAction(ev: TcgEvent, pcrLog: boolean, findings: Finding[]): void {
  const at = { pcr: ev.pcrIndex, eventIndex: ev.index }
  const nonZero = ev.digests.some((d) => d.digest.some((b) => b !== 0))
  if (ev.pcrIndex > 23 && pcrLog) {
    if (nonZero) findings.push({ code: 'NO_ACTION_DIGEST_NONZERO', severity: 'warning', message: 'EV_NO_ACTION event with a non-zero digest on a Windows 0xFFFFFFFF record (never extended; attack L-06)', ...at })
    findings.push({ code: 'EVENT_NOT_MEASURED', severity: 'info', message: `EV_NO_ACTION record on PCR index 0x${ev.pcrIndex.toString(16)} (Windows) kept, not extended`, eventIndex: ev.index })
    return
  }
  if (nonZero) findings.push({ code: 'NO_ACTION_DIGEST_NONZERO', severity: 'error', message: 'EV_NO_ACTION event with a non-zero digest: such records are never extended, so the digest is forged or the event retyped (attack L-06)', ...at })
  if (ev.data.length < 16) {
    findings.push({ code: 'NO_ACTION_SHORT', severity: 'warning', message: `EV_NO_ACTION data is ${ev.data.length} bytes, shorter than a 16-byte signature; content ignored (attack L-06)`, ...at })
    return
  }
  const sig = String.fromCharCode(...ev.data.subarray(0, 16))
  if (!NO_ACTION_SIGNATURES.has(sig)) {
    findings.push({ code: 'NO_ACTION_UNKNOWN_SIGNATURE', severity: 'error', message: `EV_NO_ACTION with unknown signature ${JSON.stringify(sig.replace(/\0+$/, ''))}: not a PFP-defined record (attack L-06)`, ...at })
  }
}

/** SHIM_LOCK_GUID 605dab50-e046-4300-abb6-3dd810dd8b23, as stored (little-endian fields). */
const SHIM_GUID = [0x50, 0xab, 0x5d, 0x60, 0x46, 0xe0, 0x00, 0x43, 0xab, 0xb6, 0x3d, 0xd8, 0x10, 0xdd, 0x8b, 0x23]
const MOK_NAMES = new Set(['MokList', 'MokListX'])

/** The UEFI_VARIABLE_DATA name when the GUID is shim's and the lengths are exact (PFP §10.4.4), read from the raw bytes. */
function mokName(ev: TcgEvent): string | undefined {
  const d = ev.data
  if (d.length < 32 || SHIM_GUID.some((b, i) => d[i] !== b)) return undefined
  const v = new DataView(d.buffer, d.byteOffset, d.byteLength)
  const nameLen = v.getBigUint64(16, true)
  const dataLen = v.getBigUint64(24, true)
  if (nameLen > 16n || 32n + 2n * nameLen + dataLen !== BigInt(d.length)) return undefined
  let name = ''
  for (let i = 0; i < Number(nameLen); i++) name += String.fromCharCode(v.getUint16(32 + 2 * i, true))
  return name
}

function isShimMokList(ev: TcgEvent): boolean {
  const name = mokName(ev)
  return name !== undefined && MOK_NAMES.has(name)
}

/**
 * Separator counts per register (PFP §3.3.2.2: one EV_SEPARATOR per PCR 0-7 at the pre-OS / OS
 * boundary). The boundary of a register is its FIRST separator; what precedes it is pre-OS.
 *
 * - PCR logs: a PCR 0-7 without one is incomplete (partial logs, go-attestation's Windows
 *   Shielded VM log): SEPARATOR_MISSING warning with its `pcr`, whose facts later stages treat
 *   as boundary-missing. A second one is an error, except when EVERY PCR 0-7 holds exactly two:
 *   the firmware ran its ReadyToBoot path twice (corpus: Lenovo SR635 amd635), one
 *   SEPARATOR_REPEATED_BOOT warning per PCR.
 * - CC logs (TDX mapping, edk2 TdTcg2Dxe): PCR 0 (older edk2), 1 and 7 share MR 1 (RTMR0) and
 *   PCR 2-6 share MR 2 (RTMR1), so MR 1 may hold up to 3 separators and MR 2 up to 5 (corpus:
 *   go-eventlog event_log.bin); more is an error. TDVF before edk2-stable202411 (edk2 PR 6051)
 *   extended the ReadyToBoot separator into MR 1 instead of MR 2: two in MR 1 and none in MR 2
 *   (trustee ccel_data_grub / ovmf, go-eventlog ccel_unpadded and the cos-113 "dupe-separator"
 *   logs, which all have this layout). It is a firmware bug, not tampering: a
 *   SEPARATOR_MISPLACED_MR warning on MR 1 plus SEPARATOR_MISSING on MR 2, so boot state that
 *   relies on MR 2's boundary is untrusted (go-eventlog refuses such state).
 */
function separatorFindings(log: EventLog, separators: Map<number, TcgEvent[]>): Finding[] {
  const out: Finding[] = []
  const pcrLog = log.registerKind === 'pcr'
  const count = (r: number): number => separators.get(r)?.length ?? 0
  const repeatedBoot = pcrLog && [0, 1, 2, 3, 4, 5, 6, 7].every((p) => count(p) === 2)
  const tdvfLegacy = !pcrLog && count(1) === 2 && count(2) === 0
  const allowed = (r: number): number => (pcrLog || r > 2 || r < 1 ? 1 : r === 1 ? 3 : 5)
  for (const [reg, list] of separators) {
    const related = list.map((e) => e.index)
    if (repeatedBoot && reg <= 7) {
      out.push({ code: 'SEPARATOR_REPEATED_BOOT', severity: 'warning', message: `PCR ${reg} holds two separators (events ${related.join(', ')}), as does every PCR 0-7: the firmware ran its boot path twice; pre-OS configuration is what precedes the first`, pcr: reg, eventIndex: list[1]!.index, relatedEvents: related })
    } else if (tdvfLegacy && reg === 1) {
      out.push({ code: 'SEPARATOR_MISPLACED_MR', severity: 'warning', message: `MR 1 holds two separators (events ${related.join(', ')}) and MR 2 none: TDVF before edk2-stable202411 extended the ReadyToBoot separator into RTMR0 instead of RTMR1 (firmware bug)`, pcr: 1, eventIndex: list[1]!.index, relatedEvents: related })
    } else if (list.length > allowed(reg)) {
      out.push({ code: 'SEPARATOR_DUPLICATE', severity: 'error', message: `${list.length} separators in ${pcrLog ? 'PCR' : 'MR'} ${reg} (events ${related.join(', ')}); ${allowed(reg) === 1 ? 'exactly one is' : `at most ${allowed(reg)} are`} expected`, pcr: reg, eventIndex: list[allowed(reg)]!.index, relatedEvents: related })
    }
  }
  const required = pcrLog ? [0, 1, 2, 3, 4, 5, 6, 7] : tdvfLegacy ? [2] : []
  for (const reg of required) {
    if (!separators.has(reg)) {
      out.push({ code: 'SEPARATOR_MISSING', severity: 'warning', message: `no EV_SEPARATOR in ${pcrLog ? 'PCR' : 'MR'} ${reg}: the pre-OS / OS boundary is not established, so its configuration cannot be placed before it (incomplete, not tampered)`, pcr: reg })
    }
  }
  return out
}
