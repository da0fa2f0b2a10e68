/**
 * Thrown error codes of the policy module (`BootproofError.code`). To be added to
 * `BootproofErrorCode` in src/errors.ts.
 */
export type PolicyErrorCode =
  /** The policy is not valid Policy v1 JSON: every problem is listed with its JSON pointer. */
  | 'ERR_POLICY_INVALID'
  /** `version` is missing from the supported set (only 1 exists). Never treated as "accept". */
  | 'ERR_POLICY_VERSION'
  /** `derivePolicy` / an importer cannot produce a policy from its input (no logs, bad file, ...). */
  | 'ERR_POLICY_DERIVE'

export const POLICY_ERROR_CODES: readonly PolicyErrorCode[] = ['ERR_POLICY_INVALID', 'ERR_POLICY_VERSION', 'ERR_POLICY_DERIVE']
