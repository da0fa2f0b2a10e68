/**
 * Linux boot facts: GRUB (PCR 8 commands and kernel command line, PCR 9 files), shim (SbatLevel,
 * MokList* in PCR 14), systemd-stub / UKI and systemd-boot measurements (PCR 11-15), and the
 * kernel's own EV_EVENT_TAG records (tcg-event-log.md §9).
 */
import { EV } from '../eventlog/event_types.js'
import type { DecodedEventData } from '../eventlog/decode/types.js'
import type { Finding } from '../findings.js'
import { fact, type Fact, type StateContext } from './fact.js'
import { digestsOf, variableOf } from './events.js'
import { digestTrust } from './boot_apps.js'

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
  /** Where the command line came from. */
  kernelCmdlineSource?: 'grub' | 'systemd-stub'
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

export function extractLinux(ctx: StateContext, findings: Finding[]): LinuxState {
  const { log } = ctx
  const grub: number[] = []
  const grubCmds: string[] = []
  const cmdlines: { index: number; text: string }[] = []
  const files: MeasuredFile[] = []
  const measurements: MeasuredFile[] = []
  const mok: MeasuredFile[] = []
  const stubCmdline: { index: number; text: string }[] = []
  let sbat: number | undefined
  // CCEL logs number their registers differently; GRUB's PCR 8/9 land in RTMR 2 (MR 3).
  const pcrLog = log.registerKind === 'pcr'
  for (const ev of log.events) {
    if (ev.eventType === EV.EV_NO_ACTION) continue
    const d = ev.decoded as DecodedEventData
    const entry = (path: string): MeasuredFile => ({ eventIndex: ev.index, pcr: ev.pcrIndex, path, digests: digestsOf(ev), digestTrusted: digestTrust(ctx, ev.pcrIndex).trusted })
    if (ev.pcrIndex === 7 && ev.eventType === EV.EV_EFI_VARIABLE_AUTHORITY) {
      const v = variableOf(ev)
      if (v?.known === 'SbatLevel') sbat = ev.index
    }
    if (ev.eventType !== EV.EV_IPL && ev.eventType !== EV.EV_EVENT_TAG) continue
    const ipl = iplText(d)
    if (ipl && (ipl.form === 'grub-command' || ipl.form === 'grub-kernel-cmdline' || ipl.form === 'grub-module-cmdline') && (!pcrLog || ev.pcrIndex === 8)) {
      grub.push(ev.index)
      grubCmds.push(ipl.text)
      if (ipl.form === 'grub-kernel-cmdline') cmdlines.push({ index: ev.index, text: ipl.text })
      continue
    }
    if (pcrLog && ev.pcrIndex === 9 && ipl) {
      files.push(entry(ipl.text))
      continue
    }
    if (pcrLog && ev.pcrIndex === 14 && ipl && /^MokList/.test(ipl.text)) {
      mok.push(entry(ipl.text))
      continue
    }
    if (pcrLog && ev.pcrIndex === 12 && ipl && ipl.form === 'utf-16le') stubCmdline.push({ index: ev.index, text: ipl.text })
    if (ev.pcrIndex >= 8 && ev.pcrIndex <= 15) {
      const label = ipl ? ipl.text : d.kind === 'event-tag' ? `tag ${d.records.map((r) => r.idName ?? `0x${r.id.toString(16)}`).join(', ')}` : ev.typeName
      measurements.push(entry(label))
    }
  }
  // Exactly one kernel command line (go-tpm-tools): more than one is ambiguous, so untrusted.
  let kernelCmdline: Fact<string | undefined>
  let source: LinuxState['kernelCmdlineSource']
  if (cmdlines.length > 1) {
    findings.push({ code: 'LINUX_CMDLINE_AMBIGUOUS', severity: 'error', message: `${cmdlines.length} kernel_cmdline measurements in PCR 8; exactly one is expected`, pcr: 8, eventIndex: cmdlines[1]!.index, relatedEvents: cmdlines.map((c) => c.index) })
    kernelCmdline = { value: cmdlines[cmdlines.length - 1]!.text, trusted: false, events: cmdlines.map((c) => c.index), reason: 'more than one kernel command line was measured' }
    source = 'grub'
  } else if (cmdlines.length === 1) {
    // The "kernel_cmdline: " / "grub_cmd: " prefixes are not measured (the digest covers the
    // text after them), so which event *is* the command line is an unauthenticated label. It is
    // trusted only when a measured `linux <same text>` command precedes it: GRUB logs the command
    // it ran, then the command line it built from it.
    const c = cmdlines[0]!
    const linuxCmd = grub.find((i) => {
      if (i >= c.index) return false
      const d = log.events[i]!.decoded as DecodedEventData
      if (d.kind !== 'ipl' || d.form !== 'grub-command') return false
      const m = /^(?:linux|linuxefi|linux16) (.*)$/s.exec(d.text)
      // GRUB's command line re-quotes arguments that contain spaces (grub_create_loader_cmdline),
      // the command shows them as parsed: compare with quoting removed.
      return m !== null && unquote(m[1]!) === unquote(c.text)
    })
    if (linuxCmd === undefined) {
      kernelCmdline = { value: c.text, trusted: false, events: [c.index], reason: 'no measured GRUB `linux …` command carries this command line (the kernel_cmdline label itself is not measured)' }
      findings.push({ code: 'LINUX_CMDLINE_UNCORROBORATED', severity: 'warning', message: 'the kernel command line is not backed by a measured GRUB `linux` command; it is not trusted', pcr: 8, eventIndex: c.index })
    } else {
      kernelCmdline = fact(ctx, c.text, [c.index, linuxCmd])
    }
    source = 'grub'
  } else if (stubCmdline.length >= 1) {
    kernelCmdline = fact(ctx, stubCmdline[0]!.text, [stubCmdline[0]!.index])
    source = 'systemd-stub'
  } else {
    kernelCmdline = fact(ctx, undefined, [], 8)
  }
  for (const f of [kernelCmdline]) {
    if (f.events.length && !f.trusted) findings.push({ code: 'STATE_FACT_UNTRUSTED', severity: 'warning', message: `kernel command line is not trusted: ${f.reason}`, eventIndex: f.events[0] })
  }
  let sbatLevel: Fact<string | undefined> = fact(ctx, undefined, [], 7)
  if (sbat !== undefined) {
    const v = variableOf(log.events[sbat]!)!
    sbatLevel = fact(ctx, v.value.type === 'text' ? v.value.text : undefined, [sbat])
  }
  return {
    kernelCmdline,
    ...(source ? { kernelCmdlineSource: source } : {}),
    grubCommands: fact(ctx, grubCmds, grub, 8),
    files,
    measurements,
    shim: { sbatLevel, mokVariables: mok },
  }
}
