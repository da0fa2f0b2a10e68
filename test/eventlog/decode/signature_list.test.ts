import { describe, it, expect } from 'vitest'
import { X509Certificate, createHash } from 'node:crypto'
import { EV } from '../../../src/eventlog/event_types.js'
import { decodeEventData, summarizeEventData } from '../../../src/eventlog/decode/index.js'
import type { DecodedEventData, VariableValue } from '../../../src/eventlog/decode/types.js'
import { DEFAULT_EVENTLOG_LIMITS } from '../../../src/limits.js'
import { HAVE_CORPUS, cat, guid, input, loadLog, signatureList, u32, variableData } from './helpers.js'

const SECDB = 'd719b2cb-3d3a-4596-a3bc-dad00e67656f'
const SHA256 = 'c1c41626-504c-4092-aca9-41f936934328'
const X509 = 'a5c059a1-94e4-4aa7-87b5-ab155c2bf072'
const SHA1 = '826ca512-cf10-4ac9-b187-be01496631bd'
const OWNER = '77fa9abd-0359-4d32-bd60-28f4e78f784b'

const hashEntry = (fill: number) => cat(guid(OWNER), new Uint8Array(32).fill(fill))
const db = (payload: Uint8Array, name = 'db', limits = DEFAULT_EVENTLOG_LIMITS) =>
  decodeEventData(input(EV.EV_EFI_VARIABLE_DRIVER_CONFIG, variableData(SECDB, name, payload), 7, limits))

function lists(d: DecodedEventData): Extract<VariableValue, { type: 'signature-lists' }> {
  if (d.kind !== 'uefi-variable' || d.value.type !== 'signature-lists') throw new Error(`not a signature list: ${JSON.stringify(d)}`)
  return d.value
}

function failure(d: DecodedEventData): { code: string; message: string; offset?: number } {
  if (d.kind !== 'unparsed') throw new Error(`expected unparsed, got ${d.kind}`)
  return d.error
}

describe('EFI_SIGNATURE_LIST chains', () => {
  it('decodes SHA-256 entries with owners', () => {
    const v = lists(db(signatureList(SHA256, new Uint8Array(0), 48, [hashEntry(1), hashEntry(2)]), 'dbx'))
    expect(v).toMatchObject({ certCount: 0, hashCount: 2, otherCount: 0 })
    expect(v.lists[0]).toMatchObject({ signatureType: SHA256, signatureTypeName: 'EFI_CERT_SHA256', headerSize: 0, signatureSize: 48 })
    expect(v.lists[0]!.entries[1]).toEqual({ type: 'sha256', owner: OWNER, ownerName: 'MICROSOFT', hash: '02'.repeat(32) })
  })

  it('keeps other EFI_CERT types raw and counts them separately', () => {
    const sha1 = cat(guid(OWNER), new Uint8Array(20).fill(9))
    const d = db(cat(signatureList(SHA1, new Uint8Array(0), 36, [sha1]), signatureList(SHA256, new Uint8Array(0), 48, [hashEntry(3)])), 'dbx')
    const v = lists(d)
    expect(v).toMatchObject({ certCount: 0, hashCount: 1, otherCount: 1 })
    expect(v.lists[0]!.entries[0]).toMatchObject({ type: 'other', owner: OWNER })
    expect(summarizeEventData(d)).toBe('dbx: 0 certs, 1 hash, 1 other')
  })

  it('an empty variable is an empty chain', () => {
    expect(lists(db(new Uint8Array(0)))).toEqual({ type: 'signature-lists', lists: [], certCount: 0, hashCount: 0, otherCount: 0 })
  })

  // A real certificate: the first db entry of go-attestation's sb_cert_eventlog.
  it.skipIf(!HAVE_CORPUS)('X.509 entries keep the DER bytes and their SHA-256 fingerprint (corpus)', () => {
    const ev = loadLog('google-go-attestation--sb_cert_eventlog')[5]!
    const v = lists(decodeEventData(input(ev.type, ev.data, ev.pcr)))
    const entry = v.lists[0]!.entries[0]!
    expect(entry.type).toBe('x509')
    if (entry.type !== 'x509') return
    const cert = new X509Certificate(entry.der)
    expect(cert.subject).toContain('CN=Microsoft Corporation UEFI CA 2011')
    expect(entry.sha256).toBe(cert.fingerprint256.replace(/:/g, '').toLowerCase())
    expect(entry.sha256).toBe('48e99b991f57fc52f76149599bff0a58c47154229b9f8d603ac40d3500248507')
  })
})

