/**
 * EV_EVENT_TAG (PFP §10.4.1): TCG_PCClientTaggedEvent
 * `{u32 taggedEventID; u32 taggedEventDataSize; u8 taggedEventData[size]}`.
 *
 * systemd and Linux write exactly one such record; Windows writes the whole body as a sequence
 * of SIPA TLVs with the same {u32 type, u32 size, value} framing (Windows SDK wbcl.h). Both are
 * read as a flat list of top-level records that must cover the data exactly; SIPA containers
 * are not opened here (their nesting is decoded, with a depth cap, by the SIPA decoder).
 */
import { malformed, readerFor } from './common.js'
import type { DecodeInput, EventTagData, TaggedRecord } from './types.js'

/** Tagged-event IDs of systemd (systemd docs/TPM2_PCR_MEASUREMENTS.md) and the Linux EFI stub. */
const SYSTEMD_TAGS: ReadonlyMap<number, string> = new Map([
  [0xd5cb7cbc, 'systemd SMBIOS type 1'],
  [0xe0d47bc8, 'systemd SMBIOS type 2'],
  [0xc0b3bd23, 'systemd SMBIOS type 11'],
  [0xf5bc582a, 'systemd loader.conf'],
  [0x6c46f751, 'systemd devicetree'],
  [0x49dffe0f, 'systemd initrd addon'],
  [0xdac08e1a, 'systemd ucode addon'],
  // Linux EFI stub (PCR 9): initrd and LoadOptions, as seen in real TDX/CCEL logs.
  [0x8f3b22ec, 'Linux initrd'],
  [0x8f3b22ed, 'Linux LoadOptions'],
])

export function decodeEventTag(input: DecodeInput): EventTagData {
  const r = readerFor(input)
  const records: TaggedRecord[] = []
  if (r.remaining === 0) malformed(r, 'empty tagged event')
  while (r.remaining > 0) {
    const at = r.offset
    if (records.length >= input.limits.maxItemsPerEvent) r.limit('maxItemsPerEvent', records.length + 1, input.limits.maxItemsPerEvent, at)
    const id = r.u32le('taggedEventID')
    const size = r.u32le('taggedEventDataSize')
    const data = r.take(size, 'taggedEventData')
    const name = SYSTEMD_TAGS.get(id)
    records.push(name === undefined ? { id, size, data } : { id, idName: name, size, data })
  }
  return { kind: 'event-tag', records }
}
