/**
 * `extractBootState`: turn a parsed, integrity-checked log into the facts a policy decides on
 * (issue 5). Each fact records its source events and whether it is trusted (fact.ts).
 */
import { toHex } from '../bytes/hex.js'
import { authenticateLog } from '../attest/authenticate_log.js'
import type { AuthenticatedEvidence } from '../attest/evidence.js'
import type { IntegrityReport } from '../eventlog/integrity.js'
import type { EventLog } from '../eventlog/types.js'
import type { Finding } from '../findings.js'
import type { HashProvider } from '../hash/provider.js'
import { certificateFields } from './certificate_fields.js'
import { extractBootApps, type BootAppsState } from './boot_apps.js'
import { contextFor, type Fact, type StateContext } from './fact.js'
import { extractLinux, type LinuxState } from './linux.js'
import { extractPlatform, type PlatformState } from './platform.js'
import { extractSecureBoot, type SecureBootState, type SignatureDbEntry } from './secure_boot.js'
import { extractSystemd, type SystemdState } from './systemd.js'
import { extractWindowsState, type WindowsState } from './windows/windows_state.js'
import { SIPA_PCRS } from './windows/sipa_constants.js'
import { EV } from '../eventlog/event_types.js'
import { resolveBootStateLimits, type BootStateLimits } from '../limits.js'

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
  /**
   * systemd-boot / systemd-stub measurements (firmware log) and, when the evidence has a CEL
   * (tpm2-measure.log), systemd's userspace ones; absent when neither is there.
   */
  systemd?: SystemdState
}

export interface ExtractBootStateOptions {
  /**
   * The authenticated evidence of this log (`authenticateAttestation`, `authenticateLog`): the
   * one source of trust. Without it the log is checked alone (no quote: facts are what the log
   * says when its content is consistent, never authenticated).
   */
  evidence?: AuthenticatedEvidence
  /**
   * Without `evidence`: PCRs a quote the caller verified covers and the log reproduces; facts
   * from other PCRs are untrusted. It can only narrow trust, never authenticate.
   */
  quotedPcrs?: Iterable<number>
  /** Overrides of the named boot-state limits (`DEFAULT_BOOT_STATE_LIMITS`). */
  limits?: Partial<BootStateLimits>
  /** @deprecated Ignored: the evidence carries the integrity report. */
  integrity?: IntegrityReport
  /** @deprecated Ignored: the evidence carries the structural findings. */
  structure?: Finding[]
  hash?: HashProvider
}

export interface BootStateResult {
  state: BootState
  findings: Finding[]
  context: StateContext
  /**
   * `quote`: `trusted` facts come from PCRs a verified quote authenticated. `log`: no quote was
   * involved: `trusted` means only that the log is consistent and the fact's bytes are bound by
   * their digests (what a known-good log says), never that this machine booted it (attack R-05).
   */
  basis: 'quote' | 'log'
}

/** How many more certificates this log may decode, and how many it could not (limits.ts). */
interface CertificateBudget {
  remaining: number
  skipped: number
}

/**
 * Decode subject / issuer / serial / validity of X.509 entries (pkijs); failures noted. Decoding
 * stops at `maxCertificatesDecoded` per log (the budget is shared by every database): the
 * attester chooses how many certificates a `db` event holds, and each decode costs
 * milliseconds. Entries past the budget keep their SHA-256 and are counted in one
 * CERTIFICATE_NOT_DECODED warning (see `reportUndecoded`).
 */
