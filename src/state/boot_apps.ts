/**
 * Boot applications (PCR 4) and boot configuration (PCR 1 BootOrder / Boot####), PFP §10.4.4.
 *
 * For EV_EFI_BOOT_SERVICES_APPLICATION the digest is the PE Authenticode hash: the digest is the
 * fact, authenticated by replay against a quote; the device path in the data is only a hint.
 * Applications measured after "Exit Boot Services Invocation" are flagged: past that point the
 * OS, not the firmware, can extend PCR 4 (go-tpm-tools design; attack R-01).
 *
 * What is not bound, and so never makes anything trusted:
 * - the order of events across PCRs: replay binds the order within one PCR only, so "this PCR 4
 *   application precedes the PCR 5 ExitBootServices event" is the log's word. An application the
 *   log places after EBS is untrusted (the log itself says the OS could have extended it); one it
 *   places before is *not* thereby proven firmware-measured: `digestTrusted` only says the digest
 *   is in the authenticated PCR 4 sequence;
 * - EV_EFI_VARIABLE_BOOT's GUID and name when the firmware hashed VariableData only (edk2; TCG
 *   PFP §10.4.4): which variable is BootOrder or Boot0001 is then unbound, so those facts are
 *   untrusted (FACT_LABEL_UNBOUND) unless the whole UEFI_VARIABLE_DATA is hashed (EV_EFI_VARIABLE_BOOT2).
 */
import { EV } from '../eventlog/event_types.js'
import type { DecodedEventData, LoadOption } from '../eventlog/decode/types.js'
import type { Finding } from '../findings.js'
import { pcrDigestTrust } from '../attest/evidence.js'
import { fact, untrustedFact, type Fact, type StateContext } from './fact.js'
import { actionText, digestsOf, variableOf } from './events.js'

export interface BootApplication {
  eventIndex: number
  /** Digest per bank (lowercase hex); sha256 is the Authenticode SHA-256 of the image. */
  digests: Record<string, string>
  /** Device path in UEFI text form (unverified hint). */
  devicePath?: string
  /** File path part of the device path (unverified hint). */
  filePath?: string
  afterExitBootServices: boolean
  /**
   * The digest is authenticated: PCR 4 is quoted (when a quote is given) and structurally sound,
   * and the log does not place it after ExitBootServices. Not a proof that firmware measured it
   * before EBS (the order across PCRs is not bound).
   */
  digestTrusted: boolean
  reason?: string
}

export interface BootEntry {
  name: string
  number: number
  option: Fact<LoadOption | undefined>
}

export interface BootAppsState {
  applications: BootApplication[]
  /** "Calling EFI Application from Boot Option" events in PCR 4. */
  bootAttempts: number[]
  exitBootServices: Fact<boolean>
  bootOrder: Fact<number[] | undefined>
  bootEntries: BootEntry[]
  /** Option ROM / driver images measured into PCR 2. */
  drivers: BootApplication[]
}

/** Trust of a digest-only fact: the PCR is quoted (if a quote is given) and not tainted. */
export function digestTrust(ctx: StateContext, pcr: number): { trusted: boolean; reason?: string } {
  const t = pcrDigestTrust(ctx.evidence, pcr)
  return t.trusted ? { trusted: true } : { trusted: false, reason: t.reason!.message }
}

function image(ctx: StateContext, index: number, afterEbs: boolean): BootApplication {
  const ev = ctx.log.events[index]!
  const d = ev.decoded as DecodedEventData
  const t = digestTrust(ctx, ev.pcrIndex)
  const trusted = t.trusted && !afterEbs
  return {
    eventIndex: index,
    digests: digestsOf(ev),
    ...(d.kind === 'image-load' ? { devicePath: d.devicePath, ...(d.filePath ? { filePath: d.filePath } : {}) } : {}),
    afterExitBootServices: afterEbs,
    digestTrusted: trusted,
    ...(trusted ? {} : { reason: afterEbs ? 'measured after ExitBootServices: the OS could have extended it' : t.reason! }),
  }
}

