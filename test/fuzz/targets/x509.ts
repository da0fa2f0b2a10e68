/**
 * X.509: AK / EK certificates (DER and PEM), profile checks and RFC 5280 path validation to the
 * committed test roots at a fixed time. Mutation: DER tree edits that keep every enclosing length
 * consistent (reaching extensions), DER walker mutations (tags, short/long lengths, TLV records),
 * PEM text damage.
 */
import { existsSync } from 'node:fs'
import { parseCertificate, parseCertificates } from '../../../src/x509/certificate.js'
import { verifyCertificateChain } from '../../../src/x509/chain.js'
import { akCertificateProblems } from '../../../src/x509/ak_cert.js'
import { tpmDeviceAttributes } from '../../../src/x509/ek_cert.js'
import { mutateBinary } from '../lib/binary.js'
import { mutateDerTree, pemDecodeFirst, pemEncode, walkDer } from '../lib/der.js'
import { mutateText } from '../lib/json.js'
import type { Family, Seed, SeedSet } from '../family.js'
import { bytes, CORPUS_NOTE, corpusAttestations, corpusFiles, listDir, quoteDirs, short, text, unhex, vec } from '../seeds.js'

export const FIXED_NOW = new Date('2025-06-01T00:00:00Z')

function loadCertSeeds(): Seed<Uint8Array>[] {
  const out: Seed<Uint8Array>[] = []
  const pems = [...listDir(vec('quotes/certs')), ...quoteDirs().flatMap((d) => listDir(d))].filter((f) => f.endsWith('.pem'))
  const seen = new Set<string>()
  for (const f of pems) {
    const t = text(f)
    if (!t.includes('BEGIN CERTIFICATE')) continue
    const der = pemDecodeFirst(t)
    if (!der) continue
    const key = Buffer.from(der).toString('base64')
    if (seen.has(key)) continue
    seen.add(key)
    out.push({ name: short(f), value: der })
  }
  if (existsSync(vec('quotes/certs/platform-cert.der'))) out.push({ name: 'test-vectors/quotes/certs/platform-cert.der', value: bytes(vec('quotes/certs/platform-cert.der')) })
  for (const a of corpusAttestations()) {
    if (a.doc.akCert?.hex) out.push({ name: `${a.name}#akCert`, value: unhex(a.doc.akCert.hex as string) })
    for (const [i, c] of ((a.doc.caCerts ?? []) as { hex: string }[]).entries()) out.push({ name: `${a.name}#ca${i}`, value: unhex(c.hex) })
  }
  for (const f of corpusFiles('tokens').filter((x) => x.endsWith('.jwt'))) {
    try {
      const h = JSON.parse(Buffer.from(text(f).trim().split('.')[0]!, 'base64url').toString('utf8')) as { x5c?: string[] }
      for (const [i, c] of (h.x5c ?? []).entries()) out.push({ name: `${short(f)}#x5c${i}`, value: new Uint8Array(Buffer.from(c, 'base64')) })
    } catch {
      /* not JSON: skip */
    }
  }
  return out
}

let roots: { anchors: Uint8Array[]; intermediates: Uint8Array[] } | undefined
function chainInputs(): { anchors: Uint8Array[]; intermediates: Uint8Array[] } {
  roots ??= {
    anchors: ['quotes/certs/test-ak-ca.pem', 'quotes/certs/swtpm-localca-rootca.pem'].map((f) => pemDecodeFirst(text(vec(f)))!),
    intermediates: [pemDecodeFirst(text(vec('quotes/certs/swtpm-localca-issuer.pem')))!],
  }
  return roots
}

export const x509Family: Family<Uint8Array> = {
  name: 'x509',
  description: 'X.509 certificates: parseCertificate(s), akCertificateProblems, tpmDeviceAttributes, verifyCertificateChain',
  async seeds(): Promise<SeedSet<Uint8Array>> {
    const seeds = loadCertSeeds()
    return { seeds, notes: [CORPUS_NOTE, `${seeds.length} seeds`] }
  },
  mutate(seed, rng, all) {
    const donors = all.map((s) => s.value)
    let der: Uint8Array | undefined
    if (rng.bool(0.5)) der = mutateDerTree(seed.value, rng, donors)
    der ??= mutateBinary(seed.value, { rng, walker: walkDer, donors: all.map((s) => ({ name: s.name, bytes: s.value })), typeValues: [0x02, 0x03, 0x04, 0x05, 0x06, 0x30, 0x31, 0xa0, 0xa3, 0x17, 0x18] })
    if (rng.bool(0.15)) {
      let pem = pemEncode(der)
      if (rng.bool(0.3)) pem = mutateText(pem, rng)
      if (rng.bool(0.1)) pem = pem + pemEncode(rng.pick(donors))
      return new TextEncoder().encode(pem)
    }
    return der
  },
  async run(input) {
    const isPem = input.length > 10 && input[0] === 0x2d
    const certs = isPem ? parseCertificates(input) : [parseCertificate(input)]
    for (const info of certs) {
      akCertificateProblems(info, info.publicKey)
      tpmDeviceAttributes(info)
      const { anchors, intermediates } = chainInputs()
      await verifyCertificateChain(info, { trustAnchors: anchors, intermediates, now: FIXED_NOW })
    }
  },
  size: (b) => b.length,
  toBytes: (b) => b,
}
