/**
 * The PCRs a policy reads: the one definition both the pipeline (which PCRs the firmware log
 * must account for) and the appraisal (which PCRs must be authenticated) use.
 *
 * A rule reads a PCR when it names it, when it needs a fact measured there (Secure Boot
 * variables in PCR 7, the start locality in PCR 0), or when the fact rests on the ABSENCE of
 * contrary events there: a Windows claim such as "test signing never enabled" holds only if no
 * contrary SIPA event sits in any PCR Windows measures into, and "one kernel command line" only
 * if no other loader measured one (only the order and content within a quoted PCR is
 * authenticated; absence in an unquoted PCR proves nothing).
 */
import { LINUX_CMDLINE_PCRS } from '../state/linux.js'
import { WINDOWS_ABSENCE_PCRS } from '../state/windows/sipa_constants.js'
import type { Policy } from './types.js'
import { secureBootChecks } from './validate.js'

export interface PolicyPcrs {
  /** PCRs the policy's rules read. */
  pcrs: Set<number>
  /** A digest rule without a PCR looks everywhere: every quoted PCR must then be accounted for. */
  anywhere: boolean
}

/** Per validated (deep-frozen) policy: what it reads never changes, and the pipeline asks twice per attestation. */
const READ_BY_FROZEN = new WeakMap<Policy, PolicyPcrs>()

export function pcrsReadByPolicy(p: Policy): PolicyPcrs {
  const hit = READ_BY_FROZEN.get(p)
  // A fresh Set per call: callers own the result.
  if (hit) return { pcrs: new Set(hit.pcrs), anywhere: hit.anywhere }
  const out = computePcrsRead(p)
  if (Object.isFrozen(p)) READ_BY_FROZEN.set(p, { pcrs: new Set(out.pcrs), anywhere: out.anywhere })
  return out
}

function computePcrsRead(p: Policy): PolicyPcrs {
  const pcrs = new Set<number>(p.pcrs?.required ?? [])
  for (const r of p.pcrValues ?? []) pcrs.add(r.pcr)
  for (const r of p.eventRules ?? []) pcrs.add(r.pcr)
  let anywhere = false
  for (const d of [...(p.digests?.required ?? []), ...(p.digests?.forbidden ?? [])]) {
    if (d.pcr !== undefined) pcrs.add(d.pcr)
    else anywhere = true
  }
  if (secureBootChecks(p.secureBoot)) pcrs.add(7)
  if (p.platform?.startupLocality !== undefined) pcrs.add(0)
  if (p.windows) for (const x of WINDOWS_ABSENCE_PCRS) pcrs.add(x)
  if (p.linux?.kernelCmdline) for (const x of LINUX_CMDLINE_PCRS) pcrs.add(x)
  // The signed PolicyPCR digest is recomputed from the quoted PCR 11 value.
  if (p.pcr11Signed) pcrs.add(11)
  return { pcrs, anywhere }
}
