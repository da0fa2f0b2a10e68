/**
 * SIPA (System Integrity Platform Attestation) constants: the record IDs Windows writes into
 * EV_EVENT_TAG events of PCR 12/13/14 (and 19/20 for DRTM), their categories, how each payload
 * is laid out, and the value names MAA uses when it renders them (Windows SDK wbcl.h; MAA ProcessedData).
 *
 * Every ID here is from the Windows SDK `wbcl.h` (SIPAEVENT_* constants); payload kinds not
 * confirmed by a source or by a real log are `bytes` (kept raw, never guessed).
 */

/** Flag bits and category field of a SIPA ID (wbcl.h). */
export const SIPA_FLAG_NONMEASURED = 0x80000000
export const SIPA_FLAG_AGGREGATION = 0x40000000
export const SIPA_CATEGORY_MASK = 0x000f0000

export const SIPA_CATEGORY: Readonly<Record<number, string>> = Object.freeze({
  0x00010000: 'container',
  0x00020000: 'information',
  0x00030000: 'error',
  0x00040000: 'preos-parameter',
  0x00050000: 'os-parameter',
  0x00060000: 'authority',
  0x00070000: 'loaded-module',
  0x00080000: 'trustpoint',
  0x00090000: 'elam',
  0x000a0000: 'vbs',
  0x000b0000: 'ksr',
  0x000c0000: 'drtm',
})

export const SIPA_CATEGORY_CONTAINER = 0x00010000

/** Log header constants (wbcl.h). */
export const SIPAHDRSIGNATURE = 0x4c434257 // "WBCL"
export const SIPALOGVERSION = 1
export const SIPAKSRHDRSIGNATURE = 0x4d52534b // "KSRM"

/**
 * How a record's value is decoded.
 * - `aggregation`: a nested TLV sequence;
 * - `bool`: 1 byte, non-zero = true;
 * - `u8` / `u32` / `u64`: little-endian unsigned of exactly that width;
 * - `uint-le`: a little-endian unsigned of 1-8 bytes (BITLOCKER_UNLOCK: u32 in practice,
 *   go-attestation accepts up to 8 bytes);
 * - `utf16`: UTF-16LE text, usually NUL-terminated;
 * - `bytes`: opaque (hashes, keys, serials, and every payload without a confirmed layout);
 * - the remaining kinds are the wbcl.h payload structs (SIPAEVENT_*_PAYLOAD).
 */
export type SipaPayloadKind =
  | 'aggregation'
  | 'bool'
  | 'u8'
  | 'u32'
  | 'u64'
  | 'uint-le'
  | 'utf16'
  | 'bytes'
  | 'revocation-list'
  | 'si-policy'
  | 'si-policy-signer'
  | 'sbcp-info'
  | 'vsm-idk-info'
  | 'ksr-signature'

export interface SipaIdInfo {
  /** wbcl.h name without the `SIPAEVENT_` / `SIPAERROR_` prefix, e.g. `TRUSTBOUNDARY`. */
  name: string
  /** Full wbcl.h constant name. */
  constant: string
  kind: SipaPayloadKind
  /** Value-name table (enum) or flag table for integer payloads. */
  values?: 'transfer-control' | 'bitlocker' | 'osdevice' | 'capi-alg' | 'smt' | 'idk-generation' | 'nx-policy' | 'hypervisor-launch' | 'vsm-launch' | 'hvci' | 'boot-chain' | 'driver-load' | 'iommu-policy'
  /** Rendered as `{String, Value}` by MAA. */
  flags?: boolean
}

function ev(name: string, kind: SipaPayloadKind, values?: SipaIdInfo['values'], flags?: boolean): SipaIdInfo {
  const info: SipaIdInfo = { name, constant: `SIPAEVENT_${name}`, kind }
  if (values) info.values = values
  if (flags) info.flags = true
  return info
}
function err(name: string): SipaIdInfo {
  return { name, constant: `SIPAERROR_${name}`, kind: 'bytes' }
}

