/**
 * Human report of a verdict, as plain text or Markdown. The verdict JSON is not changed here:
 * this only decides what a reader sees first.
 *
 * Why it groups: one broken link (a failed quote, a foreign log) makes every fact and rule that
 * rests on it fail too, and a flat list buries the cause among dozens of lines that each repeat
 * it. So the report names the root cause first, then counts the consequences grouped by *why*
 * the evidence is not trusted. The "why" is the authentication stage's reason code
 * (src/attest/evidence.ts: QUOTE_INVALID, PCR_NOT_REPRODUCED, ...), read from the evidence for
 * the finding's PCR or event, never from message text. Without the evidence (a caller that has
 * only the verdict) consequences cannot be told apart and every finding is listed.
 */
import { eventTrust, pcrDigestTrust, pcrTrust, type AuthenticatedEvidence, type TrustReasonCode } from '../attest/evidence.js'
import { escapeText } from '../text/escape.js'
import { SUBMODS, type SubmodName } from './submods.js'
import type { Verdict, VerdictFinding } from './types.js'

export interface ReportContext {
  /** The authentication stage's value (`verifyAttestation(...).evidence`): enables grouping. */
  evidence?: AuthenticatedEvidence
}

function where(f: VerdictFinding): string {
  const parts: string[] = []
  if (f.bank && f.pcr !== undefined) parts.push(`${f.bank}:${f.pcr}`)
  else if (f.pcr !== undefined) parts.push(`PCR ${f.pcr}`)
  if (f.eventIndex !== undefined) parts.push(`event ${f.eventIndex}`)
  if (f.component) parts.push(f.component)
  return parts.join(', ')
}

/** Evidence-stage steps: their errors are what later stages' failures follow from. */
const CAUSE_STEPS: Record<string, number> = { key: 1, quote: 2, replay: 3, integrity: 4, parse: 5 }

/**
 * Root causes: error findings of the evidence stages (key, quote, replay, integrity, parse).
 * LOG_DOES_NOT_MATCH_QUOTE comes first: it is the diagnosis of the quote's digest mismatch ("the
 * log is not the one that was measured"), which is otherwise only a hash inequality.
 */
function rootCauses(findings: readonly VerdictFinding[]): VerdictFinding[] {
  const rank = (f: VerdictFinding) => (f.code === 'LOG_DOES_NOT_MATCH_QUOTE' ? 0 : CAUSE_STEPS[f.step] ?? 9)
  return findings.filter((f) => f.severity === 'error' && rank(f) < 9).sort((a, b) => rank(a) - rank(b))
}

/** Finding codes that say "a fact cannot be used": their reason is the source event's content trust. */
const FACT_CODES = new Set(['POLICY_FACT_UNTRUSTED', 'STATE_FACT_UNTRUSTED', 'WINDOWS_CLAIMS_UNTRUSTED'])

type Kind = 'fact' | 'pcr' | 'check' | 'other'

/**
 * Why a state / appraisal finding follows from untrusted evidence, as a reason code, or
 * undefined when it stands on its own (a rule violated by authenticated evidence). A fact is
 * judged by its source event's content; a PCR finding by the PCR; any other finding by the
 * trust in its PCR's digests (a digest compared with a policy is meaningful only when the PCR
 * is authenticated, whatever the event data says).
 */
