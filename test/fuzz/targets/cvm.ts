/**
 * Confidential-VM hardware evidence:
 * - `snp-report`: parseSnpReport → verifySnpReport with the seed's VCEK / VLEK at a fixed time
 *   (signature, chain to the pinned roots, TCB, policy) → summarizeSnpReport;
 * - `hcl-report`: parseHclReport → verifyHclReport with the seed's VCEK or TD quote (hardware
 *   report, runtime-data binding, AK extraction).
 * Seeds: the committed vectors of test-vectors/cvm/snp and test-vectors/cvm/azure, and the HCL
 * reports (and the SEV-SNP reports inside them) of the corpus Azure vTPM evidence. Mutation: a
 * walker over the report's typed fields (versions, policy, VMPL, signature algorithm, key
 * selection), its measured regions and, for HCL reports, the unsigned header and IGVM sizes.
 */
import { parseHclReport, parseSnpReport, summarizeSnpReport, verifyHclReport, verifySnpReport } from '../../../src/index.js'
import { emptyLayout, mutateBinary, type Field, type Layout, type Walker } from '../lib/binary.js'
import type { Family, Seed, SeedSet } from '../family.js'
import { bytes, CORPUS, CORPUS_NOTE, corpusFiles, short, text, unhex, vec } from '../seeds.js'

/** Inside the validity of every committed and corpus VCEK / VLEK and the pinned roots. */
export const CVM_FIXED_NOW = new Date('2026-01-01T00:00:00Z')

const SNP_TYPES = [0, 1, 2, 3, 4, 5, 6, 0xff, 0xffffffff]

/** Typed fields of an ATTESTATION_REPORT (SEV-SNP ABI, Table 23) at `base`. */
function snpFields(b: Uint8Array, base: number, L: Layout): void {
  const end = base + 0x4a0
  const field = (off: number, size: number, kind: Field['kind']): void => {
    if (base + off + size <= b.length) L.fields.push({ off: base + off, size, le: true, kind, remaining: end - (base + off + size) })
  }
  const data = (start: number, stop: number): void => {
    if (base + stop <= b.length) L.data.push({ start: base + start, end: base + stop })
  }
  field(0x00, 4, 'type') // VERSION
  field(0x04, 4, 'value') // GUEST_SVN
  field(0x08, 8, 'value') // POLICY (debug bit 19, reserved bit 17)
  field(0x30, 4, 'value') // VMPL
  field(0x34, 4, 'type') // SIGNATURE_ALGO
  field(0x38, 8, 'value') // CURRENT_TCB
  field(0x40, 8, 'value') // PLATFORM_INFO
  field(0x48, 4, 'type') // AUTHOR_KEY_EN / MASK_CHIP_KEY / SIGNING_KEY
  field(0x180, 8, 'value') // REPORTED_TCB
  field(0x188, 1, 'value') // CPUID family (v3+)
  data(0x50, 0x90) // REPORT_DATA
  data(0x90, 0xc0) // MEASUREMENT
  data(0xc0, 0xe0) // HOST_DATA
  data(0x1a0, 0x1e0) // CHIP_ID
  data(0x2a0, 0x4a0) // SIGNATURE (r, s, reserved)
}

export const walkSnpReport: Walker = (b) => {
  const L = emptyLayout()
  snpFields(b, 0, L)
  return L
}

export const walkHclReport: Walker = (b) => {
  const L = emptyLayout()
  const u32 = (off: number): number => (off + 4 <= b.length ? new DataView(b.buffer, b.byteOffset + off, 4).getUint32(0, true) : 0)
  const field = (off: number, size: number, kind: Field['kind']): Field | undefined => {
    if (off + size > b.length) return undefined
    const f: Field = { off, size, le: true, kind, remaining: b.length - (off + size) }
    L.fields.push(f)
    return f
  }
  field(0x00, 4, 'type') // "HCLA"
  field(0x04, 4, 'type') // version
  field(0x08, 4, 'len') // report size
  field(0x0c, 4, 'type') // request type
  field(0x10, 4, 'value') // status
  snpFields(b, 0x20, L)
  field(0x4c0, 4, 'len') // IGVM request data size
  field(0x4c4, 4, 'type') // version
  field(0x4c8, 4, 'type') // report type
  field(0x4cc, 4, 'type') // hash type
  const varLen = field(0x4d0, 4, 'len') // variable data size
  const n = u32(0x4d0)
  if (varLen && 0x4d4 + n <= b.length) {
    L.sized.push({ start: 0x4d4, end: 0x4d4 + n, lenField: varLen })
    // Each JSON member of the runtime data is a record (cut, duplicated, swapped).
    const json = new TextDecoder('latin1').decode(b.subarray(0x4d4, 0x4d4 + n))
    for (const m of json.matchAll(/"[A-Za-z-]+"\s*:/g)) L.records.push({ start: 0x4d4 + m.index!, end: 0x4d4 + m.index! + m[0].length })
  }
  return L
}

