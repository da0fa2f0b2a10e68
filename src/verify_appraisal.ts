/**
 * Bridge between the pipeline and the policy engine (src/policy). Until a policy engine is
 * wired, any policy fails closed: the appraisal reports that it could not be applied.
 */
import type { EventLogAnalysis } from './eventlog/analyze.js'
import type { EventLog } from './eventlog/types.js'
import type { BootState } from './state/boot_state.js'
import type { VerifyQuotesResult } from './tpm/verify_quotes.js'
import type { EarStatus } from './verdict/ar4si.js'
import type { SubmodName } from './verdict/submods.js'
import type { VerdictFinding } from './verdict/types.js'

export type PolicyInput = unknown

export interface AppraisalBridgeInput {
  policy: PolicyInput
  log: EventLog | undefined
  analysis: EventLogAnalysis | undefined
  state: BootState | undefined
  quote: VerifyQuotesResult
  previous: { clock: bigint; resetCount: number; restartCount: number } | undefined
  nonce: Uint8Array | undefined
  trustedPcrs: number[]
  windows: boolean
}

export interface AppraisalBridgeResult {
  policyId: string
  findings: VerdictFinding[]
  submods: Partial<Record<SubmodName, EarStatus>>
}

export function runAppraisal(input: AppraisalBridgeInput): AppraisalBridgeResult {
  const id = typeof input.policy === 'object' && input.policy !== null && typeof (input.policy as { id?: unknown }).id === 'string' ? (input.policy as { id: string }).id : 'unidentified'
  return {
    policyId: id,
    findings: [{ code: 'POLICY_ENGINE_UNAVAILABLE', severity: 'error', message: 'no policy engine is available to apply this policy', step: 'appraisal', submod: 'tpm' }],
    submods: {},
  }
}
