/**
 * Resource use of certificate decoding. asn1js and pkijs cost per DER value, not per byte: a
 * 70 KB certificate of small fields peaked at 44 MiB (about 250 bytes per input byte). The DER
 * pre-scan now bounds the values before any object is built. Asserted as ratios, never as
 * wall-clock thresholds: the densest shapes the default limits admit against a real certificate
 * (time and peak memory per DER value), peak memory within the fuzz bound (4x the input + 8 MiB),
 * memory per input byte for inputs the scan refuses, and what the shared cache retains per byte.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { GCProfiler, getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { BootproofError } from '../../src/errors.js'
import { DEFAULT_X509_LIMITS } from '../../src/limits.js'
import { akCertificateProblems } from '../../src/x509/ak_cert.js'
import { parseCertificate } from '../../src/x509/certificate.js'
import { verifyCertificateChain } from '../../src/x509/chain.js'
import { clearDecodedCertificateCache, decodedCertificate, decodedCertificateCacheSize } from '../../src/x509/decoded_cache.js'
import { scanCertificateDer } from '../../src/x509/der_scan.js'
import { tpmDeviceAttributes } from '../../src/x509/ek_cert.js'
import { pemDecode } from '../../src/x509/pem.js'
import { REPO_ROOT } from '../helpers/corpus.js'
import { certificateShape, extension, name, oid, seq, set, tlv, utf8 } from './der_builder.js'
import { realCertificates } from './real_certificates.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const used = (): number => {
  const h = getHeapStatistics()
  return h.used_heap_size + h.external_memory
}
// Garbage the young generation holds before it is scavenged is counted in a peak: allow it.
const young = (): number => getHeapSpaceStatistics().filter((s) => /new/.test(s.space_name)).reduce((a, s) => a + s.space_size, 0)
const macrotask = (): Promise<void> => new Promise((r) => setTimeout(r, 0))

const CERTS = join(REPO_ROOT, 'test-vectors/quotes/certs')
const pemDer = (f: string): Uint8Array => pemDecode(readFileSync(join(CERTS, f), 'utf8'), ['CERTIFICATE'])[0]!
const ANCHOR = pemDer('swtpm-localca-rootca.pem')
const NOW = new Date('2025-06-01T00:00:00Z')

/** What the fuzz family runs on a certificate: decode, profile checks, path validation. */
async function pipeline(der: Uint8Array): Promise<unknown> {
  const info = parseCertificate(der)
  akCertificateProblems(info, info.publicKey)
  tpmDeviceAttributes(info)
  await verifyCertificateChain(info, { trustAnchors: [ANCHOR], now: NOW })
  return info
}

