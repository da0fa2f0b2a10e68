/**
 * `derivePolicy`: a Policy v1 from one or more known-good event logs (a fleet golden image).
 * Several machines' logs merge into alternatives per component. Defaults and their reasons are in
 * docs/policy.md ("Deriving a policy"); in short:
 *
 * - PCR 0-9 are governed by event rules, one slot per (PCR, event type), so a failure names the
 *   event and component instead of a bare PCR value;
 * - PCR 1 configuration (boot variables, handoff tables, SMBIOS-derived data) varies per machine and
 *   per boot: its event types are allow-listed, its digests are not (`match: any`);
 * - PCR 5 GPT events carry disk GUIDs: type allow-listed only;
 * - PCR 7 variables are not pinned as digests (a dbx update would break the policy): they become
 *   Secure Boot set rules instead (dbx ⊇ observed, db/KEK/PK ⊆ observed); authorities are a set;
 * - PCR 4 applications split into boot loader (before GRUB's first PCR 8/9 measurement) and OS
 *   kernel; PCR 9 files into boot config / kernel / initrd by their (unverified) path;
 * - the kernel command line is pinned exactly (one alternative per distinct value);
 * - golden PCR values only for `pinnedPcrs` (default none: the event rules already pin PCR 0-9 and
 *   explain failures better).
 */
import { toHex } from '../bytes/hex.js'
import { authenticateLog } from '../attest/authenticate_log.js'
import type { AuthenticatedEvidence } from '../attest/evidence.js'
import { EV } from '../eventlog/event_types.js'
import { normalizePcrValues, type PcrValuesInput } from '../eventlog/pcr_values.js'
import { isExtended } from '../eventlog/replay.js'
import type { EventLog, TcgEvent } from '../eventlog/types.js'
import { stateFromEvidence, type BootState } from '../state/boot_state.js'
import type { SignatureDb } from '../state/secure_boot.js'
import { PolicyError } from './policy_error.js'
import { parseSbatLevel, type SbatLevel } from './sbat.js'
import type { Alternative, ComponentKind, EventEntry, EventRule, FreshnessPolicy, Policy, PolicyBank, SbatMinimum, SignatureRef } from './types.js'
import { validatePolicy } from './validate.js'
import { classify, componentForRegister, eventText, type Classified } from './derive_classify.js'

export interface KnownGoodLog {
  log: EventLog
  /** The quoted PCR values of this boot: the log must replay to them; pinned values come from them. */
  quotedPcrs?: PcrValuesInput
}

export interface DerivePolicyOptions {
  id: string
  description?: string
  /** Banks whose digests the policy records and requires. Default ["sha256"]; ["sha384"] for CC event logs. */
  banks?: PolicyBank[]
  /** PCRs governed by event rules. Default 0-9; CC MR 1-4 (RTMR0-3) for CC event logs. */
  pcrs?: number[]
  /** PCRs pinned as golden values (alternatives across logs). Default none. */
  pinnedPcrs?: number[]
  /** GRUB commands in PCR 8: pinned as a sequence (default) or event type only. */
  grubCommands?: 'pin' | 'any'
  /** Derive Secure Boot rules (default true; only when every log has Secure Boot on). */
  secureBoot?: boolean
  /** Derive dbx ⊇ observed (default true). */
  dbx?: boolean
  /**
   * Derive `secureBoot.sbatMinimum` from the SbatLevel shim measured (default true; with the
   * Secure Boot rules, only when every log has a trusted, readable SbatLevel): per component the
   * lowest generation across the logs, and the earliest date. A later boot may only move forward.
   */
  sbat?: boolean
  /** Pin `platform.startupLocality` to the logs' start locality (default true; when PCR 0 is governed and every log agrees). */
  startupLocality?: boolean
  /** Pin the kernel command line (default true, false for CC event logs; only when every log has one). */
  kernelCmdline?: boolean
  /** Derive Windows claims that are in their secure state in every log (default true). */
  windowsClaims?: boolean
  freshness?: FreshnessPolicy
  trustedAkRoots?: string[]
  /** Accept logs with error-severity findings (integrity, structure). Default false: known-good logs must be clean. */
  allowFindings?: boolean
}

const SECURE_WINDOWS_CLAIMS = [
  'secureBootEnabled',
  'bootDebuggingDisabled',
  'notSafeMode',
  'notWinPE',
  'codeIntegrityEnabled',
  'testSigningDisabled',
  'osKernelDebuggingDisabled',
  'flightSigningNotEnabled',
  'vbsEnabled',
  'hvciEnabled',
  'iommuEnabled',
  'elamDriverLoaded',
] as const

