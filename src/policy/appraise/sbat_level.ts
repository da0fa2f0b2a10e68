/** The SbatLevel shim measured in PCR 7 against the policy minimum (attack P-01). */
import { parseSbatLevel, sbatShortfalls } from '../sbat.js'
import { emit, type Ctx } from './context.js'
import { useFact } from './facts.js'
import type { AppraisalState } from './types.js'

/** The last SbatLevel text parsed (a fleet measures the same one on every boot); results are only read. */
let lastSbat: { text: string; parsed: ReturnType<typeof parseSbatLevel> } | undefined

function parseSbatCached(text: string): ReturnType<typeof parseSbatLevel> {
  if (lastSbat && lastSbat.text === text) return lastSbat.parsed
  const parsed = parseSbatLevel(text)
  lastSbat = { text, parsed }
  return parsed
}

/** SbatLevel ≥ the policy minimum (attack P-01). Untrusted → POLICY_FACT_UNTRUSTED; not measured → POLICY_EVIDENCE_MISSING. */
export function checkSbat(ctx: Ctx, state: AppraisalState): void {
  const min = ctx.policy.secureBoot?.sbatMinimum
  if (!min) return
  const expected = [...Object.entries(min.components ?? {}).map(([c, g]) => `${c},${g}`), ...(min.date !== undefined ? [`sbat date >= ${min.date}`] : [])].join('; ')
  const f = state.linux?.shim?.sbatLevel
  if (!f) {
    emit(ctx, 'secureBoot', { code: 'POLICY_EVIDENCE_MISSING', component: 'secure-boot', componentName: 'SbatLevel', pcr: 7, expected, message: 'the policy sets an SbatLevel minimum but the boot state has no shim SbatLevel' }, ['boot-loader'])
    return
  }
  if (!useFact(ctx, 'secureBoot', 'secure-boot', 'SbatLevel', f, 7)) return
  const ev = f.events[0]
  const at = { pcr: 7, ...(ev !== undefined ? { eventIndex: ev, relatedEvents: [ev], eventType: ctx.log?.events[ev]?.typeName ?? 'EV_EFI_VARIABLE_AUTHORITY' } : {}) }
  if (f.value === undefined) {
    emit(ctx, 'secureBoot', { code: 'POLICY_EVIDENCE_MISSING', component: 'secure-boot', componentName: 'SbatLevel', pcr: 7, expected, message: 'the policy sets an SbatLevel minimum but no SbatLevel was measured in PCR 7 (shim older than 15.3, or no shim): the revocation level cannot be shown' }, ['boot-loader'])
    return
  }
  const parsed = parseSbatCached(f.value)
  if (!parsed.ok) {
    emit(ctx, 'secureBoot', { code: 'POLICY_SBAT_BELOW_MINIMUM', component: 'secure-boot', componentName: 'SbatLevel', ...at, expected, observed: f.value, message: `SbatLevel${ev !== undefined ? ` (event ${ev})` : ''} cannot be read (${parsed.error}): the policy minimum cannot be shown` }, ['boot-loader'])
    return
  }
  for (const s of sbatShortfalls(parsed.level, min)) {
    emit(ctx, 'secureBoot', {
      code: 'POLICY_SBAT_BELOW_MINIMUM',
      component: 'secure-boot',
      componentName: 'SbatLevel',
      ...at,
      expected: s.expected,
      observed: s.observed,
      message: `SbatLevel${ev !== undefined ? ` (event ${ev})` : ''} has ${s.observed}; the policy requires at least ${s.expected}: ${s.what === 'date' ? 'revocations published since then are not applied' : `${s.what} images of a revoked SBAT generation can still boot`} (attack P-01)`,
    }, ['boot-loader'])
  }
}
