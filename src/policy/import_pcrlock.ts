/**
 * Import systemd-pcrlock `.pcrlock` component files (CEL-JSON subset, systemd.pcrlock(5)) as a
 * Policy v1.
 *
 * - A component is a file `NNN-name.pcrlock`, or a directory `NNN-name.pcrlock.d/` whose
 *   `*.pcrlock` files are its variants; an empty variant (`{"records":[]}`) means "may be absent".
 * - Components are ordered by the lexical order of their names, as pcrlock orders them.
 * - For every PCR a component touches, one `sequence` rule without event types (pcrlock matches on
 *   (PCR, digest) only) whose alternatives are the variants' records on that PCR, in order. The
 *   rules of one PCR chain in component order, so the PCR's events must be the concatenation of one
 *   variant of each component, and every event must be claimed (pcrlock's "fully recognized").
 *
 * Differences from pcrlock (docs/policy.md): variants are chosen per PCR, so a variant spanning two
 * PCRs is not bound across them; pcrlock tolerates unclaimed components before `--location`, we do
 * not; PCRs are not silently dropped: an unrecognised event is a finding.
 */
import { PolicyError, type PolicyIssue } from './policy_error.js'
import type { Alternative, ComponentKind, EventEntry, EventRule, Policy, PolicyBank } from './types.js'
import { POLICY_BANKS } from './types.js'
import { validatePolicy } from './validate.js'

export interface PcrlockFile {
  /** Path relative to a pcrlock.d directory: `650-kernel.pcrlock` or `650-kernel.pcrlock.d/6.5.5.pcrlock`. */
  name: string
  /** The JSON text or the parsed object. */
  content: string | unknown
}

export interface ImportPcrlockOptions {
  id: string
  description?: string
  /** Banks to require (default: sha256). Records must carry a digest of at least one of them. */
  banks?: PolicyBank[]
}

/** Component kind from a well-known pcrlock component name (systemd-pcrlock(8), well-known components). */
function kindOf(name: string, pcr: number): ComponentKind {
  const n = name.replace(/^\d+-/, '')
  if (/secureboot/.test(n)) return 'secure-boot'
  if (/firmware-code/.test(n)) return pcr === 2 ? 'option-roms' : 'platform-firmware'
  if (/firmware-config|gpt|action-efi-exit/.test(n)) return 'platform-config'
  if (/kernel-initrd|initrd/.test(n)) return 'initrd'
  if (/kernel|uki|linux/.test(n)) return 'os-kernel'
  if (/action-efi-application|boot-loader|sd-boot|shim|grub|pe/.test(n)) return 'boot-loader'
  if (/machine-id|file-system|enter-initrd|leave-initrd|sysinit|ready|shutdown|final/.test(n)) return 'os-runtime'
  if (/separator/.test(n)) return pcr === 7 ? 'secure-boot' : pcr === 0 ? 'platform-firmware' : 'platform-config'
  return 'other'
}

/**
 * Import `.pcrlock` files.
 * @throws PolicyError ERR_POLICY_DERIVE (with the file name and a JSON pointer) for malformed files.
 * @example
 * const policy = importPcrlock([{ name: '240-secureboot-policy.pcrlock', content: text }], { id: 'laptops' })
 */
