/**
 * systemd boot facts: what systemd-boot and systemd-stub measured before ExitBootServices (firmware
 * log: UKI PE sections in PCR 11, loader.conf in PCR 5) and what systemd measured from userspace
 * (the Canonical Event Log /run/log/systemd/tpm2-measure.log: boot phases in PCR 11, machine ID,
 * file systems and volume keys in PCR 15, NvPCRs). systemd docs/TPM2_PCR_MEASUREMENTS.md.
 *
 * Trust comes from the evidence only (src/attest/evidence.ts `celRecordTrust`, `pcrDigestTrust`):
 * a value is read from a CEL record's `string` only when that string re-hashes to the record's
 * digest and its PCR is authenticated by the combined replay. The `eventType` beside it is a
 * label (not measured) and never decides what a record is; PCR and bound string do. Facts read
 * from CEL records list CEL record indices in `events`.
 *
 * PCRs 11 and 15 stay extendable from userspace after boot, so "X was measured" is a fact;
 * "nothing else was" is not claimed (a later extend adds to the log and the PCR alike).
 */
import { absenceTrust, celRecordTrust, pcrDigestTrust } from '../attest/evidence.js'
import { toHex } from '../bytes/hex.js'
import { isHashAlgName } from '../alg.js'
import { defaultHashProvider, digestEquals } from '../hash/provider.js'
import type { CelRecord } from '../cel/types.js'
import type { DecodedEventData } from '../eventlog/decode/types.js'
import { EV } from '../eventlog/event_types.js'
import type { Finding } from '../findings.js'
import type { TcgEvent } from '../eventlog/types.js'
import { digestsOf } from './events.js'
import { untrustedFact, type Fact, type StateContext } from './fact.js'

/** systemd-boot's loader.conf tag (systemd docs/TPM2_PCR_MEASUREMENTS.md, PCR 5). */
export const SYSTEMD_LOADER_CONF_TAG = 0xf5bc582a

export interface SystemdMeasurement {
  /** Firmware event index (`source` firmware) or CEL record index (`source` cel). */
  index: number
  source: 'firmware' | 'cel'
  /** PCR (absent for an NV index record). */
  pcr?: number
  /** What the record says it is (section name, volume name, event type): an unbound label. */
  label: string
  digests: Record<string, string>
  /** Whether the register's digest sequence is authenticated (the digest, not the label). */
  digestTrusted: boolean
}

export interface SystemdNvPcr {
  nvIndex: number
  /** Replayed value per bank (hex), from the CEL's NV index records. */
  values: Record<string, string>
  /** CEL record indices, in order. */
  records: number[]
  /** Always false: no TPM2_Quote covers NV indices. */
  trusted: false
}

export interface SystemdState {
  /** Whether a CEL (tpm2-measure.log) was given: without it the userspace facts are unknown. */
  userspaceLog: boolean
  /** Strings systemd-pcrphase measured into PCR 11 after boot ("enter-initrd", …), in order. */
  phases: Fact<string[] | undefined>
  /** The machine ID measured into PCR 15 (from the bound "machine-id:<hex>" string). */
  machineId: Fact<string | undefined>
  /** "file-system:…" strings measured into PCR 15 (systemd-pcrfs). */
  fileSystems: Fact<string[] | undefined>
  /** LUKS volume keys measured into PCR 15: keyed HMAC digests; the volume name is a label. */
  volumeKeys: SystemdMeasurement[]
  /** UKI PE sections systemd-stub measured into PCR 11 (firmware log EV_IPL, name then data). */
  ukiSections: SystemdMeasurement[]
  /** loader.conf measured by systemd-boot into PCR 5 (EV_EVENT_TAG 0xF5BC582A). */
  loaderConf: SystemdMeasurement[]
  /** systemd NvPCRs (NV indices) replayed from the CEL: reported, never trusted. */
  nvpcrs: SystemdNvPcr[]
}

function celDigests(r: CelRecord): Record<string, string> {
  const out: Record<string, string> = {}
  for (const d of r.digests) out[d.bank] = toHex(d.digest)
  return out
}

/** A fact from CEL records: trusted only when every source record is (`celRecordTrust`). */
function celFact<T>(ctx: StateContext, value: T, records: number[], emptyPcr: number): Fact<T> {
  for (const i of records) {
    const t = celRecordTrust(ctx.evidence, i)
    if (!t.trusted) return { value, trusted: false, events: records, reason: t.reason!.message, reasonCode: t.reason!.code }
  }
  if (records.length === 0) {
    const t = absenceTrust(ctx.evidence, [emptyPcr])
    if (!t.trusted) return { value, trusted: false, events: records, reason: `derived from the absence of records in PCR ${emptyPcr}: ${t.reason!.message}`, reasonCode: t.reason!.code }
  }
  return { value, trusted: true, events: records }
}

