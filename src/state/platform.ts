/**
 * Platform facts: S-CRTM version (PCR 0), firmware blobs (PCR 0), SP800-155 reference-manifest
 * events, and the start locality (PFP §10.4.5.3; an unauthenticated hint, attack L-07).
 */
import { EV } from '../eventlog/event_types.js'
import type { DecodedEventData, Sp800155Data } from '../eventlog/decode/types.js'
import { fact, untrustedFact, type Fact, type StateContext } from './fact.js'
import { digestsOf } from './events.js'
import { digestTrust } from './boot_apps.js'

export interface FirmwareBlob {
  eventIndex: number
  description?: string
  base: string
  length: string
  digests: Record<string, string>
  digestTrusted: boolean
}

export interface PlatformState {
  scrtmVersion: Fact<string | undefined>
  firmwareBlobs: FirmwareBlob[]
  /** SP800-155 platform-identity events (EV_NO_ACTION: never measured, information only). */
  sp800155: (Sp800155Data & { eventIndex: number })[]
  /** The locality the log claims TPM2_Startup came from. Never trusted: EV_NO_ACTION is unmeasured. */
  startupLocality: Fact<number | undefined>
  /** GCE EV_NONHOST_INFO confidential-computing technology, when present. */
  nonHostInfo?: Fact<unknown>
}

export function extractPlatform(ctx: StateContext): PlatformState {
  const { log } = ctx
  let scrtm: number | undefined
  let nonhost: number | undefined
  const firmwareBlobs: FirmwareBlob[] = []
  const sp800155: PlatformState['sp800155'] = []
  for (const ev of log.events) {
    const d = ev.decoded as DecodedEventData
    if (d.kind === 'sp800-155') sp800155.push({ ...d, eventIndex: ev.index })
    if (log.registerKind === 'pcr' && ev.pcrIndex !== 0) continue
    if (ev.eventType === EV.EV_S_CRTM_VERSION && scrtm === undefined) scrtm = ev.index
    if (ev.eventType === EV.EV_NONHOST_INFO && nonhost === undefined) nonhost = ev.index
    if ((ev.eventType === EV.EV_EFI_PLATFORM_FIRMWARE_BLOB || ev.eventType === EV.EV_EFI_PLATFORM_FIRMWARE_BLOB2) && d.kind === 'firmware-blob') {
      firmwareBlobs.push({ eventIndex: ev.index, ...(d.description !== undefined ? { description: d.description } : {}), base: d.base, length: d.length, digests: digestsOf(ev), digestTrusted: digestTrust(ctx, ev.pcrIndex).trusted })
    }
  }
  let scrtmVersion: Fact<string | undefined> = fact(ctx, undefined, [], 0)
  if (scrtm !== undefined) {
    const d = log.events[scrtm]!.decoded as DecodedEventData
    const text = d.kind === 'text' ? d.text : d.kind === 'guid' ? d.guid : undefined
    scrtmVersion = fact(ctx, text, [scrtm])
  }
  const loc = log.startupLocality
  const startupLocality: Fact<number | undefined> = loc
    ? untrustedFact(loc.locality, [loc.eventIndex], 'FACT_UNMEASURED', 'StartupLocality is an unmeasured EV_NO_ACTION hint; compare it with the platform\'s pinned expectation')
    : untrustedFact(undefined, [], 'FACT_UNMEASURED', 'the log states no start locality (PCR 0 replays from locality 0)')
  const out: PlatformState = { scrtmVersion, firmwareBlobs, sp800155, startupLocality }
  if (nonhost !== undefined) {
    const d = log.events[nonhost]!.decoded as DecodedEventData
    out.nonHostInfo = fact(ctx, d.kind === 'gce-nonhost-info' ? d : undefined, [nonhost])
  }
  return out
}
