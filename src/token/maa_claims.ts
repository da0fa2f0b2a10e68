/**
 * Typed view of MAA token claims (Microsoft Azure Attestation claim set; MAA TPM policy v1.2). Nothing is dropped:
 * every claim stays in `raw`, and claims this module does not interpret are also listed in
 * `unknown`. Policy-issued TPM/VBS boot claims are matched case-insensitively (policy authors
 * spell them `secureBootEnabled` or `SecureBootEnabled`) and keep their raw name; negated DHA
 * spellings (`BootDebuggingEnabled`, `SafeMode`, ...) are folded into the positive form.
 * An absent claim stays absent: MAA's own default rules live in the policy, not here.
 */
import { parseStrictJson } from './strict_json.js'

/** Kind of evidence the token attests. TPM tokens carry no `x-ms-attestation-type`. */
export type MaaTokenKind = 'tpm' | 'sevsnpvm' | 'azurevm' | 'tdxvm' | 'sgx' | 'openenclave' | 'vbs' | 'unknown'

/** One boot claim: its value and the name it had in the token. */
export interface MaaBootClaim<T> {
  value: T
  /** Name as issued, e.g. `SecureBootEnabled`. */
  rawName: string
  /** True when the value was negated from a DHA-style claim (`BootDebuggingEnabled` → `bootDebuggingDisabled`). */
  negated?: boolean
}

/** TPM / VBS boot claims, canonical names of MAA TPM policy v1.2 and its sample policies. */
export interface MaaBootClaims {
  secureBootEnabled?: MaaBootClaim<boolean>
  codeIntegrityEnabled?: MaaBootClaim<boolean>
  bootDebuggingDisabled?: MaaBootClaim<boolean>
  osKernelDebuggingDisabled?: MaaBootClaim<boolean>
  testSigningDisabled?: MaaBootClaim<boolean>
  flightSigningNotEnabled?: MaaBootClaim<boolean>
  notSafeMode?: MaaBootClaim<boolean>
  notWinPE?: MaaBootClaim<boolean>
  vbsEnabled?: MaaBootClaim<boolean>
  hvciEnabled?: MaaBootClaim<boolean>
  iommuEnabled?: MaaBootClaim<boolean>
  elamDriverLoaded?: MaaBootClaim<boolean>
  maliciousDriverLoaded?: MaaBootClaim<boolean>
  aikValidated?: MaaBootClaim<boolean>
  aikPresent?: MaaBootClaim<boolean>
  platformAttested?: MaaBootClaim<boolean>
  drtmMleValid?: MaaBootClaim<boolean>
  systemGuardSecureLaunch?: MaaBootClaim<boolean>
  securedCorePC?: MaaBootClaim<boolean>
  firmwareProtection?: MaaBootClaim<unknown>
  memoryAccessProtection?: MaaBootClaim<unknown>
  memoryIntegrityProtection?: MaaBootClaim<unknown>
  fasrEnabled?: MaaBootClaim<boolean>
  depPolicy?: MaaBootClaim<number>
  bitlockerStatus?: MaaBootClaim<number>
  smmLevel?: MaaBootClaim<number>
  tpmVersion?: MaaBootClaim<unknown>
  bootMgrSvn?: MaaBootClaim<number>
  bootAppSvn?: MaaBootClaim<number>
  bootRevListInfo?: MaaBootClaim<unknown>
  osRevListInfo?: MaaBootClaim<unknown>
  codeIntegrityPolicy?: MaaBootClaim<unknown>
  secureBootCustomPolicy?: MaaBootClaim<unknown>
  driverLoadPolicy?: MaaBootClaim<unknown>
  aikPubHash?: MaaBootClaim<unknown>
}

/** VBS enclave report claims (claim-sets.md). */
export interface MaaVbsClaims {
  vbsReportPresent?: boolean
  enclaveAuthorId?: string
  enclaveImageId?: string
  enclaveOwnerId?: string
  enclaveFamilyId?: string
  enclaveSvn?: number
  enclavePlatformSvn?: number
  enclaveFlags?: number
}

