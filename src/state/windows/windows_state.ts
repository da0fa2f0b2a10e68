/**
 * Windows boot state from the WBCL part of a TCG log (issue 5; windows-wbcl-sipa.md §6-§8).
 *
 * Every SIPA record of every EV_EVENT_TAG event in PCR 12/13/14 (19/20 for DRTM) is decoded,
 * then the claims are derived under MAA's names with MAA's rules (`ContainsOnlyValue`, defaults
 * when absent), which coincide with go-attestation's latching: debugging / test signing ever
 * enabled stays enabled (…Disabled = false), code integrity ever disabled stays disabled.
 *
 * Trust (attacks R-01, R-02, R-03):
 * - a claim's `events` are ALL the events its value depends on: every SIPA event of the claim's
 *   PCR set up to the WBCL separator, because a value such as "debugging never enabled" is a
 *   statement about the absence of records in each of them. Editing any of them (digest kept)
 *   makes the claim untrusted;
 * - events are classified by content, not by the unmeasured EventType: SIPA data under another
 *   type is still decoded and counted (retyping cannot hide a fact) and the claim becomes
 *   untrusted with a finding; the WBCL boundary is recognised by its "WBCL" data;
 * - only PCR 12/13/14/19/20 are read (SIPA data elsewhere creates nothing), and SIPA events after
 *   a PCR's WBCL separator (extendable from the OS after boot) are reported and ignored, as
 *   go-attestation does.
 */
import { bytesEqual, toHex } from '../../bytes/hex.js'
import { EV } from '../../eventlog/event_types.js'
import { EFI_GLOBAL_VARIABLE, formatGuid } from '../../eventlog/decode/guid.js'
import type { IntegrityStatus } from '../../eventlog/integrity.js'
import type { TcgEvent } from '../../eventlog/types.js'
import type { Finding } from '../../findings.js'
import { fact, type Fact, type StateContext } from '../fact.js'
import { DEFENDER_ELAM_PATHS, SIPA_CATEGORY_CONTAINER, SIPA_CATEGORY_MASK, SIPA_IDS, SIPA_PCRS } from './sipa_constants.js'
import { decodeSipa, walkSipa, type SipaError, type SipaRecord } from './sipa_decode.js'

export interface WindowsSipaEvent {
  eventIndex: number
  pcr: number
  eventType: number
  typeName: string
  /** By content: SIPA TLVs, the "WBCL" separator, or anything else. */
  role: 'sipa' | 'separator' | 'unexpected'
  /** The content contradicts the (unmeasured) event type. */
  retyped: boolean
  /** After this PCR's WBCL separator: decoded and listed, never used for claims. */
  afterSeparator: boolean
  integrity: IntegrityStatus | 'unknown'
  /** Top-level SIPA records (empty for separators and unexpected events). */
  records: SipaRecord[]
  /** Framing errors of the top-level sequence. */
  errors: SipaError[]
  /** All records decoded without error. */
  complete: boolean
}

export interface WindowsClaims {
  secureBootEnabled: Fact<boolean>
  bootDebuggingDisabled: Fact<boolean>
  notSafeMode: Fact<boolean>
  notWinPE: Fact<boolean>
  codeIntegrityEnabled: Fact<boolean>
  testSigningDisabled: Fact<boolean>
  vbsEnabled: Fact<boolean>
  hvciEnabled: Fact<boolean>
  /** First non-zero FVEB_UNLOCK_FLAG_* value, else 0. */
  bitlockerStatus: Fact<number>
  elamDriverLoaded: Fact<boolean>
  /** SIPA BOOTCOUNTER; null when absent; a decimal string beyond 2^53. */
  bootCount: Fact<number | string | null>
  // Further MAA-documented claims from the same records.
  osKernelDebuggingDisabled: Fact<boolean>
  flightSigningNotEnabled: Fact<boolean>
  iommuEnabled: Fact<boolean>
  /** Last DATAEXECUTIONPREVENTION value (NX policy), else 0. */
  depPolicy: Fact<number | string>
  /** go-attestation `ColdBoot`: the boot manager launched winload (TRANSFER_CONTROL 1); null when absent. */
  coldBoot: Fact<boolean | null>
}

export type WindowsClaimName = keyof WindowsClaims

