/**
 * Naming the boot-chain component an event measures: platform firmware, drivers / option ROMs,
 * boot loader, kernel, initrd, Secure Boot variables and authorities, the kernel command line,
 * GRUB commands and files, Windows SIPA events.
 *
 * Each event gets a component kind, a human name, an optional strong `identity` (the same
 * component in another log: a variable's (GUID, name), a file path, a firmware volume) and a
 * weaker `cls` used to pair the remaining events of a gap in order (the 2nd boot application
 * without a device path in log A with the 2nd in log B). Everything here comes from the event
 * data, which is an unverified hint unless the event verifies (attack R-02).
 */
import type { DecodedEventData, UefiVariableData } from '../eventlog/decode/types.js'
import { summarizeEventData } from '../eventlog/decode/summary.js'
import { EV } from '../eventlog/event_types.js'
import type { EventLog, TcgEvent } from '../eventlog/types.js'

export type ComponentKind =
  /** PCR 0: S-CRTM version / contents, firmware volumes (blobs), POST code, host info. */
  | 'platform-firmware'
  /** PCR 1 / 3 / 5 and similar: handoff tables (SMBIOS, ACPI), platform / driver config variables. */
  | 'platform-configuration'
  /** PCR 1: BootOrder, Boot#### load options. */
  | 'boot-configuration'
  /** PCR 2: option ROMs and UEFI drivers (EV_EFI_BOOT_SERVICES_DRIVER / _RUNTIME_SERVICES_DRIVER). */
  | 'driver'
  /** PCR 4 (first stages: shim, GRUB, systemd-boot, bootmgfw.efi) */
  | 'boot-loader'
  /** PCR 4 kernel image (EFI stub / UKI) or the PCR 9 kernel file GRUB read. */
  | 'kernel'
  /** PCR 4 applications that are neither (UEFI shell, fwupd, MokManager, ...). */
  | 'boot-application'
  /** PCR 9 initrd file, or the Linux initrd EV_EVENT_TAG. */
  | 'initrd'
  /** PCR 9 GRUB configuration and environment files (grub.cfg, grubenv). */
  | 'boot-loader-configuration'
  /** PCR 9 other files GRUB read (modules, command lists, fonts). */
  | 'boot-file'
  /** PCR 8 kernel_cmdline, systemd-stub command line, Linux LoadOptions tag. */
  | 'kernel-command-line'
  /** PCR 8 GRUB commands. */
  | 'grub-command'
  /** PCR 5 GPT. */
  | 'partition-table'
  /** PCR 7 SecureBoot, PK, KEK, db, dbx, dbt, dbr, SbatLevel; PCR 14 MokList*. */
  | 'secure-boot-variable'
  /** PCR 7 EV_EFI_VARIABLE_AUTHORITY: the certificate (or hash) that verified an image. */
  | 'secure-boot-authority'
  /** EV_EFI_ACTION / EV_ACTION strings ("Calling EFI Application from Boot Option", "Exit Boot Services Invocation", "UEFI Debug Mode"). */
  | 'firmware-action'
  | 'separator'
  /** Windows boot manager / winload modules (SIPA LOADEDMODULE_AGGREGATION), PCR 12-14. */
  | 'windows-boot-driver'
  /** Windows Early Launch Anti-Malware drivers (SIPA ELAM aggregation). */
  | 'windows-elam'
  /** Other Windows SIPA data: boot configuration, claims (boot debugging, test signing, ...). */
  | 'windows-boot-configuration'
  /** Other OS-loader measurements in PCR 8-15 (UKI sections, systemd tags, EV_COMPACT_HASH). */
  | 'os-measurement'
  | 'other'

export const COMPONENT_LABELS: Record<ComponentKind, string> = {
  'platform-firmware': 'platform firmware',
  'platform-configuration': 'platform configuration',
  'boot-configuration': 'boot configuration',
  driver: 'option ROM / driver',
  'boot-loader': 'boot loader',
  kernel: 'kernel',
  'boot-application': 'boot application',
  initrd: 'initrd',
  'boot-loader-configuration': 'boot loader configuration',
  'boot-file': 'boot file',
  'kernel-command-line': 'kernel command line',
  'grub-command': 'GRUB command',
  'partition-table': 'partition table',
  'secure-boot-variable': 'Secure Boot variable',
  'secure-boot-authority': 'Secure Boot authority',
  'firmware-action': 'firmware action',
  separator: 'separator',
  'windows-boot-driver': 'Windows boot driver',
  'windows-elam': 'Windows ELAM driver',
  'windows-boot-configuration': 'Windows boot configuration',
  'os-measurement': 'OS measurement',
  other: 'event',
}