/** AMD SEV-SNP report claims (`x-ms-sevsnpvm-*`), at top level or inside `x-ms-isolation-tee`. */
export interface MaaSevSnpClaims {
  attestationType?: string
  complianceStatus?: string
  authorKeyDigest?: string
  bootloaderSvn?: number
  familyId?: string
  guestSvn?: number
  hostData?: string
  idKeyDigest?: string
  imageId?: string
  isDebuggable?: boolean
  launchMeasurement?: string
  microcodeSvn?: number
  migrationAllowed?: boolean
  reportData?: string
  reportId?: string
  smtAllowed?: boolean
  snpFwSvn?: number
  teeSvn?: number
  vmpl?: number
  runtime?: Record<string, unknown>
  /** Every `x-ms-sevsnpvm-*` claim by raw name. */
  all: Record<string, unknown>
}

export interface MaaClaims {
  issuer?: string
  issuedAt?: Date
  expiresAt?: Date
  notBefore?: Date
  jti?: string
  /** `x-ms-ver` (or the deprecated `ver`). */
  version?: string
  /** `x-ms-attestation-type` (or the deprecated `tee`); absent in TPM tokens. */
  attestationType?: string
  kind: MaaTokenKind
  /** `x-ms-policy-hash` (or `policy_hash` / `maa-policyHash`). */
  policyHash?: string
  policySigner?: unknown
  nonce?: string
  rpData?: string
  /** RFC 7800 confirmation key (`cnf.jwk`). */
  cnf?: Record<string, unknown>
  /** `x-ms-tpm-request-key` (`{jwk, info}`). */
  tpmRequestKey?: Record<string, unknown>
  /** Policy-issued claims (`x-ms-policy`), as issued. */
  policy?: Record<string, unknown>
  /** `x-ms-policy.outputEvents` (or `events`) decoded when it is a JSON string. */
  policyEvents?: unknown
  boot: MaaBootClaims
  vbs?: MaaVbsClaims
  sevSnp?: MaaSevSnpClaims
  /** `x-ms-isolation-tee` of Azure VM guest attestation. */
  isolationTee?: MaaSevSnpClaims
  /** `x-ms-azurevm-*` claims by name without the prefix, plus `secureboot`. */
  azureVm?: Record<string, unknown>
  /** `x-ms-compliance-status`. */
  complianceStatus?: string
  runtime?: Record<string, unknown>
  inittime?: Record<string, unknown>
  /** Top-level claims not interpreted above, by raw name. */
  unknown: Record<string, unknown>
  /** The payload exactly as verified. */
  raw: Record<string, unknown>
}

type BootKey = keyof MaaBootClaims
type ValueType = 'boolean' | 'number' | 'any'