function reasonOf(f: VerdictFinding, ev: AuthenticatedEvidence): { code: TrustReasonCode; kind: Kind } | undefined {
  if (f.step !== 'state' && f.step !== 'appraisal') return undefined
  const pcr = f.pcr ?? (f.eventIndex !== undefined ? ev.log.events[f.eventIndex]?.pcrIndex : undefined)
  if (FACT_CODES.has(f.code)) {
    const t = f.eventIndex !== undefined ? eventTrust(ev, f.eventIndex) : pcr !== undefined ? pcrDigestTrust(ev, pcr) : undefined
    if (t && !t.trusted) return { code: t.reason!.code, kind: 'fact' }
    return !t && ev.quoteProblem ? { code: ev.quoteProblem.code, kind: 'fact' } : undefined
  }
  if (f.code === 'POLICY_QUOTE_INVALID') return ev.quoteProblem ? { code: ev.quoteProblem.code, kind: 'check' } : undefined
  if (pcr === undefined || pcr > 23) return undefined
  if (f.code === 'POLICY_PCR_UNVERIFIED') {
    const t = pcrTrust(ev, pcr)
    return t.status !== 'authenticated' && t.reason ? { code: t.reason.code, kind: 'pcr' } : undefined
  }
  const t = pcrDigestTrust(ev, pcr)
  return t.trusted ? undefined : { code: t.reason!.code, kind: 'other' }
}

const BECAUSE: Record<TrustReasonCode, string> = {
  NO_QUOTE: 'no quote was given',
  QUOTE_INVALID: 'the quote failed',
  PCR_NOT_QUOTED: 'their PCR is not in the quote',
  PCR_NOT_REPRODUCED: 'the log does not reproduce the quoted PCR value',
  PCR_STRUCTURE_INVALID: "the PCR's event sequence is structurally invalid",
  PCR_BOUNDARY_MISSING: 'the PCR has no pre-OS boundary (separator)',
  EVENT_CONTENT_MISMATCH: 'the event data does not match its digest',
  EVENT_CONTENT_UNBOUND: 'the event data is not bound by its digest',
  EVENT_MISSING: 'the source event is not in the log',
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`

function headline(kind: Kind, code: TrustReasonCode, n: number): string {
  const subject = kind === 'fact' ? `${plural(n, 'fact', 'facts')} untrusted` : kind === 'pcr' ? `${plural(n, 'PCR', 'PCRs')} unverified` : kind === 'check' ? `${plural(n, 'policy check', 'policy checks')} failed` : `${plural(n, 'finding', 'findings')} on evidence not authenticated`
  return `${subject} because ${BECAUSE[code] ?? code} [${code}]`
}

/** `POLICY_FACT_UNTRUSTED ×7, STATE_FACT_UNTRUSTED ×1; PCR 7 (events 4, 5, 26), PCR 8 (event 43)`. */
function detail(list: readonly VerdictFinding[], ev: AuthenticatedEvidence): string {
  const codes = new Map<string, number>()
  for (const f of list) codes.set(f.code, (codes.get(f.code) ?? 0) + 1)
  const byPcr = new Map<number | undefined, Set<number>>()
  for (const f of list) {
    const pcr = f.pcr ?? (f.eventIndex !== undefined ? ev.log.events[f.eventIndex]?.pcrIndex : undefined)
    const s = byPcr.get(pcr) ?? new Set<number>()
    if (f.eventIndex !== undefined) s.add(f.eventIndex)
    byPcr.set(pcr, s)
  }
  const MAX_EVENTS = 10
  const places = [...byPcr.entries()]
    .filter(([pcr]) => pcr !== undefined)
    .sort(([a], [b]) => a! - b!)
    .map(([pcr, evs]) => {
      const e = [...evs].sort((a, b) => a - b)
      const shown = e.slice(0, MAX_EVENTS).join(', ') + (e.length > MAX_EVENTS ? `, … ${e.length - MAX_EVENTS} more` : '')
      return e.length ? `PCR ${pcr} (${e.length === 1 ? 'event' : 'events'} ${shown})` : `PCR ${pcr}`
    })
  const counted = [...codes.entries()].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ×${n}`)
  return counted.join(', ') + (places.length ? `; ${places.join(', ')}` : '')
}

