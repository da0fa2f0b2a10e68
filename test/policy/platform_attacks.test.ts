/**
 * Policy rules for the platform attacks P-01 to P-07 and L-07, on the committed
 * sb-esp recording (real swtpm quote) and the synthetic locality vectors:
 * - P-01 `secureBoot.sbatMinimum` (SbatLevel in PCR 7);
 * - P-02 `secureBoot.requiredAuthorities` / `forbiddenAuthorities` (EV_EFI_VARIABLE_AUTHORITY);
 * - L-07 / P-03 `platform.startupLocality` (reset-and-replay from locality 0);
 * - P-07 ROCA AK moduli (`tpm.allowRocaKeys`).
 */
import { createPublicKey } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { parseEventLog } from '../../src/index.js'
import { extractBootState } from '../../src/state/boot_state.js'
import { appraisePolicy, checkPolicy, derivePolicy, type AppraisalInput, type AppraisalResult, type Policy } from '../../src/policy/index.js'
import { parseSbatLevel, sbatShortfalls } from '../../src/policy/sbat.js'
import { ROCA_GENERATOR, ROCA_PRIMES } from '../../src/tpm/roca.js'
import { REPO_ROOT, repoBytes } from '../helpers/corpus.js'
import { errors, loadSbEsp, SB, selfQuote, tamperData, type SbEsp } from './helpers.js'

let ev: SbEsp
let policy: Policy
beforeAll(async () => {
  ev = await loadSbEsp()
  policy = derivePolicy([{ log: ev.log, quotedPcrs: ev.pcrs }], { id: 'test/sb-esp' })
})

const run = (over: Partial<AppraisalInput> = {}): AppraisalResult => appraisePolicy({ policy, log: ev.log, quote: ev.quote, nonceChecked: true, ...over })
const codes = (r: AppraisalResult) => r.findings.map((f) => f.code)
const clone = <T>(x: T): T => structuredClone(x)
const status = (r: AppraisalResult, c: string) => r.components.find((x) => x.component === c)?.status
const withSb = (sb: Partial<NonNullable<Policy['secureBoot']>>): Policy => {
  const p = clone(policy)
  p.secureBoot = { ...p.secureBoot!, ...sb }
  return p
}
const state = () => clone(extractBootState(ev.log, { quotedPcrs: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }).state)

const UEFI_CA_2011 = '48e99b991f57fc52f76149599bff0a58c47154229b9f8d603ac40d3500248507'
const DEBIAN_CA = '079646974bce09b1f04da67bd722d1fb0947ae4c4010bccdbba52d5b23cbf1a2'

// ------------------------------------------------------------------ P-01

describe('SbatLevel parsing', () => {
  it('reads the escaped form the boot state carries, raw line feeds and CRLF', () => {
    for (const text of ['sbat,1,2025021800\\x0ashim,4\\x0agrub,5\\x0a', 'sbat,1,2025021800\nshim,4\ngrub,5\n', 'sbat,1,2025021800\r\nshim,4\r\ngrub,5', 'sbat,1,2025021800\\x0d\\x0ashim,4\\x0d\\x0agrub,5\\x0d\\x0a']) {
      const r = parseSbatLevel(text)
      expect(r.ok, text).toBe(true)
      if (r.ok) {
        expect(r.level.date).toBe('2025021800')
        expect([...r.level.generations]).toEqual([['sbat', 1], ['shim', 4], ['grub', 5]])
      }
    }
    const old = parseSbatLevel('sbat,1,2021030218\n')
    expect(old.ok && old.level.generations.get('grub')).toBe(undefined)
    const dotted = parseSbatLevel('sbat,1,2024010900\nshim,4\ngrub,3\ngrub.debian,4\n')
    expect(dotted.ok && dotted.level.generations.get('grub.debian')).toBe(4)
  })
  it('anything unexpected makes the whole level unreadable', () => {
    for (const [text, why] of [
      ['', /empty/],
      ['grub,5\n', /first line/],
      ['sbat,1,2025021800\ngrub,five\n', /generation is not a number/],
      ['sbat,1,20250218\n', /YYYYMMDDNN/],
      ['sbat,1,2025021800\ngrub,5,2025021800\n', /3 fields/],
      ['sbat,1,2025021800\ngrub,5\ngrub,3\n', /listed twice/],
      ['sbat,1,2025021800\n\ngrub,5\n', /not "<component>,<generation>"/],
      ['sbat,1,2025021800\\x00grub,5', /not a number|fields/],
    ] as const) {
      const r = parseSbatLevel(text)
      expect(r.ok, JSON.stringify(text)).toBe(false)
      if (!r.ok) expect(r.error, JSON.stringify(text)).toMatch(why)
    }
  })
  it('shortfalls: lower generation, unlisted component (generation 0), earlier or missing date', () => {
    const r = parseSbatLevel('sbat,1,2024010900\nshim,3\n')
    if (!r.ok) throw new Error(r.error)
    expect(sbatShortfalls(r.level, { components: { sbat: 1, shim: 4, grub: 3 }, date: '2025021800' })).toEqual([
      { what: 'shim', expected: 'shim,4', observed: 'shim,3' },
      { what: 'grub', expected: 'grub,3', observed: 'grub not listed (generation 0)' },
      { what: 'date', expected: 'sbat date >= 2025021800', observed: 'sbat date 2024010900' },
    ])
    expect(sbatShortfalls(r.level, { components: { shim: 3 }, date: '2024010900' })).toEqual([])
  })
})

