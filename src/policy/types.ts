/**
 * Policy v1: reference values and appraisal rules as data (issue 4, docs/policy.md).
 *
 * A policy is plain JSON. `validatePolicy` checks it against `POLICY_SCHEMA` (schema.ts, also
 * published as schema/policy.schema.json) and then applies the semantic rules that a JSON Schema
 * cannot state (digest lengths per bank, safe regular expressions, unambiguous event rules).
 *
 * Hex values are lowercase, without `0x`, full length for their bank.
 */
import type { WindowsClaimName } from '../state/windows/windows_state.js'

/** Banks a policy may name (digest sizes from alg.ts). */
export type PolicyBank = 'sha1' | 'sha256' | 'sha384' | 'sha512' | 'sm3_256'

export const POLICY_BANKS: readonly PolicyBank[] = ['sha1', 'sha256', 'sha384', 'sha512', 'sm3_256']

/**
 * What a rule is about. The verdict maps these to EAR submodules (platform firmware, boot loader,
 * OS kernel, Windows boot, ...; SUBMOD_OF_COMPONENT in src/verdict/submods.ts). This list is the one
 * definition of the components, in the order of the published schema's enum.
 */
const COMPONENT_KIND_LIST = ['platform-firmware', 'platform-config', 'option-roms', 'boot-loader', 'boot-config', 'os-kernel', 'initrd', 'secure-boot', 'windows-boot', 'os-runtime', 'other'] as const

export type ComponentKind = (typeof COMPONENT_KIND_LIST)[number]

export const COMPONENT_KINDS: readonly ComponentKind[] = COMPONENT_KIND_LIST

/**
 * Component of an appraisal result: a rule's component, or `attestation` (quote, banks, freshness,
 * AK), which results use and rules never name.
 */
export type AppraisalComponent = ComponentKind | 'attestation'

/**
 * The one PCR → component table: the default component of an event on a PCR, from the PC Client
 * PFP PCR usage (TCG PFP §3.3.4) and the OS conventions for PCR 8-14. Everything else that maps a
 * PCR to a component or EAR submodule derives from it (submodForPcr in src/verdict/submods.ts, the
 * policy derivation, the Keylime import). A Map, not an array: PCR indices come from the log.
 */
const PCR_COMPONENT: ReadonlyMap<number, ComponentKind> = new Map<number, ComponentKind>([
  [0, 'platform-firmware'], // SRTM, BIOS, host platform extensions, embedded option ROMs
  [1, 'platform-config'], // host platform configuration (SMBIOS, Boot####, BootOrder)
  [2, 'option-roms'], // UEFI driver and application code (option ROMs)
  [3, 'platform-config'], // UEFI driver and application configuration
  [4, 'boot-loader'], // UEFI boot manager code and boot attempts (shim, GRUB, bootmgfw)
  [5, 'platform-config'], // boot manager configuration and data (GPT)
  [6, 'platform-config'], // host platform manufacturer specific
  [7, 'secure-boot'], // Secure Boot policy and authorities
  [8, 'boot-config'], // GRUB commands, kernel command line
  [9, 'boot-config'], // files GRUB read (kernel, initrd, grub.cfg)
  [11, 'os-kernel'], // systemd-stub: unified kernel image sections
  [12, 'boot-config'], // systemd-stub command line / credentials; Windows boot configuration
  [13, 'boot-config'], // systemd-stub system extensions; Windows boot modules
  [14, 'boot-config'], // shim MokList / MokListX / MokSBState; Windows
])

/** Default component of an event on a PCR (PCR_COMPONENT; `other` for PCRs it does not name, e.g. 10 (IMA), 15-23). */
export function componentForPcr(pcr: number): ComponentKind {
  return PCR_COMPONENT.get(pcr) ?? 'other'
}

/** Digests of one measurement, by bank. At least one bank. Banks present on both sides must all be equal. */
export type DigestSpec = Partial<Record<PolicyBank, string>>

