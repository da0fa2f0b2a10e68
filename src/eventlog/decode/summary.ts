/**
 * One-line human summaries for `bootproof inspect`. They describe what the log *claims*; the
 * digest checks decide what is trusted, so nothing here is phrased as a verdict.
 */
import { bankName } from '../../alg.js'
import { hex32 } from './common.js'
import type { DecodedEventData, SignatureEntry, UefiVariableData } from './types.js'

const MAX = 160

function clip(s: string): string {
  return s.length > MAX ? `${s.slice(0, MAX - 1)}…` : s
}

function quote(s: string): string {
  return `"${s}"`
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}

function entryText(e: SignatureEntry): string {
  if (e.type === 'x509') return `X.509 certificate sha256:${e.sha256}`
  if (e.type === 'sha256') return `SHA-256 ${e.hash}`
  return `${e.data.length}-byte signature data`
}

function variableSummary(d: UefiVariableData): string {
  const v = d.value
  const who = d.known === undefined ? `${d.name} (${d.guidName ?? d.guid}, unrecognised)` : d.name
  switch (v.type) {
    case 'uint8':
    case 'uint16':
      return `${who} = ${v.value}`
    case 'signature-lists': {
      const extra = v.otherCount > 0 ? `, ${v.otherCount} other` : ''
      return `${who}: ${plural(v.certCount, 'cert')}, ${plural(v.hashCount, 'hash', 'hashes')}${extra}`
    }
    case 'signature-data':
      return `${who} authority: ${entryText(v.entry)}${v.ownerMissing ? ' (no owner GUID)' : ''}`
    case 'boot-order':
      return `${who} = ${v.order.map((n) => n.toString(16).toUpperCase().padStart(4, '0')).join(',') || '(empty)'}`
    case 'load-option': {
      const o = v.option
      return `${who}: ${quote(o.description)} ${o.filePath ?? o.devicePath}${o.active ? '' : ' (inactive)'}`
    }
    case 'text':
      return `${who} = ${quote(v.text.replace(/\n/g, '\\n'))}`
    case 'bytes':
      return `${who}: ${plural(d.variableData.length, 'byte')}`
  }
}

export function summarizeEventData(d: DecodedEventData): string {
  switch (d.kind) {
    case 'raw':
      return d.note ?? 'raw data'
    case 'unparsed':
      return clip(`unparsed (${d.error.code}): ${d.error.message}`)
    case 'spec-id':
      return `${d.signature}: ${d.algorithms.map((a) => bankName(a.algId)).join(', ') || 'no algorithms'}`
    case 'spec-id-legacy':
      return `${d.signature} (TPM 1.2 log header)`
    case 'startup-locality':
      return `StartupLocality = ${d.locality}`
    case 'sp800-155':
      return clip(`${d.signature}: ${[d.platformManufacturer, d.platformModel, d.platformVersion].filter((s) => s !== '').join(' ')}, firmware ${d.firmwareVersion}`)
    case 'no-action-payload':
      return `${d.signature} (${plural(d.payload.length, 'byte')})`
    case 'no-action-unknown':
      return `EV_NO_ACTION with unknown signature ${quote(d.signaturePreview)}`
    case 'action':
      return clip(quote(d.text))
    case 'text': {
      const base = quote(d.text)
      if (d.expected !== undefined && !d.matchesExpected) return clip(`${base} (expected ${quote(d.expected)})`)
      return clip(base)
    }
    case 'guid':
      return d.guidName === undefined ? d.guid : `${d.guid} (${d.guidName})`
    case 'firmware-blob':
      return `${d.description === undefined ? '' : `${d.description}: `}base ${d.base}, length ${d.length}`
    case 'ipl':
      return clip(d.prefix === undefined ? d.text : `${d.prefix}${d.text}`)
    case 'gce-nonhost-info':
      return `GCE NonHostInfo: ${d.technologyName}`
    case 'separator':
      if (d.meaning === 'wbcl') return 'separator "WBCL"'
      return d.value === undefined ? `separator (${d.note ?? 'nonstandard'})` : `separator ${hex32(d.value)}${d.meaning === 'error' ? ' (error)' : ''}`
    case 'uefi-variable':
      return clip(variableSummary(d))
    case 'image-load':
      return clip(d.filePath ?? (d.devicePath || `image at ${d.imageBase}, no device path`))
    case 'gpt':
      return `GPT disk ${d.diskGuid}: ${plural(d.partitions.length, 'partition')}`
    case 'handoff-tables': {
      const names = d.tables.map((t) => t.guidName ?? t.guid).join(', ')
      return clip(`${d.description === undefined ? '' : `${d.description}: `}${plural(d.tables.length, 'table')}${names ? ` (${names})` : ''}`)
    }
    case 'event-tag': {
      if (d.records.length === 1) {
        const t = d.records[0]!
        return `tag ${hex32(t.id)}${t.idName === undefined ? '' : ` (${t.idName})`}, ${plural(t.size, 'byte')}`
      }
      return `${plural(d.records.length, 'tagged record')}`
    }
  }
}