describe('P-01: secureBoot.sbatMinimum', () => {
  it('derivePolicy pins the recorded SbatLevel, and the recording meets it', () => {
    expect(policy.secureBoot!.sbatMinimum).toEqual({ components: { sbat: 1, shim: 4, grub: 5 }, date: '2025021800' })
    const r = run()
    expect(errors(r.findings)).toEqual([])
    expect(r.checks.secureBoot.status).toBe('pass')
  })
  it('a higher grub generation: POLICY_SBAT_BELOW_MINIMUM naming the SbatLevel event, boot loader contraindicated', () => {
    const r = run({ policy: withSb({ sbatMinimum: { components: { shim: 4, grub: 6 } } }) })
    expect(codes(r)).toEqual(['POLICY_SBAT_BELOW_MINIMUM'])
    const f = r.findings[0]!
    expect(f).toMatchObject({ component: 'secure-boot', componentName: 'SbatLevel', pcr: 7, eventIndex: 26, eventType: 'EV_EFI_VARIABLE_AUTHORITY', expected: 'grub,6', observed: 'grub,5', severity: 'error' })
    expect(f.message).toMatch(/^SbatLevel \(event 26\) has grub,5; the policy requires at least grub,6/)
    expect(status(r, 'secure-boot')).toBe('contraindicated')
    expect(status(r, 'boot-loader')).toBe('contraindicated')
    expect(r.ok).toBe(false)
  })
  it('a later date and an unlisted component: one finding each', () => {
    const r = run({ policy: withSb({ sbatMinimum: { components: { 'grub.debian': 1 }, date: '2025030100' } }) })
    expect(r.findings.map((f) => [f.code, f.expected, f.observed])).toEqual([
      ['POLICY_SBAT_BELOW_MINIMUM', 'grub.debian,1', 'grub.debian not listed (generation 0)'],
      ['POLICY_SBAT_BELOW_MINIMUM', 'sbat date >= 2025030100', 'sbat date 2025021800'],
    ])
  })
  it('SbatLevel data edited, digest kept (R-02): untrusted, never a pass', () => {
    const log = parseEventLog(tamperData(ev.log, ev.bytes, 26, ev.log.events[26]!.data.length - 1))
    const r = run({ log })
    const f = r.findings.find((x) => x.code === 'POLICY_FACT_UNTRUSTED' && x.eventIndex === 26)
    expect(f).toMatchObject({ component: 'secure-boot', pcr: 7 })
    expect(f!.message).toMatch(/^SbatLevel cannot be used by the policy/)
    expect(codes(r)).not.toContain('POLICY_SBAT_BELOW_MINIMUM')
    expect(r.ok).toBe(false)
  })
  it('no SbatLevel measured (shim < 15.3, or no shim): evidence missing, fail closed', () => {
    const s = state()
    s.linux.shim.sbatLevel = { value: undefined, trusted: true, events: [] }
    const r = run({ state: s })
    expect(codes(r)).toEqual(['POLICY_EVIDENCE_MISSING'])
    expect(r.findings[0]).toMatchObject({ component: 'secure-boot', componentName: 'SbatLevel', pcr: 7, expected: 'sbat,1; shim,4; grub,5; sbat date >= 2025021800' })
  })
  it('an unreadable SbatLevel is below any minimum', () => {
    const s = state()
    s.linux.shim.sbatLevel = { ...s.linux.shim.sbatLevel, value: 'sbat,1,2025021800\\x0agrub,five\\x0a' }
    const r = run({ state: s })
    expect(codes(r)).toEqual(['POLICY_SBAT_BELOW_MINIMUM'])
    expect(r.findings[0]!.message).toMatch(/cannot be read \(line 2 "grub,five": generation is not a number\)/)
  })
  it('no valid quote: the SbatLevel is not trusted', () => {
    const r = run({ quote: { valid: false, pcrs: ev.pcrs } })
    expect(r.findings.find((f) => f.code === 'POLICY_FACT_UNTRUSTED' && f.message.startsWith('SbatLevel'))).toBeDefined()
  })
})