export interface BootModule {
  filePath?: string
  /** Authenticode hash, lowercase hex. */
  authenticodeHash?: string
  hashAlgorithm?: { id: number; name?: string }
  imageSize?: number | string
  /** Load addresses (`0x…`), in log order across all records of this hash. */
  imageBase: string[]
  imageValidated?: boolean
  signer: { issuer?: string; publisher?: string; serial?: string; sha1Thumbprint?: string }
  svn?: number
  /** Events holding a LOADEDMODULE_AGGREGATION for this module. */
  events: number[]
  /** SIPA paths of those aggregations, `#<event>:<path>`. */
  sipaPaths: string[]
  trusted: boolean
  reason?: string
}

export interface ElamDriver {
  /** ELAM_KEYNAME (the AV vendor key, e.g. "Windows Defender"). */
  name: string
  measured?: string
  configuration?: string
  policy?: string
  eventIndex: number
  pcr: number
  sipaPath: string
  trusted: boolean
  reason?: string
}

export interface WindowsState {
  /** Whether the log carries Windows measured-boot data (SIPA events or WBCL separators). */
  detected: boolean
  claims: WindowsClaims
  bootModules: BootModule[]
  elamDrivers: ElamDriver[]
  sipaEvents: WindowsSipaEvent[]
  findings: Finding[]
}

const WBCL = new Uint8Array([0x57, 0x42, 0x43, 0x4c])
const ALL = [12, 13, 19, 20]
const EARLY = [12, 19]

/**
 * Extract the Windows boot state.
 * @example
 * const ctx = makeContext(log, verifyEventIntegrity(log), quotedPcrs)
 * const win = extractWindowsState(ctx)
 * if (!win.claims.bootDebuggingDisabled.value) …
 */
export function extractWindowsState(ctx: StateContext): WindowsState {
  const findings: Finding[] = []
  const sipaEvents = classify(ctx, findings)
  const detected = sipaEvents.some((e) => e.role === 'sipa' || (e.role === 'separator' && !e.retyped))
  if (!detected) findings.length = 0
  const d = new Deriver(ctx, detected ? sipaEvents : [], findings)
  const claims = d.claims()
  const bootModules = detected ? d.bootModules() : []
  const elamDrivers = detected ? d.elamDrivers() : []
  const untrusted = (Object.keys(claims) as WindowsClaimName[]).filter((k) => !claims[k].trusted)
  if (detected && untrusted.length) {
    findings.push({
      code: 'WINDOWS_CLAIMS_UNTRUSTED',
      severity: 'warning',
      message: `Windows claims not trusted: ${untrusted.map((k) => `${k} (${claims[k].reason})`).join('; ')}`,
    })
  }
  return { detected, claims, bootModules, elamDrivers, sipaEvents, findings }
}

