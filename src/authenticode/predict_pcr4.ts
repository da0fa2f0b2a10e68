/**
 * Predict PCR 4 from components: the Authenticode digests of the boot chain's PE/EFI binaries
 * (shim, GRUB, systemd-boot, a UKI, a Linux kernel with an EFI stub, bootmgfw.efi) are what the
 * firmware (and shim / GRUB through shim's verify protocol) extends into PCR 4 as
 * EV_EFI_BOOT_SERVICES_APPLICATION events (PFP §10.4.4).
 *
 * `predictPcr4` returns a policy-neutral shape (documented in docs/diff.md):
 * - `components`: one per binary, in the given order, with its role and digests;
 * - `allowlist`: per bank, the distinct digests: the alternatives a component rule for
 *   (PCR 4, EV_EFI_BOOT_SERVICES_APPLICATION) accepts;
 * - with a `template` log (a known-good boot of the same platform), `values`: the PCR 4 value
 *   the template's event sequence gives once its boot-application digests are replaced by the
 *   binaries' (see `predictPcr4` for the mapping rule). Those values are golden-PCR alternatives.
 * `pcr4Alternatives` merges several predictions (old and new kernel, say) into one set.
 */
import { isHashAlgName, type HashAlgName } from '../alg.js'
import { fromHex, toHex } from '../bytes/hex.js'
import { BootproofError } from '../errors.js'
import { EV } from '../eventlog/event_types.js'
import { initialPcrValue, isExtended } from '../eventlog/replay.js'
import type { EventLog } from '../eventlog/types.js'
import { defaultHashProvider, type HashProvider } from '../hash/provider.js'
import type { EventEntry, EventRule, PcrValueRule, PolicyBank } from '../policy/types.js'
import { authenticodeDigests } from './authenticode.js'
import { parsePe } from './pe.js'

export interface PeBinaryInput {
  /** A label: the file name or path. Used for the role heuristic and in the output. */
  name: string
  bytes: Uint8Array
}

export type Pcr4Role = 'boot-loader' | 'kernel' | 'boot-application'

export interface Pcr4Component {
  name: string
  role: Pcr4Role
  /** Authenticode SHA-256, lowercase hex (always computed). */
  sha256: string
  /** Authenticode digest per requested bank, lowercase hex. */
  digests: Record<string, string>
  format: 'PE32' | 'PE32+'
  /** The image carries an attribute certificate table (is Authenticode-signed). */
  signed: boolean
  size: number
}

export interface Pcr4TemplateEvent {
  eventIndex: number
  typeName: string
  /** Digest per bank after substitution, lowercase hex. */
  digests: Record<string, string>
  /** Name of the binary whose digest replaced the template's, when substituted. */
  component?: string
}

export interface Pcr4Prediction {
  pcr: 4
  eventType: 'EV_EFI_BOOT_SERVICES_APPLICATION'
  /** Banks the digests (and values) are given for. */
  banks: string[]
  components: Pcr4Component[]
  /** Distinct component digests per bank: the allowlist alternatives for PCR 4 applications. */
  allowlist: Record<string, string[]>
  /** Predicted PCR 4 value per bank (only with a template log). */
  values?: Record<string, string>
  /** The template's PCR 4 event sequence after substitution (only with a template log). */
  sequence?: Pcr4TemplateEvent[]
}

export interface PredictPcr4Options {
  /** Banks to compute (default `['sha256']`). */
  banks?: HashAlgName[]
  /**
   * A known-good log of the same platform. Its PCR 4 events are replayed with the
   * EV_EFI_BOOT_SERVICES_APPLICATION digests replaced by the binaries' digests.
   */
  template?: EventLog
  hash?: HashProvider
}

const KERNEL_NAME = /vmlinu[xz]|bzimage|(^|[\\/])linux[^\\/]*\.efi$|(^|[\\/_-])kernel|\\efi\\linux\\|\/efi\/linux\//i
const LOADER_NAME = /shim|grub|boot(x64|ia32|aa64|arm|riscv64)|bootmgfw|bootmgr|systemd-boot|sd-boot|loader|refind|fb(x64|ia32|aa64)|mm(x64|ia32|aa64)/i

