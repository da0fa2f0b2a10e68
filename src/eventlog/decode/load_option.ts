/**
 * Boot manager variables under EFI_GLOBAL_VARIABLE (UEFI spec §3.1.3, §3.3), measured as
 * EV_EFI_VARIABLE_BOOT(2) into PCR 1:
 *
 *   BootOrder / DriverOrder / SysPrepOrder: UINT16[] of option numbers.
 *   Boot#### / Driver#### / SysPrep#### / PlatformRecovery####: EFI_LOAD_OPTION
 *     { u32 Attributes; u16 FilePathListLength; CHAR16 Description[] (NUL-terminated);
 *       EFI_DEVICE_PATH FilePathList[FilePathListLength bytes]; u8 OptionalData[] }
 */
import type { ByteReader } from '../../bytes/reader.js'
import type { EventLogLimits } from '../../limits.js'
import { malformed } from './common.js'
import { readDevicePath } from './device_path.js'
import { readUcs2z } from './text.js'
import type { LoadOption, VariableValue } from './types.js'

const LOAD_OPTION_ACTIVE = 0x00000001

export function readBootOrder(r: ByteReader, limits: Pick<EventLogLimits, 'maxItemsPerEvent'>, what: string): VariableValue {
  if (r.remaining % 2 !== 0) malformed(r, `${what}: ${r.remaining} bytes is not a whole number of UINT16 entries`)
  const count = r.remaining / 2
  if (count > limits.maxItemsPerEvent) r.limit('maxItemsPerEvent', count, limits.maxItemsPerEvent)
  const order: number[] = []
  for (let i = 0; i < count; i++) order.push(r.u16le('BootOrder'))
  return { type: 'boot-order', order }
}

export function readLoadOption(r: ByteReader, limits: Pick<EventLogLimits, 'maxItemsPerEvent'>): VariableValue {
  const attributes = r.u32le('EFI_LOAD_OPTION.Attributes')
  const pathLength = r.u16le('EFI_LOAD_OPTION.FilePathListLength')
  const description = readUcs2z(r, 'EFI_LOAD_OPTION.Description').text
  const path = readDevicePath(r.sub(pathLength, 'EFI_LOAD_OPTION.FilePathList'), limits, { multiplePaths: true })
  const option: LoadOption = {
    attributes,
    active: (attributes & LOAD_OPTION_ACTIVE) !== 0,
    description,
    devicePath: path.text,
    optionalData: r.rest(),
  }
  if (path.filePath !== undefined) option.filePath = path.filePath
  return { type: 'load-option', option }
}

/** `Boot0003` → true; the #### part is exactly four uppercase hex digits (UEFI §3.1.1). */
export function isLoadOptionName(name: string): boolean {
  return /^(Boot|Driver|SysPrep|PlatformRecovery)[0-9A-F]{4}$/.test(name)
}