/** All 108 SIPA IDs of the Windows SDK wbcl.h (SIPAEVENT_*). */
export const SIPA_IDS: ReadonlyMap<number, SipaIdInfo> = new Map<number, SipaIdInfo>([
  // Containers
  [0x40010001, ev('TRUSTBOUNDARY', 'aggregation')],
  [0x40010002, ev('ELAM_AGGREGATION', 'aggregation')],
  [0x40010003, ev('LOADEDMODULE_AGGREGATION', 'aggregation')],
  [0xc0010004, ev('TRUSTPOINT_AGGREGATION', 'aggregation')],
  [0x40010005, ev('KSR_AGGREGATION', 'aggregation')],
  [0x40010006, ev('KSR_SIGNED_MEASUREMENT_AGGREGATION', 'aggregation')],
  // Errors
  [0x00030001, err('FIRMWAREFAILURE')],
  [0x80030002, err('TPMFAILURE')],
  [0x00030003, err('INTERNALFAILURE')],
  [0x80030004, err('KSRFAILURE')],
  [0x00030005, err('HYPERVISORFAILURE')],
  // Information
  [0x00020001, ev('INFORMATION', 'bytes')],
  [0x00020002, ev('BOOTCOUNTER', 'u64')],
  [0x00020003, ev('TRANSFER_CONTROL', 'u32', 'transfer-control')],
  [0x00020004, ev('APPLICATION_RETURN', 'bytes')],
  [0x00020005, ev('BITLOCKER_UNLOCK', 'uint-le', 'bitlocker', true)],
  [0x00020006, ev('EVENTCOUNTER', 'u64')],
  [0x00020007, ev('COUNTERID', 'u64')],
  [0x00020008, ev('MORBIT_NOT_CANCELABLE', 'bytes')],
  [0x00020009, ev('APPLICATION_SVN', 'u32')],
  [0x0002000a, ev('SVN_CHAIN_STATUS', 'u32')],
  [0x0002000b, ev('MORBIT_API_STATUS', 'u32')],
  [0x0002000c, ev('IDK_GENERATION_STATUS', 'u32', 'idk-generation')],
  // Pre-OS parameters
  [0x00040001, ev('BOOTDEBUGGING', 'bool')],
  [0x00040002, ev('BOOT_REVOCATION_LIST', 'revocation-list')],
  // OS parameters
  [0x00050001, ev('OSKERNELDEBUG', 'bool')],
  [0x00050002, ev('CODEINTEGRITY', 'bool')],
  [0x00050003, ev('TESTSIGNING', 'bool')],
  [0x00050004, ev('DATAEXECUTIONPREVENTION', 'u64', 'nx-policy')],
  [0x00050005, ev('SAFEMODE', 'bool')],
  [0x00050006, ev('WINPE', 'bool')],
  [0x00050007, ev('PHYSICALADDRESSEXTENSION', 'bytes')],
  [0x00050008, ev('OSDEVICE', 'u32', 'osdevice')],
  [0x00050009, ev('SYSTEMROOT', 'utf16')],
  [0x0005000a, ev('HYPERVISOR_LAUNCH_TYPE', 'u64', 'hypervisor-launch')],
  [0x0005000b, ev('HYPERVISOR_PATH', 'bytes')],
  [0x0005000c, ev('HYPERVISOR_IOMMU_POLICY', 'u64', 'iommu-policy')],
  [0x0005000d, ev('HYPERVISOR_DEBUG', 'bool')],
  [0x0005000e, ev('DRIVER_LOAD_POLICY', 'u32', 'driver-load')],
  [0x0005000f, ev('SI_POLICY', 'si-policy')],
  [0x00050010, ev('HYPERVISOR_MMIO_NX_POLICY', 'u64')],
  [0x00050011, ev('HYPERVISOR_MSR_FILTER_POLICY', 'u64')],
  [0x00050012, ev('VSM_LAUNCH_TYPE', 'u64', 'vsm-launch')],
  [0x00050013, ev('OS_REVOCATION_LIST', 'revocation-list')],
  [0x00050014, ev('SMT_STATUS', 'u32', 'smt')],
  [0x00050020, ev('VSM_IDK_INFO', 'vsm-idk-info')],
  [0x00050021, ev('FLIGHTSIGNING', 'bool')],
  [0x00050022, ev('PAGEFILE_ENCRYPTION_ENABLED', 'bool')],
  [0x00050023, ev('VSM_IDKS_INFO', 'vsm-idk-info')],
  [0x00050024, ev('HIBERNATION_DISABLED', 'bool')],
  [0x00050025, ev('DUMPS_DISABLED', 'bool')],
  [0x00050026, ev('DUMP_ENCRYPTION_ENABLED', 'bool')],
  [0x00050027, ev('DUMP_ENCRYPTION_KEY_DIGEST', 'bytes')],
  [0x00050028, ev('LSAISO_CONFIG', 'u32')],
  [0x00050029, ev('SBCP_INFO', 'sbcp-info')],
  [0x00050030, ev('HYPERVISOR_BOOT_DMA_PROTECTION', 'bool')],
  [0x00050031, ev('SI_POLICY_SIGNER', 'si-policy-signer')],
  [0x00050032, ev('SI_POLICY_UPDATE_SIGNER', 'si-policy-signer')],
  [0x00050033, ev('REFS_VOLUME_CHECKPOINT_RECORD_CHECKSUM', 'bytes')],
  [0x00050034, ev('REFS_ROLLBACK_PROTECTION_FROZEN_VOLUME_CHECKSUM', 'bytes')],
  [0x00050035, ev('REFS_ROLLBACK_PROTECTION_USER_PAYLOAD_HASH', 'bytes')],
  [0x00050036, ev('REFS_ROLLBACK_PROTECTION_VERIFICATION_SUCCEEDED', 'bytes')],
  [0x00050037, ev('REFS_ROLLBACK_PROTECTION_VOLUME_FIRST_EVER_MOUNT', 'bytes')],
  [0x0005003a, ev('VSM_SEALED_SI_POLICY', 'bytes')],
  [0x0005003b, ev('VSM_DRTM_KEYROLL_DETECTED', 'bytes')],
  [0x0005003c, ev('VSM_SRTM_UNSEAL_POLICY', 'bytes')],
  [0x0005003d, ev('VSM_SRTM_ANTI_ROLLBACK_COUNTER', 'bytes')],
  [0x00050040, ev('VTL1_DUMP_CONFIG', 'bytes')],
  // Authority
  [0x00060001, ev('NOAUTHORITY', 'bytes')],
  [0x00060002, ev('AUTHORITYPUBKEY', 'bytes')],
  // Loaded module
  [0x00070001, ev('FILEPATH', 'utf16')],
  [0x00070002, ev('IMAGESIZE', 'u64')],
  [0x00070003, ev('HASHALGORITHMID', 'u32', 'capi-alg')],
  [0x00070004, ev('AUTHENTICODEHASH', 'bytes')],
  [0x00070005, ev('AUTHORITYISSUER', 'utf16')],
  [0x00070006, ev('AUTHORITYSERIAL', 'bytes')],
  [0x00070007, ev('IMAGEBASE', 'u64')],
  [0x00070008, ev('AUTHORITYPUBLISHER', 'utf16')],
  [0x00070009, ev('AUTHORITYSHA1THUMBPRINT', 'bytes')],
  [0x0007000a, ev('IMAGEVALIDATED', 'bool')],
  [0x0007000b, ev('MODULE_SVN', 'u32')],
  [0x0007000c, ev('MODULE_PLUTON', 'bytes')],
  [0x0007000d, ev('MODULE_ORIGINAL_FILENAME', 'bytes')],
  [0x0007000e, ev('MODULE_VERSION', 'bytes')],
  [0x0007000f, ev('PUBLISHER_OEMNAME', 'bytes')],
  // Trust points (non-measured)
  [0x80080001, ev('QUOTE', 'bytes')],
  [0x80080002, ev('QUOTESIGNATURE', 'bytes')],
  [0x80080003, ev('AIKID', 'bytes')],
  [0x80080004, ev('AIKPUBDIGEST', 'bytes')],
  // ELAM
  [0x00090001, ev('ELAM_KEYNAME', 'utf16')],
  [0x00090002, ev('ELAM_CONFIGURATION', 'bytes')],
  [0x00090003, ev('ELAM_POLICY', 'bytes')],
  [0x00090004, ev('ELAM_MEASURED', 'bytes')],
  // VBS
  [0x000a0001, ev('VBS_VSM_REQUIRED', 'bool')],
  [0x000a0002, ev('VBS_SECUREBOOT_REQUIRED', 'bool')],
  [0x000a0003, ev('VBS_IOMMU_REQUIRED', 'bool')],
  [0x000a0004, ev('VBS_MMIO_NX_REQUIRED', 'bool')],
  [0x000a0005, ev('VBS_MSR_FILTERING_REQUIRED', 'bool')],
  [0x000a0006, ev('VBS_MANDATORY_ENFORCEMENT', 'bool')],
  [0x000a0007, ev('VBS_HVCI_POLICY', 'u64', 'hvci')],
  // u32 in current Windows (MAA sample), 1 byte in older builds (kgoldman p511, go-attestation option_rom log).
  [0x000a0008, ev('VBS_MICROSOFT_BOOT_CHAIN_REQUIRED', 'uint-le', 'boot-chain')],
  [0x000a0009, ev('VBS_DUMP_USES_AMEROOT', 'bytes')],
  [0x000a000a, ev('VBS_VSM_NOSECRETS_ENFORCED', 'bool')],
  // KSR
  [0x000b0001, ev('KSR_SIGNATURE', 'ksr-signature')],
  // DRTM (System Guard)
  [0x000c0001, ev('DRTM_STATE_AUTH', 'bytes')],
  [0x000c0002, ev('DRTM_SMM_LEVEL', 'u8')],
  [0x000c0003, ev('DRTM_AMD_SMM_HASH', 'bytes')],
  [0x000c0004, ev('DRTM_AMD_SMM_SIGNER_KEY', 'bytes')],
])

