/** The Linux kernel command line (GRUB in PCR 8, systemd-stub in PCR 12) against exact values, safe patterns and forbidden arguments. */
import { compileSafePattern } from '../safe_pattern.js'
import { emit, type Ctx } from './context.js'
import { eventPcr, useFact } from './facts.js'
import type { AppraisalState } from './types.js'

export function checkCmdline(ctx: Ctx, state: AppraisalState | undefined): void {
  const rule = ctx.policy.linux?.kernelCmdline
  if (!rule) return
  ctx.configured.add('kernelCmdline')
  ctx.touched.add('os-kernel')
  if (!state) {
    emit(ctx, 'kernelCmdline', { code: 'POLICY_EVIDENCE_MISSING', component: 'os-kernel', message: 'the policy has a kernel command-line rule but neither a boot state nor an event log was supplied' })
    return
  }
  const f = state.linux.kernelCmdline
  if (!useFact(ctx, 'kernelCmdline', 'os-kernel', 'the kernel command line', f, 8)) return
  const ev = f.events[0]
  const at = ev !== undefined ? { eventIndex: ev, ...(eventPcr(ctx, ev) !== undefined ? { pcr: eventPcr(ctx, ev)! } : {}) } : { pcr: 8 }
  const value = f.value
  if (value === undefined) {
    emit(ctx, 'kernelCmdline', { code: 'POLICY_CMDLINE', component: 'os-kernel', ...at, message: 'no kernel command line was measured (GRUB kernel_cmdline in PCR 8 or systemd-stub in PCR 12)' })
    return
  }
  if (rule.exact || rule.patterns) {
    const ok = (rule.exact ?? []).includes(value) || (rule.patterns ?? []).some((p) => compileSafePattern(p).test(value))
    if (!ok) {
      const expected = [...(rule.exact ?? []).map((e) => JSON.stringify(e)), ...(rule.patterns ?? []).map((p) => `/${p}/`)].join(' | ')
      emit(ctx, 'kernelCmdline', { code: 'POLICY_CMDLINE', component: 'os-kernel', ...at, expected, observed: value, message: `the kernel command line ${JSON.stringify(value.length > 120 ? `${value.slice(0, 117)}...` : value)} matches none of the allowed values` })
    }
  }
  if (rule.forbiddenArgs) {
    const tokens = value.split(/\s+/).filter(Boolean)
    for (const bad of rule.forbiddenArgs) {
      const hit = tokens.find((t) => (bad.endsWith('=') ? t.startsWith(bad) : t === bad || t.startsWith(`${bad}=`)))
      if (hit) emit(ctx, 'kernelCmdline', { code: 'POLICY_CMDLINE_FORBIDDEN_ARG', component: 'os-kernel', ...at, observed: hit, expected: `no ${bad}`, message: `the kernel command line has the forbidden argument ${JSON.stringify(hit)}` })
    }
  }
}
