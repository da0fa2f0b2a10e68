/**
 * `extractBootState`: turn a parsed, integrity-checked log into the facts a policy decides on
 * (issue 5). Each fact records its source events and whether it is trusted (fact.ts).
 */
import { toHex } from '../bytes/hex.js'
import { verifyEventIntegrity, type IntegrityReport } from '../eventlog/integrity.js'
import { replayEventLog } from '../eventlog/replay.js'
import { checkEventLogStructure } from '../eventlog/structure.js'
import type { EventLog } from '../eventlog/types.js'
import type { Finding } from '../findings.js'
import type { HashProvider } from '../hash/provider.js'
import { parseCertificate } from '../x509/certificate.js'
import { extractBootApps, type BootAppsState } from './boot_apps.js'
import { makeContext, type Fact, type StateContext } from './fact.js'
import { extractLinux, type LinuxState } from './linux.js'
import { extractPlatform, type PlatformState } from './platform.js'
import { extractSecureBoot, type SecureBootState, type SignatureDbEntry } from './secure_boot.js'
import { extractWindowsState, type WindowsState } from './windows/windows_state.js'
import { SIPA_PCRS } from './windows/sipa_constants.js'
import { EV } from '../eventlog/event_types.js'

export interface ConfidentialState {
  /** TDX RTMR values replayed from a CCEL log (MR index n = RTMR n-1), sha384 hex. */
  rtmrs: Record<string, string>
}

export interface BootState {
  platform: PlatformState
  secureBoot: SecureBootState
  bootApps: BootAppsState
  linux: LinuxState
  /** Windows boot configuration (SIPA), present when the log is a Windows WBCL. */
  windows?: Pick<WindowsState, 'detected' | 'claims' | 'bootModules' | 'elamDrivers'>
  cc?: ConfidentialState
}

export interface ExtractBootStateOptions {
  /**
   * PCRs covered by a verified quote whose values the log replays to. When given, facts from
   * other PCRs are untrusted. Pass only PCRs that matched: `verifyAttestation` does this.
   */
  quotedPcrs?: Iterable<number>
  /** Reuse an integrity report already computed for this log. */
  integrity?: IntegrityReport
  /** Reuse structural findings already computed for this log. */
  structure?: Finding[]
  hash?: HashProvider
}

export interface BootStateResult {
  state: BootState
  findings: Finding[]
  context: StateContext
}

type CertFields = Pick<SignatureDbEntry, 'subject' | 'issuer' | 'serial' | 'notBefore' | 'notAfter'> | { error: string }

/**
 * Decoded certificate fields by SHA-256 fingerprint. The same few vendor certificates (Microsoft
 * KEK/db CAs, distribution CAs) appear in every log of a fleet, and a full ASN.1 decode costs
 * milliseconds, so results are cached. Keyed by the fingerprint of the exact DER, so a cache hit
 * is the same certificate; bounded so hostile input cannot grow it without limit.
 */
const certCache = new Map<string, CertFields>()
const CERT_CACHE_MAX = 512

function certFields(der: Uint8Array, sha256: string | undefined): CertFields {
  const key = sha256 ?? ''
  const hit = key ? certCache.get(key) : undefined
  if (hit) return hit
  let out: CertFields
  try {
    const c = parseCertificate(der)
    out = { subject: c.subject, issuer: c.issuer, serial: c.serialNumber, notBefore: c.notBefore.toISOString(), notAfter: c.notAfter.toISOString() }
  } catch (err) {
    out = { error: (err as Error).message }
  }
  if (key) {
    if (certCache.size >= CERT_CACHE_MAX) certCache.delete(certCache.keys().next().value!)
    certCache.set(key, out)
  }
  return out
}

/** Decode subject / issuer / serial / validity of every X.509 entry (pkijs); failures noted. */
function describeCertificates(entries: SignatureDbEntry[], findings: Finding[], eventIndex: number | undefined): void {
  for (const e of entries) {
    if (e.type !== 'x509' || !e.der) continue
    const f = certFields(e.der, e.sha256)
    if ('error' in f) {
      findings.push({ code: 'CERTIFICATE_UNDECODABLE', severity: 'warning', message: `certificate ${e.sha256 ?? ''} could not be decoded: ${f.error}`, ...(eventIndex !== undefined ? { eventIndex } : {}) })
      continue
    }
    Object.assign(e, f)
  }
}

/**
 * Extract the boot state.
 * @example
 * const { state, findings } = extractBootState(parseEventLog(bytes), { quotedPcrs: [0, 1, 2, 3, 4, 5, 6, 7] })
 * if (state.secureBoot.enabled.trusted && state.secureBoot.enabled.value) { ... }
 */