/** One expected event in an alternative: its digest(s), or `any: true` for "exactly one event, any digest". */
export interface EventEntry extends DigestSpec {
  any?: true
  /** Human label, e.g. "shimx64.efi 15.8". */
  description?: string
}

export interface Alternative {
  /** Label shown in findings and results, e.g. "debian-12 shim 16.1 + grub 2.06". */
  name?: string
  /** The events, in log order. Empty = "this component may be absent" (pcrlock's empty variant). */
  events: EventEntry[]
}

/**
 * An allow-list for the events of one PCR (optionally of some event types).
 *
 * Events are dispatched by (PCR, event type) to a *slot*: the rules with the same `pcr` and the same
 * `eventTypes` set. Every measured event of a PCR named by any rule must fall into a slot, otherwise
 * it is reported (POLICY_EVENT_UNEXPECTED). The rules of one slot form a chain in policy order: the
 * slot's events must be the concatenation of one alternative of each rule (`sequence` rules), like
 * pcrlock components with variants. `set` and `any` rules must be alone in their slot.
 */
export interface EventRule {
  /** Stable reference id, echoed in findings (`reference`). */
  id?: string
  component: ComponentKind
  /** Human name of the component, e.g. "shim + GRUB". */
  name?: string
  pcr: number
  /** EV_* names (see `EV`); omitted = every event type of this PCR (pcrlock style). */
  eventTypes?: string[]
  /**
   * `sequence` (default): the events equal one alternative, in order.
   * `set`: each event's digest is one of the entries of any alternative (order and count free).
   * `any`: any digest is accepted (the event type is still allow-listed). Use for per-machine data
   * such as the GPT (PCR 5) or PCR 1 configuration; this weakens the policy.
   */
  match?: 'sequence' | 'set' | 'any'
  alternatives?: Alternative[]
}

/** A golden value for one PCR, with alternatives. Compared with the quote's authenticated value. */
export interface PcrValueRule {
  pcr: number
  bank: PolicyBank
  alternatives: string[]
  component?: ComponentKind
  name?: string
}

/** A digest that must (or must not) be measured. */
export interface DigestReference {
  /** One of these digests (alternatives). For `forbidden` each entry is forbidden. */
  anyOf: DigestSpec[]
  /** Restrict to one PCR. */
  pcr?: number
  component?: ComponentKind
  description?: string
}

/** A signature-database entry: an X.509 certificate (SHA-256 of the DER) or a SHA-256 hash. */
export interface SignatureRef {
  sha256: string
  /** Only match entries of this type; default either. */
  type?: 'x509' | 'sha256'
  description?: string
}

export interface SecureBootPolicy {
  /** SecureBoot must be measured as 1 (trusted). */
  required?: boolean
  /** dbx must contain at least these entries (revocations). */
  dbx?: { mustContain: SignatureRef[] }
  /** Each database may hold at most these entries ("at most a given set of keys"). */
  db?: { allowed: SignatureRef[] }
  kek?: { allowed: SignatureRef[] }
  pk?: { allowed: SignatureRef[] }
  /** Accept a "UEFI Debug Mode" measurement. Default false. */
  debugModeAllowed?: boolean
  /**
   * Minimum SbatLevel that shim measured into PCR 7 (attack P-01: BootHole-class GRUB / shim
   * revocations). Needs a trusted SbatLevel measurement; a boot without one fails.
   */
  sbatMinimum?: SbatMinimum
  /** Each entry must match at least one authority (EV_EFI_VARIABLE_AUTHORITY after the PCR 7 separator). Attack P-02. */
  requiredAuthorities?: AuthorityRequirement[]
  /** No authority after the PCR 7 separator may match one of these (e.g. "Microsoft Windows Production PCA 2011"). Attack P-02. */
  forbiddenAuthorities?: AuthorityMatch[]
}