describe('certificate fingerprint cache', () => {
  const sha256Hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')
  const x509Fingerprints = (payload: Uint8Array) => lists(db(payload)).lists.flatMap((l) => l.entries.map((e) => (e.type === 'x509' ? e.sha256 : undefined)))

  it('a mutated DER (same length, same tail) is never served the cached fingerprint', () => {
    const der = new Uint8Array(600).map((_, i) => (i * 31 + 7) & 0xff)
    const payload = signatureList(X509, new Uint8Array(0), 16 + der.length, [cat(guid(OWNER), der)])
    expect(x509Fingerprints(payload)).toEqual([sha256Hex(der)])
    expect(x509Fingerprints(payload)).toEqual([sha256Hex(der)])
    // Mutate the caller's buffer in place, in the middle and at the start: the tail is unchanged.
    const at = payload.length - der.length
    for (const k of [300, 0, 583]) {
      payload[at + k]! ^= 0x5a
      der[k]! ^= 0x5a
      expect(x509Fingerprints(payload)).toEqual([sha256Hex(der)])
    }
  })

  it('different certificates of one length and tail each get their own fingerprint', () => {
    const a = new Uint8Array(100).fill(1)
    const b = a.slice()
    b[10] = 2
    const payload = signatureList(X509, new Uint8Array(0), 116, [cat(guid(OWNER), a), cat(guid(OWNER), b), cat(guid(OWNER), a)])
    expect(x509Fingerprints(payload)).toEqual([sha256Hex(a), sha256Hex(b), sha256Hex(a)])
  })
})

describe('vendor header is skipped (attack S-01, GHSA-9r4w-jg96-92mv)', () => {
  it('a chosen hash in SignatureHeader never appears as an entry', () => {
    const chosen = new Uint8Array(32).fill(0xee)
    const list = signatureList(SHA256, chosen, 48, [hashEntry(0x42)])
    expect(list.length).toBe(28 + 32 + 48)
    const v = lists(db(list))
    expect(v.hashCount).toBe(1)
    expect(v.lists[0]!.headerSize).toBe(32)
    expect(v.lists[0]!.entries).toEqual([{ type: 'sha256', owner: OWNER, ownerName: 'MICROSOFT', hash: '42'.repeat(32) }])
    expect(JSON.stringify(v)).not.toContain('ee'.repeat(16))
  })

  it('SignatureHeaderSize ≥ the list body is malformed', () => {
    const entry = hashEntry(1)
    const list = cat(guid(SHA256), u32(28 + 48), u32(49), u32(48), entry)
    expect(failure(db(list)).message).toMatch(/SignatureHeaderSize 49 exceeds the list body \(48\)/)
    const list2 = cat(guid(SHA256), u32(28 + 48), u32(0xffffffff), u32(48), entry)
    expect(failure(db(list2)).code).toBe('ERR_EVENTDATA_MALFORMED')
  })
})

describe('size underflow and overflow (attack S-02)', () => {
  const body = hashEntry(5)
  const raw = (listSize: number, headerSize: number, sigSize: number, payload = body) => cat(guid(SHA256), u32(listSize), u32(headerSize), u32(sigSize), payload)

  it.each([
    [0, /SignatureListSize 0 < 28/],
    [27, /SignatureListSize 27 < 28/],
    [28 + 48 + 1, /SignatureListSize 77 exceeds the 76 byte\(s\) left/],
    [0xffffffff, /SignatureListSize 4294967295 exceeds/],
  ])('SignatureListSize %i', (size, message) => {
    const e = failure(db(raw(size, 0, 48)))
    expect(e.code).toBe('ERR_EVENTDATA_MALFORMED')
    expect(e.message).toMatch(message)
    expect(e.message.startsWith('db (EFI_IMAGE_SECURITY_DATABASE)')).toBe(true)
    // Offset of the list header: data at 1000 + 32-byte variable header + 2·2 name bytes.
    expect(e.offset).toBe(1036)
  })

  it.each([
    [0, /SignatureSize 0 < 16/],
    [15, /SignatureSize 15 < 16/],
    [0xffffffff, /SignatureSize 4294967295 exceeds the entry area \(48\)/],
  ])('SignatureSize %i', (size, message) => {
    expect(failure(db(raw(28 + 48, 0, size))).message).toMatch(message)
  })

  it('entry area not a multiple of SignatureSize', () => {
    expect(failure(db(raw(28 + 48, 0, 47))).message).toMatch(/entry area 48 is not a multiple of SignatureSize 47/)
    expect(failure(db(raw(28 + 48, 4, 48))).message).toMatch(/SignatureSize 48 exceeds the entry area \(44\)/)
  })

  it('a second list after a good one is checked the same way', () => {
    const good = signatureList(SHA256, new Uint8Array(0), 48, [hashEntry(1)])
    expect(failure(db(cat(good, raw(27, 0, 48)))).message).toMatch(/SignatureListSize 27 < 28/)
    expect(failure(db(cat(good, new Uint8Array(27)))).message).toMatch(/too short for an EFI_SIGNATURE_LIST header/)
  })

  it('the entry count is capped by limits.maxItemsPerEvent', () => {
    const entries = Array.from({ length: 20 }, (_, i) => hashEntry(i))
    const limits = { ...DEFAULT_EVENTLOG_LIMITS, maxItemsPerEvent: 10 }
    expect(failure(db(signatureList(SHA256, new Uint8Array(0), 48, entries), 'dbx', limits)).code).toBe('ERR_EVENTDATA_LIMIT')
    expect(lists(db(signatureList(SHA256, new Uint8Array(0), 48, entries), 'dbx')).hashCount).toBe(20)
  })

  it('X.509 list type with any SignatureSize is bounded by the same rules', () => {
    expect(failure(db(cat(guid(X509), u32(28 + 16), u32(0), u32(17), new Uint8Array(16)))).message).toMatch(/exceeds the entry area/)
  })
})
