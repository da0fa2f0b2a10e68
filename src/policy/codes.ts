/**
 * Finding codes of the appraisal (docs/policy.md), each with its suggested AR4SI claim and value
 * (draft-ietf-rats-ar4si "Specific Claims") for the verdict to use.
 */
import type { Finding } from '../findings.js'
import type { AppraisalComponent } from './types.js'

/** Re-exported where it was first defined (API stability); defined with ComponentKind in types.ts. */
export type { AppraisalComponent } from './types.js'

import type { Ar4siClaim } from '../ear/model.js'
/** One definition (the EAR model); re-exported here where the policy codes first named it. */
export type { Ar4siClaim }

export interface PolicyCodeInfo {
  claim: Ar4siClaim
  /** Suggested AR4SI value for the claim when this finding is present. */
  value: number
  description: string
}

export const POLICY_FINDING_CODES = {
  POLICY_EVIDENCE_MISSING: { claim: 'sourced-data', value: 96, description: 'evidence the policy needs (quote, event log, boot state, Windows state, counters) was not supplied: fail closed' },
  POLICY_QUOTE_INVALID: { claim: 'instance-identity', value: 99, description: 'the quote did not verify, so no PCR is authenticated' },
  POLICY_AK_UNTRUSTED: { claim: 'instance-identity', value: 97, description: 'the policy pins AK roots but the AK certificate does not chain to one' },
  POLICY_BANK_MISSING: { claim: 'sourced-data', value: 96, description: 'a required bank is not authenticated by the quote or not carried by the log (attack Q-07)' },
  POLICY_PCR_NOT_QUOTED: { claim: 'sourced-data', value: 96, description: 'a PCR the policy uses is not in the signed quote selection (attack Q-01)' },
  POLICY_PCR_UNVERIFIED: { claim: 'sourced-data', value: 96, description: 'a PCR the policy uses does not replay to its quoted value, or its event sequence is structurally invalid' },
  POLICY_PCR_MISMATCH: { claim: 'executables', value: 33, description: 'a quoted PCR equals none of the golden values' },
  POLICY_PCR11_NOT_SIGNED: { claim: 'executables', value: 33, description: 'no .pcrsig entry is a valid signature by a pcr11Signed key over the PolicyPCR digest of the quoted PCR 11 value: the kernel image (or boot phase) was not authorised by the key holder' },
  POLICY_PCR11_SIGNATURE_MISSING: { claim: 'sourced-data', value: 96, description: 'the policy requires PCR 11 to be signed but no .pcrsig (evidence pcrSignature) was supplied' },
  POLICY_EVENT_UNEXPECTED: { claim: 'executables', value: 33, description: 'an event of a (PCR, event type) the policy does not allow' },
  POLICY_COMPONENT_UNKNOWN: { claim: 'executables', value: 33, description: 'a measured digest is in none of the component alternatives' },
  POLICY_COMPONENT_SEQUENCE: { claim: 'executables', value: 33, description: 'known digests, but not in an allowed order or count' },
  POLICY_COMPONENT_MISSING: { claim: 'executables', value: 33, description: 'a required component was not measured' },
  POLICY_DIGEST_FORBIDDEN: { claim: 'executables', value: 96, description: 'a forbidden digest (revoked boot loader, denied driver, ...) was measured' },
  POLICY_DIGEST_REQUIRED_MISSING: { claim: 'executables', value: 33, description: 'a required digest was not measured in an authenticated PCR' },
  POLICY_SECUREBOOT_REQUIRED: { claim: 'configuration', value: 96, description: 'Secure Boot is required but not (trustably) enabled' },
  POLICY_SECUREBOOT_DEBUG_MODE: { claim: 'configuration', value: 96, description: 'a UEFI debugger was present (attack R-04)' },
  POLICY_DBX_MISSING_ENTRY: { claim: 'configuration', value: 32, description: 'dbx lacks a required revocation (stale dbx, attacks P-01/P-02)' },
  POLICY_DB_UNEXPECTED_KEY: { claim: 'configuration', value: 96, description: 'db holds a key or hash the policy does not allow' },
  POLICY_KEK_UNEXPECTED_KEY: { claim: 'configuration', value: 96, description: 'KEK holds a key the policy does not allow' },
  POLICY_PK_UNEXPECTED_KEY: { claim: 'configuration', value: 96, description: 'PK holds a key the policy does not allow' },
  POLICY_SBAT_BELOW_MINIMUM: { claim: 'configuration', value: 32, description: 'the SbatLevel shim measured is below the policy minimum, or cannot be read: revoked (BootHole-class) shim / GRUB generations may still boot (attack P-01)' },
  POLICY_AUTHORITY_REQUIRED: { claim: 'executables', value: 33, description: 'no boot image was verified by a required Secure Boot authority, e.g. Windows UEFI CA 2023 (attack P-02)' },
  POLICY_AUTHORITY_FORBIDDEN: { claim: 'executables', value: 96, description: 'a boot image was verified by a forbidden Secure Boot authority, e.g. Windows Production PCA 2011: boot-manager rollback (attack P-02)' },
  POLICY_SIGDB_UNCHECKABLE: { claim: 'configuration', value: 96, description: 'a signature database holds entries of a type the policy cannot compare' },
  POLICY_WINDOWS_CLAIM: { claim: 'configuration', value: 96, description: 'a Windows boot claim (MAA name) has a value the policy does not allow (attack P-06)' },
  POLICY_CMDLINE: { claim: 'configuration', value: 96, description: 'the kernel command line matches none of the allowed values / patterns' },
  POLICY_CMDLINE_FORBIDDEN_ARG: { claim: 'configuration', value: 96, description: 'the kernel command line has a forbidden argument (init=, rd.break, ...)' },
  POLICY_FACT_UNTRUSTED: { claim: 'sourced-data', value: 96, description: 'a rule needs a boot-state fact that is not trusted (content not bound by its digest, PCR not quoted, ...)' },
  POLICY_FRESHNESS_NONCE: { claim: 'instance-identity', value: 99, description: 'the quote was not checked against the verifier nonce (attack Q-05)' },
  POLICY_FRESHNESS_PREVIOUS_MISSING: { claim: 'instance-identity', value: 96, description: 'the policy requires the previous quote state but none was supplied' },
  POLICY_FRESHNESS_RESET: { claim: 'instance-identity', value: 96, description: 'resetCount violates the policy against the last seen value (attacks Q-12, P-03)' },
  POLICY_FRESHNESS_RESTART: { claim: 'instance-identity', value: 96, description: 'restartCount violates the policy against the last seen value (attack Q-12)' },
  POLICY_FRESHNESS_CLOCK: { claim: 'instance-identity', value: 96, description: 'the TPM clock did not advance within the same boot (attack Q-12)' },
  POLICY_STARTUP_LOCALITY: { claim: 'hardware', value: 96, description: 'the log states a start locality other than the one pinned for the platform: reset-and-replay or a different platform (attacks L-07, P-03)' },
  POLICY_TPM_MANUFACTURER: { claim: 'hardware', value: 96, description: 'the certified TPM manufacturer is not in platform.tpmManufacturers, or the AK certificate names none (attack P-04: discrete-TPM bus interposers)' },
  POLICY_AK_WEAK_KEY: { claim: 'instance-identity', value: 96, description: 'the AK modulus has the ROCA fingerprint (CVE-2017-15361): its private key can be computed (attack P-07)' },
} as const satisfies Record<string, PolicyCodeInfo>

export type PolicyFindingCode = keyof typeof POLICY_FINDING_CODES

/** An appraisal finding: a `Finding` plus the component it concerns and the policy entry involved. */
export interface PolicyFinding extends Finding {
  code: PolicyFindingCode
  component: AppraisalComponent
  /** Human name of the component or rule, e.g. "shim + GRUB". */
  componentName?: string
  /** JSON pointer of the policy entry compared with, e.g. `/eventRules/4`, or a rule id. */
  reference?: string
  /** Event type name of `eventIndex`. */
  eventType?: string
}