/** Minimum SbatLevel: per-component generations and/or the date of the `sbat,1,<date>` line. */
export interface SbatMinimum {
  /** Component name → minimum generation, e.g. `{"sbat": 1, "shim": 4, "grub": 5}`. A component absent from SbatLevel counts as generation 0. */
  components?: Record<string, number>
  /** Minimum SbatLevel date (`YYYYMMDDNN`, the third field of the `sbat` line), e.g. "2025021800". */
  date?: string
}

/**
 * An authority certificate (the db / shim-vendor / MOK entry that verified a boot image). Every
 * key given must match: `sha256` = SHA-256 of the certificate DER; `subject` = the whole subject as
 * bootproof renders it ("C=US, …, CN=…"); `commonName` = one CN attribute exactly.
 */
export interface AuthorityMatch {
  sha256?: string
  subject?: string
  commonName?: string
  description?: string
}

/** One of these authorities must have been used (alternatives, e.g. "Windows UEFI CA 2023" or "Microsoft UEFI CA 2023"). */
export interface AuthorityRequirement {
  anyOf: AuthorityMatch[]
  description?: string
}

/** Platform expectations that the boot evidence states but does not authenticate by itself. */
export interface PlatformPolicy {
  /**
   * The locality TPM2_Startup runs from on this platform (attacks L-07 / P-03): 0 (most
   * platforms, OVMF), 3 (Intel TXT / Boot Guard, "StartupLocality" EV_NO_ACTION) or 4 (H-CRTM).
   * The log's stated locality must equal it; a log without one means 0. PCR 0 becomes required.
   */
  startupLocality?: 0 | 3 | 4
  /**
   * TPM manufacturers allowed for this fleet (attack P-04), as TCG vendor IDs `id:XXXXXXXX`
   * (tcg-at-tpmManufacturer 2.23.133.2.1), e.g. `id:494E5443` Intel PTT, `id:414D4400` AMD fTPM,
   * `id:4D534654` Microsoft (Pluton / vTPM); discrete TPMs: `id:49465800` Infineon, `id:4E544300`
   * Nuvoton, `id:53544D20` STMicro. Read from the SAN of the AK certificate, which must chain to a
   * trusted root (trustAnchors / trustedAkRoots): an uncertified manufacturer is the attester's
   * claim. Use it to refuse discrete TPMs, whose bus an interposer can rewrite undetectably.
   */
  tpmManufacturers?: string[]
}

/** TPM key checks (attack P-07). */
export interface TpmPolicy {
  /**
   * The AK modulus is tested for the ROCA fingerprint (CVE-2017-15361) whenever the AK is given to
   * the appraisal; a hit is an error (POLICY_AK_WEAK_KEY). `true` downgrades it to a warning.
   * Default false.
   */
  allowRocaKeys?: boolean
}

/**
 * Confidential-VM hardware evidence (SEV-SNP report, TDX quote, Azure HCL report): reference
 * values for the `cvm` submodule of the verdict (docs/cvm.md). A guest that allows debugging is
 * refused unless `allowDebug`, with or without this section.
 */
export interface CvmPolicy {
  /** The attestation must carry confidential-VM evidence (a bundle without it fails). Default false. */
  required?: boolean
  /** Accepted platforms; default both. */
  platforms?: ('sev-snp' | 'tdx')[]
  /** Allowed launch measurements: SEV-SNP MEASUREMENT or TDX MRTD (48 bytes, lowercase hex). */
  measurements?: string[]
  /** SEV-SNP: minimum TCB; REPORTED, COMMITTED and LAUNCH TCB must meet every component given. */
  minimumTcb?: { fmc?: number; bootloader?: number; tee?: number; snp?: number; microcode?: number }
  /** Expected SEV-SNP HOST_DATA values (32 bytes, lowercase hex). */
  hostData?: string[]
  /** Accept a guest that allows debugging (SEV-SNP POLICY bit 19, TDX TDATTRIBUTES bit 0). Default false. */
  allowDebug?: boolean
}

