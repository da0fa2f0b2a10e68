/** JSON and text rendering of a boot state (used by `bootproof inspect --state`). */
import { toJSONValue } from '../eventlog/json.js'
import type { Finding } from '../findings.js'
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

function line(name: string, f: Fact<unknown>): string {
  const ev = f.events.length ? ` events [${f.events.join(', ')}]` : ''
  return `  ${name.padEnd(22)} ${show(f.value)}  ${f.trusted ? 'trusted' : `UNTRUSTED (${f.reason})`}${ev}`
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
  out.push('boot applications (PCR 4):')
  for (const a of state.bootApps.applications) out.push(`  event ${String(a.eventIndex).padStart(3)} ${a.digests.sha256 ?? Object.values(a.digests)[0]} ${a.filePath ?? a.devicePath ?? ''}${a.digestTrusted ? '' : ` UNTRUSTED (${a.reason})`}`)
  out.push(line('ExitBootServices', state.bootApps.exitBootServices))
  out.push(line('BootOrder', state.bootApps.bootOrder))
  for (const e of state.bootApps.bootEntries) out.push(`  ${e.name}: ${e.option.value?.description ?? ''} ${e.option.value?.devicePath ?? ''}`)
  out.push('linux:')
  out.push(line('kernel command line', state.linux.kernelCmdline))
  out.push(line('SbatLevel', state.linux.shim.sbatLevel))
  out.push(`  GRUB commands          ${state.linux.grubCommands.value.length}, files ${state.linux.files.length}`)
  if (state.cc) out.push('confidential computing RTMRs:', ...Object.entries(state.cc.rtmrs).map(([k, v]) => `  RTMR${k} ${v}`))
  if (findings.length) {
    out.push('findings:')
    for (const f of findings) out.push(`  [${f.severity}] ${f.code}${f.eventIndex !== undefined ? ` (event ${f.eventIndex})` : ''}: ${f.message}`)
  }
  return out.join('\n')
}
