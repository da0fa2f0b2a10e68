/**
 * `bootproof policy check-log <log> --policy <policy.json> [--json] [--ccel]`: does this log
 * satisfy this policy? The offline, golden-image check pcrlock and Keylime users run before
 * rolling out an image or a policy.
 *
 * NOT an attestation, and it says so on every output: there is no quote, so nothing is
 * authenticated. The log goes through the authentication stage on its log-only basis
 * (`authenticateLog`: integrity and structure are checked, PCRs are at best `consistent`), and
 * the appraisal is then given the log's own replay as if a quote had shown exactly those values:
 * "if this log is the one that was measured, does the policy accept it?". What only a quote can
 * answer is taken out of the policy and listed as not checked (nonce and counter freshness, AK
 * roots, the certified TPM manufacturer, the AK key test), never reported as passed.
 *
 * JSON: `{"attested": false, "basis": "log", "satisfied": bool, "policyId", "log": {format,
 * eventCount}, "notChecked": [...], "checks": {...}, "findings": [...]}`. No verdict and no EAR
 * status are produced, so nothing here can read as affirming. Exit 0 when the log satisfies the
 * policy apart from the missing quote, 1 otherwise, 2 on a usage error or unparseable input.
 */
import { buildEvidence, checkLog, type LogChecks } from '../../attest/authenticate_log.js'
import { toHex } from '../../bytes/hex.js'
import { BootproofError } from '../../errors.js'
import { parseEventLog } from '../../eventlog/parse.js'
import { initialPcrValue, replayedValues } from '../../eventlog/replay.js'
import type { EventLog } from '../../eventlog/types.js'
import type { Finding } from '../../findings.js'
import { appraisePolicy } from '../../policy/appraise/index.js'
import type { Policy } from '../../policy/types.js'
import { validatePolicy } from '../../policy/validate.js'
import { formatFinding } from '../format.js'
import { CLI_INPUT_LIMITS, EXIT_FAILED, EXIT_OK, parseArgs, readInputFile, reportError, UsageError, type CliIO } from '../io.js'

/** Checks whose outcome here would describe the stand-in quote, not the log: never shown. */
const QUOTE_CHECKS = new Set(['quote', 'freshness', 'akRoots', 'tpm'])

/** The policy without what only a quote can establish, and the names of what was removed. */
export function withoutQuoteOnlyRules(p: Policy): { policy: Policy; notChecked: string[] } {
  const out: Policy = structuredClone(p)
  const notChecked: string[] = []
  // The nonce is required by default, so it is always listed: a log carries no nonce.
  notChecked.push('freshness (nonce, resetCount, restartCount, clock): a log carries no quote')
  out.freshness = { nonceRequired: false }
  if (out.trustedAkRoots) {
    delete out.trustedAkRoots
    notChecked.push('trustedAkRoots: no AK certificate')
  }
  if (out.platform?.tpmManufacturers) {
    const { tpmManufacturers: _, ...rest } = out.platform
    if (Object.keys(rest).length) out.platform = rest
    else delete out.platform
    notChecked.push('platform.tpmManufacturers: no AK certificate')
  }
  if (out.tpm) {
    delete out.tpm
    notChecked.push('tpm (AK key test): no AK')
  }
  if (out.pcr11Signed) {
    delete out.pcr11Signed
    notChecked.push('pcr11Signed: the signed PCR 11 policy is checked against a quoted value and a .pcrsig, which a log alone lacks')
  }
  return { policy: out, notChecked }
}

/**
 * The values a quote of this log would show, if the log is complete: its replay for every
 * replayable bank, and each PCR it does not extend at its initial value (so a rule on such a
 * PCR, e.g. Keylime's PCR 14, sees what the log implies rather than "not quoted").
 */
function logImpliedValues(log: EventLog, replay: LogChecks['replay']): Record<string, Record<string, string>> {
  const values = replayedValues(replay)
  const out: Record<string, Record<string, string>> = {}
  for (const bank of replay.banks.values()) {
    const regs = values[bank.bank]
    if (!bank.replayable || !regs) continue
    const b: Record<string, string> = {}
    for (let pcr = 0; pcr <= 23; pcr++) {
      const p = bank.pcrs.get(pcr)
      if (p && !p.replayable) continue
      b[String(pcr)] = toHex(regs[String(pcr)] ?? initialPcrValue(log, pcr, bank.size))
    }
    out[bank.bank] = b
  }
  return out
}

export async function runPolicyCheckLog(argv: string[], io: CliIO): Promise<number> {
  let json = argv.includes('--json')
  try {
    const { flags, positional } = parseArgs(argv, { booleans: ['json', 'ccel'], strings: ['policy'] })
    json = flags.json === true
    if (positional.length !== 1 || typeof flags.policy !== 'string') throw new UsageError('usage: bootproof policy check-log <log> --policy <policy.json> [--json] [--ccel]')
    let parsed: unknown
    try {
      parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(readInputFile(flags.policy, CLI_INPUT_LIMITS.json)))
    } catch (e) {
      if (e instanceof BootproofError) throw e
      throw new BootproofError('ERR_JSON_INVALID', `${flags.policy}: not valid JSON (${(e as Error).message})`)
    }
    const { policy, notChecked } = withoutQuoteOnlyRules(validatePolicy(parsed))
    const log = parseEventLog(readInputFile(positional[0]!, CLI_INPUT_LIMITS.log), flags.ccel ? { registers: 'cc-mr' } : {})

    // authenticateLog's log basis, with the replay run once and reused for the implied values.
    const checks = checkLog(log)
    const implied = logImpliedValues(log, checks.replay)
    const evidence = buildEvidence({ checks, basis: 'log', expected: implied })
    const r = appraisePolicy({ policy, log, evidence, quote: { valid: true, pcrs: implied } })
    // The log's own problems (tampered content, broken structure) count as much as the rules:
    // a log that does not hold together cannot satisfy anything.
    const findings: Finding[] = [...evidence.findings.filter((f) => f.severity !== 'info'), ...r.findings]
    const satisfied = !findings.some((f) => f.severity === 'error')
    const shownChecks = Object.fromEntries(Object.entries(r.checks).filter(([name]) => !QUOTE_CHECKS.has(name)))

    if (json) {
      io.out(JSON.stringify({ attested: false, basis: 'log', satisfied, policyId: r.policyId, log: { format: log.format, eventCount: log.events.length }, notChecked, checks: shownChecks, findings }, null, 2))
    } else {
      const lines = [
        'NOT ATTESTED: offline check of an event log against a policy; no quote, so nothing here is authenticated',
        `log: ${log.format}, ${log.events.length} events; policy: ${r.policyId}`,
        'not checked (needs a quote):',
        ...notChecked.map((n) => `  - ${n}`),
        'checks:',
        ...Object.entries(shownChecks)
          .filter(([, c]) => c.status !== 'not-configured')
          .map(([name, c]) => `  ${name.padEnd(14)} ${c.status}${c.findings ? ` (${c.findings})` : ''}`),
      ]
      if (findings.length) lines.push('findings:', ...findings.map((f) => '  ' + formatFinding(f)))
      lines.push(satisfied ? 'result: the log satisfies the policy, apart from the missing quote (NOT ATTESTED)' : 'result: the log does NOT satisfy the policy (NOT ATTESTED)')
      io.out(lines.join('\n'))
    }
    return satisfied ? EXIT_OK : EXIT_FAILED
  } catch (e) {
    return reportError(e, io, json)
  }
}