// ------------------------------------------------------------------ P-02

describe('P-02: secureBoot.requiredAuthorities / forbiddenAuthorities', () => {
  it('required by common name, by fingerprint, by whole subject: matched and reported', () => {
    const p = withSb({
      requiredAuthorities: [
        { anyOf: [{ commonName: 'Microsoft UEFI CA 2023' }, { commonName: 'Microsoft Corporation UEFI CA 2011' }], description: 'shim signed by the Microsoft third-party CA' },
        { anyOf: [{ sha256: DEBIAN_CA }] },
        { anyOf: [{ subject: 'CN=Debian Secure Boot CA', commonName: 'Debian Secure Boot CA', sha256: DEBIAN_CA }] },
      ],
    })
    const r = run({ policy: p })
    expect(errors(r.findings)).toEqual([])
    const matched = r.components.find((c) => c.component === 'secure-boot')!.matched.filter((m) => m.reference.startsWith('/secureBoot/requiredAuthorities'))
    expect(matched).toEqual([
      { reference: '/secureBoot/requiredAuthorities/0', name: 'shim signed by the Microsoft third-party CA', events: [22] },
      { reference: '/secureBoot/requiredAuthorities/1', events: [28] },
      { reference: '/secureBoot/requiredAuthorities/2', events: [28] },
    ])
  })
  it('a missing required authority (Windows UEFI CA 2023) lists the authorities that were used', () => {
    const r = run({ policy: withSb({ requiredAuthorities: [{ anyOf: [{ commonName: 'Microsoft Windows UEFI CA 2023' }, { commonName: 'Microsoft UEFI CA 2023' }] }] }) })
    expect(codes(r)).toEqual(['POLICY_AUTHORITY_REQUIRED'])
    const f = r.findings[0]!
    expect(f).toMatchObject({ component: 'secure-boot', pcr: 7, reference: '/secureBoot/requiredAuthorities/0', relatedEvents: [22, 28], expected: 'CN=Microsoft Windows UEFI CA 2023 | CN=Microsoft UEFI CA 2023' })
    expect(f.observed).toMatch(/^db ".*CN=Microsoft Corporation UEFI CA 2011" \(event 22\); MokListRT "CN=Debian Secure Boot CA" \(event 28\)$/)
    expect(status(r, 'boot-loader')).toBe('contraindicated')
  })
  it('every key of a match must hold: the Debian fingerprint with a Microsoft CN matches nothing', () => {
    const r = run({ policy: withSb({ requiredAuthorities: [{ anyOf: [{ sha256: DEBIAN_CA, commonName: 'Microsoft Corporation UEFI CA 2011' }] }] }) })
    expect(codes(r)).toEqual(['POLICY_AUTHORITY_REQUIRED'])
  })
  it('a forbidden authority names its event; a forbidden CA that is only in db is not a finding', () => {
    const p = withSb({
      forbiddenAuthorities: [
        { commonName: 'Microsoft Windows Production PCA 2011', description: 'Windows boot managers signed before KB5025885 (BlackLotus)' },
        { sha256: UEFI_CA_2011, description: 'Microsoft UEFI CA 2011 (expires 2026)' },
      ],
    })
    const r = run({ policy: p })
    expect(codes(r)).toEqual(['POLICY_AUTHORITY_FORBIDDEN'])
    const f = r.findings[0]!
    expect(f).toMatchObject({ component: 'secure-boot', pcr: 7, eventIndex: 22, eventType: 'EV_EFI_VARIABLE_AUTHORITY', observed: UEFI_CA_2011, reference: '/secureBoot/forbiddenAuthorities/1' })
    expect(f.message).toMatch(/^event 22 \(EV_EFI_VARIABLE_AUTHORITY\): a boot image was verified by the forbidden authority db ".*Microsoft Corporation UEFI CA 2011" \(event 22\): Microsoft UEFI CA 2011 \(expires 2026\)$/)
    expect(status(r, 'boot-loader')).toBe('contraindicated')
  })
  it('SbatLevel (also an EV_EFI_VARIABLE_AUTHORITY) is not an authority', () => {
    const r = run({ policy: withSb({ requiredAuthorities: [{ anyOf: [{ subject: 'sbat,1,2025021800\\x0ashim,4\\x0agrub,5\\x0a' }] }] }) })
    expect(codes(r)).toEqual(['POLICY_AUTHORITY_REQUIRED'])
  })
  it('an authority event whose data was edited: a required match is untrusted, a forbidden one is still reported', () => {
    // flip a byte inside the certificate (offset 100 of the variable data is DER)
    const log = parseEventLog(tamperData(ev.log, ev.bytes, 28, ev.log.events[28]!.data.length - 100))
    const req = run({ log, policy: withSb({ requiredAuthorities: [{ anyOf: [{ commonName: 'Debian Secure Boot CA' }] }] }) })
    const f = req.findings.find((x) => x.code === 'POLICY_FACT_UNTRUSTED' && x.reference === '/secureBoot/requiredAuthorities/0')
    expect(f).toMatchObject({ eventIndex: 28, pcr: 7 })
    expect(f!.message).toMatch(/only in MokListRT .*\(event 28\), which cannot be used/)
    const forb = run({ log, policy: withSb({ forbiddenAuthorities: [{ commonName: 'Debian Secure Boot CA' }] }) })
    expect(forb.findings.find((x) => x.code === 'POLICY_AUTHORITY_FORBIDDEN')).toMatchObject({ eventIndex: 28 })
    expect(forb.findings.find((x) => x.code === 'POLICY_AUTHORITY_FORBIDDEN')!.message).toMatch(/the event itself is not trusted/)
  })
  it('a match needs a key to match on', () => {
    const r = checkPolicy({ id: 'p', version: 1, secureBoot: { forbiddenAuthorities: [{ description: 'everything?' }] } })
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.issues).toEqual([{ path: '/secureBoot/forbiddenAuthorities/0', message: 'needs at least one of "sha256", "subject", "commonName"' }])
  })
})