/** The seed's endorsement (SEV-SNP VCEK / VLEK) or TD quote, by seed name. */
const endorsements = new Map<string, { vcek?: Uint8Array | string; tdQuote?: Uint8Array }>()

function snpSeeds(): Seed<Uint8Array>[] {
  const out: Seed<Uint8Array>[] = []
  const pairs: [string, string][] = [
    ['cvm/snp/go-sev-guest-attestation.bin', 'cvm/snp/go-sev-guest-vcek.der'],
    ['cvm/snp/trustee-test-report.bin', 'cvm/snp/trustee-test-vcek.der'],
    ['cvm/snp/trustee-test-vlek-report.bin', 'cvm/snp/trustee-test-vlek.der'],
  ]
  for (const [report, key] of pairs) {
    const name = short(vec(report))
    endorsements.set(name, { vcek: bytes(vec(key)) })
    out.push({ name, value: bytes(vec(report)) })
  }
  for (const s of hclSeeds()) {
    const e = endorsements.get(s.name)
    if (!e?.vcek || new DataView(s.value.buffer, s.value.byteOffset).getUint32(0x4c8, true) !== 2) continue
    const name = `${s.name}#snp`
    endorsements.set(name, e)
    out.push({ name, value: s.value.slice(0x20, 0x20 + 0x4a0) })
  }
  return out
}

function hclSeeds(): Seed<Uint8Array>[] {
  const out: Seed<Uint8Array>[] = []
  const add = (name: string, value: Uint8Array, e: { vcek?: Uint8Array | string; tdQuote?: Uint8Array }): void => {
    endorsements.set(name, e)
    out.push({ name, value })
  }
  add(short(vec('cvm/azure/trustee-snp-hcl-report.bin')), bytes(vec('cvm/azure/trustee-snp-hcl-report.bin')), { vcek: text(vec('cvm/azure/trustee-snp-vcek.pem')) })
  add(short(vec('cvm/azure/trustee-tdx-hcl-report.bin')), bytes(vec('cvm/azure/trustee-tdx-hcl-report.bin')), { tdQuote: bytes(vec('cvm/azure/trustee-tdx-td-quote.bin')) })
  if (CORPUS) {
    for (const f of corpusFiles('attestations').filter((x) => /az-(snp|tdx)-vtpm-evidence/.test(x))) {
      const pe = (JSON.parse(text(f)) as { platformEvidence?: { hclReport?: string; vcek?: string; vcekFormat?: string; tdQuote?: string } }).platformEvidence
      if (!pe?.hclReport) continue
      const vcek = pe.vcek === undefined ? undefined : pe.vcekFormat === 'PEM' ? pe.vcek : new Uint8Array(Buffer.from(pe.vcek, 'base64url'))
      add(`${short(f)}#hclReport`, unhex(pe.hclReport), { ...(vcek ? { vcek } : {}), ...(pe.tdQuote ? { tdQuote: unhex(pe.tdQuote) } : {}) })
    }
  }
  return out
}

export const snpFamily: Family<Uint8Array> = {
  name: 'snp-report',
  description: 'AMD SEV-SNP attestation reports: parseSnpReport → verifySnpReport (seed VCEK / VLEK, fixed clock) → summarizeSnpReport',
  async seeds(): Promise<SeedSet<Uint8Array>> {
    const seeds = snpSeeds()
    return { seeds, notes: [CORPUS_NOTE, `${seeds.length} seeds`] }
  },
  mutate(seed, rng, all) {
    return mutateBinary(seed.value, { rng, walker: walkSnpReport, donors: all.map((s) => ({ name: s.name, bytes: s.value })), typeValues: SNP_TYPES })
  },
  async run(input, seed) {
    const report = parseSnpReport(input)
    const r = await verifySnpReport(input, { vcek: endorsements.get(seed.name)!.vcek!, now: CVM_FIXED_NOW })
    return [r.valid, summarizeSnpReport(report)]
  },
  size: (b) => b.length,
  toBytes: (b) => b,
}

export const hclFamily: Family<Uint8Array> = {
  name: 'hcl-report',
  description: 'Azure HCL reports: parseHclReport → verifyHclReport (seed VCEK or TD quote, fixed clock)',
  async seeds(): Promise<SeedSet<Uint8Array>> {
    const seeds = hclSeeds()
    return { seeds, notes: [CORPUS_NOTE, `${seeds.length} seeds`] }
  },
  mutate(seed, rng, all) {
    return mutateBinary(seed.value, { rng, walker: walkHclReport, donors: all.map((s) => ({ name: s.name, bytes: s.value })), typeValues: SNP_TYPES })
  },
  async run(input, seed) {
    parseHclReport(input)
    const e = endorsements.get(seed.name)!
    const r = await verifyHclReport(input, { ...(e.vcek ? { vcek: e.vcek } : {}), ...(e.tdQuote ? { tdQuote: e.tdQuote } : {}), now: CVM_FIXED_NOW })
    return [r.valid, r.akBound, r.report]
  },
  size: (b) => b.length,
  toBytes: (b) => b,
}