/** The record's string when its content binds it (verified), else undefined. */
function boundString(ctx: StateContext, r: CelRecord): string | undefined {
  if (r.content.type !== 'systemd' || ctx.evidence.cel?.integrity.records[r.index]?.status !== 'verified') return undefined
  return r.content.string
}

function isVolumeKeyLabel(r: CelRecord): boolean {
  return r.content.type === 'systemd' && (r.content.eventType === 'volume-key' || (r.content.eventType === undefined && (r.content.string ?? '').startsWith('cryptsetup:')))
}

const unmeasured = <T>(what: string): Fact<T | undefined> => untrustedFact<T | undefined>(undefined, [], 'FACT_UNMEASURED', `no CEL log (tpm2-measure.log) was given: ${what} measured from userspace is unknown`)

/**
 * Facts read from bound strings of one PCR's CEL records matching `pick`. A record of that PCR
 * whose content was edited (mismatch) could have been one of them, so it makes the fact
 * untrusted; with `allBound` so does any record whose content is not bound (every PCR 11 record
 * after boot is a phase string).
 */
function stringsFact(ctx: StateContext, records: readonly CelRecord[], pcr: number, pick: (s: string) => boolean, allBound: boolean): Fact<string[] | undefined> {
  const inPcr = records.filter((r) => r.handle === 'pcr' && r.register === pcr)
  const src: number[] = []
  const values: string[] = []
  for (const r of inPcr) {
    const st = ctx.evidence.cel?.integrity.records[r.index]?.status
    if (st === 'mismatch' || (allBound && st !== 'verified')) {
      const t = celRecordTrust(ctx.evidence, r.index)
      return { value: undefined, trusted: false, events: [r.index], reason: `CEL record ${r.index} in PCR ${pcr} could be one of these measurements: ${t.reason?.message ?? 'not bound'}`, reasonCode: t.reason?.code ?? 'EVENT_CONTENT_UNBOUND' }
    }
    const s = boundString(ctx, r)
    if (s !== undefined && pick(s)) {
      src.push(r.index)
      values.push(s)
    }
  }
  // Nothing matched: an unbound record of this PCR (a relabelled one) could be the measurement.
  const unbound = src.length === 0 ? inPcr.find((r) => ctx.evidence.cel?.integrity.records[r.index]?.status !== 'verified') : undefined
  if (unbound) return { value: values, trusted: false, events: [unbound.index], reason: `CEL record ${unbound.index} in PCR ${pcr} has content its digest does not bind: it could be the measurement this fact says is absent`, reasonCode: 'EVENT_CONTENT_UNBOUND' }
  return celFact(ctx, values, src, pcr)
}