// ------------------------------------------------------------------ L-07 / P-03

describe('L-07 / P-03: platform.startupLocality', () => {
  const syn = (name: string) => parseEventLog(repoBytes(`test-vectors/synthetic/${name}.bin`))
  const loc3 = syn('startup-locality-3') // genuine locality-3 (TXT / Boot Guard) boot
  const plain = syn('valid-sha1-sha256') // the same boot, no StartupLocality: a locality-0 replay
  const hcrtm = syn('hcrtm-start')
  const pinned = (startupLocality: 0 | 3 | 4) => ({ id: 'test/locality', version: 1, platform: { startupLocality } })
  const appraise = (policy: unknown, log: ReturnType<typeof syn>, quote = selfQuote(log)) => appraisePolicy({ policy, log, quote, nonceChecked: true })

  it('a policy pinning only the locality is valid, and PCR 0 becomes required', () => {
    expect(checkPolicy(pinned(3)).ok).toBe(true)
    expect(appraise(pinned(3), loc3).relevantPcrs).toEqual([0])
  })
  it('(a) a consistent locality-3 log and quote pass', () => {
    const r = appraise(pinned(3), loc3)
    expect(r.findings).toEqual([])
    expect(r.checks.platform.status).toBe('pass')
    expect(status(r, 'platform-firmware')).toBe('affirming')
  })
  it('reset-and-replay: a locality-0 TPM replaying the same measurements (quote and log agree) fails when pinned to 3', () => {
    const r = appraise(pinned(3), plain)
    expect(codes(r)).toEqual(['POLICY_STARTUP_LOCALITY'])
    expect(r.findings[0]).toMatchObject({ component: 'platform-firmware', pcr: 0, expected: '3', observed: '0 (no StartupLocality or H-CRTM record)' })
    expect(r.findings[0]!.message).toMatch(/TPM reset and replay from locality 0/)
    expect(status(r, 'platform-firmware')).toBe('contraindicated')
  })
  it('(b) the genuine locality-3 quote with the StartupLocality record stripped: PCR 0 unverified and the locality differs', () => {
    const r = appraise(pinned(3), plain, selfQuote(loc3))
    expect(new Set(codes(r))).toEqual(new Set(['POLICY_PCR_UNVERIFIED', 'POLICY_STARTUP_LOCALITY']))
    expect(r.findings.find((f) => f.code === 'POLICY_PCR_UNVERIFIED')).toMatchObject({ pcr: 0 })
  })
  it('a locality-3 log on a platform pinned to 0 names the StartupLocality event', () => {
    const r = appraise(pinned(0), loc3)
    expect(r.findings).toEqual([expect.objectContaining({ code: 'POLICY_STARTUP_LOCALITY', eventIndex: 1, eventType: 'EV_NO_ACTION', expected: '0', observed: '3' })])
  })
  it('H-CRTM (locality 4): pinned 4 passes, pinned 3 names the EV_EFI_HCRTM_EVENT', () => {
    expect(appraise(pinned(4), hcrtm).findings).toEqual([])
    expect(appraise(pinned(3), hcrtm).findings).toEqual([expect.objectContaining({ code: 'POLICY_STARTUP_LOCALITY', eventIndex: 1, eventType: 'EV_EFI_HCRTM_EVENT', observed: '4' })])
  })
  it('sb-esp (OVMF, no record) is locality 0: the derived pin passes, a pin of 3 fails', () => {
    expect(policy.platform).toEqual({ startupLocality: 0 })
    expect(errors(run().findings)).toEqual([])
    const p = clone(policy)
    p.platform = { startupLocality: 3 }
    expect(codes(run({ policy: p }))).toEqual(['POLICY_STARTUP_LOCALITY'])
  })
  it('derivePolicy pins the locality the known-good logs state, and nothing when they disagree', () => {
    expect(derivePolicy([loc3], { id: 'x', secureBoot: false }).platform).toEqual({ startupLocality: 3 })
    expect(derivePolicy([hcrtm], { id: 'x', secureBoot: false }).platform).toEqual({ startupLocality: 4 })
    expect(derivePolicy([loc3, plain], { id: 'x', secureBoot: false }).platform).toBeUndefined()
    expect(derivePolicy([loc3], { id: 'x', secureBoot: false, startupLocality: false }).platform).toBeUndefined()
    expect(derivePolicy([loc3], { id: 'x', secureBoot: false, pcrs: [4, 7] }).platform).toBeUndefined()
  })
  it('no log and no state: evidence missing', () => {
    const r = appraisePolicy({ policy: pinned(3), quote: selfQuote(loc3), nonceChecked: true })
    expect(codes(r)).toEqual(['POLICY_EVIDENCE_MISSING'])
  })
})

