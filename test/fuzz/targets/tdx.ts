/**
 * Intel TDX quotes: parseTdxQuote (any trailing bytes accepted, so mutations reach the structure)
 * → verifyTdxQuote at a fixed time (signatures, PCK chain decoding and validation) →
 * summarizeTdxQuote. Seeds: the committed quotes of test-vectors/cvm/tdx/ and the TD quote of the
 * corpus Azure TDX evidence. Mutation: a walker over header, v5 descriptor, body, signature data
 * length, certification data (type 6, QE authentication data, nested type 5 and its PEM chain).
 */
import { parseTdxQuote, summarizeTdxQuote, verifyTdxQuote } from '../../../src/index.js'
import { emptyLayout, mutateBinary, type Field, type Layout, type Walker } from '../lib/binary.js'
import type { Family, Seed, SeedSet } from '../family.js'
import { bytes, CORPUS, CORPUS_NOTE, corpusFiles, listDir, short, text, unhex, vec } from '../seeds.js'

export const TDX_FIXED_NOW = new Date('2025-11-01T00:00:00Z')

/** Values worth writing into the quote's type fields (versions, key / TEE / body / certification data types). */
const TDX_TYPES = [0, 1, 2, 3, 4, 5, 6, 7, 0x81, 0xffff]

const u = (b: Uint8Array, off: number, size: number): number => {
  let v = 0
  for (let i = size - 1; i >= 0; i--) v = v * 256 + (b[off + i] ?? 0)
  return v
}

/** Best-effort layout of a TD quote (never throws). */
export const walkTdxQuote: Walker = (b) => {
  const L: Layout = emptyLayout()
  const field = (off: number, size: number, kind: Field['kind'], end: number): Field | undefined => {
    if (off + size > b.length) return undefined
    const f: Field = { off, size, le: true, kind, remaining: end - (off + size) }
    L.fields.push(f)
    return f
  }
  const data = (start: number, end: number): void => {
    if (end <= b.length && end > start) L.data.push({ start, end })
  }
  field(0, 2, 'type', b.length)
  field(2, 2, 'type', b.length)
  field(4, 4, 'type', b.length)
  data(8, 48)
  let pos = 48
  let bodySize = 584
  if (u(b, 0, 2) === 5) {
    field(48, 2, 'type', b.length)
    const f = field(50, 4, 'len', b.length)
    bodySize = u(b, 50, 4)
    pos = 54
    if (f && pos + bodySize <= b.length) L.sized.push({ start: pos, end: pos + bodySize, lenField: f })
  }
  data(pos, Math.min(b.length, pos + bodySize))
  pos += bodySize
  const sigLenField = field(pos, 4, 'len', b.length)
  const sigLen = u(b, pos, 4)
  pos += 4
  const sigEnd = Math.min(b.length, pos + sigLen)
  if (sigLenField && pos + sigLen <= b.length) L.sized.push({ start: pos, end: pos + sigLen, lenField: sigLenField })
  data(pos, pos + 128)
  field(pos + 128, 2, 'type', sigEnd)
  const certField = field(pos + 130, 4, 'len', sigEnd)
  const cert = pos + 134
  const certSize = u(b, pos + 130, 4)
  if (certField && cert + certSize <= b.length) L.sized.push({ start: cert, end: cert + certSize, lenField: certField })
  data(cert, cert + 448)
  const authField = field(cert + 448, 2, 'len', sigEnd)
  const auth = u(b, cert + 448, 2)
  if (authField && cert + 450 + auth <= b.length) L.sized.push({ start: cert + 450, end: cert + 450 + auth, lenField: authField })
  const inner = cert + 450 + auth
  field(inner, 2, 'type', sigEnd)
  const chainField = field(inner + 2, 4, 'len', sigEnd)
  const chainSize = u(b, inner + 2, 4)
  if (chainField && inner + 6 + chainSize <= b.length) {
    L.sized.push({ start: inner + 6, end: inner + 6 + chainSize, lenField: chainField })
    // Each PEM block is a record (cut, duplicated, swapped, spliced between seeds).
    const pem = new TextDecoder('latin1').decode(b.subarray(inner + 6, inner + 6 + chainSize))
    for (const m of pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g)) L.records.push({ start: inner + 6 + m.index!, end: inner + 6 + m.index! + m[0].length })
  }
  return L
}

function loadSeeds(): Seed<Uint8Array>[] {
  const out: Seed<Uint8Array>[] = []
  for (const dir of ['go-tdx-guest', 'trustee', 'dcap-qvl']) {
    for (const f of listDir(vec(`cvm/tdx/${dir}`))) {
      if (/\.(dat|bin)$|\/tdx_quote(_outdated)?$/.test(f) && !f.endsWith('ccel_data.dat')) out.push({ name: short(f), value: bytes(f) })
    }
  }
  if (CORPUS) {
    for (const f of corpusFiles('attestations').filter((x) => x.endsWith('.json'))) {
      const q = (JSON.parse(text(f)) as { platformEvidence?: { tdQuote?: unknown } }).platformEvidence?.tdQuote
      if (typeof q === 'string') out.push({ name: `${short(f)}#tdQuote`, value: unhex(q) })
    }
  }
  return out
}

export const tdxFamily: Family<Uint8Array> = {
  name: 'tdx-quote',
  description: 'Intel TDX quotes: parseTdxQuote → verifyTdxQuote (fixed clock) → summarizeTdxQuote',
  async seeds(): Promise<SeedSet<Uint8Array>> {
    const seeds = loadSeeds()
    return { seeds, notes: [CORPUS_NOTE, `${seeds.length} seeds`] }
  },
  mutate(seed, rng, all) {
    return mutateBinary(seed.value, { rng, walker: walkTdxQuote, donors: all.map((s) => ({ name: s.name, bytes: s.value })), typeValues: TDX_TYPES })
  },
  async run(input) {
    const quote = parseTdxQuote(input, { trailing: 'ignore' })
    const r = await verifyTdxQuote(quote, { now: TDX_FIXED_NOW })
    return [r.valid, summarizeTdxQuote(quote)]
  },
  size: (b) => b.length,
  toBytes: (b) => b,
}
