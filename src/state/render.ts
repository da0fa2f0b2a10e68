/** JSON and text rendering of a boot state (used by `bootproof inspect --state`). */
import { toJSONValue } from '../eventlog/json.js'
import type { Finding } from '../findings.js'
import { escapeText } from '../text/escape.js'
import type { BootState } from './boot_state.js'
import type { Fact } from './fact.js'

/** JSON-safe state: bytes as hex, and certificate DER left out (fingerprints identify them). */
export function stateToJSON(state: BootState): unknown {
  return toJSONValue(JSON.parse(JSON.stringify(state, (k, v) => (k === 'der' ? undefined : v instanceof Uint8Array ? toJSONValue(v) : v))))
}

function show(v: unknown): string {
  if (v === undefined) return '(not measured)'
  if (typeof v === 'string') return JSON.stringify(v)
  if (Array.isArray(v)) return v.length > 6 ? `[${v.slice(0, 6).map(show).join(', ')}, … ${v.length} items]` : `[${v.map(show).join(', ')}]`
  if (v && typeof v === 'object') {
    const o = v as { certs?: unknown[]; hashes?: unknown[]; otherCount?: number }
    if (o.certs && o.hashes) return `${o.certs.length} certificate(s), ${o.hashes.length} hash(es)${o.otherCount ? `, ${o.otherCount} other` : ''}`
    return JSON.stringify(v)
  }
  return String(v)
}

/** A value or the reason it has none. `format` renders values that have a conventional form. */
type Format = (v: unknown) => string

/**
 * The trust column. A fact with source events but no value was measured with data that is not
 * a valid value (a SecureBoot byte of 2): that is "invalid", never "(not measured)", and never
 * trusted, whatever the evidence says about its event — nothing can rest on a value that is not
 * one (attack S-04). An untrusted fact shows its stable reason code first.
 */
function line(name: string, f: Fact<unknown>, format: Format = show, width = 22): string {
  const ev = f.events.length ? ` events [${f.events.join(', ')}]` : ''
  const invalid = f.value === undefined && f.events.length > 0
  const value = invalid ? '(invalid value)' : format(f.value)
  let trust: string
  if (f.trusted && !invalid) trust = 'trusted'
  else {
    const code = f.reasonCode ?? (invalid ? 'FACT_VALUE_INVALID' : undefined)
    const reason = f.reason ?? (invalid ? `event ${f.events[f.events.length - 1]}'s data is not a valid value` : undefined)
    trust = `UNTRUSTED (${[code, reason].filter(Boolean).join(': ')})`
  }
  return `  ${name.padEnd(width)} ${value}  ${trust}${ev}`
}

/** BootOrder as firmware setup and `efibootmgr` show it: four hex digits per entry. */
const bootOrder: Format = (v) => (Array.isArray(v) ? v.map((n) => Number(n).toString(16).toUpperCase().padStart(4, '0')).join(',') : show(v))

/** How many boot modules the text lists; the JSON has every one. */
const MAX_MODULES = 20

function windowsSection(w: NonNullable<BootState['windows']>): string[] {
  const out = ['windows (SIPA; claims under MAA names):']
  if (!w.detected) return [...out, '  no Windows measured-boot data']
  const claims = Object.entries(w.claims) as [string, Fact<unknown>][]
  const width = Math.max(22, ...claims.map(([n]) => n.length))
  for (const [n, f] of claims) out.push(line(n, f, show, width))
  const untrusted = w.bootModules.filter((m) => !m.trusted).length
  out.push(`  boot modules           ${w.bootModules.length}${untrusted ? `, ${untrusted} UNTRUSTED` : ''}`)
  for (const m of w.bootModules.slice(0, MAX_MODULES)) {
    const who = m.signer.publisher ?? m.signer.issuer ?? 'unsigned or unknown signer'
    out.push(`    events [${m.events.join(', ')}] ${m.authenticodeHash ?? '-'} ${m.filePath ?? '(no path)'} (${who})${m.trusted ? '' : ` UNTRUSTED (${m.reason ?? 'not trusted'})`}`)
  }
  if (w.bootModules.length > MAX_MODULES) out.push(`    … ${w.bootModules.length - MAX_MODULES} more (see --json)`)
  out.push(`  ELAM drivers           ${w.elamDrivers.length}`)
  for (const d of w.elamDrivers) out.push(`    ${d.name} (event ${d.eventIndex}, PCR ${d.pcr})${d.trusted ? '' : ` UNTRUSTED (${d.reason ?? 'not trusted'})`}`)
  return out
}