/** Canonical boot claim → [lower-case aliases, value type, negated aliases]. */
const BOOT_CLAIMS: Record<BootKey, { aliases: string[]; type: ValueType; negated?: string[] }> = {
  secureBootEnabled: { aliases: ['securebootenabled'], type: 'boolean' },
  codeIntegrityEnabled: { aliases: ['codeintegrityenabled'], type: 'boolean' },
  bootDebuggingDisabled: { aliases: ['bootdebuggingdisabled'], type: 'boolean', negated: ['bootdebuggingenabled'] },
  osKernelDebuggingDisabled: { aliases: ['oskerneldebuggingdisabled'], type: 'boolean', negated: ['oskerneldebuggingenabled'] },
  testSigningDisabled: { aliases: ['testsigningdisabled'], type: 'boolean', negated: ['testsigningenabled'] },
  flightSigningNotEnabled: { aliases: ['flightsigningnotenabled'], type: 'boolean', negated: ['flightsigningenabled'] },
  notSafeMode: { aliases: ['notsafemode'], type: 'boolean', negated: ['safemode'] },
  notWinPE: { aliases: ['notwinpe'], type: 'boolean', negated: ['winpe'] },
  vbsEnabled: { aliases: ['vbsenabled', 'vsmenabled'], type: 'boolean' },
  hvciEnabled: { aliases: ['hvcienabled'], type: 'boolean' },
  iommuEnabled: { aliases: ['iommuenabled'], type: 'boolean' },
  elamDriverLoaded: { aliases: ['elamdriverloaded', 'windowsdefenderelamdriverloaded'], type: 'boolean' },
  maliciousDriverLoaded: { aliases: ['maliciousdriverloaded'], type: 'boolean' },
  aikValidated: { aliases: ['aikvalidated'], type: 'boolean' },
  aikPresent: { aliases: ['aikpresent'], type: 'boolean' },
  platformAttested: { aliases: ['platformattested'], type: 'boolean' },
  drtmMleValid: { aliases: ['drtmmlevalid'], type: 'boolean' },
  systemGuardSecureLaunch: { aliases: ['systemguardsecurelaunch'], type: 'boolean' },
  securedCorePC: { aliases: ['securedcorepc'], type: 'boolean' },
  firmwareProtection: { aliases: ['firmwareprotection'], type: 'any' },
  memoryAccessProtection: { aliases: ['memoryaccessprotection'], type: 'any' },
  memoryIntegrityProtection: { aliases: ['memoryintegrityprotection'], type: 'any' },
  fasrEnabled: { aliases: ['fasrenabled'], type: 'boolean' },
  depPolicy: { aliases: ['deppolicy'], type: 'number' },
  bitlockerStatus: { aliases: ['bitlockerstatus'], type: 'number' },
  smmLevel: { aliases: ['smmlevel'], type: 'number' },
  tpmVersion: { aliases: ['tpmversion'], type: 'any' },
  bootMgrSvn: { aliases: ['bootmgrsvn', 'bootmanagersvn'], type: 'number' },
  bootAppSvn: { aliases: ['bootappsvn'], type: 'number' },
  bootRevListInfo: { aliases: ['bootrevlistinfo'], type: 'any' },
  osRevListInfo: { aliases: ['osrevlistinfo'], type: 'any' },
  codeIntegrityPolicy: { aliases: ['codeintegritypolicy', 'cipolicy'], type: 'any' },
  secureBootCustomPolicy: { aliases: ['securebootcustompolicy', 'sbcphash'], type: 'any' },
  driverLoadPolicy: { aliases: ['driverloadpolicy'], type: 'any' },
  aikPubHash: { aliases: ['aikpubhash'], type: 'any' },
}

const VBS_CLAIMS: Record<keyof MaaVbsClaims, { aliases: string[]; type: ValueType }> = {
  vbsReportPresent: { aliases: ['vbsreportpresent', 'vsmreportpresent'], type: 'boolean' },
  enclaveAuthorId: { aliases: ['enclaveauthorid'], type: 'any' },
  enclaveImageId: { aliases: ['enclaveimageid'], type: 'any' },
  enclaveOwnerId: { aliases: ['enclaveownerid'], type: 'any' },
  enclaveFamilyId: { aliases: ['enclavefamilyid'], type: 'any' },
  enclaveSvn: { aliases: ['enclavesvn'], type: 'number' },
  enclavePlatformSvn: { aliases: ['enclaveplatformsvn'], type: 'number' },
  enclaveFlags: { aliases: ['enclaveflags'], type: 'number' },
}

const SNP_FIELDS: Record<string, keyof MaaSevSnpClaims> = {
  'x-ms-sevsnpvm-authorkeydigest': 'authorKeyDigest',
  'x-ms-sevsnpvm-bootloader-svn': 'bootloaderSvn',
  'x-ms-sevsnpvm-familyid': 'familyId',
  'x-ms-sevsnpvm-guestsvn': 'guestSvn',
  'x-ms-sevsnpvm-hostdata': 'hostData',
  'x-ms-sevsnpvm-idkeydigest': 'idKeyDigest',
  'x-ms-sevsnpvm-imageid': 'imageId',
  'x-ms-sevsnpvm-is-debuggable': 'isDebuggable',
  'x-ms-sevsnpvm-launchmeasurement': 'launchMeasurement',
  'x-ms-sevsnpvm-microcode-svn': 'microcodeSvn',
  'x-ms-sevsnpvm-migration-allowed': 'migrationAllowed',
  'x-ms-sevsnpvm-reportdata': 'reportData',
  'x-ms-sevsnpvm-reportid': 'reportId',
  'x-ms-sevsnpvm-smt-allowed': 'smtAllowed',
  'x-ms-sevsnpvm-snpfw-svn': 'snpFwSvn',
  'x-ms-sevsnpvm-tee-svn': 'teeSvn',
  'x-ms-sevsnpvm-vmpl': 'vmpl',
}

