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
    const tokens = kernelArgs(value)
    for (const forbidden of rule.forbiddenArgs) {
      const bad = normalizedArg(forbidden)
      const hit = tokens.find((t) => (bad.endsWith('=') ? t.startsWith(bad) : t === bad || t.startsWith(`${bad}=`)))
      if (hit) emit(ctx, 'kernelCmdline', { code: 'POLICY_CMDLINE_FORBIDDEN_ARG', component: 'os-kernel', ...at, observed: hit, expected: `no ${forbidden}`, message: `the kernel command line has the forbidden argument ${JSON.stringify(hit)}` })
    }
  }
}

/**
 * The arguments of a kernel command line as Linux may read them, for the deny-list (attack: an
 * argument hidden from a check that splits differently from the kernel). Linux's parser
 * (lib/cmdline.c next_arg) splits at every isspace() byte (space, \t, \n, \v, \f, \r), strips
 * a double quote that opens an argument or its value, and kernel/params.c parameq reads `-` and
 * `_` in a name alike. The text here is the decoded one, where a control byte shows as `\xNN`
 * and a backslash as itself, so `\x09`..`\x0d` may be either: both are split at. Quotes are
 * dropped everywhere and spaces inside quotes still split. Every one of these errs towards more
 * arguments, and a forbidden argument can only be found more often, never less.
 */
export function kernelArgs(value: string): string[] {
  return value
    .split(/(?:\s|\\x0[9a-d])+/i)
    .map(normalizedArg)
    .filter(Boolean)
}

/** An argument (or a forbidden one) without quotes, `-` read as `_` in its name (before the first `=`). */
function normalizedArg(arg: string): string {
  const a = arg.replaceAll('"', '')
  const eq = a.indexOf('=')
  return eq < 0 ? a.replaceAll('-', '_') : a.slice(0, eq).replaceAll('-', '_') + a.slice(eq)
}