/** Numeric SIPA IDs by short name, for the claim rules. */
export const SIPA = Object.freeze(Object.fromEntries([...SIPA_IDS].map(([id, info]) => [info.name, id]))) as Readonly<Record<string, number>>

/** Short name of an ID, or `UNKNOWN_0x…`. */
export function sipaName(id: number): string {
  return SIPA_IDS.get(id >>> 0)?.name ?? `UNKNOWN_0x${(id >>> 0).toString(16).padStart(8, '0')}`
}

export function sipaCategory(id: number): string {
  return SIPA_CATEGORY[(id >>> 0) & SIPA_CATEGORY_MASK] ?? 'unknown'
}

/** FVEB_UNLOCK_FLAG_* (BITLOCKER_UNLOCK), as MAA names them. */
export const BITLOCKER_FLAGS: ReadonlyArray<readonly [number, string]> = [
  [0x1, 'CACHED'],
  [0x2, 'MEDIA'],
  [0x4, 'TPM'],
  [0x10, 'PIN'],
  [0x20, 'EXTERNAL'],
  [0x40, 'RECOVERY'],
  [0x80, 'PASSPHRASE'],
  [0x100, 'NBP'],
  [0x200, 'AUK_OSFVEINFO'],
]

/**
 * Enumerations. Only names a source documents (wbcl.h, or MAA's rendering of a real log) are
 * listed; any other value is reported by number.
 */
