/**
 * Which EAR submodule a finding counts against, and which AR4SI claim each submodule carries
 * (reference-values-and-verdicts.md §9.2).
 */
import type { Ar4siClaim } from './ar4si.js'

export const SUBMODS = {
  tpm: { claim: 'instance-identity', title: 'TPM, attestation key and quote' },
  'platform-firmware': { claim: 'hardware', title: 'Platform firmware (PCR 0-3, 5, 6)' },
  'secure-boot': { claim: 'configuration', title: 'Secure Boot policy (PCR 7)' },
  'boot-loader': { claim: 'executables', title: 'Boot applications (PCR 4)' },
  'os-kernel': { claim: 'executables', title: 'OS loader and kernel (PCR 8-11, 14, 15)' },
  'windows-boot': { claim: 'configuration', title: 'Windows boot configuration (PCR 12-14, SIPA)' },
} as const satisfies Record<string, { claim: Ar4siClaim; title: string }>

export type SubmodName = keyof typeof SUBMODS

/** Submodule of a PCR (Windows uses 12-14 for its boot configuration log). */
export function submodForPcr(pcr: number | undefined, windows: boolean): SubmodName {
  if (pcr === undefined) return 'tpm'
  if (pcr === 7) return 'secure-boot'
  if (pcr === 4) return 'boot-loader'
  if (windows && pcr >= 12 && pcr <= 14) return 'windows-boot'
  if (pcr >= 8 && pcr <= 23) return 'os-kernel'
  return 'platform-firmware'
}

/** Claim values per tier for a submodule's claim (AR4SI standard values). */
export function claimValues(claim: Ar4siClaim): { affirming: number; warning: number; contraindicated: number } {
  switch (claim) {
    case 'executables':
      return { affirming: 3, warning: 33, contraindicated: 96 }
    case 'instance-identity':
      return { affirming: 2, warning: 97, contraindicated: 96 }
    case 'hardware':
      return { affirming: 2, warning: 32, contraindicated: 96 }
    default:
      return { affirming: 2, warning: 32, contraindicated: 96 }
  }
}
