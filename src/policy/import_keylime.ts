/**
 * Import a Keylime measured-boot reference state (`mb_refstate` / `mb_policy` for the `example`
 * policy, keylime/mba/elchecking/example.py) as a Policy v1.
 *
 * Mapping (docs/policy.md, "Importing Keylime mb_refstate"):
 * - relevant PCRs 0-9 and 14, one slot per (PCR, event type) as Keylime's Dispatcher; every other
 *   (PCR, type) in those PCRs is unexpected, as in Keylime;
 * - `scrtm_and_bios` → PCR 0 EV_S_CRTM_VERSION and EV_EFI_PLATFORM_FIRMWARE_BLOB(2) sequences;
 * - `kernels[]` → PCR 4 boot loader [shim, grub] and OS kernel [kernel] / [kernel, kernel]
 *   alternatives; `initrd_plain_sha256` (and `vmlinuz_plain_sha256` without Secure Boot) → required
 *   PCR 9 digests; `kernel_cmdline` → kernel command-line patterns (Python `re.fullmatch`
 *   semantics; escapes converted);
 * - `pk`, `kek`, `db` (+ `vendor_db`) → "at most" sets; `dbx` → "at least" set; `has_secureboot` →
 *   Secure Boot required; `mokdig` / `mokxdig` → required PCR 14 digests;
 * - EV_EFI_ACTION strings and separators → the digests Keylime's EvEfiActionTest / EvSeperatorTest
 *   accept; PCR 1 configuration, PCR 2 drivers, GPT, GRUB commands, other PCR 9 files → type only.
 *
 * Widening against Keylime: an alternative of `scrtm_and_bios` or `kernels` is not bound to its
 * siblings (shim of kernel entry A with the kernel of entry B passes), "once" counts are not enforced.
 */
import { defaultHashProvider } from '../hash/provider.js'
import { toHex } from '../bytes/hex.js'
import { PolicyError, type PolicyIssue } from './policy_error.js'
import { componentForPcr, type Alternative, type DigestSpec, type EventEntry, type EventRule, type Policy, type SignatureRef } from './types.js'
import { validatePolicy } from './validate.js'

export interface ImportKeylimeOptions {
  id: string
  description?: string
}

type Obj = Record<string, unknown>

const EFI_ACTIONS: Record<number, string[]> = {
  1: ['Entering ROM Based Setup'],
  4: ['Calling EFI Application from Boot Option', 'Returning from EFI Application from Boot Option'],
  5: ['Exit Boot Services Invocation', 'Exit Boot Services Returned with Failure', 'Exit Boot Services Returned with Success'],
}

/**
 * Convert a Keylime `kernel_cmdline` regex (Python syntax, usually `re.escape` output) to the
 * policy pattern subset: Python escapes non-special punctuation and spaces (`\ `, `\=`, `\-`),
 * which ECMAScript (u flag) rejects, so `\<punct>` becomes the literal, re-escaped only if special.
 */
