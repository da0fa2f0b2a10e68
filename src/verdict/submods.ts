/**
 * Which EAR submodule a finding counts against, and which AR4SI claim each submodule carries
 * (draft-ietf-rats-ar4si "Specific Claims"; IETF EAR submods).
 */
import { componentForPcr, type AppraisalComponent } from '../policy/types.js'
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

/**
 * The one component → EAR submodule mapping, for appraisal components (verify_appraisal) and, through
 * componentForPcr, for pipeline findings on a PCR (submodForPcr). `other` (no component) counts
 * against the TPM submodule, as before.
 */
export const SUBMOD_OF_COMPONENT: Readonly<Record<AppraisalComponent, SubmodName>> = {
  attestation: 'tpm',
  'platform-firmware': 'platform-firmware',
  'platform-config': 'platform-firmware',
  'option-roms': 'platform-firmware',
  'secure-boot': 'secure-boot',
  'boot-loader': 'boot-loader',
  'boot-config': 'os-kernel',
  'os-kernel': 'os-kernel',
  initrd: 'os-kernel',
  'os-runtime': 'os-kernel',
  'windows-boot': 'windows-boot',
  other: 'tpm',
}

/** Submodule of an appraisal component; `tpm` for a name that is not one (fail towards the TPM submodule). */
export function submodForComponent(component: string | undefined): SubmodName {
  return (component !== undefined && Object.hasOwn(SUBMOD_OF_COMPONENT, component) ? SUBMOD_OF_COMPONENT[component as AppraisalComponent] : undefined) ?? 'tpm'
}

/**
 * Submodule of a PCR: its default component (componentForPcr, TCG PFP §3.3.4) mapped as above. Where
 * a pipeline finding on a PCR counts elsewhere than that component, on purpose, it is stated here:
 * - Windows logs: PCR 12-14 hold the Windows boot configuration log (SIPA), so windows-boot;
 * - PCRs with no component (`other`): 8-23 (IMA in 10, OS / DRTM / debug PCRs 15-23) count against
 *   os-kernel, anything else (an index outside 0-23) against platform-firmware;
 * - no PCR: the TPM submodule (quote and AK findings).
 */
export function submodForPcr(pcr: number | undefined, windows: boolean): SubmodName {
  if (pcr === undefined) return 'tpm'
  if (windows && pcr >= 12 && pcr <= 14) return 'windows-boot'
  const component = componentForPcr(pcr)
  if (component !== 'other') return SUBMOD_OF_COMPONENT[component]
  return pcr >= 8 && pcr <= 23 ? 'os-kernel' : 'platform-firmware'
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