function classify(ctx: StateContext, findings: Finding[]): WindowsSipaEvent[] {
  const out: WindowsSipaEvent[] = []
  const separatorAt = new Map<number, number>()
  for (const ev of ctx.log.events) {
    if (!SIPA_PCRS.includes(ev.pcrIndex) || ev.eventType === EV.EV_NO_ACTION) continue
    const integrity: IntegrityStatus | 'unknown' = ctx.integrity.events[ev.index]?.status ?? 'unknown'
    const base = { eventIndex: ev.index, pcr: ev.pcrIndex, eventType: ev.eventType, typeName: ev.typeName, integrity, afterSeparator: separatorAt.has(ev.pcrIndex) }
    if (bytesEqual(ev.data, WBCL)) {
      const retyped = ev.eventType !== EV.EV_SEPARATOR
      if (retyped) findings.push(finding('WINDOWS_EVENT_RETYPED', 'error', `event ${ev.index} in PCR ${ev.pcrIndex} carries the WBCL separator but is typed ${ev.typeName}`, ev))
      if (separatorAt.has(ev.pcrIndex)) {
        findings.push({ ...finding('WINDOWS_WBCL_SEPARATOR_DUPLICATE', 'error', `second WBCL separator in PCR ${ev.pcrIndex}`, ev), relatedEvents: [separatorAt.get(ev.pcrIndex)!] })
      } else separatorAt.set(ev.pcrIndex, ev.index)
      out.push({ ...base, role: 'separator', retyped, records: [], errors: [], complete: true })
      continue
    }
    const dec = decodeSipa(ev.data, { base: ev.dataOffset, eventIndex: ev.index })
    const first = dec.records[0]
    const looksSipa = first !== undefined && SIPA_IDS.has(first.id) && dec.errors.length === 0
    if (ev.eventType === EV.EV_EVENT_TAG || looksSipa) {
      const retyped = ev.eventType !== EV.EV_EVENT_TAG
      const rec: WindowsSipaEvent = { ...base, role: 'sipa', retyped, records: dec.records, errors: dec.errors, complete: dec.complete }
      out.push(rec)
      if (retyped) findings.push(finding('WINDOWS_EVENT_RETYPED', 'error', `event ${ev.index} in PCR ${ev.pcrIndex} carries SIPA data but is typed ${ev.typeName}: its facts are still counted, and the claims they feed are untrusted`, ev))
      if (rec.afterSeparator) findings.push(finding('WINDOWS_SIPA_AFTER_SEPARATOR', 'warning', `SIPA event ${ev.index} follows the WBCL separator of PCR ${ev.pcrIndex}: ignored for claims`, ev))
      if (integrity === 'mismatch') findings.push(finding('WINDOWS_SIPA_UNVERIFIED', 'error', `SIPA event ${ev.index} (PCR ${ev.pcrIndex}) does not hash to its digest: its content is not what was measured, and the Windows claims derived from it are untrusted`, ev))
      if (!dec.complete) {
        const errs = [...dec.errors, ...[...walkSipa(dec.records)].flatMap((r) => (r.error ? [r.error] : []))]
        findings.push({ ...finding('WINDOWS_SIPA_MALFORMED', 'warning', `SIPA event ${ev.index}: ${errs.length} record(s) not decoded (kept raw): ${errs.slice(0, 3).map((e) => e.message).join('; ')}`, ev), offset: errs[0]?.offset })
      }
      if ((ev.pcrIndex === 12 || ev.pcrIndex === 13) && dec.records.some((r) => ((r.id & SIPA_CATEGORY_MASK) >>> 0) !== SIPA_CATEGORY_CONTAINER)) {
        findings.push(finding('WINDOWS_SIPA_NOT_CONTAINED', 'info', `SIPA event ${ev.index} (PCR ${ev.pcrIndex}) has top-level records outside a container`, ev))
      }
      continue
    }
    if (ev.eventType === EV.EV_SEPARATOR) findings.push(finding('WINDOWS_WBCL_SEPARATOR_INVALID', 'error', `separator in PCR ${ev.pcrIndex} does not carry "WBCL"`, ev))
    else findings.push(finding('WINDOWS_UNEXPECTED_EVENT', 'warning', `${ev.typeName} event ${ev.index} in SIPA PCR ${ev.pcrIndex} holds neither SIPA data nor the WBCL separator`, ev))
    out.push({ ...base, role: 'unexpected', retyped: false, records: [], errors: [], complete: true })
  }
  return out
}

function finding(code: string, severity: Finding['severity'], message: string, ev: TcgEvent): Finding {
  return { code, severity, message, pcr: ev.pcrIndex, eventIndex: ev.index }
}

interface Hit {
  ev: WindowsSipaEvent
  rec: SipaRecord
}

class Deriver {
  constructor(
    private readonly ctx: StateContext,
    private readonly events: WindowsSipaEvent[],
    private readonly findings: Finding[],
  ) {}

  /** Events a claim over `pcrs` depends on (see the module comment). */
  private scanned(pcrs: number[]): WindowsSipaEvent[] {
    return this.events.filter((e) => pcrs.includes(e.pcr) && (e.retyped || (!e.afterSeparator && e.role !== 'separator')))
  }

  private hits(pcrs: number[], names: string[]): Hit[] {
    const out: Hit[] = []
    for (const ev of this.scanned(pcrs)) {
      if (ev.role !== 'sipa' || ev.afterSeparator) continue
      for (const rec of walkSipa(ev.records)) if (names.includes(rec.name)) out.push({ ev, rec })
    }
    return out
  }

  private make<T>(value: T, pcrs: number[]): Fact<T> {
    const evs = this.scanned(pcrs)
    const f = fact(this.ctx, value, evs.map((e) => e.eventIndex), pcrs[0])
    const re = evs.find((e) => e.retyped)
    if (f.trusted && re) return { value, trusted: false, events: f.events, reason: `event ${re.eventIndex} was retyped (${re.typeName} carrying Windows data)` }
    return f
  }