/** Role of a binary from its content (Linux boot protocol header) and name. */
export function pcr4Role(name: string, bytes: Uint8Array): Pcr4Role {
  // x86 bzImage: "HdrS" at 0x202; arm64 Image: "ARM\x64" at 0x38; RISC-V Image: "RSC\x05" at 0x38.
  const at = (o: number, s: number[]) => bytes.length >= o + s.length && s.every((c, i) => bytes[o + i] === c)
  if (at(0x202, [0x48, 0x64, 0x72, 0x53]) || at(0x38, [0x41, 0x52, 0x4d, 0x64]) || at(0x38, [0x52, 0x53, 0x43, 0x05])) return 'kernel'
  if (KERNEL_NAME.test(name)) return 'kernel'
  if (LOADER_NAME.test(name)) return 'boot-loader'
  return 'boot-application'
}

/**
 * Compute the Authenticode digests of `binaries` and the PCR 4 policy alternatives they imply.
 *
 * Template mapping: the template's PCR 4 EV_EFI_BOOT_SERVICES_APPLICATION events are grouped by
 * distinct digest in order of first appearance (shim, GRUB, kernel: a kernel measured twice, by
 * shim's verify protocol and by the EFI stub loader, is one group). The i-th group takes the
 * i-th binary's digest, so the binaries must be given in boot order and their count must equal
 * the number of groups. Every other PCR 4 event (EV_EFI_ACTION, EV_SEPARATOR, ...) is kept.
 * @throws BootproofError `ERR_PE_*` for a malformed binary; `ERR_INPUT_INVALID` when the
 *   template's application count does not match, or the template lacks a requested bank.
 */
export function predictPcr4(binaries: readonly PeBinaryInput[], options: PredictPcr4Options = {}): Pcr4Prediction {
  const hash = options.hash ?? defaultHashProvider()
  const banks: HashAlgName[] = [...new Set<HashAlgName>(options.banks ?? ['sha256'])]
  for (const b of banks) if (!isHashAlgName(b)) throw new TypeError(`predictPcr4: unknown bank ${String(b)}`)
  const all: HashAlgName[] = banks.includes('sha256') ? banks : ['sha256', ...banks]
  const components: Pcr4Component[] = binaries.map((bin) => {
    const pe = parsePe(bin.bytes)
    const d = authenticodeDigests(bin.bytes, all, hash)
    const digests: Record<string, string> = {}
    for (const b of banks) digests[b] = d[b]!
    return { name: bin.name, role: pcr4Role(bin.name, bin.bytes), sha256: d.sha256!, digests, format: pe.format, signed: pe.certTable !== undefined, size: bin.bytes.length }
  })
  const allowlist: Record<string, string[]> = {}
  for (const b of banks) allowlist[b] = [...new Set(components.map((c) => c.digests[b]!))]
  const out: Pcr4Prediction = { pcr: 4, eventType: 'EV_EFI_BOOT_SERVICES_APPLICATION', banks: [...banks], components, allowlist }
  if (options.template) Object.assign(out, replayTemplate(options.template, components, banks, hash))
  return out
}

function replayTemplate(log: EventLog, components: Pcr4Component[], banks: HashAlgName[], hash: HashProvider): Pick<Pcr4Prediction, 'values' | 'sequence'> {
  if (log.registerKind !== 'pcr') throw new BootproofError('ERR_INPUT_INVALID', 'the PCR 4 template must be a TPM PCR log, not a CC measurement-register log')
  const events = log.events.filter((e) => e.pcrIndex === 4 && isExtended(log, e.eventType, e.pcrIndex))
  const groups: string[] = [] // template digest (first bank) per group
  const key = (e: (typeof events)[number]) => e.digests.map((d) => `${d.bank}:${toHex(d.digest)}`).join(',')
  for (const e of events) if (e.eventType === EV.EV_EFI_BOOT_SERVICES_APPLICATION && !groups.includes(key(e))) groups.push(key(e))
  if (groups.length !== components.length) {
    throw new BootproofError('ERR_INPUT_INVALID', `the template's PCR 4 has ${groups.length} distinct boot application(s) but ${components.length} binar${components.length === 1 ? 'y was' : 'ies were'} given; give one per application, in boot order`)
  }
  const values: Record<string, string> = {}
  const sequence: Pcr4TemplateEvent[] = events.map((e) => ({ eventIndex: e.index, typeName: e.typeName, digests: {} }))
  for (const bank of banks) {
    const alg = log.algorithms.find((a) => a.bank === bank)
    if (!alg) throw new BootproofError('ERR_INPUT_INVALID', `the template log has no ${bank} bank`)
    let pcr = initialPcrValue(log, 4, alg.digestSize)
    events.forEach((e, i) => {
      let digest: Uint8Array | undefined
      const seq = sequence[i]!
      if (e.eventType === EV.EV_EFI_BOOT_SERVICES_APPLICATION) {
        const c = components[groups.indexOf(key(e))]!
        digest = fromHex(c.digests[bank]!)
        seq.component = c.name
      } else {
        digest = e.digests.find((d) => d.bank === bank)?.digest
      }
      if (!digest) throw new BootproofError('ERR_INPUT_INVALID', `template event ${e.index} (PCR 4) has no ${bank} digest`, { eventIndex: e.index })
      seq.digests[bank] = toHex(digest)
      pcr = hash.digest2(bank, pcr, digest)
    })
    values[bank] = toHex(pcr)
  }
  return { values, sequence }
}