export function extractBootState(log: EventLog, options: ExtractBootStateOptions = {}): BootStateResult {
  const integrity = options.integrity ?? verifyEventIntegrity(log, options.hash ? { hash: options.hash } : {})
  const structure = options.structure ?? checkEventLogStructure(log, { integrity, ...(options.hash ? { hash: options.hash } : {}) })
  const ctx = makeContext(log, integrity, options.quotedPcrs, structure)
  const findings: Finding[] = []
  const secureBoot = extractSecureBoot(ctx, findings)
  for (const db of [secureBoot.pk, secureBoot.kek, secureBoot.db, secureBoot.dbx, secureBoot.dbt, secureBoot.dbr]) {
    if (db.value) describeCertificates(db.value.certs, findings, db.events[0])
  }
  for (const a of secureBoot.authorities) if (a.entry) describeCertificates([a.entry], findings, a.eventIndex)
  // PKfail needs subjects, which exist only now.
  for (const c of secureBoot.pk.value?.certs ?? []) {
    if (c.subject && /DO NOT (TRUST|SHIP)/i.test(c.subject)) {
      findings.push({ code: 'SECUREBOOT_UNTRUSTED_PK', severity: 'error', message: `the platform key "${c.subject}" is a known test key (PKfail, CVE-2024-8105)`, pcr: 7, eventIndex: secureBoot.pk.events[0] })
    }
  }
  const state: BootState = {
    platform: extractPlatform(ctx),
    secureBoot,
    bootApps: extractBootApps(ctx, findings),
    linux: extractLinux(ctx, findings),
  }
  // Windows evidence lives in the SIPA PCRs as EV_EVENT_TAG / WBCL separators. A log with
  // nothing but EV_IPL (shim MokList in 14) there skips the Windows pass. Hiding SIPA records
  // by retyping them as EV_IPL only removes the Windows section: a policy with Windows claim
  // rules then fails for missing evidence.
  const maybeWindows = log.events.some((e) => SIPA_PCRS.includes(e.pcrIndex) && e.eventType !== EV.EV_IPL && e.eventType !== EV.EV_NO_ACTION)
  const w = maybeWindows ? extractWindowsState(ctx) : undefined
  if (w?.detected) {
    state.windows = { detected: w.detected, claims: w.claims, bootModules: w.bootModules, elamDrivers: w.elamDrivers }
    findings.push(...w.findings)
  }
  if (log.registerKind === 'cc-mr') {
    const bank = replayEventLog(log, options.hash ? { hash: options.hash } : {}).banks.get('sha384')
    const rtmrs: Record<string, string> = {}
    for (const [mr, p] of bank?.pcrs ?? []) if (mr >= 1 && mr <= 4 && p.replayable) rtmrs[String(mr - 1)] = toHex(p.value)
    state.cc = { rtmrs }
  }
  // Every fact derived from events that fail integrity is reported (issue 5 tamper rule).
  for (const [name, f] of namedFacts(state)) {
    if (f.events.length > 0 && !f.trusted && /not what was measured|structurally invalid/i.test(f.reason ?? '')) {
      findings.push({ code: 'STATE_FACT_UNTRUSTED', severity: 'error', message: `${name} is not trusted: ${f.reason}`, eventIndex: f.events[0], relatedEvents: f.events })
    }
  }
  return { state, findings, context: ctx }
}

function* namedFacts(state: BootState): Generator<[string, Fact<unknown>]> {
  const sb = state.secureBoot
  yield* [
    ['secureBoot.enabled', sb.enabled],
    ['secureBoot.setupMode', sb.setupMode],
    ['secureBoot.auditMode', sb.auditMode],
    ['secureBoot.deployedMode', sb.deployedMode],
    ['secureBoot.pk', sb.pk],
    ['secureBoot.kek', sb.kek],
    ['secureBoot.db', sb.db],
    ['secureBoot.dbx', sb.dbx],
    ['secureBoot.dbt', sb.dbt],
    ['secureBoot.dbr', sb.dbr],
    ['secureBoot.debugMode', sb.debugMode],
    ['platform.scrtmVersion', state.platform.scrtmVersion],
    ['bootApps.exitBootServices', state.bootApps.exitBootServices],
    ['bootApps.bootOrder', state.bootApps.bootOrder],
    ['linux.shim.sbatLevel', state.linux.shim.sbatLevel],
  ] as [string, Fact<unknown>][]
}
