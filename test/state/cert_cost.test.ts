/**
 * Cost of the boot state against a hostile signature database: a 1 MiB PCR 7 `db` event of a
 * thousand distinct X.509 certificates must not cost a thousand X.509 decodes. Decoding stops at
 * `maxCertificatesDecoded` per log and the rest is counted in CERTIFICATE_NOT_DECODED. Cost is
 * asserted as ratios (hostile / same-size benign time; heap growth / input bytes), not as
 * wall-clock thresholds, so the test holds on slow and fast machines alike.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { parseEventLog } from '../../src/index.js'
import { extractBootState } from '../../src/state/boot_state.js'
import { DEFAULT_BOOT_STATE_LIMITS } from '../../src/limits.js'
import { clearDecodedCertificateCache } from '../../src/x509/decoded_cache.js'
import { pemDecode } from '../../src/x509/pem.js'
import { REPO_ROOT } from '../helpers/corpus.js'
import * as B from '../fixtures/eventlog/log_builder.js'

const EFI_CERT_X509 = 'a5c059a1-94e4-4aa7-87b5-ab155c2bf072'
const COUNT = 1000

// A real certificate (the recorded swtpm EK), made distinct per copy by rewriting the last two
// bytes of its signature value (decoding does not check signatures): every copy has its own
// SHA-256, so the decode cache cannot help.
const base = pemDecode(readFileSync(join(REPO_ROOT, 'test-vectors/quotes/certs/ek-rsa.pem'), 'utf8'), ['CERTIFICATE'])[0]!
function distinctCertificate(i: number): Uint8Array {
  const der = base.slice()
  der[der.length - 2] = (i >> 8) & 0xff
  der[der.length - 1] = i & 0xff
  return der
}

function dbEvent(lists: Uint8Array[]): B.EventSpec {
  return B.driverConfigEvent({ guid: B.GUID.EFI_IMAGE_SECURITY_DATABASE, name: 'db', data: B.concat(...lists) })
}

function logWith(db: B.EventSpec): Uint8Array {
  return B.buildAgileLog({ events: [B.secureBootEvent(true), db, ...B.separators()] }).bytes
}

const LIMIT = DEFAULT_BOOT_STATE_LIMITS.maxCertificatesDecoded
const x509List = (i: number) => B.signatureList(EFI_CERT_X509, [{ data: distinctCertificate(i) }])
const hostile = logWith(dbEvent(Array.from({ length: COUNT }, (_, i) => x509List(i))))
// The benign log of the same size: as many certificates as the limit (more than any real log
// carries) and, for the rest of the bytes, one signature list of a type nobody decodes with
// 4 KiB entries (a SHA-256 list that size would exceed maxItemsPerEvent). Equal cost means the
// attester's thousand certificates cost what a legitimate db does.
const benignCerts = Array.from({ length: LIMIT }, (_, i) => x509List(COUNT + i))
const benignCertBytes = benignCerts.reduce((n, l) => n + l.length, 0)
const hostileDb = hostile.length
const FILLER_TYPE = '0b1a6f9e-35b4-4f1c-9d3e-7c2b5a4e8f10'
const fillerEntries = Math.floor((hostileDb - benignCertBytes - 200) / (16 + 4096))
const benign = logWith(dbEvent([...benignCerts, B.signatureList(FILLER_TYPE, Array.from({ length: fillerEntries }, (_, i) => ({ data: B.pseudoRandomBytes(4096, i) })))]))

// A full collection before each heap reading, so that the delta is what the result retains.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

function run(bytes: Uint8Array) {
  clearDecodedCertificateCache()
  const log = parseEventLog(bytes)
  gc()
  const heap0 = process.memoryUsage().heapUsed
  const t0 = performance.now()
  const r = extractBootState(log, { quotedPcrs: [7] })
  const ms = performance.now() - t0
  gc()
  // Retained by the result and the decode cache (cleared above), per input byte.
  return { ...r, ms, heap: process.memoryUsage().heapUsed - heap0 }
}

describe('boot state cost of a db with a thousand certificates', () => {
  it('the hostile db is about 1 MiB and the benign one the same size', () => {
    expect(hostile.length).toBeGreaterThan(COUNT * base.length)
    expect(Math.abs(benign.length - hostile.length) / hostile.length).toBeLessThan(0.01)
  })

  it(`decodes only maxCertificatesDecoded (${LIMIT}) and counts the rest`, () => {
    const { state, findings } = run(hostile)
    const certs = state.secureBoot.db.value!.certs
    expect(certs).toHaveLength(COUNT)
    const limit = LIMIT
    expect(certs.filter((c) => c.subject !== undefined)).toHaveLength(limit)
    // Every certificate keeps its fingerprint, decoded or not.
    expect(new Set(certs.map((c) => c.sha256)).size).toBe(COUNT)
    const f = findings.filter((x) => x.code === 'CERTIFICATE_NOT_DECODED')
    expect(f).toHaveLength(1)
    expect(f[0]!.severity).toBe('warning')
    expect(f[0]!.message).toContain(`${COUNT - limit} X.509 certificate(s)`)
  })

  it('the limit is the caller\'s to override (extractBootState limits)', () => {
    const log = parseEventLog(hostile)
    const { state, findings } = extractBootState(log, { limits: { maxCertificatesDecoded: 5 } })
    expect(state.secureBoot.db.value!.certs.filter((c) => c.subject !== undefined)).toHaveLength(5)
    expect(findings.find((x) => x.code === 'CERTIFICATE_NOT_DECODED')!.message).toContain(`${COUNT - 5} X.509 certificate(s)`)
  })

  it('a legitimate db within the limit is decoded completely, without the warning', () => {
    const { state, findings } = run(benign)
    const certs = state.secureBoot.db.value!.certs
    expect(certs).toHaveLength(LIMIT)
    expect(certs.every((c) => c.subject !== undefined)).toBe(true)
    expect(findings.some((x) => x.code === 'CERTIFICATE_NOT_DECODED')).toBe(false)
  })

  it('time: the thousand-certificate db costs about what a same-size db at the limit does', () => {
    // Warm both paths once (module compilation, hash provider), then take the best of three.
    run(hostile)
    run(benign)
    const best = (b: Uint8Array) => Math.min(...[0, 1, 2, 3, 4].map(() => run(b).ms))
    const ratio = best(hostile) / best(benign)
    // Decoding all 1000 measured ≈ 25x the benign log (1000 vs 32 decodes); capped: ≈ 1. The
    // bound leaves room for a noisy shared machine and still fails an uncapped decode.
    expect(ratio).toBeLessThan(5)
  })

  it('memory: heap growth stays a small multiple of the input (bounded by the decode cap)', () => {
    const { heap } = run(hostile)
    const benignHeap = run(benign).heap
    // A pkijs tree costs tens of KB per certificate: uncapped, the 256-entry decode cache fills
    // (measured ≈ 17x the input); capped, both logs hold the same 32 trees.
    expect(heap / hostile.length).toBeLessThan(benignHeap / benign.length + 1)
  })
})
