/** Secure Boot rules on PCR 7 facts: enabled, debug mode, dbx contents, db / KEK / PK allow-lists (TCG PFP §3.3.4.8). */
import type { SignatureDb } from '../../state/secure_boot.js'
import type { SignatureRef } from '../types.js'
import { secureBootChecks } from '../validate.js'
import { attach, emit, short, type Ctx } from './context.js'
import { useFact } from './facts.js'
import { checkAuthorities } from './authorities.js'
import { checkSbat } from './sbat_level.js'
import type { AppraisalState } from './types.js'

function refMatches(ref: SignatureRef, db: SignatureDb): boolean {
  if (ref.type !== 'sha256' && db.certs.some((c) => c.sha256 === ref.sha256)) return true
  if (ref.type !== 'x509' && db.hashes.includes(ref.sha256)) return true
  return false
}

export function checkSecureBoot(ctx: Ctx, state: AppraisalState | undefined): void {
  const sb = ctx.policy.secureBoot
  if (!sb || !secureBootChecks(sb)) return
  ctx.configured.add('secureBoot')
  ctx.touched.add('secure-boot')
  const prob = ctx.pcrProblems.get(7)
  if (prob) attach(ctx, 'secure-boot', prob)
  if (!state) {
    emit(ctx, 'secureBoot', { code: 'POLICY_EVIDENCE_MISSING', component: 'secure-boot', pcr: 7, message: 'the policy has Secure Boot rules but neither a boot state nor an event log was supplied' })
    return
  }
  const s = state.secureBoot
  if (sb.required) {
    if (useFact(ctx, 'secureBoot', 'secure-boot', 'secureBoot.enabled', s.enabled, 7) && s.enabled.value !== true) {
      emit(ctx, 'secureBoot', { code: 'POLICY_SECUREBOOT_REQUIRED', component: 'secure-boot', pcr: 7, ...(s.enabled.events[0] !== undefined ? { eventIndex: s.enabled.events[0] } : {}), expected: 'enabled', observed: s.enabled.value === false ? 'disabled' : 'not measured / invalid', message: `Secure Boot is required but is ${s.enabled.value === false ? 'disabled' : 'not measured (or its value is invalid)'}` })
    }
  }
  if (!sb.debugModeAllowed) {
    // Shown even when untrusted (a debugger seen is bad either way); "no debugger" rests on the
    // absence of the "UEFI Debug Mode" action in PCR 7, so it must be trusted to count (R-04).
    if (s.debugMode.value) emit(ctx, 'secureBoot', { code: 'POLICY_SECUREBOOT_DEBUG_MODE', component: 'secure-boot', pcr: 7, ...(s.debugMode.events[0] !== undefined ? { eventIndex: s.debugMode.events[0] } : {}), message: 'a UEFI debugger was present during boot ("UEFI Debug Mode")' })
    else useFact(ctx, 'secureBoot', 'secure-boot', 'the absence of UEFI debug mode', s.debugMode, 7)
  }
  if (sb.dbx && useFact(ctx, 'secureBoot', 'secure-boot', 'dbx', s.dbx, 7)) {
    const dbx = s.dbx.value ?? { certs: [], hashes: [], otherCount: 0 }
    const missing = sb.dbx.mustContain.filter((r) => !refMatches(r, dbx))
    const ev = s.dbx.events[0]
    missing.slice(0, 10).forEach((r) =>
      emit(ctx, 'secureBoot', { code: 'POLICY_DBX_MISSING_ENTRY', component: 'secure-boot', componentName: 'dbx', pcr: 7, ...(ev !== undefined ? { eventIndex: ev } : {}), expected: r.sha256, message: `dbx does not contain ${r.type ?? 'entry'} ${short(r.sha256)}${r.description ? ` (${r.description})` : ''}${s.dbx.value ? '' : ': no dbx was measured'}` }),
    )
    if (missing.length > 10) emit(ctx, 'secureBoot', { code: 'POLICY_DBX_MISSING_ENTRY', component: 'secure-boot', componentName: 'dbx', pcr: 7, ...(ev !== undefined ? { eventIndex: ev } : {}), message: `dbx lacks ${missing.length - 10} more required entries (${missing.length} of ${sb.dbx.mustContain.length} in all)` })
  }
  const allowed = [
    ['db', sb.db, s.db, 'POLICY_DB_UNEXPECTED_KEY'],
    ['KEK', sb.kek, s.kek, 'POLICY_KEK_UNEXPECTED_KEY'],
    ['PK', sb.pk, s.pk, 'POLICY_PK_UNEXPECTED_KEY'],
  ] as const
  for (const [name, rule, f, code] of allowed) {
    if (!rule || !useFact(ctx, 'secureBoot', 'secure-boot', name, f, 7)) continue
    const v = f.value
    if (!v) continue // nothing measured: the empty set is within any allow-list
    const ok = (sha: string, type: 'x509' | 'sha256') => rule.allowed.some((r) => r.sha256 === sha && (r.type === undefined || r.type === type))
    const ev = f.events[0]
    for (const c of v.certs) {
      if (c.sha256 && ok(c.sha256, 'x509')) continue
      emit(ctx, 'secureBoot', { code, component: 'secure-boot', componentName: name, pcr: 7, ...(ev !== undefined ? { eventIndex: ev } : {}), observed: c.sha256 ?? '(undecodable certificate)', message: `${name} holds a certificate the policy does not allow: ${c.subject ?? short(c.sha256 ?? '')}` })
    }
    for (const h of v.hashes) {
      if (ok(h, 'sha256')) continue
      emit(ctx, 'secureBoot', { code, component: 'secure-boot', componentName: name, pcr: 7, ...(ev !== undefined ? { eventIndex: ev } : {}), observed: h, message: `${name} holds a SHA-256 hash entry the policy does not allow: ${short(h)}` })
    }
    if (v.otherCount) emit(ctx, 'secureBoot', { code: 'POLICY_SIGDB_UNCHECKABLE', component: 'secure-boot', componentName: name, pcr: 7, ...(ev !== undefined ? { eventIndex: ev } : {}), message: `${name} holds ${v.otherCount} entries of a signature type the policy cannot compare (only X.509 and SHA-256 are supported)` })
  }
  checkSbat(ctx, state)
  checkAuthorities(ctx, state)
}