export const SIPA_VALUE_NAMES: Readonly<Record<NonNullable<SipaIdInfo['values']>, ReadonlyMap<number, string>>> = {
  'transfer-control': new Map([
    [1, 'SiBootAppOsLoader'],
    [5, 'SiBootHypervisor'],
  ]),
  bitlocker: new Map([[0, 'NONE'], ...BITLOCKER_FLAGS]),
  osdevice: new Map([
    [0, 'OSDEVICE_TYPE_UNKNOWN'],
    [0x00010001, 'OSDEVICE_TYPE_BLOCKIO_HARDDISK'],
    [0x00010002, 'OSDEVICE_TYPE_BLOCKIO_REMOVABLEDISK'],
    [0x00010003, 'OSDEVICE_TYPE_BLOCKIO_CDROM'],
    [0x00010004, 'OSDEVICE_TYPE_BLOCKIO_PARTITION'],
    [0x00010005, 'OSDEVICE_TYPE_BLOCKIO_FILE'],
    [0x00010006, 'OSDEVICE_TYPE_BLOCKIO_RAMDISK'],
    [0x00010007, 'OSDEVICE_TYPE_BLOCKIO_VIRTUALHARDDISK'],
    [0x00020000, 'OSDEVICE_TYPE_SERIAL'],
    [0x00030000, 'OSDEVICE_TYPE_UDP'],
    [0x00040000, 'OSDEVICE_TYPE_VMBUS'],
    [0x00050000, 'OSDEVICE_TYPE_COMPOSITE'],
    [0x00060000, 'OSDEVICE_TYPE_CIMFS'],
  ]),
  'capi-alg': new Map([
    [0x8002, 'CALG_MD4'],
    [0x8003, 'CALG_MD5'],
    [0x8004, 'CALG_SHA1'],
    [0x800c, 'CALG_SHA_256'],
    [0x800d, 'CALG_SHA_384'],
    [0x800e, 'CALG_SHA_512'],
  ]),
  smt: new Map([
    [0, 'SMT_DISABLED_OR_UNSUPPORTED'],
    [1, 'SMT_ENABLED'],
    [2, 'SMT_SOFTWARE_DISABLED'],
  ]),
  'idk-generation': new Map([
    [0, 'IDK_PROVISIONING_TYPE_HW'],
    [1, 'IDK_PROVISIONING_TYPE_VTPM'],
  ]),
  'nx-policy': new Map([[0, 'NxPolicyOptIn']]),
  'hypervisor-launch': new Map([[1, 'HypervisorLaunchAuto']]),
  'vsm-launch': new Map([[1, 'VsmLaunchAuto']]),
  hvci: new Map([[1, 'HypervisorEnforcedCodeIntegrityEnable']]),
  'boot-chain': new Map([[1, 'VbsBootChainSignerEnforceSoft']]),
  'driver-load': new Map([[1, 'GoodPlusUnknown']]),
  'iommu-policy': new Map([[1, 'BtIommuPolicyEnable']]),
}