// ------------------------------------------------------------------ P-07

describe('P-07: ROCA AK moduli', () => {
  /** A 2048-bit number with the ROCA structure by construction: (k1·M + 65537^a) (k2·M + 65537^b). */
  const rocaModulus = (() => {
    const M = [2, ...ROCA_PRIMES].reduce((a, r) => a * BigInt(r), 1n)
    const g = BigInt(ROCA_GENERATOR)
    const pow = (e: number) => {
      let r = 1n
      for (let i = 0; i < e; i++) r = (r * g) % M
      return r
    }
    // factors just above 2^1023.5, so that the product has 2048 bits
    const k = (seed: bigint) => ((1n << 1023n) * 14143n) / 10000n / M + seed * 7919n
    return (k(11n) * M + pow(1234)) * (k(13n) * M + pow(4321))
  })()
  const spkiOf = (n: bigint) => {
    const hex = n.toString(16)
    const nb = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex')
    return new Uint8Array(createPublicKey({ key: { kty: 'RSA', n: nb.toString('base64url'), e: 'AQAB' }, format: 'jwk' }).export({ type: 'spki', format: 'der' }))
  }
  const akPub = (dir: string) => repoBytes(`${dir}/ak.pub`)

  it('the recorded AK passes; the check is reported', () => {
    const r = run({ ak: akPub(`${SB}/quote`) })
    expect(errors(r.findings)).toEqual([])
    expect(r.checks.tpm).toEqual({ status: 'pass', findings: 0 })
  })
  it('without the AK the check does not run', () => {
    expect(run().checks.tpm.status).toBe('not-configured')
  })
  it('an ECDSA AK has no modulus to test', () => {
    expect(run({ ak: akPub('test-vectors/quotes/ecdsa-p256-sha256') }).checks.tpm.status).toBe('pass')
  })
  it('a ROCA-fingerprint modulus is POLICY_AK_WEAK_KEY, an error, whatever else the policy says', () => {
    expect(rocaModulus.toString(2)).toHaveLength(2048)
    const r = run({ ak: { spki: spkiOf(rocaModulus) } })
    expect(codes(r)).toEqual(['POLICY_AK_WEAK_KEY'])
    expect(r.findings[0]).toMatchObject({ severity: 'error', component: 'attestation', componentName: 'AK', observed: rocaModulus.toString(16) })
    expect(r.findings[0]!.message).toMatch(/^the AK's RSA-2048 modulus \(SPKI\) has the ROCA fingerprint \(CVE-2017-15361/)
    expect(r.ok).toBe(false)
    expect(status(r, 'attestation')).toBe('contraindicated')
    expect(r.checks.tpm.status).toBe('fail')
  })
  it('tpm.allowRocaKeys: true keeps it visible as a warning', () => {
    const p = clone(policy)
    p.tpm = { allowRocaKeys: true }
    const r = run({ policy: p, ak: { spki: spkiOf(rocaModulus) } })
    expect(r.findings).toEqual([expect.objectContaining({ code: 'POLICY_AK_WEAK_KEY', severity: 'warning' })])
    expect(r.ok).toBe(true)
    expect(status(r, 'attestation')).toBe('warning')
  })
  it('a modulus one off the structure is not flagged', () => {
    expect(run({ ak: { spki: spkiOf(rocaModulus + 2n) } }).checks.tpm.status).toBe('pass')
  })
  it('an AK that cannot be read is evidence missing', () => {
    const r = run({ ak: new Uint8Array([1, 2, 3]) })
    expect(codes(r)).toEqual(['POLICY_EVIDENCE_MISSING'])
    expect(r.findings[0]).toMatchObject({ component: 'attestation', componentName: 'AK' })
  })
  it('tpm and platform keys are validated strictly', () => {
    for (const [doc, path] of [
      [{ id: 'p', version: 1, secureBoot: { required: true }, tpm: { allowRoca: true } }, '/tpm/allowRoca'],
      [{ id: 'p', version: 1, secureBoot: { required: true }, tpm: {} }, '/tpm'],
      [{ id: 'p', version: 1, platform: { startupLocality: 2 } }, '/platform/startupLocality'],
    ] as const) {
      const r = checkPolicy(doc)
      expect(r.ok, JSON.stringify(doc)).toBe(false)
      if (!r.ok) expect(r.issues.map((i) => i.path), JSON.stringify(doc)).toContain(path)
    }
  })
})

describe('what counts as a check (attack H-07)', () => {
  it('SBAT, authority and locality rules alone are checks; tpm.allowRocaKeys and debugModeAllowed alone are not', () => {
    for (const part of [{ secureBoot: { sbatMinimum: { date: '2025021800' } } }, { secureBoot: { forbiddenAuthorities: [{ commonName: 'x' }] } }, { secureBoot: { requiredAuthorities: [{ anyOf: [{ commonName: 'x' }] }] } }, { platform: { startupLocality: 0 } }]) {
      expect(checkPolicy({ id: 'p', version: 1, ...part }).ok, JSON.stringify(part)).toBe(true)
    }
    for (const part of [{ tpm: { allowRocaKeys: false } }, { secureBoot: { debugModeAllowed: false } }]) {
      const r = checkPolicy({ id: 'p', version: 1, ...part })
      expect(r.ok, JSON.stringify(part)).toBe(false)
      if (!r.ok) expect(r.issues[0]!.message).toMatch(/the policy checks nothing/)
    }
  })
})

describe('examples', () => {
  it('the hand-written Windows example requires Windows UEFI CA 2023 and forbids PCA 2011', () => {
    const p = JSON.parse(readFileSync(resolve(REPO_ROOT, 'examples/policies/windows-maa-claims.json'), 'utf8')) as Policy
    expect(p.secureBoot!.requiredAuthorities![0]!.anyOf.map((m) => m.commonName)).toContain('Microsoft Windows UEFI CA 2023')
    expect(p.secureBoot!.forbiddenAuthorities!.map((m) => m.commonName)).toContain('Microsoft Windows Production PCA 2011')
  })
})
