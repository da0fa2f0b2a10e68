/**
 * A synthetic but format-exact systemd boot: a firmware log (edk2-style standard boot, then
 * systemd-stub's PCR 11 section pairs and its PCR 12 command line) and the matching userspace
 * log /run/log/systemd/tpm2-measure.log (JSON-SEQ, RFC 7464; records without recnum, content_type
 * "systemd", content {string, bootId, timestamp, eventType}), as systemd documents them
 * (docs/TPM2_PCR_MEASUREMENTS.md). This is NOT a recorded boot: no public tpm2-measure.log with
 * its firmware log and quote was found.
 */
import { createHmac } from 'node:crypto'
import type { HashAlgName } from '../../src/alg.js'
import { toHex } from '../../src/bytes/hex.js'
import { EV } from '../../src/eventlog/event_types.js'
import { defaultHashProvider } from '../../src/hash/provider.js'
import { ascii, buildEventLog, concatBytes, standardBoot, utf16le, type BuiltEventLog, type LogEvent } from '../../src/testing/log_builder.js'
import { buildQuote, createSoftwareAk, type SoftwareAk } from '../../src/testing/tpm.js'
import { authenticateAttestation, type Authentication } from '../../src/attest/authenticate.js'
import { parseCelJson } from '../../src/cel/index.js'
import { parseEventLog } from '../../src/eventlog/parse.js'

export const BANKS: HashAlgName[] = ['sha1', 'sha256']
const h = defaultHashProvider()
const enc = (s: string) => new TextEncoder().encode(s)

export const BOOT_ID = '189c18dd7ba245f38cf49d9ac154b525'
export const MACHINE_ID = '4691595be6a345f1833cc75fab63e475'
export const VOLUME_KEY = Uint8Array.from({ length: 64 }, (_, i) => (i * 7 + 3) & 0xff)
export const NVPCR_HARDWARE = 0x01d10200
export const CMDLINE = 'root=/dev/mapper/root rw quiet'

/** systemd-stub's PCR 11 pair for one section: name (H(ASCII name ‖ NUL)) and data (H(section)). */
function section(name: string, body: Uint8Array): LogEvent[] {
  const label = utf16le(`${name}\0`)
  return [
    { pcr: 11, type: EV.EV_IPL, data: label, hashed: ascii(`${name}\0`) },
    { pcr: 11, type: EV.EV_IPL, data: label, hashed: body },
  ]
}

/** Firmware events of the boot: standard UEFI boot, then systemd-stub's measurements. */
export function firmwareEvents(): LogEvent[] {
  return [
    ...standardBoot(),
    ...section('.linux', enc('kernel image stand-in')),
    ...section('.osrel', enc('ID=debian\n')),
    ...section('.cmdline', enc(CMDLINE)),
    // systemd-stub / systemd-boot ≥ 251: the command line as UTF-16LE with its NUL, digest over the same bytes.
    { pcr: 12, type: EV.EV_IPL, data: utf16le(`${CMDLINE}\0`) },
  ]
}

export interface SystemdRecord {
  pcr?: number
  nvIndex?: number
  string: string
  eventType: string
  /** Digest per bank: H(string), or the volume-key HMAC. */
  digests: Record<string, Uint8Array>
}

function record(where: { pcr: number } | { nvIndex: number }, string: string, eventType: string): SystemdRecord {
  const digests: Record<string, Uint8Array> = {}
  for (const b of BANKS) digests[b] = eventType === 'volume-key' ? new Uint8Array(createHmac(b, VOLUME_KEY).update(string).digest()) : h.digest(b, enc(string))
  return { ...where, string, eventType, digests }
}