export interface EventDescription {
  kind: ComponentKind
  /** Human name: variable name, file path, firmware volume, command verb, ... */
  name: string
  /** Same component in another log (strong match). */
  identity?: string
  /** Pairing class for the remaining events of a gap (matched in order). */
  cls: string
  /** Short rendering of the event's content. */
  value: string
  /** File / device path, when the event names one. */
  path?: string
}

const KERNEL_PATH = /vmlinu[xz]|bzimage|(^|[\\/])(kernel|linux)[^\\/]*$|[\\/]efi[\\/]linux[\\/]/i
const INITRD_PATH = /initrd|initramfs|\.cpio(\.|$)/i
const LOADER_CFG = /(^|[\\/])(grub\.cfg|grubenv|loader\.conf)$/i

function variableOf(d: DecodedEventData): UefiVariableData | undefined {
  return d.kind === 'uefi-variable' ? d : undefined
}

/** A GRUB device prefix such as `(hd0,gpt1)` is dropped: the same file on another disk is the same component. */
export function normalizeGrubPath(p: string): string {
  return p.replace(/^\([^)]*\)/, '')
}

function fileRole(path: string): ComponentKind {
  if (INITRD_PATH.test(path)) return 'initrd'
  if (KERNEL_PATH.test(path)) return 'kernel'
  if (LOADER_CFG.test(path)) return 'boot-loader-configuration'
  return 'boot-file'
}

/** Optional per-event overrides, e.g. from the Windows state. */
export type DescribeOverride = (ev: TcgEvent) => EventDescription | undefined

/**
 * Describe every extended event of `log` (EV_NO_ACTION records are not measured and get none).
 * PCR 4 boot applications are classified in log order: a path that names a kernel, or an image
 * without a path measured after GRUB has run a `linux` command or read a kernel file, is the
 * kernel; other images without a path, and recognised loader paths, are boot loaders.
 */
