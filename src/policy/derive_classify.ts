/**
 * How `derivePolicy` turns one known-good event into a rule slot: its component, whether its
 * digest is pinned (`sequence`), pinned as a set, or only its type (`any`). PC Client PCRs per TCG
 * PFP §3.3.4; CC event logs by their own register mapping (classifyCc).
 */
import { EV } from '../eventlog/event_types.js'
import type { DecodedEventData } from '../eventlog/decode/types.js'
import type { TcgEvent } from '../eventlog/types.js'
import type { DerivePolicyOptions } from './derive.js'
import { componentForPcr, type ComponentKind } from './types.js'

export interface Classified {
  /** event type names of the slot, undefined = all types */
  types: string[]
  component: ComponentKind
  mode: 'sequence' | 'set' | 'any'
  name?: string
}

export function eventText(ev: TcgEvent): string | undefined {
  const d = ev.decoded as DecodedEventData
  if (d.kind === 'ipl' || d.kind === 'action' || d.kind === 'text') return d.text
  if (d.kind === 'uefi-variable') return d.name
  if (d.kind === 'image-load') return d.filePath ?? d.devicePath
  if (d.kind === 'firmware-blob') return d.description
  return undefined
}

function fileComponent(path: string): ComponentKind {
  if (/initrd|initramfs/i.test(path)) return 'initrd'
  if (/vmlinu[xz]|bzimage|kernel/i.test(path)) return 'os-kernel'
  return 'boot-config'
}

/** CC MR (TDX: 0 MRTD, 1-4 RTMR0-3) -> component; PC Client PCRs by componentForPcr. */
const CC_COMPONENT: readonly ComponentKind[] = ['platform-firmware', 'platform-config', 'boot-loader', 'os-kernel', 'os-runtime']

/** The component of a register: a CC MR by its RTMR's role, a PCR by TCG PFP §3.3.4. */
export function componentForRegister(register: number, cc: boolean): ComponentKind {
  return cc ? (CC_COMPONENT[register] ?? 'other') : componentForPcr(register)
}

/**
 * A CC event log's registers are not PC Client PCRs: RTMR0 (CC MR 1) holds what PCRs 1 and 7 hold,
 * RTMR1 (MR 2) PCRs 2-6, RTMR2 (MR 3) PCRs 8-15, RTMR3 (MR 4) runtime measurements (Intel TDX
 * Virtual Firmware Design Guide, "Measurement register mapping"; UEFI 2.10 §38.4.1). The Secure
 * Boot facts of a CCEL are never trusted (they are read from PCR 7), so no secureBoot rules stand in
 * for the variables: they are pinned here, and so is the host-supplied configuration (TD HOB, ACPI
 * tables) beside them; only boot variables may vary.
 */
function classifyCc(ev: TcgEvent, o: Required<Pick<DerivePolicyOptions, 'grubCommands'>> & { afterGrub: boolean }): Classified {
  const t = ev.typeName
  const base: Classified = { types: [t], component: 'platform-config', mode: 'sequence' }
  switch (ev.pcrIndex) {
    case 1:
      if (ev.eventType === EV.EV_EFI_VARIABLE_DRIVER_CONFIG) return { ...base, component: 'secure-boot', name: 'Secure Boot variables' }
      if (ev.eventType === EV.EV_EFI_VARIABLE_AUTHORITY) return { ...base, component: 'secure-boot', mode: 'set', name: 'Secure Boot authorities' }
      if (ev.eventType === EV.EV_EFI_VARIABLE_BOOT || ev.eventType === EV.EV_EFI_VARIABLE_BOOT2) return { ...base, mode: 'any' }
      return base
    case 2:
      if (ev.eventType === EV.EV_EFI_BOOT_SERVICES_APPLICATION) return o.afterGrub ? { ...base, component: 'os-kernel', name: 'OS kernel' } : { ...base, component: 'boot-loader', name: 'boot loader' }
      if (ev.eventType === EV.EV_EFI_GPT_EVENT || ev.eventType === EV.EV_EFI_GPT_EVENT2) return { ...base, mode: 'any' }
      return { ...base, component: 'boot-loader' }
    case 3:
      if (ev.eventType === EV.EV_IPL) return { ...base, component: 'boot-config', name: 'GRUB commands and files', mode: o.grubCommands === 'any' ? 'any' : 'sequence' }
      return { ...base, component: 'os-kernel' }
    default:
      return { ...base, component: componentForRegister(ev.pcrIndex, true) }
  }
}

export function classify(ev: TcgEvent, o: Required<Pick<DerivePolicyOptions, 'grubCommands'>> & { sbRules: boolean; afterGrub: boolean; cc?: boolean }): Classified {
  if (o.cc) return classifyCc(ev, o)
  const t = ev.typeName
  const p = ev.pcrIndex
  const base: Classified = { types: [t], component: componentForPcr(p), mode: 'sequence' }
  if (t === 'EV_SEPARATOR') return base
  switch (p) {
    case 1:
      return { ...base, mode: 'any' }
    case 4:
      if (ev.eventType === EV.EV_EFI_BOOT_SERVICES_APPLICATION) return o.afterGrub ? { ...base, component: 'os-kernel', name: 'OS kernel' } : { ...base, component: 'boot-loader', name: 'boot loader' }
      return base
    case 5:
      return ev.eventType === EV.EV_EFI_GPT_EVENT || ev.eventType === EV.EV_EFI_GPT_EVENT2 ? { ...base, mode: 'any' } : base
    case 7:
      if (ev.eventType === EV.EV_EFI_VARIABLE_DRIVER_CONFIG && o.sbRules) return { ...base, mode: 'any', name: 'Secure Boot variables (checked by the secureBoot rules)' }
      if (ev.eventType === EV.EV_EFI_VARIABLE_AUTHORITY) return { ...base, mode: 'set', name: 'Secure Boot authorities' }
      return base
    case 8:
      return { ...base, component: 'boot-config', name: 'GRUB commands', mode: o.grubCommands === 'any' ? 'any' : 'sequence' }
    case 9:
      if (ev.eventType === EV.EV_IPL) {
        const c = fileComponent(eventText(ev) ?? '')
        return { ...base, component: c, name: c === 'boot-config' ? 'boot files (grub.cfg, ...)' : c === 'initrd' ? 'initrd' : 'kernel image' }
      }
      return base
    default:
      return base
  }
}
