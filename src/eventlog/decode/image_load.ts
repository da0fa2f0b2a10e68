/**
 * UEFI_IMAGE_LOAD_EVENT (PFP §10.4.3), the data of
 * EV_EFI_BOOT_SERVICES_APPLICATION / _DRIVER and EV_EFI_RUNTIME_SERVICES_DRIVER:
 *
 *   { u64 ImageLocationInMemory; u64 ImageLengthInMemory; u64 ImageLinkTimeAddress;
 *     u64 LengthOfDevicePath; EFI_DEVICE_PATH DevicePath[LengthOfDevicePath] }
 *
 * The digest is the image's Authenticode hash, so everything here is an unverified hint.
 * LengthOfDevicePath is a u64 checked against the bytes left before use (attack L-01). Bytes
 * after the device path are counted, not rejected (see `ImageLoadData.trailingBytes`).
 */
import { hex64, readerFor } from './common.js'
import { readDevicePath } from './device_path.js'
import type { DecodeInput, ImageLoadData } from './types.js'

export function decodeImageLoad(input: DecodeInput): ImageLoadData {
  const r = readerFor(input)
  const imageBase = hex64(r.u64le('ImageLocationInMemory'))
  const imageLength = hex64(r.u64le('ImageLengthInMemory'))
  const linkTimeAddress = hex64(r.u64le('ImageLinkTimeAddress'))
  const pathLength = r.u64leLength('LengthOfDevicePath')
  const path = readDevicePath(r.sub(pathLength, 'DevicePath'), input.limits)
  const out: ImageLoadData = { kind: 'image-load', imageBase, imageLength, linkTimeAddress, devicePath: path.text }
  if (path.filePath !== undefined) out.filePath = path.filePath
  if (r.remaining > 0) out.trailingBytes = r.remaining
  return out
}
