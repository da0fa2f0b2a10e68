/**
 * Windows boot state from the WBCL part of a TCG log (issue 5), with MAA's claim rules.
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
 *   untrusted with a finding; the WBCL boundary is recognised by its "WBCL" data, and only when
 *   its digest binds that data (sipa_events.ts);
 * - a claim that rests on absence (e.g. `testSigningDisabled` true: no record says otherwise) is
 *   trusted only when every PCR of `WINDOWS_ABSENCE_PCRS` is authenticated; one decided by a
 *   present record (a TESTSIGNING true) needs only its events;
 * - a value picked by position ("last DEP value", "first non-zero BitLocker flags") from records
 *   of different PCRs depends on the order of events across PCRs, which replay does not bind:
 *   when such records disagree the claim is untrusted (FACT_ORDER_UNBOUND);
 * - only PCR 12/13/14/19/20 are read (SIPA data elsewhere creates nothing), and SIPA events after
 *   a PCR's WBCL separator (extendable from the OS after boot) are reported and ignored, as
 *   go-attestation does.
 */
import { toHex } from '../../bytes/hex.js'
import { EV } from '../../eventlog/event_types.js'
import { EFI_GLOBAL_VARIABLE } from '../../eventlog/decode/guid.js'
import type { TcgEvent } from '../../eventlog/types.js'
import type { Finding } from '../../findings.js'
import { fact, untrustedFact, type Fact, type StateContext } from '../fact.js'
import { uefiVariableContent, wholeDataBound, withAbsence } from '../events.js'
import { DEFENDER_ELAM_PATHS, WINDOWS_ABSENCE_PCRS } from './sipa_constants.js'
import type { SipaRecord } from './sipa_decode.js'
import { SipaIndex, type SipaHit } from './sipa_index.js'
import { classify, finding, type WindowsSipaEvent } from './sipa_events.js'

export type { WindowsSipaEvent } from './sipa_events.js'
export { WINDOWS_ABSENCE_PCRS } from './sipa_constants.js'

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

const ALL = [12, 13, 19, 20]
const EARLY = [12, 19]