/**
 * A PCR 1 variable fact whose meaning comes from the variable's name: trusted only when the
 * digest binds the name, i.e. the whole UEFI_VARIABLE_DATA was hashed (integrity form `data`),
 * not VariableData alone (`variable-data`, edk2's EV_EFI_VARIABLE_BOOT).
 */
function labelled<T>(ctx: StateContext, f: Fact<T>, index: number, name: string): Fact<T> {
  if (!f.trusted || ctx.integrity.events[index]?.form === 'data') return f
  return untrustedFact(f.value, f.events, 'FACT_LABEL_UNBOUND', `event ${index}'s digest covers the variable data only: the name "${name}" (and its GUID) beside it is not measured`)
}

export function extractBootApps(ctx: StateContext, findings: Finding[]): BootAppsState {
  const { log } = ctx
  const applications: BootApplication[] = []
  const drivers: BootApplication[] = []
  const bootAttempts: number[] = []
  const ebs: number[] = []
  let bootOrderEv: number | undefined
  const entries: BootEntry[] = []
  if (log.registerKind !== 'pcr') {
    // A CC event log's registers are not PCRs 4/5/1: no absence there can be read as PC Client's.
    const why = 'boot applications, ExitBootServices and BootOrder are read from PC Client PCRs 1, 4 and 5, which a CC event log does not have'
    return { applications, bootAttempts, exitBootServices: untrustedFact(false, [], 'FACT_UNMEASURED', why), bootOrder: untrustedFact(undefined, [], 'FACT_UNMEASURED', why), bootEntries: entries, drivers }
  }
  for (const ev of log.events) {
    const text = ev.eventType === EV.EV_EFI_ACTION ? actionText(ev) : undefined
    if (ev.pcrIndex === 5 && text === 'Exit Boot Services Invocation') ebs.push(ev.index)
    if (ev.pcrIndex === 4 && text === 'Calling EFI Application from Boot Option') bootAttempts.push(ev.index)
    if (ev.eventType === EV.EV_EFI_BOOT_SERVICES_APPLICATION && ev.pcrIndex === 4) applications.push(image(ctx, ev.index, ebs.length > 0))
    if ((ev.eventType === EV.EV_EFI_BOOT_SERVICES_DRIVER || ev.eventType === EV.EV_EFI_RUNTIME_SERVICES_DRIVER) && ev.pcrIndex === 2) drivers.push(image(ctx, ev.index, ebs.length > 0))
    if (ev.pcrIndex === 1 && (ev.eventType === EV.EV_EFI_VARIABLE_BOOT || ev.eventType === EV.EV_EFI_VARIABLE_BOOT2)) {
      const v = variableOf(ev)
      if (!v) continue
      if (v.known === 'BootOrder') bootOrderEv = ev.index
      else if (v.value.type === 'load-option' && /^Boot[0-9A-Fa-f]{4}$/.test(v.name)) {
        entries.push({ name: v.name, number: parseInt(v.name.slice(4), 16), option: labelled(ctx, fact(ctx, v.value.option, [ev.index]), ev.index, v.name) })
      }
    }
  }
  const apps = applications.filter((a) => a.afterExitBootServices)
  if (apps.length) {
    findings.push({ code: 'BOOT_APP_AFTER_EBS', severity: 'warning', message: `${apps.length} PCR 4 application(s) measured after ExitBootServices; not trusted`, pcr: 4, eventIndex: apps[0]!.eventIndex, relatedEvents: apps.map((a) => a.eventIndex) })
  }
  let bootOrder: Fact<number[] | undefined> = fact(ctx, undefined, [], 1)
  if (bootOrderEv !== undefined) {
    const v = variableOf(log.events[bootOrderEv]!)!
    bootOrder = labelled(ctx, fact(ctx, v.value.type === 'boot-order' ? v.value.order : undefined, [bootOrderEv]), bootOrderEv, 'BootOrder')
  }
  return { applications, bootAttempts, exitBootServices: fact(ctx, ebs.length > 0, ebs, 5), bootOrder, bootEntries: entries, drivers }
}