  /** MAA `ContainsOnlyValue`: non-empty and every record satisfies `ok` (undecodable records never do). */
  private only(pcrs: number[], names: string[], ok: (r: SipaRecord) => boolean, absent: boolean): Fact<boolean> {
    const hs = this.hits(pcrs, names)
    return this.make(hs.length ? hs.every((h) => ok(h.rec)) : absent, pcrs)
  }

  claims(): WindowsClaims {
    const isFalse = (r: SipaRecord): boolean => r.value?.type === 'bool' && !r.value.value
    const isTrue = (r: SipaRecord): boolean => r.value?.type === 'bool' && r.value.value
    const bitlocker = this.hits(EARLY, ['BITLOCKER_UNLOCK']).map((h) => (h.rec.value?.type === 'uint' ? h.rec.value.value : undefined))
    const dep = this.hits(ALL, ['DATAEXECUTIONPREVENTION']).map((h) => (h.rec.value?.type === 'uint' ? h.rec.value.value : undefined))
    const transfer = this.hits([12, 19], ['TRANSFER_CONTROL']).map((h) => (h.rec.value?.type === 'uint' ? h.rec.value.value : undefined))
    return {
      secureBootEnabled: this.secureBoot(),
      bootDebuggingDisabled: this.only(ALL, ['BOOTDEBUGGING'], isFalse, false),
      notSafeMode: this.only(ALL, ['SAFEMODE'], isFalse, true),
      notWinPE: this.only(ALL, ['WINPE'], isFalse, true),
      codeIntegrityEnabled: this.only(ALL, ['CODEINTEGRITY'], isTrue, false),
      testSigningDisabled: this.only(ALL, ['TESTSIGNING'], isFalse, false),
      vbsEnabled: this.only(EARLY, ['VBS_VSM_REQUIRED', 'VBS_MANDATORY_ENFORCEMENT'], isTrue, false),
      hvciEnabled: this.only(EARLY, ['VBS_HVCI_POLICY'], (r) => r.value?.type === 'uint' && r.value.value === 1, false),
      bitlockerStatus: this.make(Number(bitlocker.find((v) => v !== undefined && v !== 0 && v !== '0') ?? 0), EARLY),
      elamDriverLoaded: this.make(this.defenderElamLoaded(), ALL),
      bootCount: this.bootCount(),
      osKernelDebuggingDisabled: this.only(ALL, ['OSKERNELDEBUG'], isFalse, false),
      flightSigningNotEnabled: this.only(ALL, ['FLIGHTSIGNING'], isFalse, false),
      iommuEnabled: this.only(EARLY, ['VBS_IOMMU_REQUIRED'], isTrue, false),
      depPolicy: this.make(dep.length ? (dep[dep.length - 1] ?? 0) : 0, ALL),
      coldBoot: this.make(transfer.length ? transfer.includes(1) : null, [12, 19]),
    }
  }

  private defenderElamLoaded(): boolean {
    return this.hits(ALL, ['LOADEDMODULE_AGGREGATION']).some(({ rec }) => {
      const kids = rec.children ?? []
      const path = kids.find((k) => k.name === 'FILEPATH')?.value
      const validated = kids.find((k) => k.name === 'IMAGEVALIDATED')?.value
      return path?.type === 'string' && DEFENDER_ELAM_PATHS.includes(path.value.toLowerCase()) && validated?.type === 'bool' && validated.value
    })
  }

  private bootCount(): Fact<number | string | null> {
    const hs = this.hits(ALL, ['BOOTCOUNTER'])
    const values = hs.map((h) => (h.rec.value?.type === 'uint' ? h.rec.value.value : undefined))
    const distinct = [...new Set(values.map(String))]
    const f = this.make<number | string | null>(values[0] ?? null, ALL)
    if (distinct.length > 1) {
      this.findings.push({ code: 'WINDOWS_BOOTCOUNT_CONFLICT', severity: 'error', message: `conflicting SIPA boot counters: ${distinct.join(', ')}`, eventIndex: hs[0]!.ev.eventIndex, relatedEvents: hs.slice(1).map((h) => h.ev.eventIndex) })
      return { ...f, trusted: false, reason: `conflicting boot counter values (${distinct.join(', ')})` }
    }
    return f
  }