function entryOf(ev: TcgEvent, banks: readonly PolicyBank[]): EventEntry {
  const e: EventEntry = {}
  for (const b of banks) {
    const d = ev.digests.find((x) => x.bank === b)
    if (d) e[b] = toHex(d.digest)
  }
  if (!banks.some((b) => e[b])) throw new PolicyError('ERR_POLICY_DERIVE', `event ${ev.index} (${ev.typeName}, PCR ${ev.pcrIndex}) has no ${banks.join('/')} digest; choose other banks or PCRs`)
  const t = eventText(ev)
  if (t) e.description = t.length > 96 ? `${t.slice(0, 93)}...` : t
  return e
}

const sameSeq = (a: EventEntry[], b: EventEntry[], banks: readonly PolicyBank[]) => a.length === b.length && a.every((e, i) => banks.every((bk) => e[bk] === b[i]![bk]))

interface SlotData {
  types: string[]
  pcr: number
  mode: Classified['mode']
  /** per log: runs of (component, name, entries) */
  perLog: { component: ComponentKind; name?: string; entries: EventEntry[] }[][]
}

function fleetName(i: number, n: number): string | undefined {
  return n > 1 ? `log ${i + 1}` : undefined
}

/**
 * Derive a policy from known-good logs.
 * @throws PolicyError ERR_POLICY_DERIVE when there is no log, a log does not replay to its quoted
 *   PCRs, has error findings (unless `allowFindings`), or lacks the chosen banks.
 * @example
 * const policy = derivePolicy([logA, logB], { id: 'fleet/web-2026-05' })
 */