export function extractSystemd(ctx: StateContext, findings: Finding[]): SystemdState | undefined {
  const { log, evidence } = ctx
  const cel = evidence.cel
  const pcrLog = log.registerKind === 'pcr'
  const ukiSections: SystemdMeasurement[] = []
  const loaderConf: SystemdMeasurement[] = []
  for (const ev of pcrLog ? log.events : []) {
    const d = ev.decoded as DecodedEventData
    const entry = (label: string): SystemdMeasurement => ({ index: ev.index, source: 'firmware', pcr: ev.pcrIndex, label, digests: digestsOf(ev), digestTrusted: pcrDigestTrust(evidence, ev.pcrIndex).trusted })
    if (ev.pcrIndex === 11 && ev.eventType === EV.EV_IPL && d.kind === 'ipl' && d.form === 'utf-16le') ukiSections.push(entry(d.text))
    if (ev.pcrIndex === 5 && ev.eventType === EV.EV_EVENT_TAG && d.kind === 'event-tag' && d.records.length === 1 && d.records[0]!.id === SYSTEMD_LOADER_CONF_TAG) loaderConf.push(entry('loader.conf'))
  }
  if (!cel && ukiSections.length === 0 && loaderConf.length === 0) return undefined
  if (!cel) {
    return { userspaceLog: false, phases: unmeasured('the boot phase'), machineId: unmeasured('the machine ID'), fileSystems: unmeasured('the file systems'), volumeKeys: [], ukiSections, loaderConf, nvpcrs: [] }
  }
  const records = cel.log.records
  const stray = strayPcr11Event(ctx)
  const fromCel = stringsFact(ctx, records, 11, () => true, true)
  const phases = fromCel.trusted && stray !== undefined
    ? untrustedFact(fromCel.value, [stray], 'FACT_BOUNDARY_MISSING', `firmware event ${stray} of PCR 11 is not one of systemd-stub's section measurements: it could be a phase moved out of the CEL (where the firmware log ends and the CEL begins is not measured)`)
    : fromCel
  const fs = stringsFact(ctx, records, 15, (s) => s.startsWith('file-system:'), false)
  const ids = stringsFact(ctx, records, 15, (s) => s.startsWith('machine-id:'), false)
  const distinct = [...new Set((ids.value ?? []).map((s) => s.slice('machine-id:'.length)))]
  let machineId: Fact<string | undefined>
  if (distinct.length > 1) {
    machineId = untrustedFact(distinct[0], ids.events, 'FACT_AMBIGUOUS', `${distinct.length} different machine IDs were measured into PCR 15`)
    findings.push({ code: 'SYSTEMD_MACHINE_ID_AMBIGUOUS', severity: 'warning', message: `${distinct.length} different "machine-id:" strings in PCR 15 (CEL records ${ids.events.join(', ')}): which machine booted is ambiguous`, pcr: 15 })
  } else machineId = { ...ids, value: distinct[0] }
  const volumeKeys: SystemdMeasurement[] = records
    .filter((r) => r.handle === 'pcr' && isVolumeKeyLabel(r))
    .map((r) => ({ index: r.index, source: 'cel', pcr: r.register, label: r.content.type === 'systemd' ? (r.content.string ?? '') : '', digests: celDigests(r), digestTrusted: pcrDigestTrust(evidence, r.register).trusted }))
  const nvpcrs: SystemdNvPcr[] = []
  const nvRecords = new Map<number, number[]>()
  for (const r of records) if (r.handle === 'nv_index') nvRecords.set(r.register, [...(nvRecords.get(r.register) ?? []), r.index])
  for (const [nvIndex, recs] of nvRecords) {
    const values: Record<string, string> = {}
    for (const b of cel.replay.nvpcrs.banks.values()) {
      const p = b.pcrs.get(nvIndex)
      if (b.replayable && p?.replayable) values[b.bank] = toHex(p.value)
    }
    nvpcrs.push({ nvIndex, values, records: recs, trusted: false })
  }
  for (const [name, f] of [['systemd.phases', phases], ['systemd.machineId', machineId], ['systemd.fileSystems', fs]] as const) {
    if (!f.trusted && f.reasonCode === 'EVENT_CONTENT_MISMATCH') {
      findings.push({ code: 'STATE_FACT_UNTRUSTED', severity: 'error', message: `${name} is not trusted: ${f.reason} (CEL records ${f.events.join(', ')})` })
    }
  }
  return { userspaceLog: true, phases, machineId, fileSystems: fs, volumeKeys, ukiSections, loaderConf, nvpcrs }
}

/**
 * The first firmware-log event of PCR 11 that is not part of systemd-stub's section measurements,
 * or undefined. The combined replay reads PCR 11 as firmware events then CEL records, and where
 * one ends and the other begins is not measured: a phase record re-told as a firmware event keeps
 * the replay and the quote, and drops out of the phase list. systemd-stub measures each UKI
 * section as a pair of EV_IPL events labelled with its name in UTF-16: first the name itself
 * (digest = H(ASCII name ‖ NUL), so the label is bound), then the section's bytes. Anything else,
 * or a name event whose digest in some bank is not that of its label, is stray.
 */
function strayPcr11Event(ctx: StateContext): number | undefined {
  if (ctx.log.registerKind !== 'pcr') return undefined
  const evs = ctx.log.events.filter((e) => e.pcrIndex === 11 && e.eventType !== EV.EV_NO_ACTION)
  const hash = defaultHashProvider()
  const label = (ev: TcgEvent): string | undefined => {
    const d = ev.decoded as DecodedEventData
    return ev.eventType === EV.EV_IPL && d.kind === 'ipl' && d.form === 'utf-16le' ? d.text : undefined
  }
  for (let i = 0; i < evs.length; i += 2) {
    const nameEv = evs[i]!
    const name = label(nameEv)
    if (name === undefined || !/^\.[a-z]{1,15}$/.test(name)) return nameEv.index
    const bytes = new TextEncoder().encode(`${name}\0`)
    for (const d of nameEv.digests) if (!isHashAlgName(d.bank) || !digestEquals(hash, d.bank, bytes, d.digest)) return nameEv.index
    const dataEv = evs[i + 1]
    if (dataEv === undefined) return nameEv.index
    if (label(dataEv) !== name) return dataEv.index
  }
  return undefined
}