/** TPM_ALG_ID names used by the revocation-list, SI-policy and SBCP payloads (MAA: `HashAlgId`). */
export const TPM_ALG_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0004, 'SHA1'],
  [0x000b, 'SHA256'],
  [0x000c, 'SHA384'],
  [0x000d, 'SHA512'],
  [0x0012, 'SM3_256'],
  [0x0027, 'SHA3_256'],
  [0x0028, 'SHA3_384'],
  [0x0029, 'SHA3_512'],
])

/** VSM IDK key algorithm (SIPAEVENT_VSM_IDK_INFO_PAYLOAD.KeyAlgID). */
export const VSM_IDK_ALG_NAMES: ReadonlyMap<number, string> = new Map([[1, 'VSM_IDK_ALG_ID_RSA']])

/** SBCP options: only the all-clear value has a documented rendering. */
export const SBCP_DEFAULT_OPTIONS_TEXT = 'SecureBootPolicy: default (no options set)'

/** MAA's ELAM rule: Microsoft Defender's ELAM driver (compared case-insensitively). */
export const DEFENDER_ELAM_PATHS: readonly string[] = ['\\windows\\system32\\drivers\\wdboot.sys', '\\windows\\system32\\drivers\\wd\\wdboot.sys']

/** PCRs whose EV_EVENT_TAG events carry SIPA data (12-14 SRTM, 19/20 DRTM). */
export const SIPA_PCRS: readonly number[] = [12, 13, 14, 19, 20]

/**
 * PCRs that must all be authenticated before a Windows claim that rests on absence ("test signing
 * was never enabled", "not safe mode", "no ELAM driver") is trusted. Windows measures its boot
 * configuration into PCR 11 (BitLocker access control, EV_COMPACT_HASH), 12 (configuration
 * records), 13 (loaded modules, SI policy), 14 (boot authorities) and, after a DRTM launch, 19/20
 * (System Guard). Only the sequence within a quoted, reproduced PCR is authenticated: events of
 * an unquoted PCR can be left out of the log without breaking any replay, so a record that
 * contradicts the claim could have been measured there and dropped. A policy with Windows claim
 * rules must therefore require all six.
 */
export const WINDOWS_ABSENCE_PCRS: readonly number[] = [11, 12, 13, 14, 19, 20]