/** Peak memory of `f` (V8 heap + external, over the post-GC level before it). */
async function measure(f: () => Promise<unknown> | unknown): Promise<{ peak: number }> {
  await macrotask()
  gc()
  const m0 = used()
  const profiler = new GCProfiler()
  profiler.start()
  try {
    await f()
  } catch (e) {
    if (!(e instanceof BootproofError)) throw e
  }
  let peak = used() - m0
  for (const g of profiler.stop().statistics) peak = Math.max(peak, g.beforeGC.heapStatistics.usedHeapSize + g.beforeGC.heapStatistics.externalMemory - m0)
  return { peak }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
/** What asn1js builds an object for: DER values and OID sub-identifiers. */
const values = (der: Uint8Array): number => {
  const s = scanCertificateDer(der, DEFAULT_X509_LIMITS)
  return s.nodes + s.oidArcs
}
const nearLimit = (der: Uint8Array): boolean => {
  const s = scanCertificateDer(der, DEFAULT_X509_LIMITS)
  return s.nodes > 0.9 * DEFAULT_X509_LIMITS.maxCertificateDerNodes || s.oidArcs > 0.9 * DEFAULT_X509_LIMITS.maxCertificateOidArcs
}
const dirName = (): Uint8Array => tlv(0xa4, name(1))

/** The densest certificates the default limits admit, each just under maxCertificateDerNodes or maxCertificateOidArcs. */
const DENSE: Record<string, () => Uint8Array> = {
  'a subject of 240 RDNs': () => certificateShape({ subjectRdns: 240 }),
  '240 extensions of unknown OIDs': () => certificateShape({ filler: 240 }),
  'an EKU of 250 OIDs (2 000 sub-identifiers)': () => certificateShape({ extensions: [extension('2.5.29.37', seq(...Array.from({ length: 250 }, (_, i) => oid(`1.3.6.1.5.5.7.3.${i + 1}`))))] }),
  'a subject attribute type of 2 000 sub-identifiers': () => certificateShape({ subject: seq(set(seq(tlv(0x06, Uint8Array.from([0x55, 0x04, 0x03, ...new Uint8Array(1990)])), utf8('x')))) }),
  'a SAN of 160 directoryNames': () => certificateShape({ extensions: [extension('2.5.29.17', seq(...Array.from({ length: 160 }, dirName)))] }),
}

// Time per value: pkijs tries every CHOICE alternative of a GeneralName, so a SAN of directoryNames
// costs about 3x per value what a real certificate does; linear, where a cost growing with the
// number of values would put a shape of ~1 000 values far past 6x one of ~150.
describe('the densest certificates within the limits: cost per DER value like a real certificate', () => {
  const real = pemDer('ek-rsa.pem')

  for (const [what, make] of Object.entries(DENSE)) {
    it(`${what}: time per value within 6x and peak memory per value within 1.5x a real EK certificate's, peak within 4x + 8 MiB`, async () => {
      const dense = make()
      const n = values(dense)
      expect(nearLimit(dense)).toBe(true)
      expect(dense.length).toBeLessThanOrEqual(DEFAULT_X509_LIMITS.maxCertificateBytes)
      await pipeline(dense)
      await pipeline(real) // warm-up
      const time: number[] = []
      const memory: number[] = []
      const timed = async (der: Uint8Array): Promise<number> => {
        const t0 = performance.now()
        for (let i = 0; i < 3; i++) await pipeline(der)
        return performance.now() - t0
      }
      for (let round = 0; round < 5; round++) {
        time.push(await timed(dense) / n / ((await timed(real)) / values(real)))
        const r = await measure(() => pipeline(real))
        const d = await measure(() => pipeline(dense))
        memory.push(d.peak / n / (r.peak / values(real)))
        expect(d.peak).toBeLessThan(4 * dense.length + 8 * 1024 * 1024 + young())
      }
      expect(median(time), `time per value ${time.map((x) => x.toFixed(2)).join(', ')}`).toBeLessThan(6)
      expect(median(memory), `peak per value ${memory.map((x) => x.toFixed(2)).join(', ')}`).toBeLessThan(1.5)
    }, 60_000)
  }
})

/** `count` INTEGERs in one SEQUENCE, written directly (millions of values in a few MB). */
function integers(count: number): Uint8Array {
  const body = new Uint8Array(3 * count)
  for (let i = 0; i < count; i++) body.set([0x02, 0x01, 0x01], 3 * i)
  return tlv(0x30, body)
}

describe('inputs the scan refuses cost no memory per value', () => {
  const REFUSED: Record<string, { der: () => Uint8Array; limits?: { maxCertificateBytes: number } }> = {
    '4 MiB certificate (maxCertificateBytes)': { der: () => certificateShape({ extensions: [extension('1.2.3.4', tlv(0x04, new Uint8Array(4 << 20)))] }) },
    '2 million INTEGERs in an extension, maxCertificateBytes raised (maxCertificateDerNodes)': {
      der: () => certificateShape({ extensions: [extension('1.2.3.4', integers(2_000_000))] }),
      limits: { maxCertificateBytes: 8 << 20 },
    },
  }
  for (const [what, { der, limits }] of Object.entries(REFUSED)) {
    it(`${what}: ERR_CERT_LIMIT with peak memory under 5% of the input`, async () => {
      const input = der()
      expect(() => parseCertificate(input, limits ? { limits } : {})).toThrow(expect.objectContaining({ code: 'ERR_CERT_LIMIT' }))
      // The least of several rounds, over what measuring nothing costs (the profiler allocates).
      const least = async (f: () => unknown): Promise<number> => {
        const peaks: number[] = []
        for (let round = 0; round < 5; round++) peaks.push((await measure(f)).peak)
        return Math.min(...peaks)
      }
      const nothing = await least(() => undefined)
      const peak = await least(() => parseCertificate(input, limits ? { limits } : {}))
      expect((peak - nothing) / input.length).toBeLessThan(0.05)
    })
  }
})

describe('the shared cache keeps plain fields, not the pkijs object graph', () => {
  it('retains at most 12 bytes per DER byte over the real certificates (about 27 with pkijs objects)', async () => {
    const certs = realCertificates()
    expect(certs.length).toBeGreaterThan(20)
    clearDecodedCertificateCache()
    for (const c of certs) decodedCertificate(c.der).pkijs // warm-up: code and lazy tables
    clearDecodedCertificateCache()
    await macrotask()
    gc()
    const m0 = used()
    // Every caller reads pkijs (chain validation does); once they are done it may be collected.
    for (const c of certs) expect(decodedCertificate(c.der).pkijs.tbsView.byteLength).toBeGreaterThan(0)
    await macrotask()
    gc()
    gc()
    const retained = used() - m0
    const { entries, bytes } = decodedCertificateCacheSize()
    expect(entries).toBe(certs.length)
    expect(retained / bytes).toBeLessThan(12)
    // The graph is rebuilt on demand, from the entry's own copy of the DER.
    for (const c of certs.slice(0, 5)) expect(new Uint8Array(decodedCertificate(c.der).pkijs.tbsView)).toEqual(new Uint8Array(parseCertificate(c.der).pkijs.tbsView))
  })
})