/** Top-level claims interpreted by {@link parseMaaClaims} (lower case). */
const KNOWN_TOP = new Set([
  'iss', 'iat', 'exp', 'nbf', 'jti', 'x-ms-ver', 'ver', 'x-ms-attestation-type', 'tee', 'x-ms-policy-hash', 'policy_hash',
  'maa-policyhash', 'x-ms-policy-signer', 'policy_signer', 'nonce', 'rp_data', 'cnf', 'x-ms-tpm-request-key', 'x-ms-policy',
  'x-ms-runtime', 'x-ms-inittime', 'x-ms-compliance-status', 'x-ms-isolation-tee', 'secureboot',
])

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
const time = (v: unknown): Date | undefined => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 253402300799 ? new Date(v * 1000) : undefined)

function typed(v: unknown, type: ValueType): unknown {
  if (type === 'any') return v
  if (type === 'boolean') return typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : undefined
  return num(v) ?? (typeof v === 'string' && /^-?[0-9]+$/.test(v) ? Number(v) : undefined)
}

function firstOf(obj: Record<string, unknown>, names: string[]): [string, unknown] | undefined {
  for (const [k, v] of Object.entries(obj)) if (names.includes(k.toLowerCase())) return [k, v]
  return undefined
}

/** Boot claims from one or more claim bags (policy output first, then top level). */
export function extractBootClaims(...bags: Record<string, unknown>[]): MaaBootClaims {
  const out: MaaBootClaims = {}
  for (const [name, spec] of Object.entries(BOOT_CLAIMS) as [BootKey, (typeof BOOT_CLAIMS)[BootKey]][]) {
    for (const bag of bags) {
      const direct = firstOf(bag, spec.aliases)
      if (direct) {
        const value = typed(direct[1], spec.type)
        if (value !== undefined) {
          ;(out as Record<string, MaaBootClaim<unknown>>)[name] = { value, rawName: direct[0] }
          break
        }
      }
      const neg = spec.negated ? firstOf(bag, spec.negated) : undefined
      if (neg) {
        const value = typed(neg[1], 'boolean')
        if (typeof value === 'boolean') {
          ;(out as Record<string, MaaBootClaim<unknown>>)[name] = { value: !value, rawName: neg[0], negated: true }
          break
        }
      }
    }
  }
  return out
}

function extractVbs(...bags: Record<string, unknown>[]): MaaVbsClaims | undefined {
  const out: Record<string, unknown> = {}
  for (const [name, spec] of Object.entries(VBS_CLAIMS)) {
    for (const bag of bags) {
      const hit = firstOf(bag, spec.aliases)
      const value = hit ? typed(hit[1], spec.type) : undefined
      if (value !== undefined) {
        out[name] = value
        break
      }
    }
  }
  return Object.keys(out).length ? (out as MaaVbsClaims) : undefined
}

/** SEV-SNP claims of a claim bag (top level or `x-ms-isolation-tee`); undefined when it has none. */
export function extractSevSnp(bag: Record<string, unknown>): MaaSevSnpClaims | undefined {
  const all: Record<string, unknown> = {}
  const out: MaaSevSnpClaims = { all }
  for (const [k, v] of Object.entries(bag)) {
    const lk = k.toLowerCase()
    if (!lk.startsWith('x-ms-sevsnpvm-')) continue
    all[k] = v
    const field = SNP_FIELDS[lk]
    if (field) (out as unknown as Record<string, unknown>)[field] = v
  }
  const type = str(bag['x-ms-attestation-type'])
  if (!Object.keys(all).length && type !== 'sevsnpvm') return undefined
  if (type !== undefined) out.attestationType = type
  const cs = str(bag['x-ms-compliance-status'])
  if (cs !== undefined) out.complianceStatus = cs
  if (isObject(bag['x-ms-runtime'])) out.runtime = bag['x-ms-runtime']
  return out
}

