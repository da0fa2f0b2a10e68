/**
 * Event-data decoding: one decoder per structure family, chosen by event type (PFP §10.4.1).
 *
 * `decodeEventData` is total: it never throws for any input bytes. A body that does not fit its
 * structure comes back as `{kind:'unparsed', error}` (code, message, absolute offset) and the
 * raw bytes stay on the event (attack L-01). Types without a
 * decoder, and unknown types, come back as `{kind:'raw', note}`.
 */
import { EV, isKnownEventType } from '../event_types.js'
import { guarded } from './common.js'
import { decodeGpt } from './gpt.js'
import { decodeFirmwareBlob, decodeHandoffTables } from './handoff.js'
import { decodeImageLoad } from './image_load.js'
import { decodeNoAction } from './no_action.js'
import { decodeSeparator } from './separator.js'
import { decodeStringEvent } from './strings.js'
import { decodeEventTag } from './tag.js'
import type { DecodeInput, DecodedEventData } from './types.js'
import { decodeUefiVariable } from './variable.js'

export type * from './types.js'
export { summarizeEventData } from './summary.js'
export { devicePathFilePath, devicePathToText } from './device_path.js'
export { formatGuid, guidName } from './guid.js'

function dispatch(input: DecodeInput): DecodedEventData {
  switch (input.eventType) {
    case EV.EV_NO_ACTION:
      return decodeNoAction(input)
    case EV.EV_SEPARATOR:
      return decodeSeparator(input)
    case EV.EV_EFI_ACTION:
    case EV.EV_ACTION:
    case EV.EV_POST_CODE:
    case EV.EV_POST_CODE2:
    case EV.EV_S_CRTM_CONTENTS:
    case EV.EV_S_CRTM_VERSION:
    case EV.EV_IPL:
    case EV.EV_OMIT_BOOT_DEVICE_EVENTS:
    case EV.EV_EFI_HCRTM_EVENT:
    case EV.EV_NONHOST_INFO:
    case EV.EV_COMPACT_HASH:
    case EV.EV_PLATFORM_CONFIG_FLAGS:
      return decodeStringEvent(input)
    case EV.EV_EFI_VARIABLE_DRIVER_CONFIG:
    case EV.EV_EFI_VARIABLE_BOOT:
    case EV.EV_EFI_VARIABLE_BOOT2:
    case EV.EV_EFI_VARIABLE_AUTHORITY:
      return decodeUefiVariable(input)
    case EV.EV_EFI_BOOT_SERVICES_APPLICATION:
    case EV.EV_EFI_BOOT_SERVICES_DRIVER:
    case EV.EV_EFI_RUNTIME_SERVICES_DRIVER:
      return decodeImageLoad(input)
    case EV.EV_EFI_GPT_EVENT:
    case EV.EV_EFI_GPT_EVENT2:
      return decodeGpt(input)
    case EV.EV_EFI_PLATFORM_FIRMWARE_BLOB:
      return decodeFirmwareBlob(input, false)
    case EV.EV_EFI_PLATFORM_FIRMWARE_BLOB2:
      return decodeFirmwareBlob(input, true)
    case EV.EV_EFI_HANDOFF_TABLES:
      return decodeHandoffTables(input, false)
    case EV.EV_EFI_HANDOFF_TABLES2:
      return decodeHandoffTables(input, true)
    case EV.EV_EVENT_TAG:
      return decodeEventTag(input)
    // Descriptors or vendor formats this library does not interpret: the digest is what counts.
    case EV.EV_EFI_SPDM_FIRMWARE_BLOB:
    case EV.EV_EFI_SPDM_FIRMWARE_CONFIG:
    case EV.EV_EFI_SPDM_DEVICE_POLICY:
    case EV.EV_EFI_SPDM_DEVICE_AUTHORITY:
      return { kind: 'raw', note: 'SPDM event data is not decoded' }
    case EV.EV_CPU_MICROCODE:
      return { kind: 'raw', note: 'microcode descriptor is not decoded' }
    case EV.EV_TABLE_OF_DEVICES:
      return { kind: 'raw', note: 'table of devices is not decoded' }
    case EV.EV_NONHOST_CODE:
    case EV.EV_NONHOST_CONFIG:
      return { kind: 'raw', note: 'non-host code/configuration data is not decoded' }
    case EV.EV_PREBOOT_CERT:
      return { kind: 'raw', note: 'pre-boot certificate data is not decoded' }
  }
  return isKnownEventType(input.eventType) ? { kind: 'raw', note: 'no decoder for this event type' } : { kind: 'raw', note: 'unknown event type' }
}

/** Decode one event's data. Never throws for any `data`. */
export function decodeEventData(input: DecodeInput): DecodedEventData {
  return guarded(input, () => dispatch(input))
}