export function importPcrlock(files: readonly PcrlockFile[], options: ImportPcrlockOptions): Policy {
  const banks = options.banks ?? ['sha256']
  const issues: PolicyIssue[] = []
  const bad = (path: string, message: string) => void issues.push({ path, message })
  // component name -> variant name -> records
  const components = new Map<string, Map<string, { pcr: number; entry: EventEntry }[]>>()
  for (const f of files) {
    const m = /^(?:.*\/)?(\d{3}-[^/]+?)\.pcrlock\.d\/([^/]+)\.pcrlock$/.exec(f.name) ?? /^(?:.*\/)?(\d{3}-[^/]+?)\.pcrlock$/.exec(f.name)
    if (!m) {
      bad(f.name, 'file name must be NNN-name.pcrlock or NNN-name.pcrlock.d/<variant>.pcrlock')
      continue
    }
    const comp = m[1]!
    const variant = m[2] ?? ''
    let doc: unknown = f.content
    if (typeof doc === 'string') {
      try {
        doc = JSON.parse(doc)
      } catch (e) {
        bad(f.name, `not JSON: ${(e as Error).message}`)
        continue
      }
    }
    const recs = (doc as { records?: unknown })?.records
    if (!Array.isArray(recs)) {
      bad(`${f.name}#/records`, 'must be an array of {pcr, digests}')
      continue
    }
    const out: { pcr: number; entry: EventEntry }[] = []
    recs.forEach((r, i) => {
      const p = `${f.name}#/records/${i}`
      const pcr = (r as { pcr?: unknown })?.pcr
      if (typeof pcr !== 'number' || !Number.isInteger(pcr) || pcr < 0 || pcr > 23) return bad(`${p}/pcr`, 'must be an integer 0-23')
      const digests = (r as { digests?: unknown }).digests
      if (!Array.isArray(digests) || !digests.length) return bad(`${p}/digests`, 'must be a non-empty array of {hashAlg, digest}')
      const entry: EventEntry = {}
      digests.forEach((d, j) => {
        const alg = (d as { hashAlg?: unknown })?.hashAlg
        const hex = (d as { digest?: unknown })?.digest
        if (typeof alg !== 'string' || !(POLICY_BANKS as readonly string[]).includes(alg)) return bad(`${p}/digests/${j}/hashAlg`, `unsupported hash algorithm ${JSON.stringify(alg)}`)
        if (typeof hex !== 'string' || !/^[0-9a-fA-F]+$/.test(hex)) return bad(`${p}/digests/${j}/digest`, 'must be hex')
        entry[alg as PolicyBank] = hex.toLowerCase()
      })
      if (!banks.some((b) => entry[b])) return bad(`${p}/digests`, `has no ${banks.join('/')} digest`)
      out.push({ pcr, entry })
    })
    const variants = components.get(comp) ?? new Map()
    if (variants.has(variant)) bad(f.name, 'duplicate file')
    variants.set(variant, out)
    components.set(comp, variants)
  }
  if (issues.length) throw new PolicyError('ERR_POLICY_DERIVE', `invalid .pcrlock input: ${issues.slice(0, 3).map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues)
  if (!components.size) throw new PolicyError('ERR_POLICY_DERIVE', 'no .pcrlock files given')

  const rules: EventRule[] = []
  const pcrs = new Set<number>()
  for (const comp of [...components.keys()].sort()) {
    const variants = components.get(comp)!
    // A file directly named NNN-x.pcrlock and a directory of variants may not both exist.
    if (variants.has('') && variants.size > 1) throw new PolicyError('ERR_POLICY_DERIVE', `${comp}: both ${comp}.pcrlock and ${comp}.pcrlock.d/ given`)
    const touched = new Set<number>()
    for (const recs of variants.values()) for (const r of recs) touched.add(r.pcr)
    for (const pcr of [...touched].sort((a, b) => a - b)) {
      pcrs.add(pcr)
      const alts: Alternative[] = []
      for (const vname of [...variants.keys()].sort()) {
        const events = variants.get(vname)!.filter((r) => r.pcr === pcr).map((r) => ({ ...r.entry }))
        if (alts.some((a) => a.events.length === events.length && a.events.every((e, i) => JSON.stringify(e) === JSON.stringify(events[i])))) continue
        alts.push({ ...(vname ? { name: vname } : {}), events })
      }
      rules.push({ id: `${comp}@${pcr}`, component: kindOf(comp, pcr), name: comp, pcr, alternatives: alts })
    }
  }
  rules.sort((a, b) => a.pcr - b.pcr) // stable: component order kept within a PCR
  const policy: Policy = {
    id: options.id,
    version: 1,
    description: options.description ?? `Imported from ${components.size} systemd-pcrlock component(s): ${[...components.keys()].sort().join(', ')}.`,
    pcrs: { banks: [...banks], required: [...pcrs].sort((a, b) => a - b) },
    eventRules: rules,
    freshness: { nonceRequired: true },
  }
  // Validated, then returned as a plain (mutable) copy: derived and imported policies are meant to be edited.
  return structuredClone(validatePolicy(policy))
}