export interface KernelCmdlinePolicy {
  /** The command line equals one of these strings. */
  exact?: string[]
  /**
   * ...or fully matches one of these patterns (anchored: `^…$` is implied). Limited to 512
   * characters, no backreferences, no lookaround, no nested unbounded quantifiers (docs/policy.md).
   */
  patterns?: string[]
  /** Arguments that must not appear (`init=` matches any `init=…`; `single` matches the word). */
  forbiddenArgs?: string[]
}

export interface LinuxPolicy {
  kernelCmdline?: KernelCmdlinePolicy
}

/** Windows boot claims under their MAA names, e.g. `{"bootDebuggingDisabled": true}`. */
export interface WindowsPolicy {
  claims: Record<string, boolean | number | string | null>
}

export type CounterRule = 'nondecreasing' | 'equal' | 'any'

export interface FreshnessPolicy {
  /** The quote must carry the verifier's nonce (input `nonceChecked`). Default true. */
  nonceRequired?: boolean
  /** Fail when `previous` is not supplied. Default false. */
  previousRequired?: boolean
  /** resetCount against the previous value. Default `nondecreasing`; `equal` = same boot expected. */
  resetCount?: CounterRule
  /** restartCount against the previous value. Default `nondecreasing`. */
  restartCount?: CounterRule
  /** With equal counters, the clock must have advanced (attack Q-12). Default true. */
  clockMustAdvance?: boolean
}

/** The PCR banks a `.pcrsig` can sign (systemd-measure's set). */
export type Pcr11SignedBank = 'sha1' | 'sha256' | 'sha384' | 'sha512'

/**
 * "PCR 11 is authorised by key K" (systemd signed PCR policies, UAPI UKI specification): the
 * attester supplies the UKI's `.pcrsig` (evidence `pcrSignature`), and some entry of it must be
 * a valid signature by one of `keys` over the TPM2_PolicyPCR digest of the quoted PCR 11 value,
 * which the verifier recomputes (the entry's own `pol` is never trusted). PCR 11 becomes required.
 * An entry does not name its boot phase, so no phase can be required here (docs/policy.md).
 */
export interface Pcr11SignedPolicy {
  /** RSA public keys (PEM "PUBLIC KEY", SubjectPublicKeyInfo), e.g. the distribution's `.pcrpkey`. */
  keys: string[]
  /** Banks whose quoted PCR 11 must each be signed. Default `["sha256"]`. */
  banks?: Pcr11SignedBank[]
}

export interface PcrRequirements {
  /** Banks the quote must authenticate and the log must replay. Default ["sha256"]. */
  banks?: PolicyBank[]
  /** PCRs that must be quoted and replay. PCRs used by any rule are always required as well. */
  required?: number[]
}

export interface Policy {
  $schema?: string
  /** Stable identifier, echoed in the verdict (`ear_appraisal_policy_ids`). */
  id: string
  version: 1
  description?: string
  pcrs?: PcrRequirements
  pcrValues?: PcrValueRule[]
  eventRules?: EventRule[]
  digests?: { required?: DigestReference[]; forbidden?: DigestReference[] }
  secureBoot?: SecureBootPolicy
  linux?: LinuxPolicy
  windows?: WindowsPolicy
  freshness?: FreshnessPolicy
  platform?: PlatformPolicy
  tpm?: TpmPolicy
  cvm?: CvmPolicy
  pcr11Signed?: Pcr11SignedPolicy
  /** PEM certificates: the AK certificate must chain to one of them. */
  trustedAkRoots?: string[]
}

/** MAA claim names bootproof can evaluate (src/state/windows; the names are its `WindowsClaimName`). */
export const WINDOWS_CLAIM_NAMES = [
  'secureBootEnabled',
  'bootDebuggingDisabled',
  'notSafeMode',
  'notWinPE',
  'codeIntegrityEnabled',
  'testSigningDisabled',
  'vbsEnabled',
  'hvciEnabled',
  'bitlockerStatus',
  'elamDriverLoaded',
  'bootCount',
  'osKernelDebuggingDisabled',
  'flightSigningNotEnabled',
  'iommuEnabled',
  'depPolicy',
  'coldBoot',
] as const satisfies readonly WindowsClaimName[]