  /**
   * MAA: exactly one PCR 7 EV_EFI_VARIABLE_DRIVER_CONFIG for EFI_GLOBAL_VARIABLE "SecureBoot",
   * with data 01. Found by content (a retyped copy still counts and is flagged), before PCR 7's
   * separator (a later one is configuration after the boundary: flagged, untrusted).
   */
  private secureBoot(): Fact<boolean> {
    const pcr7 = this.ctx.log.events.filter((e) => e.pcrIndex === 7 && e.eventType !== EV.EV_NO_ACTION)
    const sep = pcr7.find((e) => e.eventType === EV.EV_SEPARATOR || (e.data.length === 4 && (e.data.every((b) => b === 0) || e.data.every((b) => b === 0xff))))
    const found: { ev: TcgEvent; data: Uint8Array }[] = []
    for (const ev of pcr7) {
      const v = uefiVariable(ev.data)
      if (v && v.guid === EFI_GLOBAL_VARIABLE && v.name === 'SecureBoot') found.push({ ev, data: v.data })
    }
    const before = found.filter((x) => !sep || x.ev.index < sep.index)
    const value = before.length === 1 && before[0]!.data.length === 1 && before[0]!.data[0] === 1
    const f = fact(this.ctx, value, found.map((x) => x.ev.index), 7)
    const problems: string[] = []
    for (const x of found) {
      if (x.ev.eventType !== EV.EV_EFI_VARIABLE_DRIVER_CONFIG) {
        problems.push(`event ${x.ev.index} holds the SecureBoot variable but is typed ${x.ev.typeName}`)
        this.findings.push(finding('WINDOWS_EVENT_RETYPED', 'error', problems[problems.length - 1]!, x.ev))
      }
      if (sep && x.ev.index > sep.index) {
        problems.push(`SecureBoot variable event ${x.ev.index} follows the PCR 7 separator`)
        this.findings.push(finding('WINDOWS_SECUREBOOT_AFTER_SEPARATOR', 'error', problems[problems.length - 1]!, x.ev))
      }
    }
    if (before.length > 1) problems.push(`${before.length} SecureBoot variable events (MAA requires exactly one)`)
    return f.trusted && problems.length ? { value, trusted: false, events: f.events, reason: problems[0]! } : f
  }

  bootModules(): BootModule[] {
    const byKey = new Map<string, BootModule>()
    const order: BootModule[] = []
    for (const { ev, rec } of this.hits(ALL, ['LOADEDMODULE_AGGREGATION'])) {
      const fields = new Map<string, SipaRecord>()
      const bases: string[] = []
      for (const k of rec.children ?? []) {
        if (k.name === 'IMAGEBASE') {
          if (k.value?.type === 'uint') bases.push(`0x${BigInt(k.value.value).toString(16)}`)
          continue
        }
        if (!k.known || k.category !== 'loaded-module') {
          this.findings.push({ code: 'WINDOWS_SIPA_UNEXPECTED_FIELD', severity: 'info', message: `${k.name} inside a loaded-module aggregation (kept raw)`, pcr: ev.pcr, eventIndex: ev.eventIndex, offset: k.offset })
        }
        if (fields.has(k.name)) {
          this.findings.push({ code: 'WINDOWS_SIPA_DUPLICATE_FIELD', severity: 'warning', message: `duplicate ${k.name} in ${rec.path} (first kept)`, pcr: ev.pcr, eventIndex: ev.eventIndex, offset: k.offset })
          continue
        }
        fields.set(k.name, k)
      }
      const str = (n: string): string | undefined => {
        const v = fields.get(n)?.value
        return v?.type === 'string' ? v.value : undefined
      }
      const hex = (n: string): string | undefined => {
        const r = fields.get(n)
        return r ? toHex(r.data) : undefined
      }
      const uint = (n: string): number | string | undefined => {
        const v = fields.get(n)?.value
        return v?.type === 'uint' ? v.value : undefined
      }
      const hash = hex('AUTHENTICODEHASH')
      const key = hash ?? `#${ev.eventIndex}:${rec.path}`
      let m = byKey.get(key)
      if (!m) {
        m = { imageBase: [], signer: {}, events: [], sipaPaths: [], trusted: true }
        if (hash) m.authenticodeHash = hash
        byKey.set(key, m)
        order.push(m)
      }
      m.filePath ??= str('FILEPATH')
      const alg = uint('HASHALGORITHMID')
      if (m.hashAlgorithm === undefined && typeof alg === 'number') {
        const v = fields.get('HASHALGORITHMID')!.value
        m.hashAlgorithm = v?.type === 'uint' && v.name ? { id: alg, name: v.name } : { id: alg }
      }
      m.imageSize ??= uint('IMAGESIZE')
      const validated = fields.get('IMAGEVALIDATED')?.value
      if (m.imageValidated === undefined && validated?.type === 'bool') m.imageValidated = validated.value
      m.signer.issuer ??= str('AUTHORITYISSUER')
      m.signer.publisher ??= str('AUTHORITYPUBLISHER')
      m.signer.serial ??= hex('AUTHORITYSERIAL')
      m.signer.sha1Thumbprint ??= hex('AUTHORITYSHA1THUMBPRINT')
      const svn = uint('MODULE_SVN')
      if (m.svn === undefined && typeof svn === 'number') m.svn = svn
      m.imageBase.push(...bases)
      if (!m.events.includes(ev.eventIndex)) m.events.push(ev.eventIndex)
      m.sipaPaths.push(`#${ev.eventIndex}:${rec.path}`)
    }
    for (const m of order) {
      for (const k of Object.keys(m) as (keyof BootModule)[]) if (m[k] === undefined) delete m[k]
      for (const k of Object.keys(m.signer) as (keyof BootModule['signer'])[]) if (m.signer[k] === undefined) delete m.signer[k]
      const t = this.trustOf(m.events)
      m.trusted = t.trusted
      if (t.reason) m.reason = t.reason
    }
    return order
  }