export function derivePolicy(knownGoodLogs: readonly (EventLog | KnownGoodLog)[], options: DerivePolicyOptions): Policy {
  if (!knownGoodLogs.length) throw new PolicyError('ERR_POLICY_DERIVE', 'derivePolicy needs at least one known-good log')
  const inputs: KnownGoodLog[] = knownGoodLogs.map((x) => ('log' in x && 'events' in (x as KnownGoodLog).log ? (x as KnownGoodLog) : { log: x as EventLog }))
  // A CC event log (CCEL) extends RTMR0-3 as CC MR 1-4 in sha384 only (Intel TDX Virtual Firmware
  // Design Guide, "Measurement register mapping"): those are its defaults.
  const ccLogs = inputs.every(({ log }) => log.registerKind === 'cc-mr')
  if (!ccLogs && inputs.some(({ log }) => log.registerKind === 'cc-mr')) throw new PolicyError('ERR_POLICY_DERIVE', 'the known-good logs mix CC event logs (CC MRs) and TPM logs (PCRs): one policy cannot govern both register sets')
  const banks = options.banks ?? (ccLogs ? ['sha384'] : ['sha256'])
  const governed = new Set(options.pcrs ?? (ccLogs ? [1, 2, 3, 4] : [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]))
  const grubCommands = options.grubCommands ?? 'pin'

  const states: BootState[] = []
  const evidences: AuthenticatedEvidence[] = []
  inputs.forEach(({ log, quotedPcrs }, li) => {
    for (const b of banks) if (!log.algorithms.some((a) => a.bank === b)) throw new PolicyError('ERR_POLICY_DERIVE', `log ${li + 1} carries no ${b} digests`)
    // One pass per log (the authentication stage, log basis): a known-good log is not attested
    // here, it is what the operator vouches for; it must still be sound and reproduce its PCRs.
    const evidence = authenticateLog(log, quotedPcrs ? { expected: quotedPcrs } : {})
    evidences.push(evidence)
    const errors = evidence.findings.filter((f) => f.severity === 'error')
    if (errors.length && !options.allowFindings) {
      throw new PolicyError('ERR_POLICY_DERIVE', `log ${li + 1} is not clean enough to be a known-good log: ${errors.slice(0, 3).map((f) => `${f.code}${f.eventIndex !== undefined ? ` at event ${f.eventIndex}` : ''}`).join(', ')}${errors.length > 3 ? ` and ${errors.length - 3} more` : ''} (pass allowFindings to override)`)
    }
    states.push(stateFromEvidence(evidence).state)
  })

  // Secure Boot: rules only when every log has it on (trusted).
  const sbAllOn = states.every((s) => s.secureBoot.enabled.trusted && s.secureBoot.enabled.value === true)
  const sbRules = (options.secureBoot ?? true) && sbAllOn

  // ---- event rules
  const slots = new Map<string, SlotData>()
  inputs.forEach(({ log }, li) => {
    let afterGrub = false
    const runs = new Map<string, SlotData['perLog'][number]>()
    for (const ev of log.events) {
      if (ev.eventType === EV.EV_IPL && (ccLogs ? ev.pcrIndex === 3 : ev.pcrIndex === 8 || ev.pcrIndex === 9)) afterGrub = true
      if (!governed.has(ev.pcrIndex) || !isExtended(log, ev.eventType, ev.pcrIndex)) continue
      const c = classify(ev, { grubCommands, sbRules, afterGrub, cc: ccLogs })
      const key = `${ev.pcrIndex}|${c.types.join(',')}`
      let slot = slots.get(key)
      if (!slot) {
        slot = { types: c.types, pcr: ev.pcrIndex, mode: c.mode, perLog: inputs.map(() => []) }
        slots.set(key, slot)
      }
      let rl = runs.get(key)
      if (!rl) {
        rl = slot.perLog[li]!
        runs.set(key, rl)
      }
      const last = rl[rl.length - 1]
      const entry = entryOf(ev, banks)
      if (last && last.component === c.component) last.entries.push(entry)
      else rl.push({ component: c.component, ...(c.name ? { name: c.name } : {}), entries: [entry] })
    }
  })

  const rules: EventRule[] = []
  const n = inputs.length
  const sortedSlots = [...slots.values()].sort((a, b) => a.pcr - b.pcr)
  for (const slot of sortedSlots) {
    const runsAll = slot.perLog
    const first = runsAll.find((r) => r.length)![0]!
    const common = { pcr: slot.pcr, eventTypes: slot.types }
    if (slot.mode === 'any') {
      rules.push({ component: first.component, ...(first.name ? { name: first.name } : {}), ...common, match: 'any' })
      continue
    }
    if (slot.mode === 'set') {
      const entries: EventEntry[] = []
      for (const r of runsAll.flat()) for (const e of r.entries) if (!entries.some((x) => sameSeq([x], [e], banks))) entries.push(e)
      rules.push({ component: first.component, ...(first.name ? { name: first.name } : {}), ...common, match: 'set', alternatives: [{ events: entries }] })
      continue
    }
    // Chain of components: consistent order across logs, each component contiguous.
    const order: ComponentKind[] = []
    let consistent = true
    for (const r of runsAll) {
      const kinds = r.map((x) => x.component)
      if (new Set(kinds).size !== kinds.length) consistent = false
      let pos = -1
      for (const k of kinds) {
        const at = order.indexOf(k)
        if (at === -1) {
          order.splice(pos + 1, 0, k)
          pos += 1
        } else if (at < pos) consistent = false
        else pos = at
      }
    }
    const push = (component: ComponentKind, name: string | undefined, seqs: EventEntry[][]) => {
      const alts: Alternative[] = []
      seqs.forEach((s, li) => {
        if (alts.some((a) => sameSeq(a.events, s, banks))) return
        const nm = fleetName(li, n)
        alts.push({ ...(nm ? { name: nm } : {}), events: s })
      })
      rules.push({ component, ...(name ? { name } : {}), ...common, match: 'sequence', alternatives: alts })
    }
    if (!consistent) {
      push(first.component, first.name, runsAll.map((r) => r.flatMap((x) => x.entries)))
      continue
    }
    for (const k of order) {
      const name = runsAll.flat().find((x) => x.component === k)?.name
      push(k, name, runsAll.map((r) => r.find((x) => x.component === k)?.entries ?? []))
    }
  }
  // Governed PCRs with no events at all: nothing may be measured there.
  for (const p of [...governed].sort((a, b) => a - b)) {
    if (!sortedSlots.some((s) => s.pcr === p)) rules.push({ component: componentForRegister(p, ccLogs), name: `${ccLogs ? 'CC MR' : 'PCR'} ${p} (empty in every known-good log)`, pcr: p, match: 'sequence', alternatives: [{ events: [] }] })
  }
  rules.sort((a, b) => a.pcr - b.pcr)

  const policy: Policy = {
    id: options.id,
    version: 1,
    description: options.description ?? `Derived by bootproof derivePolicy from ${n} known-good log${n > 1 ? 's' : ''} (PCRs ${[...governed].sort((a, b) => a - b).join(', ')}).`,
    pcrs: { banks: [...banks], required: [...new Set([...governed, ...(options.pinnedPcrs ?? [])])].sort((a, b) => a - b) },
  }

  // ---- golden values
  if (options.pinnedPcrs?.length) {
    policy.pcrValues = []
    for (const pcr of [...options.pinnedPcrs].sort((a, b) => a - b)) {
      for (const bank of banks) {
        const alts: string[] = []
        for (const [li, { quotedPcrs }] of inputs.entries()) {
          let v: string | undefined
          if (quotedPcrs) {
            const q = normalizePcrValues(quotedPcrs)[bank]?.[String(pcr)]
            v = q ? toHex(q) : undefined
          } else {
            const r = evidences[li]!.replay.banks.get(bank)
            const p = r?.pcrs.get(pcr)
            if (p && !p.replayable) throw new PolicyError('ERR_POLICY_DERIVE', `${bank}:${pcr} cannot be replayed from the log`)
            if (r) v = toHex(p ? p.value : new Uint8Array(r.size))
          }
          if (v === undefined) throw new PolicyError('ERR_POLICY_DERIVE', `no ${bank}:${pcr} value to pin`)
          if (!alts.includes(v)) alts.push(v)
        }
        policy.pcrValues.push({ pcr, bank, alternatives: alts, component: componentForRegister(pcr, ccLogs) })
      }
    }
  }
  policy.eventRules = rules

  // ---- Secure Boot
  if (sbRules) {
    const refs = (db: SignatureDb | undefined): SignatureRef[] => [
      ...(db?.certs ?? []).filter((c) => c.sha256).map((c): SignatureRef => ({ sha256: c.sha256!, type: 'x509', ...(c.subject ? { description: c.subject } : {}) })),
      ...(db?.hashes ?? []).map((h): SignatureRef => ({ sha256: h, type: 'sha256' })),
    ]
    const union = (pick: (s: BootState) => SignatureDb | undefined) => {
      const out: SignatureRef[] = []
      for (const s of states) for (const r of refs(pick(s))) if (!out.some((x) => x.sha256 === r.sha256 && x.type === r.type)) out.push(r)
      return out
    }
    const sb: NonNullable<Policy['secureBoot']> = { required: true }
    if (options.dbx ?? true) {
      const lists = states.map((s) => refs(s.secureBoot.dbx.value))
      const inter = lists[0]!.filter((r) => lists.every((l) => l.some((x) => x.sha256 === r.sha256 && x.type === r.type)))
      if (inter.length) sb.dbx = { mustContain: inter }
    }
    sb.db = { allowed: union((s) => s.secureBoot.db.value) }
    sb.kek = { allowed: union((s) => s.secureBoot.kek.value) }
    sb.pk = { allowed: union((s) => s.secureBoot.pk.value) }
    if (options.sbat ?? true) {
      const levels = states.map((s) => {
        const f = s.linux.shim.sbatLevel
        const r = f.trusted && f.value !== undefined ? parseSbatLevel(f.value) : undefined
        return r?.ok ? r.level : undefined
      })
      if (levels.every((l): l is SbatLevel => l !== undefined)) {
        const components: Record<string, number> = {}
        for (const [name, gen] of levels[0]!.generations) {
          const lowest = Math.min(gen, ...levels.map((l) => l.generations.get(name) ?? 0))
          if (lowest > 0) components[name] = lowest
        }
        const dates = levels.map((l) => l.date)
        const min: SbatMinimum = {}
        if (Object.keys(components).length) min.components = components
        if (dates.every((d): d is string => d !== undefined)) min.date = dates.reduce((a, b) => (b < a ? b : a))
        if (min.components || min.date) sb.sbatMinimum = min
      }
    }
    policy.secureBoot = sb
  }

  // ---- start locality (attacks L-07, P-03): the platform's, as every known-good log states it
  if ((options.startupLocality ?? true) && governed.has(0)) {
    const localities = new Set(inputs.map(({ log }) => log.startupLocality?.locality ?? 0))
    const [only] = localities
    if (localities.size === 1 && (only === 0 || only === 3 || only === 4)) policy.platform = { startupLocality: only }
  }

  // ---- kernel command line
  // Not by default for CC event logs: there GRUB's strings share MR 3 with unbound file events, so
  // "the command line is X" is never a trusted fact (src/state/linux.ts); the event rules on MR 3
  // already pin every measured GRUB string, the command line included.
  if (options.kernelCmdline ?? !ccLogs) {
    const lines = states.map((s) => (s.linux.kernelCmdline.trusted ? s.linux.kernelCmdline.value : undefined))
    if (lines.every((l): l is string => typeof l === 'string')) policy.linux = { kernelCmdline: { exact: [...new Set(lines)] } }
  }

  // ---- Windows claims
  if ((options.windowsClaims ?? true) && states.every((s) => s.windows?.detected)) {
    const claims: Record<string, boolean> = {}
    for (const name of SECURE_WINDOWS_CLAIMS) {
      if (states.every((s) => { const f = s.windows!.claims[name]; return f.trusted && f.value === true })) claims[name] = true
    }
    if (Object.keys(claims).length) policy.windows = { claims }
  }

  policy.freshness = options.freshness ?? { nonceRequired: true }
  if (options.trustedAkRoots?.length) policy.trustedAkRoots = [...options.trustedAkRoots]
  // Validated, then returned as a plain (mutable) copy: derived and imported policies are meant to be edited.
  return structuredClone(validatePolicy(policy))
}