export function renderReport(v: Verdict, format: 'text' | 'md' = 'text', context: ReportContext = {}): string {
  const md = format === 'md'
  const out: string[] = []
  const h = (s: string) => out.push(md ? `\n## ${s}\n` : `\n${s}\n${'-'.repeat(s.length)}`)
  const item = (f: VerdictFinding) => {
    const loc = where(f)
    out.push(`${md ? '- ' : '  '}[${f.severity}] ${md ? '`' + f.code + '`' : f.code}${loc ? ` (${loc})` : ''}: ${f.message}`)
    if (f.expected !== undefined || f.observed !== undefined) out.push(`${md ? '  ' : '      '}expected ${f.expected ?? '-'}${md ? '  \n  ' : '\n      '}observed ${f.observed ?? '-'}`)
  }
  out.push(md ? `# Attestation verdict: **${v.ear_status.toUpperCase()}**` : `Attestation verdict: ${v.ear_status.toUpperCase()}`)
  out.push(`${md ? '\n' : ''}policy: ${v.bootproof_policy_id}; verifier: ${v.ear_verifier_id.build}; issued ${new Date(v.iat * 1000).toISOString()}`)

  const shown = v.bootproof_findings.filter((f) => f.severity !== 'info')
  const causes = rootCauses(shown)
  if (causes.length) {
    h(causes.length === 1 ? 'Root cause' : 'Root causes')
    for (const f of causes) item(f)
  }
  h('Steps')
  for (const [name, s] of Object.entries(v.bootproof_steps)) {
    out.push(`${md ? '- ' : '  '}${name.padEnd(10)} ${s.status}${s.findings ? ` (${s.findings} finding${s.findings > 1 ? 's' : ''})` : ''}${s.note ? ` — ${s.note}` : ''}`)
  }
  h('Submodules')
  if (md) out.push('| submodule | status | trustworthiness vector |', '|---|---|---|')
  for (const [name, s] of Object.entries(v.submods)) {
    const vec = Object.entries(s.ear_trustworthiness_vector).map(([k, x]) => `${k}=${x}`).join(', ')
    const title = SUBMODS[name as SubmodName]?.title ?? name
    out.push(md ? `| ${title} | ${s.ear_status} | ${vec} |` : `  ${s.ear_status.padEnd(15)} ${title}  [${vec}]`)
  }

  // Consequences, grouped by (reason code, kind) in order of first appearance.
  const ev = context.evidence
  const causeSet = new Set(causes)
  const groups = new Map<string, { kind: Kind; code: TrustReasonCode; list: VerdictFinding[] }>()
  const others: VerdictFinding[] = []
  for (const f of shown) {
    if (causeSet.has(f)) continue
    const r = ev ? reasonOf(f, ev) : undefined
    if (!r) {
      others.push(f)
      continue
    }
    const key = `${r.code}|${r.kind}`
    const g = groups.get(key) ?? { kind: r.kind, code: r.code, list: [] }
    g.list.push(f)
    groups.set(key, g)
  }
  const consequences = [...groups.values()].reduce((n, g) => n + g.list.length, 0)
  const info = v.bootproof_findings.length - shown.length
  const parts = [causes.length ? plural(causes.length, 'root cause above', 'root causes above') : '', consequences ? plural(consequences, 'consequence', 'consequences') : '', (causes.length || consequences) && others.length ? plural(others.length, 'other', 'others') : '']
    .filter(Boolean)
    .join(', ')
  h(`Findings (${shown.length}${parts ? `: ${parts}` : ''}${info ? `, ${info} informational not shown` : ''})`)
  if (!shown.length) out.push(md ? '_none_' : '  none')
  if (groups.size) {
    out.push(`${md ? '' : '  '}Consequences, grouped by why the evidence is not trusted (the verdict JSON lists each):`)
    for (const g of groups.values()) {
      out.push(`${md ? '- ' : '    '}${headline(g.kind, g.code, g.list.length)}`)
      out.push(`${md ? '  - ' : '        '}${detail(g.list, ev!)}`)
    }
    if (others.length) out.push(md ? '\nOther findings:\n' : '  Other findings:')
  }
  for (const f of others) item(f)
  // Findings quote event data (variable names, paths): no control, bidi override or zero-width
  // character reaches the reader's terminal or Markdown viewer raw (text/escape.ts).
  return escapeText(out.join('\n'), { keepNewlines: true })
}
