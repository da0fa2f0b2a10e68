/**
 * Secure Boot databases (PK, KEK, db, dbx, MokList, ...): entry-level differences, certificates by
 * SHA-256 fingerprint with subject, hashes as they are (UEFI §32.4.1 EFI_SIGNATURE_LIST).
 */
import { toHex } from '../bytes/hex.js'
import type { DecodedEventData, SignatureEntry } from '../eventlog/decode/types.js'
import type { TcgEvent } from '../eventlog/types.js'
import { defaultHashProvider } from '../hash/provider.js'
import { decodedCertificateFields } from '../x509/decoded_cache.js'
import { short } from './text.js'
import type { SignatureEntriesDiff, SignatureEntryRef } from './types.js'

function entryRefs(ev: TcgEvent | undefined): SignatureEntryRef[] | undefined {
  if (!ev) return undefined
  const d = ev.decoded as DecodedEventData
  if (d.kind !== 'uefi-variable') return undefined
  if (d.value.type === 'signature-lists') return d.value.lists.flatMap((l) => l.entries.map(entryRef))
  if (d.value.type === 'signature-data') return [entryRef(d.value.entry)]
  return undefined
}

function entryRef(e: SignatureEntry): SignatureEntryRef {
  const owner = e.ownerName ?? (e.owner || undefined)
  if (e.type === 'x509') {
    const f = decodedCertificateFields(e.der)
    const subject = 'error' in f ? null : f.subject
    return { type: 'x509', sha256: e.sha256, ...(subject ? { subject } : {}), ...(owner ? { owner } : {}) }
  }
  if (e.type === 'sha256') return { type: 'sha256', sha256: e.hash, ...(owner ? { owner } : {}) }
  return { type: 'other', sha256: toHex(defaultHashProvider().digest('sha256', e.data)), ...(owner ? { owner } : {}) }
}

export function signatureEntriesDiff(x: TcgEvent | undefined, y: TcgEvent | undefined): SignatureEntriesDiff | undefined {
  const ra = entryRefs(x)
  const rb = entryRefs(y)
  if (!ra && !rb) return undefined
  const key = (r: SignatureEntryRef) => `${r.type}:${r.sha256}`
  const ka = new Set((ra ?? []).map(key))
  const kb = new Set((rb ?? []).map(key))
  const added = (rb ?? []).filter((r) => !ka.has(key(r)))
  const removed = (ra ?? []).filter((r) => !kb.has(key(r)))
  const unchanged = (ra ?? []).filter((r) => kb.has(key(r))).length
  return { added, removed, unchanged }
}

export function entriesText(e: SignatureEntriesDiff): string {
  const part = (list: SignatureEntryRef[], sign: string) => {
    if (!list.length) return ''
    const certs = list.filter((r) => r.type === 'x509')
    const hashes = list.filter((r) => r.type === 'sha256').length
    const other = list.filter((r) => r.type === 'other').length
    const bits: string[] = []
    if (certs.length) bits.push(`${certs.length} cert${certs.length === 1 ? '' : 's'} (${certs.slice(0, 3).map((c) => c.subject ?? `sha256:${short(c.sha256)}`).join('; ')}${certs.length > 3 ? '; …' : ''})`)
    if (hashes) bits.push(`${hashes} hash${hashes === 1 ? '' : 'es'}`)
    if (other) bits.push(`${other} other`)
    return `${sign}${bits.join(', ')}`
  }
  const parts = [part(e.added, '+'), part(e.removed, '−')].filter(Boolean)
  return parts.length ? `entries ${parts.join(' ')}` : 'entries unchanged'
}