/** Policy alternatives from several predictions: per bank, the distinct digests and values. */
export function pcr4Alternatives(predictions: readonly Pcr4Prediction[]): { pcr: 4; eventType: 'EV_EFI_BOOT_SERVICES_APPLICATION'; allowlist: Record<string, string[]>; values: Record<string, string[]> } {
  const allowlist: Record<string, string[]> = {}
  const values: Record<string, string[]> = {}
  for (const p of predictions) {
    for (const [bank, list] of Object.entries(p.allowlist)) for (const d of list) if (!(allowlist[bank] ??= []).includes(d)) allowlist[bank]!.push(d)
    for (const [bank, v] of Object.entries(p.values ?? {})) if (!(values[bank] ??= []).includes(v)) values[bank]!.push(v)
  }
  return { pcr: 4, eventType: 'EV_EFI_BOOT_SERVICES_APPLICATION', allowlist, values }
}

/**
 * Policy v1 rules (src/policy/types.ts) from one or more predictions, each prediction one
 * alternative (e.g. the current and the next kernel):
 * - `eventRules`: one `set` rule for (PCR 4, EV_EFI_BOOT_SERVICES_APPLICATION) whose alternatives
 *   list the predicted applications (each event must be one of them; order and count free);
 * - `pcrValues`: when the predictions had a template, one golden-value rule per bank for PCR 4
 *   with every predicted value as an alternative.
 * Banks the policy format does not know (sha3_*) are left out.
 */
export function pcr4PolicyRules(predictions: readonly Pcr4Prediction[], options: { id?: string; name?: string } = {}): { eventRules: EventRule[]; pcrValues: PcrValueRule[] } {
  const policyBanks = new Set<string>(['sha1', 'sha256', 'sha384', 'sha512', 'sm3_256'])
  const alternatives = predictions.map((p, i) => ({
    name: p.components.map((c) => c.name.split(/[\\/]/).pop()).join(' + ') || `prediction ${i + 1}`,
    events: p.components.map((c) => {
      const e: EventEntry = { description: c.name }
      for (const [bank, d] of Object.entries(c.digests)) if (policyBanks.has(bank)) e[bank as PolicyBank] = d
      return e
    }),
  }))
  const eventRules: EventRule[] = [
    {
      id: options.id ?? 'pcr4-boot-applications',
      component: 'boot-loader',
      name: options.name ?? 'PCR 4 boot applications (predicted from binaries)',
      pcr: 4,
      eventTypes: ['EV_EFI_BOOT_SERVICES_APPLICATION'],
      match: 'set',
      alternatives,
    },
  ]
  const values = pcr4Alternatives(predictions).values
  const pcrValues: PcrValueRule[] = Object.entries(values)
    .filter(([bank, list]) => policyBanks.has(bank) && list.length > 0)
    .map(([bank, list]) => ({ pcr: 4, bank: bank as PolicyBank, alternatives: list, component: 'boot-loader', name: 'PCR 4 (predicted)' }))
  return { eventRules, pcrValues }
}

/** Bank name check used by the CLI. */
export function parseBankList(s: string): HashAlgName[] {
  return s.split(',').map((x) => {
    const t = x.trim()
    if (!isHashAlgName(t)) throw new BootproofError('ERR_INPUT_INVALID', `unknown bank "${t}"`)
    return t
  })
}
