/**
 * The error thrown by `validatePolicy`, the importers and `derivePolicy`. A `BootproofError` whose
 * `issues` list every problem with a JSON pointer (RFC 6901) into the policy document.
 */
import { BootproofError } from '../errors.js'
import type { PolicyErrorCode } from './error_codes.js'

export interface PolicyIssue {
  /** JSON pointer, e.g. `/eventRules/3/alternatives/0/events/1/sha256` (`` = the document). */
  path: string
  message: string
}

export class PolicyError extends BootproofError {
  readonly issues: PolicyIssue[]
  constructor(code: PolicyErrorCode, message: string, issues: PolicyIssue[] = []) {
    super(code, message, issues[0] ? { field: issues[0].path } : {})
    this.issues = issues
  }
  override toJSON(): ReturnType<BootproofError['toJSON']> & { issues: PolicyIssue[] } {
    return { ...super.toJSON(), issues: this.issues }
  }
}

/** Escape one JSON-pointer token (RFC 6901 §3). */
export function pointerToken(t: string | number): string {
  return String(t).replace(/~/g, '~0').replace(/\//g, '~1')
}