/** The userspace records, in the order a boot writes them. */
export function systemdRecords(): SystemdRecord[] {
  return [
    record({ pcr: 11 }, 'enter-initrd', 'phase'),
    record({ nvIndex: NVPCR_HARDWARE }, 'product-id:4691595be6a345f1833cc75fab63e475', 'product-id'),
    record({ pcr: 15 }, 'cryptsetup:root:5e47a9db-7c2d-4a4e-9a0f-2d1c6f1b9e11', 'volume-key'),
    record({ pcr: 11 }, 'leave-initrd', 'phase'),
    record({ pcr: 15 }, `machine-id:${MACHINE_ID}`, 'machine-id'),
    record({ pcr: 15 }, 'file-system:ext4:8c1f2e0a-93a4-4d8e-b1b0-5b9f0e0e2a61:root:0fc63daf-8483-4772-8e79-3d69d8477de4:4f68bce3-e8cd-4db1-96e7-fbcaf984b709:root-x86-64', 'filesystem'),
    record({ pcr: 11 }, 'sysinit', 'phase'),
    record({ pcr: 11 }, 'ready', 'phase'),
  ]
}

/** One JSON-SEQ record exactly as systemd writes it (member order pcr, digests, content_type, content). */
export function recordText(r: SystemdRecord, i: number): string {
  const head = r.nvIndex !== undefined ? { nv_index: r.nvIndex } : { pcr: r.pcr }
  const obj = {
    ...head,
    digests: BANKS.map((b) => ({ hashAlg: b, digest: toHex(r.digests[b]!) })),
    content_type: 'systemd',
    content: { string: r.string, bootId: BOOT_ID, timestamp: 1515761 + i * 250000, eventType: r.eventType },
  }
  return `\u001e${JSON.stringify(obj)}\n`
}

export function measureLogText(records: SystemdRecord[] = systemdRecords()): string {
  return records.map(recordText).join('')
}

/** PCR values after the firmware events then the userspace records (what the TPM holds). */
export function combinedPcrs(fw: BuiltEventLog, records: SystemdRecord[] = systemdRecords()): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {}
  for (const b of BANKS) {
    const regs: Record<string, string> = { ...fw.pcrs[b] }
    for (const r of records) {
      if (r.pcr === undefined) continue
      const cur = regs[String(r.pcr)] ? Uint8Array.from(Buffer.from(regs[String(r.pcr)]!, 'hex')) : new Uint8Array(h.digest(b, new Uint8Array(0)).length)
      regs[String(r.pcr)] = toHex(h.digest2(b, cur, r.digests[b]!))
    }
    out[b] = regs
  }
  return out
}

export interface SystemdBoot {
  fw: BuiltEventLog
  celText: string
  pcrs: Record<string, Record<string, string>>
  ak: SoftwareAk
  nonce: Uint8Array
  quote: { attest: Uint8Array; signature: Uint8Array }
}

let akCache: Promise<SoftwareAk> | undefined

/** The whole boot with a sha256 quote over PCRs 0-15 of the combined values. */
export async function systemdBoot(o: { records?: SystemdRecord[]; quotedRecords?: SystemdRecord[] } = {}): Promise<SystemdBoot> {
  const fw = buildEventLog({ banks: BANKS, events: firmwareEvents() })
  const records = o.records ?? systemdRecords()
  const pcrs = combinedPcrs(fw, o.quotedRecords ?? records)
  const ak = await (akCache ??= createSoftwareAk())
  const nonce = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8)
  const select = Array.from({ length: 16 }, (_, i) => i)
  const full: Record<string, string> = {}
  for (const i of select) full[String(i)] = pcrs.sha256![String(i)] ?? '00'.repeat(32)
  const q = await buildQuote(ak, { nonce, pcrs: { sha256: full }, banks: ['sha256'], select })
  return { fw, celText: measureLogText(records), pcrs, ak, nonce, quote: { attest: q.attest, signature: q.signature } }
}

export { concatBytes }

/** The boot through the authentication stage: its firmware log, its CEL (or `celText`; null for none) and its quote. */
export function authenticateBoot(b: SystemdBoot, now: Date, celText: string | null = b.celText, extra: { pcrs?: Record<string, Record<string, Uint8Array>> } = {}): Promise<Authentication> {
  return authenticateAttestation({
    log: parseEventLog(b.fw.bytes),
    ...(celText !== null ? { celLog: parseCelJson(enc(celText)) } : {}),
    quotes: [b.quote],
    ak: b.ak.tpm2bPublic,
    nonce: b.nonce,
    now,
    ...extra,
  })
}
