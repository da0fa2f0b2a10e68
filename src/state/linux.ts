/**
 * Linux boot facts: GRUB (PCR 8 commands and kernel command line, PCR 9 files), shim (SbatLevel,
 * MokList* in PCR 14), systemd-stub / UKI and systemd-boot measurements (PCR 11-15), and the
 * kernel's own EV_EVENT_TAG records. PCR 9 GRUB events hash file contents: the path beside them
 * is a hint. PCR 14 shim events hash the MOK variable content: the name is a hint.
 */
import { EV } from '../eventlog/event_types.js'
import type { DecodedEventData } from '../eventlog/decode/types.js'
import type { Finding } from '../findings.js'
import type { TcgEvent } from '../eventlog/types.js'
import { fact, untrustedFact, type Fact, type StateContext } from './fact.js'
import { digestsOf, uefiVariableContent, variableOf, withBoundAbsence } from './events.js'
import { digestTrust } from './boot_apps.js'
import { SHIM_LOCK_GUID } from '../eventlog/decode/guid.js'
import { LAST_BYTE_UNBOUND_FORM } from '../eventlog/integrity_forms.js'
import { asciiText, stripNul } from '../eventlog/decode/text.js'
import { DEFAULT_EVENTLOG_LIMITS } from '../limits.js'

/**
 * PCRs where a contrary kernel command line could be measured when GRUB loaded the kernel:
 * GRUB's own strings (8) and the Linux EFI stub's LOAD_OPTIONS tag and initrd (9). "The command
 * line is X" also says no other one was measured, so it is trusted only when these are
 * authenticated: a policy with a command-line rule must require them.
 */
export const LINUX_CMDLINE_PCRS: readonly number[] = [8, 9]
/**
 * The same with systemd-stub as the loader, which measures the command line into PCR 12; also
 * the set for "no command line was measured", since any loader could have measured one.
 */
export const LINUX_STUB_CMDLINE_PCRS: readonly number[] = [8, 9, 12]

export interface MeasuredFile {
  eventIndex: number
  pcr: number
  /** Path or description from the event data (unverified hint). */
  path: string
  digests: Record<string, string>
  digestTrusted: boolean
}

export interface LinuxState {
  /** The kernel command line: GRUB's kernel_cmdline (PCR 8) or systemd-stub's (PCR 12). */
  kernelCmdline: Fact<string | undefined>
  /**
   * Where the command line came from: GRUB (PCR 8 strings), systemd-stub / systemd-boot ≥ 251
   * (`systemd-stub`: UTF-16 in PCR 12), or systemd-boot ≤ 250 (`systemd-boot`: UTF-16 in PCR 8).
   */
  kernelCmdlineSource?: 'grub' | 'systemd-stub' | 'systemd-boot'
  /** GRUB commands in order (PCR 8). */
  grubCommands: Fact<string[]>
  /** Files GRUB read (PCR 9): the digest is of the content, the path is a hint. */
  files: MeasuredFile[]
  /** Other PCR 8-15 EV_IPL / EV_EVENT_TAG measurements (UKI sections, MokList, initrd tags). */
  measurements: MeasuredFile[]
  shim: {
    sbatLevel: Fact<string | undefined>
    /** MokList, MokListX, MokListTrusted measured in PCR 14 (digest of the variable content). */
    mokVariables: MeasuredFile[]
  }
}