  elamDrivers(): ElamDriver[] {
    const out: ElamDriver[] = []
    for (const { ev, rec } of this.hits(ALL, ['ELAM_AGGREGATION'])) {
      const leaves = (rec.children ?? []).filter((k) => !k.aggregation)
      if (!leaves.length) continue
      const get = (n: string): SipaRecord | undefined => leaves.find((k) => k.name === n)
      const nameVal = get('ELAM_KEYNAME')?.value
      if (nameVal?.type !== 'string') {
        this.findings.push({ code: 'WINDOWS_ELAM_UNNAMED', severity: 'warning', message: `ELAM aggregation ${rec.path} has no driver name`, pcr: ev.pcr, eventIndex: ev.eventIndex, offset: rec.offset })
        continue
      }
      const d: ElamDriver = { name: nameVal.value, eventIndex: ev.eventIndex, pcr: ev.pcr, sipaPath: rec.path, trusted: true }
      const m = get('ELAM_MEASURED')
      const c = get('ELAM_CONFIGURATION')
      const p = get('ELAM_POLICY')
      if (m) d.measured = toHex(m.data)
      if (c) d.configuration = toHex(c.data)
      if (p) d.policy = toHex(p.data)
      const t = this.trustOf([ev.eventIndex])
      d.trusted = t.trusted
      if (t.reason) d.reason = t.reason
      out.push(d)
    }
    return out
  }

  private trustOf(events: number[]): { trusted: boolean; reason?: string } {
    const g = fact(this.ctx, null, events)
    if (!g.trusted) return { trusted: false, reason: g.reason! }
    const re = this.events.find((e) => events.includes(e.eventIndex) && e.retyped)
    return re ? { trusted: false, reason: `event ${re.eventIndex} was retyped (${re.typeName} carrying Windows data)` } : { trusted: true }
  }
}

/** UEFI_VARIABLE_DATA with exact lengths, or undefined (used to find SecureBoot by content). */
function uefiVariable(d: Uint8Array): { guid: string; name: string; data: Uint8Array } | undefined {
  if (d.length < 32) return undefined
  const v = new DataView(d.buffer, d.byteOffset, d.byteLength)
  const nameLen = v.getBigUint64(16, true)
  const dataLen = v.getBigUint64(24, true)
  if (32n + 2n * nameLen + dataLen !== BigInt(d.length)) return undefined
  const n = Number(nameLen)
  let name = ''
  for (let i = 0; i < n; i++) name += String.fromCharCode(v.getUint16(32 + 2 * i, true))
  return { guid: formatGuid(d), name: name.replace(/\u0000+$/, ''), data: d.subarray(32 + 2 * n) }
}