/**
 * Extract the Windows boot state.
 * @example
 * const ctx = contextFor(authenticateLog(log, { onlyPcrs: quotedPcrs }))
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

type Hit = SipaHit

class Deriver {
  private readonly index: SipaIndex

  constructor(
    private readonly ctx: StateContext,
    private readonly events: WindowsSipaEvent[],
    private readonly findings: Finding[],
  ) {
    this.index = new SipaIndex(events)
    const bounded = new Set(events.filter((e) => e.role === 'separator').map((e) => e.pcr))
    for (const e of events) if (e.role === 'sipa' && !bounded.has(e.pcr)) this.unbounded.add(e.pcr)
    for (const pcr of this.unbounded) {
      const first = events.find((e) => e.pcr === pcr && e.role === 'sipa')!
      findings.push({ code: 'WINDOWS_WBCL_SEPARATOR_MISSING', severity: 'warning', message: `PCR ${pcr} holds SIPA records but no WBCL separator whose digest binds it: records extended after boot cannot be told from the boot's, so the Windows claims over PCR ${pcr} are untrusted`, pcr, eventIndex: first.eventIndex })
    }
  }

  /** SIPA PCRs without a trusted WBCL separator: a record the running OS extended later would
   * read as the boot's own (the separator-before-the-OS rule, TCG PFP §3.3.4.1). */
  private readonly unbounded = new Set<number>()

  /** Events a claim over `pcrs` depends on (see the module comment). */
  private scanned(pcrs: number[]): readonly WindowsSipaEvent[] {
    return this.index.scanned(pcrs)
  }

  private hits(pcrs: number[], names: string[]): Hit[] {
    return this.index.hits(pcrs, names)
  }

  /** A claim over `pcrs`; `absence`: its value also says no contrary record was measured. */
  private make<T>(value: T, pcrs: number[], absence = true): Fact<T> {
    const evs = this.scanned(pcrs)
    const f = fact(this.ctx, value, evs.map((e) => e.eventIndex), pcrs[0])
    const re = evs.find((e) => e.retyped)
    if (f.trusted && re) return untrustedFact(value, f.events, 'FACT_LABEL_UNBOUND', `event ${re.eventIndex} was retyped (${re.typeName} carrying Windows data)`)
    const open = pcrs.find((p) => this.unbounded.has(p))
    if (f.trusted && open !== undefined) return untrustedFact(value, f.events, 'FACT_BOUNDARY_MISSING', `PCR ${open} has no WBCL separator: records extended after boot cannot be told from the boot's`)
    return absence ? withAbsence(this.ctx, f, WINDOWS_ABSENCE_PCRS) : f
  }

  /**
   * A value chosen by position among records of several PCRs: when the candidates disagree, which
   * one is "first" or "last" is the order of events across PCRs, which replay does not bind.
   */
  private positional<T>(value: T, pcrs: number[], hs: Hit[], pick: (h: Hit) => unknown): Fact<T> {
    const f = this.make(value, pcrs)
    const spread = new Set(hs.map((h) => h.ev.pcr)).size > 1 && new Set(hs.map((h) => String(pick(h)))).size > 1
    return f.trusted && spread ? untrustedFact(value, f.events, 'FACT_ORDER_UNBOUND', 'the records that decide this value are in different PCRs and disagree; their relative order is not measured') : f
  }

  /** MAA `ContainsOnlyValue`: non-empty and every record satisfies `ok` (undecodable records never do). */
  private only(pcrs: number[], names: string[], ok: (r: SipaRecord) => boolean, absent: boolean): Fact<boolean> {
    const hs = this.hits(pcrs, names)
    const contrary = hs.some((h) => !ok(h.rec))
    // A contrary record decides the value by itself; "all agree" and the default rest on absence.
    return this.make(hs.length ? !contrary : absent, pcrs, !contrary)
  }

  claims(): WindowsClaims {
    const isFalse = (r: SipaRecord): boolean => r.value?.type === 'bool' && !r.value.value
    const isTrue = (r: SipaRecord): boolean => r.value?.type === 'bool' && r.value.value
    const uintOf = (h: Hit): number | string | undefined => (h.rec.value?.type === 'uint' ? h.rec.value.value : undefined)
    const bitlockerHits = this.hits(EARLY, ['BITLOCKER_UNLOCK'])
    const bitlocker = bitlockerHits.map(uintOf)
    const nonZero = bitlockerHits.filter((h) => { const v = uintOf(h); return v !== undefined && v !== 0 && v !== '0' })
    const depHits = this.hits(ALL, ['DATAEXECUTIONPREVENTION'])
    const dep = depHits.map(uintOf)
    const transfer = this.hits([12, 19], ['TRANSFER_CONTROL']).map(uintOf)
    return {
      secureBootEnabled: this.secureBoot(),
      bootDebuggingDisabled: this.only(ALL, ['BOOTDEBUGGING'], isFalse, false),
      notSafeMode: this.only(ALL, ['SAFEMODE'], isFalse, true),
      notWinPE: this.only(ALL, ['WINPE'], isFalse, true),
      codeIntegrityEnabled: this.only(ALL, ['CODEINTEGRITY'], isTrue, false),
      testSigningDisabled: this.only(ALL, ['TESTSIGNING'], isFalse, false),
      vbsEnabled: this.only(EARLY, ['VBS_VSM_REQUIRED', 'VBS_MANDATORY_ENFORCEMENT'], isTrue, false),
      hvciEnabled: this.only(EARLY, ['VBS_HVCI_POLICY'], (r) => r.value?.type === 'uint' && r.value.value === 1, false),
      bitlockerStatus: this.positional(Number(bitlocker.find((v) => v !== undefined && v !== 0 && v !== '0') ?? 0), EARLY, nonZero, uintOf),
      elamDriverLoaded: this.elam(),
      bootCount: this.bootCount(),
      osKernelDebuggingDisabled: this.only(ALL, ['OSKERNELDEBUG'], isFalse, false),
      flightSigningNotEnabled: this.only(ALL, ['FLIGHTSIGNING'], isFalse, false),
      iommuEnabled: this.only(EARLY, ['VBS_IOMMU_REQUIRED'], isTrue, false),
      depPolicy: this.positional(dep.length ? (dep[dep.length - 1] ?? 0) : 0, ALL, depHits, uintOf),
      // A TRANSFER_CONTROL 1 decides "cold boot" by itself; anything else rests on absence.
      coldBoot: this.make(transfer.length ? transfer.includes(1) : null, [12, 19], !transfer.includes(1)),
    }
  }

  /** A loaded Defender ELAM driver is a present record; "none loaded" rests on absence. */
  private elam(): Fact<boolean> {
    const loaded = this.defenderElamLoaded()
    return this.make(loaded, ALL, !loaded)
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
      return untrustedFact(f.value, f.events, 'FACT_AMBIGUOUS', `conflicting boot counter values (${distinct.join(', ')})`)
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
    // The boundary by bound content: an event whose digest is H(00000000) or H(FFFFFFFF) (TCG PFP
    // §3.3.4.1), whatever its type; 4 such bytes its digest does not bind are not a separator.
    const sep = pcr7.find((e) => wholeDataBound(this.ctx, e) && e.data.length === 4 && (e.data.every((b) => b === 0) || e.data.every((b) => b === 0xff)))
    const found: { ev: TcgEvent; data: Uint8Array }[] = []
    for (const ev of pcr7) {
      const v = uefiVariableContent(ev.data)
      if (v && v.guid === EFI_GLOBAL_VARIABLE && v.name === 'SecureBoot') found.push({ ev, data: v.data })
    }
    const before = found.filter((x) => !sep || x.ev.index < sep.index)
    const value = before.length === 1 && before[0]!.data.length === 1 && before[0]!.data[0] === 1
    // "Exactly one SecureBoot variable" also says no other was measured in PCR 7.
    const f = withAbsence(this.ctx, fact(this.ctx, value, found.map((x) => x.ev.index), 7), [7])
    const problems: { code: 'FACT_LABEL_UNBOUND' | 'FACT_AFTER_BOUNDARY' | 'FACT_AMBIGUOUS'; text: string }[] = []
    for (const x of found) {
      if (x.ev.eventType !== EV.EV_EFI_VARIABLE_DRIVER_CONFIG) {
        problems.push({ code: 'FACT_LABEL_UNBOUND', text: `event ${x.ev.index} holds the SecureBoot variable but is typed ${x.ev.typeName}` })
        this.findings.push(finding('WINDOWS_EVENT_RETYPED', 'error', problems[problems.length - 1]!.text, x.ev))
      } else if (f.trusted && !wholeDataBound(this.ctx, x.ev)) {
        problems.push({ code: 'FACT_LABEL_UNBOUND', text: `event ${x.ev.index}'s digest does not bind the variable's GUID and name` })
      }
      if (sep && x.ev.index > sep.index) {
        problems.push({ code: 'FACT_AFTER_BOUNDARY', text: `SecureBoot variable event ${x.ev.index} follows the PCR 7 separator` })
        this.findings.push(finding('WINDOWS_SECUREBOOT_AFTER_SEPARATOR', 'error', problems[problems.length - 1]!.text, x.ev))
      }
    }
    if (before.length > 1) problems.push({ code: 'FACT_AMBIGUOUS', text: `${before.length} SecureBoot variable events (MAA requires exactly one)` })
    return f.trusted && problems.length ? untrustedFact(value, f.events, problems[0]!.code, problems[0]!.text) : f
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