function unquote(s: string): string {
  // Most GRUB commands carry neither: skip the two regex passes (the result is the same string).
  if (s.indexOf('\\') < 0 && s.indexOf('"') < 0) return s
  return s.replace(/\\(.)/g, '$1').replace(/"/g, '')
}

function iplText(d: DecodedEventData): { text: string; form: string } | undefined {
  if (d.kind === 'ipl') return { text: d.text, form: d.form }
  return undefined
}

const LINUX_CMD = /^(?:linux|linuxefi|linux16) (.*)$/s

/**
 * The string a PCR 8 event's digest binds, whatever its (unmeasured) type and GRUB prefix say,
 * or undefined when its content is not verified. GRUB hashes only the text after "grub_cmd: " /
 * "kernel_cmdline: " (TCG PFP §10.4.1 leaves EV_IPL content to the loader), so the label that
 * says which kind of string it is cannot decide anything: only the text can.
 */
function boundText(ctx: StateContext, ev: TcgEvent): string | undefined {
  if (ctx.integrity.events[ev.index]?.status !== 'verified') return undefined
  const d = ev.decoded as DecodedEventData
  if (d.kind !== 'ipl' && d.kind !== 'action' && d.kind !== 'text') return undefined
  // Text beyond limits.maxDecodedTextBytes is decoded only up to the cap: a cut command line is
  // not the one the digest binds, so no fact may be read from it (fail closed).
  return d.truncated ? undefined : d.text
}

interface GrubString {
  index: number
  /** Bound text (undefined when the event's content is not verified). */
  text?: string
  /** The unmeasured GRUB prefix form, if any. */
  label?: string
}

/**
 * The kernel command line from GRUB's PCR 8 strings, derived from bound content (TCG PFP
 * §10.4.1; attacks R-01, R-02): the arguments of the one `linux` command GRUB ran, as GRUB
 * measured them next. The "kernel_cmdline: " label only counts for the go-tpm-tools rule that
 * at most one is measured; a relabelled copy is still found by its text, and a second `linux`
 * command (e.g. one extended from the OS after boot) makes the value ambiguous.
 */
function grubCmdline(ctx: StateContext, strings: GrubString[], findings: Finding[]): Fact<string | undefined> | undefined {
  const labelled = strings.filter((s) => s.label === 'grub-kernel-cmdline')
  const linux = strings.flatMap((s) => {
    const m = s.text !== undefined ? LINUX_CMD.exec(s.text) : null
    return m ? [{ index: s.index, args: unquote(m[1]!) }] : []
  })
  const labelText = (s: GrubString | undefined): string | undefined => {
    const d = s ? (ctx.log.events[s.index]!.decoded as DecodedEventData) : undefined
    return d?.kind === 'ipl' ? d.text : undefined
  }
  if (labelled.length > 1) {
    findings.push({ code: 'LINUX_CMDLINE_AMBIGUOUS', severity: 'error', message: `${labelled.length} kernel_cmdline measurements in PCR 8; exactly one is expected`, pcr: 8, eventIndex: labelled[1]!.index, relatedEvents: labelled.map((c) => c.index) })
    return untrustedFact(labelText(labelled[labelled.length - 1]), labelled.map((c) => c.index), 'FACT_AMBIGUOUS', 'more than one kernel command line was measured')
  }
  const distinct = [...new Set(linux.map((l) => l.args))]
  if (distinct.length > 1) {
    findings.push({ code: 'LINUX_CMDLINE_AMBIGUOUS', severity: 'error', message: `${distinct.length} different GRUB \`linux\` commands in PCR 8; exactly one kernel is expected`, pcr: 8, eventIndex: linux[1]!.index, relatedEvents: linux.map((l) => l.index) })
    return untrustedFact(labelText(labelled[0]), linux.map((l) => l.index), 'FACT_AMBIGUOUS', `${distinct.length} different GRUB linux commands were measured`)
  }
  if (distinct.length === 0) {
    if (!labelled.length) return undefined
    findings.push({ code: 'LINUX_CMDLINE_UNCORROBORATED', severity: 'warning', message: 'the kernel command line is not backed by a measured GRUB `linux` command; it is not trusted', pcr: 8, eventIndex: labelled[0]!.index })
    return untrustedFact(labelText(labelled[0]), [labelled[0]!.index], 'FACT_LABEL_UNBOUND', 'no measured GRUB `linux …` command carries this command line (the kernel_cmdline label itself is not measured)')
  }
  // GRUB's command line re-quotes arguments that contain spaces (grub_create_loader_cmdline);
  // the command shows them as parsed: compare with quoting removed.
  const first = linux[0]!
  const cmd = strings.find((s) => s.index > first.index && s.text !== undefined && !LINUX_CMD.test(s.text) && unquote(s.text) === distinct[0])
  if (!cmd || (labelled[0] && labelled[0].index !== cmd.index && labelText(labelled[0]) !== cmd.text)) {
    const at = labelled[0] ?? first
    findings.push({ code: 'LINUX_CMDLINE_UNCORROBORATED', severity: 'warning', message: 'no measured string after the GRUB `linux` command carries its command line; it is not trusted', pcr: 8, eventIndex: at.index })
    return untrustedFact(labelText(labelled[0]), [at.index], 'FACT_LABEL_UNBOUND', 'the measured GRUB `linux` command and the string labelled kernel_cmdline disagree (the label is not measured)')
  }
  return fact(ctx, cmd.text, [cmd.index, first.index])
}

/**
 * The command line systemd-boot / systemd-stub measured as UTF-16 (one EV_IPL per string). Which
 * string is the command line is not labelled, so different strings are ambiguous; the same string
 * measured twice (systemd-boot then the stub, as in a real Fedora 37 log) is one value, trusted
 * only when every copy is. A decoded prefix of an over-long string is never taken for the whole.
 */
function utf16Cmdline(ctx: StateContext, list: { index: number; text: string; truncated: boolean }[], pcr: number, contentPcrs: number[]): Fact<string | undefined> {
  const indices = list.map((c) => c.index)
  const distinct = new Set(list.map((c) => c.text))
  if (distinct.size > 1) return untrustedFact(list[0]!.text, indices, 'FACT_AMBIGUOUS', `${distinct.size} different UTF-16 strings in PCR ${pcr} could be the command line`)
  if (list.some((c) => c.truncated)) return untrustedFact(list[0]!.text, indices, 'FACT_VALUE_INVALID', `the UTF-16 string in PCR ${pcr} is longer than maxDecodedTextBytes: only its start was decoded`)
  return withBoundAbsence(ctx, fact(ctx, list[0]!.text, indices), LINUX_STUB_CMDLINE_PCRS, contentPcrs)
}

/**
 * In a CCEL, GRUB's strings share MR 3 with file measurements whose data no digest binds: a string
 * retyped or relabelled as one cannot be told apart, so the list may be incomplete (attack R-02).
 * An untrusted list keeps its own (root-cause) reason; a list that would be trusted is ambiguous.
 * Each string's event trust still says whether that string was measured.
 */
function ccGrubCommands(f: Fact<string[]>): Fact<string[]> {
  if (!f.trusted) return f
  return untrustedFact(f.value, f.events, 'FACT_AMBIGUOUS', 'in a CC event log GRUB commands share MR 3 with unbound file measurements: the list cannot be shown complete')
}

export function extractLinux(ctx: StateContext, findings: Finding[]): LinuxState {
  const { log } = ctx
  const grub: number[] = []
  const grubCmds: string[] = []
  const strings: GrubString[] = []
  const files: MeasuredFile[] = []
  const measurements: MeasuredFile[] = []
  const mok: MeasuredFile[] = []
  const stubCmdline: { index: number; text: string; truncated: boolean }[] = []
  // systemd-boot ≤ 250 measured the entry's command line into PCR 8 as UTF-16 (systemd
  // docs/TPM2_PCR_MEASUREMENTS.md; later releases use PCR 12). Read only from bound bytes.
  const sdBootCmdline: { index: number; text: string; truncated: boolean }[] = []
  const sbat: number[] = []
  // CCEL logs number their registers differently; GRUB's PCR 8/9 land in RTMR 2 (MR 3).
  const pcrLog = log.registerKind === 'pcr'
  for (const ev of log.events) {
    if (ev.eventType === EV.EV_NO_ACTION) continue
    const d = ev.decoded as DecodedEventData
    const entry = (path: string): MeasuredFile => ({ eventIndex: ev.index, pcr: ev.pcrIndex, path, digests: digestsOf(ev), digestTrusted: digestTrust(ctx, ev.pcrIndex).trusted })
    if (pcrLog && ev.pcrIndex === 7) {
      // SbatLevel by its bound (GUID, name), not by the unmeasured type (TCG PFP §10.4.4).
      const v = variableOf(ev) ?? uefiVariableContent(ev.data)
      if (v && v.name === 'SbatLevel' && v.guid === SHIM_LOCK_GUID) sbat.push(ev.index)
    }
    const ipl = iplText(d)
    const grubLabel = ipl && (ipl.form === 'grub-command' || ipl.form === 'grub-kernel-cmdline' || ipl.form === 'grub-module-cmdline') ? ipl.form : undefined
    // Every PCR 8 event is a GRUB string by position (its type and prefix are not measured); in
    // CCEL logs MR 3 is shared, so only labelled strings are GRUB's there.
    if (pcrLog ? ev.pcrIndex === 8 : grubLabel !== undefined) {
      const text = boundText(ctx, ev)
      strings.push({ index: ev.index, ...(text !== undefined ? { text } : {}), ...(grubLabel ? { label: grubLabel } : {}) })
      if (pcrLog && ipl?.form === 'utf-16le') sdBootCmdline.push({ index: ev.index, text: ipl.text, truncated: ev.decoded.kind === 'ipl' && ev.decoded.truncated === true })
      const shown = text ?? ipl?.text
      if (shown !== undefined) {
        grub.push(ev.index)
        grubCmds.push(shown)
      }
      continue
    }
    if (ev.eventType !== EV.EV_IPL && ev.eventType !== EV.EV_EVENT_TAG) continue
    if (pcrLog && ev.pcrIndex === 9 && ipl) {
      files.push(entry(ipl.text))
      continue
    }
    if (pcrLog && ev.pcrIndex === 14 && ipl && /^MokList/.test(ipl.text)) {
      mok.push(entry(ipl.text))
      continue
    }
    if (pcrLog && ev.pcrIndex === 12 && ipl && ipl.form === 'utf-16le') stubCmdline.push({ index: ev.index, text: ipl.text, truncated: ev.decoded.kind === 'ipl' && ev.decoded.truncated === true })
    if (ev.pcrIndex >= 8 && ev.pcrIndex <= 15) {
      const label = ipl ? ipl.text : d.kind === 'event-tag' ? `tag ${d.records.map((r) => r.idName ?? `0x${r.id.toString(16)}`).join(', ')}` : ev.typeName
      measurements.push(entry(label))
    }
  }
  const contentPcrs = pcrLog ? [8] : []
  let kernelCmdline: Fact<string | undefined>
  let source: LinuxState['kernelCmdlineSource']
  const g = grubCmdline(ctx, strings, findings)
  if (g) {
    kernelCmdline = withBoundAbsence(ctx, g, LINUX_CMDLINE_PCRS, contentPcrs)
    source = 'grub'
  } else if (stubCmdline.length) {
    kernelCmdline = utf16Cmdline(ctx, stubCmdline, 12, contentPcrs)
    source = 'systemd-stub'
  } else if (sdBootCmdline.length) {
    kernelCmdline = utf16Cmdline(ctx, sdBootCmdline, 8, contentPcrs)
    source = 'systemd-boot'
  } else {
    kernelCmdline = withBoundAbsence(ctx, fact(ctx, undefined, [], LINUX_STUB_CMDLINE_PCRS), LINUX_STUB_CMDLINE_PCRS, contentPcrs)
  }
  for (const f of [kernelCmdline]) {
    if (f.events.length && !f.trusted) findings.push({ code: 'STATE_FACT_UNTRUSTED', severity: 'warning', message: `kernel command line is not trusted: ${f.reason}`, eventIndex: f.events[0] })
  }
  let sbatLevel: Fact<string | undefined> = fact(ctx, undefined, [], 7)
  if (sbat.length) {
    const i = sbat[sbat.length - 1]!
    const v = variableOf(log.events[i]!)
    const text = v?.value.type === 'text' ? v.value.text : undefined
    // Old shim's form binds every byte but the last (go-attestation #157): the level is read from
    // the bound bytes only, or an unbound last byte could raise it ("grub,5\n" → "grub,59").
    const bound = text !== undefined && ctx.integrity.events[i]?.form === LAST_BYTE_UNBOUND_FORM ? boundVariableText(v!.variableData) : text
    sbatLevel = fact(ctx, bound, sbat)
    if (sbatLevel.trusted && (!v || log.events[i]!.eventType !== EV.EV_EFI_VARIABLE_AUTHORITY)) {
      sbatLevel = untrustedFact(sbatLevel.value, sbat, 'FACT_LABEL_UNBOUND', `event ${i} holds SbatLevel but is typed ${log.events[i]!.typeName} (shim measures it as EV_EFI_VARIABLE_AUTHORITY)`)
    }
  }
  const grubEvents = strings.map((s) => s.index)
  return {
    kernelCmdline,
    ...(source ? { kernelCmdlineSource: source } : {}),
    // Every PCR 8 event is a source: the list is complete only when each is bound (an unbound
    // one could be a hidden command, attack R-02).
    // In a CCEL, GRUB's strings share MR 3 with file measurements whose data no digest binds: a
    // string retyped or relabelled as one cannot be told apart, so the list may be incomplete
    // (attack R-02). Each string's own event trust still says whether it was measured.
    grubCommands: pcrLog ? fact(ctx, grubCmds, grubEvents, 8) : ccGrubCommands(fact(ctx, grubCmds, grubEvents, 3)),
    files,
    measurements,
    shim: { sbatLevel, mokVariables: mok },
  }
}

/** A text variable's value decoded as the event decoder decodes it, from all its bytes but the last. */
function boundVariableText(data: Uint8Array): string {
  return asciiText(stripNul(data.subarray(0, Math.max(0, data.length - 1))).body, DEFAULT_EVENTLOG_LIMITS.maxDecodedTextBytes).text
}