export function pythonRegexToPolicyPattern(re: string): string {
  return re.replace(/\\(.)/gsu, (m, c: string) => {
    if (/[A-Za-z0-9]/.test(c)) return m
    return /[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c
  })
}

/**
 * Import a Keylime measured-boot reference state.
 * @throws PolicyError ERR_POLICY_DERIVE with JSON pointers into the refstate when it is malformed,
 *   ERR_POLICY_INVALID if the result does not validate (e.g. an unsupported regex).
 */
export function importKeylimeRefstate(refstate: unknown, options: ImportKeylimeOptions): Policy {
  const issues: PolicyIssue[] = []
  const bad = (path: string, message: string): undefined => {
    issues.push({ path, message })
    return undefined
  }
  if (typeof refstate === 'string') {
    try {
      refstate = JSON.parse(refstate)
    } catch (e) {
      throw new PolicyError('ERR_POLICY_DERIVE', `mb_refstate is not JSON: ${(e as Error).message}`)
    }
  }
  if (typeof refstate !== 'object' || refstate === null || Array.isArray(refstate)) throw new PolicyError('ERR_POLICY_DERIVE', 'mb_refstate must be a JSON object')
  const rs = refstate as Obj
  const hex0x = (v: unknown, path: string, bytes?: number): string | undefined => {
    if (typeof v !== 'string' || !/^0x[0-9a-f]+$/.test(v)) return bad(path, 'must be "0x" followed by lowercase hex')
    const h = v.slice(2)
    if (bytes !== undefined && h.length !== bytes * 2) return bad(path, `must be ${bytes * 2} hex digits`)
    return h
  }
  const digest = (v: unknown, path: string): DigestSpec | undefined => {
    if (typeof v !== 'object' || v === null) return bad(path, 'must be a digest object {alg: "0x…"}')
    const out: DigestSpec = {}
    for (const [alg, val] of Object.entries(v as Obj)) {
      const size = { sha1: 20, sha256: 32, sha384: 48, sha512: 64, sm3_256: 32 }[alg]
      if (!size) {
        bad(`${path}/${alg}`, `unknown hash algorithm "${alg}"`)
        continue
      }
      const h = hex0x(val, `${path}/${alg}`, size)
      if (h) out[alg as keyof DigestSpec] = h
    }
    return out
  }
  const list = (k: string, required: boolean): unknown[] => {
    const v = rs[k]
    if (v === undefined) {
      if (required) bad(`/${k}`, `missing required key "${k}"`)
      return []
    }
    if (!Array.isArray(v)) {
      bad(`/${k}`, 'must be a list')
      return []
    }
    return v
  }
  const hash = defaultHashProvider()
  const sigs = (k: string, required: boolean): SignatureRef[] =>
    list(k, required).flatMap((s, i): SignatureRef[] => {
      const path = `/${k}/${i}`
      if (typeof s !== 'object' || s === null) return bad(path, 'must be {SignatureOwner, SignatureData}') ?? []
      const data = hex0x((s as Obj).SignatureData, `${path}/SignatureData`)
      if (!data) return []
      // A 32-byte SignatureData is an EFI_CERT_SHA256 entry; anything else an X.509 DER certificate.
      if (data.length === 64) return [{ sha256: data, type: 'sha256' }]
      const der = Uint8Array.from(data.match(/../g)!.map((b) => parseInt(b, 16)))
      return [{ sha256: toHex(hash.digest('sha256', der)), type: 'x509', description: `${k} certificate (owner ${typeof (s as Obj).SignatureOwner === 'string' ? ((s as Obj).SignatureOwner as string).slice(0, 64) : '?'})` }]
    })

  const hasSecureBoot = rs.has_secureboot === undefined ? true : rs.has_secureboot === true ? true : rs.has_secureboot === false ? false : (bad('/has_secureboot', 'must be a boolean'), true)
  const rules: EventRule[] = []
  // PCR 0
  const scrtmAlts: Alternative[] = []
  const fwAlts: Alternative[] = []
  list('scrtm_and_bios', true).forEach((e, i) => {
    const path = `/scrtm_and_bios/${i}`
    if (typeof e !== 'object' || e === null) return bad(path, 'must be {scrtm, platform_firmware}')
    const s = digest((e as Obj).scrtm, `${path}/scrtm`)
    const pf = (e as Obj).platform_firmware
    if (!Array.isArray(pf)) return bad(`${path}/platform_firmware`, 'must be a list of digests')
    const blobs = pf.map((d, j) => digest(d, `${path}/platform_firmware/${j}`)).filter((d): d is DigestSpec => !!d)
    if (s) scrtmAlts.push({ name: `scrtm_and_bios[${i}]`, events: [{ ...s, description: 'S-CRTM version' }] })
    fwAlts.push({ name: `scrtm_and_bios[${i}]`, events: blobs.map((b) => ({ ...b })) })
    return undefined
  })
  if (scrtmAlts.length) rules.push({ id: 'keylime-scrtm', component: 'platform-firmware', name: 'S-CRTM version', pcr: 0, eventTypes: ['EV_S_CRTM_VERSION'], alternatives: scrtmAlts })
  if (fwAlts.length) rules.push({ id: 'keylime-platform-firmware', component: 'platform-firmware', name: 'platform firmware blobs', pcr: 0, eventTypes: ['EV_EFI_PLATFORM_FIRMWARE_BLOB', 'EV_EFI_PLATFORM_FIRMWARE_BLOB2'], alternatives: fwAlts })
  // PCR 1, 2, 5, 7, 8, 9, 14: type allow-lists
  const anyRule = (pcr: number, types: string[], component: EventRule['component'], name: string) => rules.push({ component, name, pcr, eventTypes: types, match: 'any' })
  anyRule(1, ['EV_CPU_MICROCODE'], 'platform-config', 'CPU microcode')
  anyRule(1, ['EV_EFI_HANDOFF_TABLES'], 'platform-config', 'handoff tables')
  anyRule(1, ['EV_EFI_HANDOFF_TABLES2'], 'platform-config', 'handoff tables')
  anyRule(1, ['EV_PLATFORM_CONFIG_FLAGS'], 'platform-config', 'platform config flags')
  anyRule(1, ['EV_EFI_VARIABLE_BOOT'], 'platform-config', 'boot variables')
  anyRule(2, ['EV_EFI_BOOT_SERVICES_DRIVER'], 'option-roms', 'boot services drivers (not checked, as in Keylime)')
  anyRule(5, ['EV_EFI_GPT_EVENT'], 'platform-config', 'GPT')
  anyRule(7, ['EV_EFI_VARIABLE_DRIVER_CONFIG'], 'secure-boot', 'Secure Boot variables (checked by the secureBoot rules)')
  anyRule(7, ['EV_EFI_VARIABLE_AUTHORITY'], 'secure-boot', 'Secure Boot authorities')
  anyRule(8, ['EV_IPL'], 'boot-config', 'GRUB commands (kernel command line checked separately)')
  anyRule(9, ['EV_IPL'], 'boot-config', 'files read by GRUB (initrd checked by required digests)')
  anyRule(14, ['EV_IPL'], 'boot-loader', 'shim MOK lists (checked by required digests)')
  const strDigest = (s: string | Uint8Array): EventEntry => {
    const b = typeof s === 'string' ? new TextEncoder().encode(s) : s
    return { sha1: toHex(hash.digest('sha1', b)), sha256: toHex(hash.digest('sha256', b)), sha384: toHex(hash.digest('sha384', b)), ...(typeof s === 'string' ? { description: s } : {}) }
  }
  for (const [pcr, strings] of Object.entries(EFI_ACTIONS)) rules.push({ component: componentForPcr(Number(pcr)), name: 'EFI actions', pcr: Number(pcr), eventTypes: ['EV_EFI_ACTION'], match: 'set', alternatives: [{ events: strings.map(strDigest) }] })
  const seps = [strDigest(new Uint8Array(4)), strDigest(new Uint8Array([0xff, 0xff, 0xff, 0xff]))]
  seps[0]!.description = 'separator 0x00000000'
  seps[1]!.description = 'separator 0xFFFFFFFF'
  for (let pcr = 0; pcr <= 7; pcr++) rules.push({ component: componentForPcr(pcr), name: 'separator', pcr, eventTypes: ['EV_SEPARATOR'], match: 'set', alternatives: [{ events: seps }] })
  // PCR 4 and kernels
  const loaderAlts: Alternative[] = []
  const kernelAlts: Alternative[] = []
  const initrds: DigestSpec[] = []
  const vmlinuz: DigestSpec[] = []
  const cmdlines: string[] = []
  const same = (a: Alternative[], ev: EventEntry[]) => a.some((x) => x.events.length === ev.length && x.events.every((e, i) => e.sha256 === ev[i]!.sha256))
  list('kernels', true).forEach((k, i) => {
    const path = `/kernels/${i}`
    if (typeof k !== 'object' || k === null) return bad(path, 'must be an object')
    const o = k as Obj
    const shim = hex0x(o.shim_authcode_sha256, `${path}/shim_authcode_sha256`, 32)
    const grub = hex0x(o.grub_authcode_sha256, `${path}/grub_authcode_sha256`, 32)
    if (shim && grub) {
      const ev = [{ sha256: shim, description: 'shim (Authenticode)' }, { sha256: grub, description: 'GRUB (Authenticode)' }]
      if (!same(loaderAlts, ev)) loaderAlts.push({ name: `kernels[${i}]`, events: ev })
    }
    if (hasSecureBoot) {
      const kern = hex0x(o.kernel_authcode_sha256, `${path}/kernel_authcode_sha256`, 32)
      if (kern) {
        const one = [{ sha256: kern, description: 'kernel (Authenticode)' }]
        if (!same(kernelAlts, one)) kernelAlts.push({ name: `kernels[${i}]`, events: one })
        const two = [...one, { ...one[0]! }]
        if (!same(kernelAlts, two)) kernelAlts.push({ name: `kernels[${i}] (measured twice)`, events: two })
      }
    } else {
      const v = hex0x(o.vmlinuz_plain_sha256, `${path}/vmlinuz_plain_sha256`, 32)
      if (v) vmlinuz.push({ sha256: v })
    }
    const ird = hex0x(o.initrd_plain_sha256, `${path}/initrd_plain_sha256`, 32)
    if (ird) initrds.push({ sha256: ird })
    if (typeof o.kernel_cmdline !== 'string') bad(`${path}/kernel_cmdline`, 'must be a regular expression string')
    else if (!cmdlines.includes(o.kernel_cmdline)) cmdlines.push(o.kernel_cmdline)
    return undefined
  })
  if (loaderAlts.length) rules.push({ id: 'keylime-boot-loader', component: 'boot-loader', name: 'shim + GRUB', pcr: 4, eventTypes: ['EV_EFI_BOOT_SERVICES_APPLICATION'], alternatives: loaderAlts })
  rules.push({ id: 'keylime-kernel', component: 'os-kernel', name: 'kernel', pcr: 4, eventTypes: ['EV_EFI_BOOT_SERVICES_APPLICATION'], alternatives: kernelAlts.length ? kernelAlts : [{ events: [] }] })

  const pk = sigs('pk', true)
  const kek = sigs('kek', true)
  const db = [...sigs('db', true), ...sigs('vendor_db', false)]
  const dbx = sigs('dbx', true)
  const required: NonNullable<NonNullable<Policy['digests']>['required']> = []
  if (initrds.length) required.push({ anyOf: initrds, pcr: 9, component: 'initrd', description: 'initrd (plain SHA-256, any kernels[] entry)' })
  if (vmlinuz.length) required.push({ anyOf: vmlinuz, pcr: 9, component: 'os-kernel', description: 'vmlinuz (plain SHA-256, any kernels[] entry)' })
  const mok = list('mokdig', true).map((d, i) => digest(d, `/mokdig/${i}`)).filter((d): d is DigestSpec => !!d)
  const mokx = list('mokxdig', true).map((d, i) => digest(d, `/mokxdig/${i}`)).filter((d): d is DigestSpec => !!d)
  if (mok.length) required.push({ anyOf: mok, pcr: 14, component: 'boot-loader', description: 'MokList' })
  if (mokx.length) required.push({ anyOf: mokx, pcr: 14, component: 'boot-loader', description: 'MokListX' })
  if (issues.length) throw new PolicyError('ERR_POLICY_DERIVE', `invalid mb_refstate: ${issues.slice(0, 3).map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues)

  const policy: Policy = {
    id: options.id,
    version: 1,
    description: options.description ?? 'Imported from a Keylime mb_refstate (example policy semantics; see docs/policy.md for the differences).',
    pcrs: { banks: ['sha256'], required: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 14] },
    eventRules: rules.sort((a, b) => a.pcr - b.pcr),
  }
  if (required.length) policy.digests = { required }
  if (hasSecureBoot) {
    policy.secureBoot = { required: true, pk: { allowed: pk }, kek: { allowed: kek }, db: { allowed: db } }
    if (dbx.length) policy.secureBoot.dbx = { mustContain: dbx }
  }
  if (cmdlines.length) policy.linux = { kernelCmdline: { patterns: cmdlines.map(pythonRegexToPolicyPattern) } }
  policy.freshness = { nonceRequired: true }
  // Validated, then returned as a plain (mutable) copy: derived and imported policies are meant to be edited.
  return structuredClone(validatePolicy(policy))
}
