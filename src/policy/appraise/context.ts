/**
 * The state one appraisal run threads through its checks, and the helpers every check uses to
 * record findings and matches. A finding is filed under its check and under each component it
 * concerns, so the per-component status and the per-check summary come from one list.
 */
import type { AppraisalComponent, PolicyFinding } from '../codes.js'
import type { EventLog } from '../../eventlog/types.js'
import type { Policy, PolicyBank } from '../types.js'
import type { CheckName, ComponentMatch, QuoteEvidenceSummary } from './types.js'

export interface Ctx {
  policy: Policy
  banks: PolicyBank[]
  log: EventLog | undefined
  quote: QuoteEvidenceSummary | undefined
  findings: PolicyFinding[]
  /** Findings per component, including shared trust findings. */
  byComponent: Map<AppraisalComponent, PolicyFinding[]>
  matched: Map<AppraisalComponent, ComponentMatch[]>
  touched: Set<AppraisalComponent>
  checkFindings: Map<CheckName, PolicyFinding[]>
  configured: Set<CheckName>
  authenticated: Set<number>
  /** Why a PCR is not authenticated (first reason), with the finding. */
  pcrProblems: Map<number, PolicyFinding>
  /** No quote / an invalid quote: attached to every component, none can be affirming. */
  quoteProblem?: PolicyFinding
}

export function emit(ctx: Ctx, check: CheckName, f: Omit<PolicyFinding, 'severity'> & { severity?: PolicyFinding['severity'] }, extraComponents: AppraisalComponent[] = []): PolicyFinding {
  const finding = { severity: 'error', ...f } as PolicyFinding
  ctx.findings.push(finding)
  for (const c of new Set([finding.component, ...extraComponents])) {
    const list = ctx.byComponent.get(c) ?? []
    list.push(finding)
    ctx.byComponent.set(c, list)
    ctx.touched.add(c)
  }
  const cl = ctx.checkFindings.get(check) ?? []
  cl.push(finding)
  ctx.checkFindings.set(check, cl)
  return finding
}

/** Record a matched rule of a component (in order). */
export function addMatch(ctx: Ctx, component: AppraisalComponent, m: ComponentMatch): void {
  const list = ctx.matched.get(component)
  if (list) list.push(m)
  else ctx.matched.set(component, [m])
}

/** Attach an existing finding (e.g. a PCR trust problem) to another component. */
export function attach(ctx: Ctx, component: AppraisalComponent, f: PolicyFinding): void {
  const list = ctx.byComponent.get(component) ?? []
  if (!list.includes(f)) list.push(f)
  ctx.byComponent.set(component, list)
  ctx.touched.add(component)
}

/** `abcdef…` (16 hex digits) for messages; keeps a `bank:` prefix. The full value is in `observed` / `expected`. */
export function short(hex: string): string {
  const i = hex.indexOf(':')
  const [pre, h] = i >= 0 ? [hex.slice(0, i + 1), hex.slice(i + 1)] : ['', hex]
  return h.length > 20 ? `${pre}${h.slice(0, 16)}…` : hex
}