export function describeEvents(log: EventLog, override?: DescribeOverride): Map<number, EventDescription> {
  const out = new Map<number, EventDescription>()
  const pcrLog = log.registerKind === 'pcr'
  let kernelHint = false
  let appCount = 0
  for (const ev of log.events) {
    if (ev.eventType === EV.EV_NO_ACTION) continue
    const d = ev.decoded as DecodedEventData
    const o = override?.(ev)
    if (o) {
      out.set(ev.index, o)
      continue
    }
    const desc = describeOne(ev, d, pcrLog)
    if (ev.eventType === EV.EV_EFI_BOOT_SERVICES_APPLICATION) {
      appCount++
      const path = desc.path
      let kind: ComponentKind
      if (path && /^(Fv|MemoryMapped)\(/.test(path)) kind = 'boot-application' // firmware-volume apps (UiApp, boot menu, shell)
      else if (path && KERNEL_PATH.test(path)) kind = 'kernel'
      else if (!path && kernelHint) kind = 'kernel'
      else if (!path || /shim|grub|boot(x64|ia32|aa64|arm|riscv64)\.efi|bootmgfw|bootmgr|systemd-boot|sd-boot/i.test(path)) kind = 'boot-loader'
      else kind = 'boot-application'
      desc.kind = kind
      desc.cls = `app:${kind}`
      if (!path) desc.name = `boot application #${appCount} (no device path)`
    }
    if (desc.kind === 'kernel-command-line' || (d.kind === 'ipl' && /^linux(efi|16)?\s/.test(d.text)) || (desc.kind === 'kernel' && ev.eventType === EV.EV_IPL)) kernelHint = true
    out.set(ev.index, desc)
  }
  return out
}

function describeOne(ev: TcgEvent, d: DecodedEventData, pcrLog: boolean): EventDescription {
  const value = summarizeEventData(d)
  const base = (kind: ComponentKind, name: string, identity?: string, cls?: string): EventDescription => ({ kind, name, ...(identity !== undefined ? { identity } : {}), cls: cls ?? `${kind}:${ev.eventType}`, value })
  const t = ev.eventType
  switch (t) {
    case EV.EV_S_CRTM_VERSION:
      return base('platform-firmware', 'S-CRTM version', 's-crtm-version')
    case EV.EV_S_CRTM_CONTENTS:
    case EV.EV_EFI_PLATFORM_FIRMWARE_BLOB:
    case EV.EV_EFI_PLATFORM_FIRMWARE_BLOB2:
    case EV.EV_POST_CODE:
    case EV.EV_POST_CODE2:
    case EV.EV_EFI_HCRTM_EVENT:
    case EV.EV_NONHOST_CODE:
    case EV.EV_NONHOST_INFO:
    case EV.EV_EFI_SPDM_FIRMWARE_BLOB: {
      if (d.kind === 'firmware-blob') {
        const name = d.description ? `firmware volume "${d.description}"` : `firmware volume at ${d.base}`
        return base('platform-firmware', name, `blob:${d.description ?? d.base}`, 'platform-firmware:blob')
      }
      if (d.kind === 'text') return base('platform-firmware', t === EV.EV_S_CRTM_CONTENTS ? 'S-CRTM contents' : `POST code "${d.text}"`, `text:${t}:${d.text}`)
      if (d.kind === 'gce-nonhost-info') return base('platform-firmware', 'GCE NonHostInfo', 'gce-nonhost-info')
      return base('platform-firmware', ev.typeName)
    }
    case EV.EV_EFI_HANDOFF_TABLES:
    case EV.EV_EFI_HANDOFF_TABLES2: {
      const name = d.kind === 'handoff-tables' ? `handoff tables ${d.description ?? d.tables.map((x) => x.guidName ?? x.guid).join(', ')}` : 'handoff tables'
      return base('platform-configuration', name, `handoff:${name}`)
    }
    case EV.EV_TABLE_OF_DEVICES:
    case EV.EV_PLATFORM_CONFIG_FLAGS:
    case EV.EV_CPU_MICROCODE:
    case EV.EV_NONHOST_CONFIG:
    case EV.EV_EFI_SPDM_FIRMWARE_CONFIG:
      return base('platform-configuration', ev.typeName, `type:${t}`)
    case EV.EV_EFI_VARIABLE_BOOT:
    case EV.EV_EFI_VARIABLE_BOOT2: {
      const v = variableOf(d)
      const name = v ? (v.known ?? v.name) : ev.typeName
      return base('boot-configuration', name, v ? `var:${v.guid}:${v.name}` : undefined)
    }
    case EV.EV_EFI_VARIABLE_DRIVER_CONFIG: {
      const v = variableOf(d)
      const name = v ? (v.known ?? v.name) : ev.typeName
      const sb = (pcrLog && ev.pcrIndex === 7) || (v?.known !== undefined && /^(SecureBoot|PK|KEK|db|dbx|dbt|dbr|Mok|SbatLevel|AuditMode|DeployedMode|SetupMode)/.test(v.known))
      return base(sb ? 'secure-boot-variable' : 'platform-configuration', name, v ? `var:${v.guid}:${v.name}` : undefined)
    }
    case EV.EV_EFI_VARIABLE_AUTHORITY: {
      const v = variableOf(d)
      if (v?.known === 'SbatLevel' || v?.value.type === 'text') return base('secure-boot-variable', v.known ?? v.name, `authority-var:${v.guid}:${v.name}`)
      if (v && v.value.type === 'signature-data') {
        const e = v.value.entry
        const what = e.type === 'x509' ? `certificate ${e.sha256.slice(0, 16)}…` : e.type === 'sha256' ? `hash ${e.hash.slice(0, 16)}…` : 'entry'
        const id = e.type === 'x509' ? e.sha256 : e.type === 'sha256' ? e.hash : undefined
        return base('secure-boot-authority', `${v.known ?? v.name} ${what}`, id ? `authority:${v.name}:${id}` : undefined, `authority:${v.name}`)
      }
      return base('secure-boot-authority', v ? (v.known ?? v.name) : ev.typeName, undefined, 'authority')
    }
    case EV.EV_EFI_BOOT_SERVICES_DRIVER:
    case EV.EV_EFI_RUNTIME_SERVICES_DRIVER: {
      const path = d.kind === 'image-load' ? d.filePath ?? (d.devicePath || undefined) : undefined
      // The value omits the load address, which differs on every boot.
      return { ...base('driver', path ?? `driver (no device path)`, path ? `driver:${path.toLowerCase()}` : undefined, 'driver'), value: path ?? 'no device path', ...(path ? { path } : {}) }
    }
    case EV.EV_EFI_BOOT_SERVICES_APPLICATION: {
      const path = d.kind === 'image-load' ? d.filePath ?? (d.devicePath || undefined) : undefined
      // kind / cls / name finalised by describeEvents (log-order role).
      return { ...base('boot-loader', path ?? 'boot application', path ? `app:${path.toLowerCase()}` : undefined), value: path ?? 'no device path', ...(path ? { path } : {}) }
    }
    case EV.EV_EFI_GPT_EVENT:
    case EV.EV_EFI_GPT_EVENT2:
      return base('partition-table', 'GPT', 'gpt', 'gpt')
    case EV.EV_EFI_ACTION:
    case EV.EV_ACTION: {
      const text = d.kind === 'action' ? d.text : value
      return base('firmware-action', `"${text}"`, `action:${text}`)
    }
    case EV.EV_SEPARATOR:
      return base('separator', 'separator', 'separator', 'separator')
    case EV.EV_IPL:
      return describeIpl(ev, d, pcrLog, value)
    case EV.EV_EVENT_TAG: {
      if (d.kind === 'event-tag') {
        const names = d.records.map((r) => r.idName ?? `0x${r.id.toString(16)}`)
        const joined = names.join(', ')
        if (/initrd/i.test(joined)) return base('initrd', `tag ${joined}`, `tag:${joined}`)
        if (/LoadOptions/i.test(joined)) return base('kernel-command-line', `tag ${joined}`, `tag:${joined}`)
        return base('os-measurement', `tag ${joined}`, `tag:${joined}`)
      }
      return base('os-measurement', ev.typeName)
    }
    default:
      return base(ev.pcrIndex >= 8 && ev.pcrIndex <= 15 ? 'os-measurement' : 'other', ev.typeName)
  }
}

function describeIpl(ev: TcgEvent, d: DecodedEventData, pcrLog: boolean, value: string): EventDescription {
  if (d.kind !== 'ipl') return { kind: 'os-measurement', name: ev.typeName, cls: `ipl:${ev.pcrIndex}`, value }
  if (d.form === 'grub-kernel-cmdline') return { kind: 'kernel-command-line', name: 'kernel command line', identity: 'kernel-cmdline', cls: 'kernel-cmdline', value: d.text }
  if (d.form === 'grub-command' || d.form === 'grub-module-cmdline') {
    const verb = d.text.split(/\s/, 1)[0] ?? ''
    // menuentry / submenu: the title (up to the block) names the entry.
    const title = /^(menuentry|submenu)\b/.test(verb) ? d.text.split(/[{\n]/, 1)[0]!.trim() : undefined
    // linux / linuxefi / linux16 (and initrd*) are the same step under another GRUB build.
    const cls = verb.replace(/^(linux|initrd)(efi|16)$/, '$1')
    return { kind: 'grub-command', name: title ?? (verb || '(empty)'), ...(title ? { identity: `grub-entry:${title}` } : {}), cls: `grub:${cls}`, value: d.text }
  }
  const looksLikePath = /^(\([^)]*\))?\/[^\s]*$/.test(d.text)
  if ((pcrLog && ev.pcrIndex === 9) || (!pcrLog && looksLikePath)) {
    const norm = normalizeGrubPath(d.text)
    const kind = fileRole(norm)
    return { kind, name: d.text, identity: `file:${norm}`, cls: `file:${kind}`, value: d.text, path: d.text }
  }
  if (pcrLog && ev.pcrIndex === 14 && /^Mok/.test(d.text)) return { kind: 'secure-boot-variable', name: d.text, identity: `mok:${d.text}`, cls: 'mok', value: d.text }
  if (pcrLog && ev.pcrIndex === 12 && d.form === 'utf-16le') return { kind: 'kernel-command-line', name: 'kernel command line (systemd-stub)', identity: 'stub-cmdline', cls: 'stub-cmdline', value: d.text }
  return { kind: 'os-measurement', name: d.text.length > 60 ? `${d.text.slice(0, 59)}…` : d.text, identity: `ipl:${ev.pcrIndex}:${d.text}`, cls: `ipl:${ev.pcrIndex}`, value: d.text }
}