/** systemd-boot / systemd-stub (firmware log) and userspace (CEL) measurements. */
function systemdSection(sd: NonNullable<BootState['systemd']>): string[] {
  const out = [`systemd${sd.userspaceLog ? ' (firmware log + tpm2-measure.log)' : ' (firmware log only)'}:`]
  out.push(line('boot phases (PCR 11)', sd.phases))
  out.push(line('machine ID (PCR 15)', sd.machineId))
  out.push(line('file systems (PCR 15)', sd.fileSystems))
  const m = (x: NonNullable<BootState['systemd']>['ukiSections'][number]) => `    ${x.source === 'cel' ? 'record' : 'event'} ${x.index} ${x.digests.sha256 ?? Object.values(x.digests)[0] ?? '-'} ${JSON.stringify(x.label)} (label not measured)${x.digestTrusted ? '' : ' digest UNTRUSTED'}`
  for (const [name, list] of [['volume keys (PCR 15)', sd.volumeKeys], ['UKI sections (PCR 11)', sd.ukiSections], ['loader.conf (PCR 5)', sd.loaderConf]] as const) {
    out.push(`  ${name.padEnd(22)} ${list.length}`)
    for (const x of list.slice(0, MAX_MODULES)) out.push(m(x))
  }
  for (const n of sd.nvpcrs) out.push(`  NvPCR 0x${n.nvIndex.toString(16)} ${Object.entries(n.values).map(([b, v]) => `${b}:${v}`).join(' ')} records [${n.records.join(', ')}]  UNTRUSTED (no quote covers NV indices)`)
  return out
}

export function renderState(state: BootState, findings: Finding[]): string {
  const sb = state.secureBoot
  const out: string[] = ['platform:']
  out.push(line('S-CRTM version', state.platform.scrtmVersion))
  out.push(line('startup locality', state.platform.startupLocality))
  out.push(`  firmware blobs         ${state.platform.firmwareBlobs.length}`)
  out.push('secure boot:')
  for (const [n, f] of [['SecureBoot', sb.enabled], ['SetupMode', sb.setupMode], ['AuditMode', sb.auditMode], ['DeployedMode', sb.deployedMode], ['PK', sb.pk], ['KEK', sb.kek], ['db', sb.db], ['dbx', sb.dbx], ['dbt', sb.dbt], ['dbr', sb.dbr], ['UEFI debug mode', sb.debugMode], ['DMA protection off', sb.dmaProtectionDisabled]] as const) {
    out.push(line(n, f as Fact<unknown>))
  }
  for (const a of sb.authorities) out.push(`  authority (event ${a.eventIndex}) ${a.name}: ${a.entry?.subject ?? a.entry?.sha256 ?? a.text ?? ''}${a.trusted ? '' : ' UNTRUSTED'}`)
  // BootOrder and Boot#### are EV_EFI_VARIABLE_BOOT events in PCR 1 (PFP §10.4.4), not PCR 4 or 5.
  out.push('boot configuration (PCR 1):')
  out.push(line('BootOrder', state.bootApps.bootOrder, bootOrder))
  for (const e of state.bootApps.bootEntries) {
    const o = e.option.value
    out.push(`  ${e.name.padEnd(22)} ${o ? `${JSON.stringify(o.description ?? '')} ${o.devicePath ?? ''}`.trimEnd() : '(invalid value)'}${e.option.trusted && o ? '' : `  UNTRUSTED (${[e.option.reasonCode ?? (o ? undefined : 'FACT_VALUE_INVALID'), e.option.reason].filter(Boolean).join(': ')})`}`)
  }
  out.push('boot applications (PCR 4):')
  for (const a of state.bootApps.applications) out.push(`  event ${String(a.eventIndex).padStart(3)} ${a.digests.sha256 ?? Object.values(a.digests)[0]} ${a.filePath ?? a.devicePath ?? ''}${a.digestTrusted ? '' : ` UNTRUSTED (${a.reason})`}`)
  out.push(line('ExitBootServices', state.bootApps.exitBootServices))
  out.push('linux:')
  out.push(line('kernel command line', state.linux.kernelCmdline))
  out.push(line('SbatLevel', state.linux.shim.sbatLevel))
  out.push(`  GRUB commands          ${state.linux.grubCommands.value.length}, files ${state.linux.files.length}`)
  if (state.systemd) out.push(...systemdSection(state.systemd))
  if (state.windows) out.push(...windowsSection(state.windows))
  if (state.cc) out.push('confidential computing RTMRs:', ...Object.entries(state.cc.rtmrs).map(([k, v]) => `  RTMR${k} ${v}`))
  if (findings.length) {
    out.push('findings:')
    for (const f of findings) out.push(`  [${f.severity}] ${f.code}${f.eventIndex !== undefined ? ` (event ${f.eventIndex})` : ''}: ${f.message}`)
  }
  return escapeText(out.join('\n'), { keepNewlines: true })
}