function describeCertificates(entries: SignatureDbEntry[], findings: Finding[], eventIndex: number | undefined, budget: CertificateBudget): void {
  for (const e of entries) {
    if (e.type !== 'x509' || !e.der) continue
    if (budget.remaining <= 0) {
      budget.skipped++
      continue
    }
    budget.remaining--
    // One bounded cache of decoded certificates for the library (src/x509/decoded_cache.ts): the
    // same few vendor certificates recur in every log of a fleet. Reached through the
    // fingerprint the decoder already computed, so a certificate is not hashed twice.
    const f = certificateFields(e.der, e.sha256)
    if ('error' in f) {
      findings.push({ code: 'CERTIFICATE_UNDECODABLE', severity: 'warning', message: `certificate ${e.sha256 ?? ''} could not be decoded: ${f.error}`, ...(eventIndex !== undefined ? { eventIndex } : {}) })
      continue
    }
    Object.assign(e, { subject: f.subject, issuer: f.issuer, serial: f.serial, notBefore: f.notBefore, notAfter: f.notAfter })
  }
}

function reportUndecoded(budget: CertificateBudget, limit: number, findings: Finding[]): void {
  if (budget.skipped === 0) return
  findings.push({
    code: 'CERTIFICATE_NOT_DECODED',
    severity: 'warning',
    message: `${budget.skipped} X.509 certificate(s) of the signature databases were not decoded: the log carries more than maxCertificatesDecoded (${limit}); their subjects are unknown, their SHA-256 is listed`,
    pcr: 7,
  })
}

/**
 * Extract the boot state.
 * @example
 * const { state, findings } = extractBootState(parseEventLog(bytes), { quotedPcrs: [0, 1, 2, 3, 4, 5, 6, 7] })
 * if (state.secureBoot.enabled.trusted && state.secureBoot.enabled.value) { ... }
 */
export function extractBootState(log: EventLog, options: ExtractBootStateOptions = {}): BootStateResult {
  const evidence = options.evidence ?? authenticateLog(log, { ...(options.hash ? { hash: options.hash } : {}), ...(options.quotedPcrs ? { onlyPcrs: options.quotedPcrs } : {}) })
  if (evidence.log !== log) throw new TypeError('extractBootState: options.evidence belongs to another log')
  return stateFromEvidence(evidence, options.limits ? { limits: options.limits } : {})
}

/** The boot state of authenticated evidence: facts read from it, trust decided by it. */
export function stateFromEvidence(evidence: AuthenticatedEvidence, options: { limits?: Partial<BootStateLimits> } = {}): BootStateResult {
  const log = evidence.log
  const ctx = contextFor(evidence)
  const findings: Finding[] = []
  const secureBoot = extractSecureBoot(ctx, findings)
  const certLimit = resolveBootStateLimits(options.limits).maxCertificatesDecoded
  const budget: CertificateBudget = { remaining: certLimit, skipped: 0 }
  // PK and KEK first: the PKfail check below needs the PK subject whatever db holds.
  for (const db of [secureBoot.pk, secureBoot.kek, secureBoot.db, secureBoot.dbx, secureBoot.dbt, secureBoot.dbr]) {
    if (db.value) describeCertificates(db.value.certs, findings, db.events[0], budget)
  }
  for (const a of secureBoot.authorities) if (a.entry) describeCertificates([a.entry], findings, a.eventIndex, budget)
  reportUndecoded(budget, certLimit, findings)
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
  const systemd = extractSystemd(ctx, findings)
  if (systemd) state.systemd = systemd
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
    const bank = evidence.replay.banks.get('sha384')
    const rtmrs: Record<string, string> = {}
    for (const [mr, p] of bank?.pcrs ?? []) if (mr >= 1 && mr <= 4 && p.replayable) rtmrs[String(mr - 1)] = toHex(p.value)
    state.cc = { rtmrs }
  }
  // Every fact derived from events that fail integrity is reported (issue 5 tamper rule).
  for (const [name, f] of namedFacts(state)) {
    if (f.events.length > 0 && !f.trusted && (f.reasonCode === 'EVENT_CONTENT_MISMATCH' || f.reasonCode === 'PCR_STRUCTURE_INVALID')) {
      findings.push({ code: 'STATE_FACT_UNTRUSTED', severity: 'error', message: `${name} is not trusted: ${f.reason}`, eventIndex: f.events[0], relatedEvents: f.events })
    }
  }
  return { state, findings, context: ctx, basis: evidence.basis }
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