function classify(type: string | undefined, p: Record<string, unknown>): MaaTokenKind {
  if (type !== undefined) {
    const t = type.toLowerCase()
    if (t === 'sevsnpvm' || t === 'azurevm' || t === 'tdxvm' || t === 'sgx' || t === 'openenclave' || t === 'vbs') return t
    if (t === 'tpm') return 'tpm'
    return 'unknown'
  }
  if ('x-ms-tpm-request-key' in p || 'cnf' in p || 'x-ms-policy' in p) return 'tpm'
  return 'unknown'
}

/**
 * Interpret a verified MAA payload. Pure: no checks here (verification is `verifyMaaToken`);
 * malformed values of optional claims are left out of the typed fields and kept in `raw`.
 */
export function parseMaaClaims(payload: Record<string, unknown>): MaaClaims {
  const p = payload
  const attestationType = str(p['x-ms-attestation-type']) ?? str(p.tee)
  const policy = isObject(p['x-ms-policy']) ? p['x-ms-policy'] : undefined
  const claims: MaaClaims = { kind: classify(attestationType, p), boot: {}, unknown: {}, raw: p }
  const set = <K extends keyof MaaClaims>(k: K, v: MaaClaims[K] | undefined): void => {
    if (v !== undefined) claims[k] = v
  }
  set('issuer', str(p.iss))
  set('issuedAt', time(p.iat))
  set('expiresAt', time(p.exp))
  set('notBefore', time(p.nbf))
  set('jti', str(p.jti))
  set('version', str(p['x-ms-ver']) ?? str(p.ver))
  set('attestationType', attestationType)
  set('policyHash', str(p['x-ms-policy-hash']) ?? str(p.policy_hash) ?? str(p['maa-policyHash']))
  set('policySigner', p['x-ms-policy-signer'] ?? p.policy_signer)
  set('nonce', str(p.nonce))
  set('rpData', str(p.rp_data))
  set('cnf', isObject(p.cnf) ? p.cnf : undefined)
  set('tpmRequestKey', isObject(p['x-ms-tpm-request-key']) ? p['x-ms-tpm-request-key'] : undefined)
  set('policy', policy)
  set('complianceStatus', str(p['x-ms-compliance-status']))
  set('runtime', isObject(p['x-ms-runtime']) ? p['x-ms-runtime'] : undefined)
  set('inittime', isObject(p['x-ms-inittime']) ? p['x-ms-inittime'] : undefined)

  if (policy) {
    const ev = policy.outputEvents ?? policy.events
    if (typeof ev === 'string') {
      try {
        let v: unknown = parseStrictJson(ev, { maxDepth: 64 })
        if (typeof v === 'string') v = parseStrictJson(v, { maxDepth: 64 })
        set('policyEvents', v)
      } catch {
        // Left as issued in `policy`; a policy may emit any string.
      }
    } else if (isObject(ev)) set('policyEvents', ev)
  }

  const bags = policy ? [policy, p] : [p]
  claims.boot = extractBootClaims(...bags)
  set('vbs', extractVbs(...bags))
  set('sevSnp', extractSevSnp(p))
  const tee = p['x-ms-isolation-tee']
  if (isObject(tee)) set('isolationTee', extractSevSnp(tee) ?? { all: {}, ...(str(tee['x-ms-attestation-type']) ? { attestationType: str(tee['x-ms-attestation-type'])! } : {}) })

  const azureVm: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(p)) {
    const lk = k.toLowerCase()
    if (lk.startsWith('x-ms-azurevm-')) azureVm[k.slice('x-ms-azurevm-'.length)] = v
    else if (lk === 'secureboot') azureVm.secureboot = v
    else if (!KNOWN_TOP.has(lk) && !lk.startsWith('x-ms-sevsnpvm-')) claims.unknown[k] = v
  }
  if (Object.keys(azureVm).length) claims.azureVm = azureVm
  return claims
}
