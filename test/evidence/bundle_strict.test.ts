/**
 * The evidence bundle is attester-written data: a repeated member is rejected with its JSON
 * pointer (RFC 8259 §4 leaves duplicates undefined; JSON.parse keeps the last one), and a
 * member that would set a verifier option (eventLogRegisters) is rejected; the verifier's
 * options come from the caller (verifyAttestation options, CLI flags) only. Real bytes: the
 * committed demo bundle (OVMF Secure Boot log, swtpm quote).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { evidenceBundleToJSON, parseEvidenceBundle } from '../../src/evidence/bundle.js'
import { parseStrictJson as fromTokenPath } from '../../src/token/strict_json.js'
import { parseStrictJson, StrictJsonError } from '../../src/json/strict_json.js'
import { REPO_ROOT } from '../helpers/corpus.js'
import { runCli } from '../cli/run.js'

const bundlePath = join(REPO_ROOT, 'test-vectors/demo/evidence.json')
const text = readFileSync(bundlePath, 'utf8')
const genuine = JSON.parse(text) as Record<string, unknown> & { quotes: { attest: string; signature: string }[]; ak: Record<string, unknown>; eventLog: string }

/** Insert `member` (raw JSON text, e.g. `"eventLog":"AAAA"`) right after the opening brace of the object at `at`. */
function insertAfterBrace(json: string, at: number, member: string): string {
  expect(json[at]).toBe('{')
  return json.slice(0, at + 1) + member + ',' + json.slice(at + 1)
}

describe('duplicate members', () => {
  it('a second top-level "eventLog" is rejected with its pointer, whichever value comes last', () => {
    // An attacker's log first, the genuine one last (JSON.parse would read the genuine one and a
    // first-wins reader the attacker's): neither reading is accepted.
    const dup = insertAfterBrace(text, text.indexOf('{'), `"eventLog":"${genuine.eventLog.slice(0, 64)}"`)
    expect(JSON.parse(dup).eventLog).toBe(genuine.eventLog)
    expect(() => parseEvidenceBundle(dup)).toThrowError(expect.objectContaining({ name: 'BootproofError', code: 'ERR_BUNDLE_INVALID', field: '/eventLog' }))
  })

  it('duplicates inside nested objects carry the nested pointer', () => {
    const quote0 = JSON.stringify({ attest: genuine.quotes[0]!.attest, signature: genuine.quotes[0]!.signature })
    const dupQuote = JSON.stringify({ ...genuine, quotes: ['@Q@'] }).replace('"@Q@"', quote0.replace('{', `{"attest":"AAAA",`))
    expect(() => parseEvidenceBundle(dupQuote)).toThrowError(expect.objectContaining({ code: 'ERR_BUNDLE_INVALID', field: '/quotes/0/attest' }))
    const dupAk = JSON.stringify({ ...genuine, ak: '@AK@' }).replace('"@AK@"', JSON.stringify(genuine.ak).replace('{', '{"certificate":"x",'))
    const withTwoCerts = genuine.ak.certificate === undefined ? dupAk.replace('{"certificate":"x",', '{"certificate":"x","certificate":"y",') : dupAk
    expect(() => parseEvidenceBundle(withTwoCerts)).toThrowError(expect.objectContaining({ code: 'ERR_BUNDLE_INVALID', field: '/ak/certificate' }))
    const dupBank = JSON.stringify({ ...genuine, pcrs: '@P@' }).replace('"@P@"', '{"sha256":{"0":"00"},"sha256":{"0":"11"}}')
    expect(() => parseEvidenceBundle(dupBank)).toThrowError(expect.objectContaining({ code: 'ERR_BUNDLE_INVALID', field: '/pcrs/sha256' }))
  })

  it('the genuine bundle still parses; an escaped name is the same name (a\\u0062 = ab)', () => {
    expect(parseEvidenceBundle(text).quotes).toHaveLength(1)
    const escaped = insertAfterBrace(text, text.indexOf('{'), `"\\u0065ventLog":"AAAA"`)
    expect(() => parseEvidenceBundle(escaped)).toThrowError(expect.objectContaining({ code: 'ERR_BUNDLE_INVALID', field: '/eventLog' }))
  })

  it('deep nesting is ERR_JSON_INVALID, not a RangeError', () => {
    const deep = `{"version":1,"comment":${'['.repeat(100000)}${']'.repeat(100000)}}`
    expect(() => parseEvidenceBundle(deep)).toThrowError(expect.objectContaining({ code: 'ERR_JSON_INVALID' }))
  })
})

describe('no verifier options in evidence', () => {
  it.each(['cc-mr', 'pcr'])('eventLogRegisters = %s is rejected with its pointer', (v) => {
    const t = JSON.stringify({ ...genuine, eventLogRegisters: v })
    expect(() => parseEvidenceBundle(t)).toThrowError(expect.objectContaining({ code: 'ERR_BUNDLE_INVALID', field: '/eventLogRegisters' }))
    expect(() => parseEvidenceBundle(JSON.parse(t))).toThrowError(expect.objectContaining({ code: 'ERR_BUNDLE_INVALID', field: '/eventLogRegisters' }))
  })

  it('the parsed bundle holds data only, and the serialiser round-trips it', () => {
    const b = parseEvidenceBundle(text)
    expect(Object.keys(b).sort()).toEqual(['ak', 'eventLog', 'nonce', 'quotes', 'version'].filter((k) => k in b).sort())
    const again = parseEvidenceBundle(JSON.stringify(evidenceBundleToJSON({ ...b, ak: { ...(b.ak.public instanceof Uint8Array ? { public: b.ak.public } : {}) } } as Parameters<typeof evidenceBundleToJSON>[0])))
    expect(again.eventLog).toEqual(b.eventLog)
  })

  it('$schema and comment must be strings', () => {
    expect(() => parseEvidenceBundle(JSON.stringify({ ...genuine, comment: { registers: 'cc-mr' } }))).toThrowError(expect.objectContaining({ code: 'ERR_BUNDLE_INVALID', field: '/comment' }))
  })

  it('CLI: a bundle with eventLogRegisters exits 2 with ERR_BUNDLE_INVALID; --ccel is the caller\'s switch', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'bp-bundle-'))
    const f = join(tmp, 'b.json')
    writeFileSync(f, JSON.stringify({ ...genuine, eventLogRegisters: 'cc-mr' }))
    const r = await runCli('verify', '--bundle', f, '--nonce-from-bundle', '--json')
    expect(r.code).toBe(2)
    expect(r.out + r.err).toContain('ERR_BUNDLE_INVALID')
    expect(r.out + r.err).toContain('/eventLogRegisters')
    const dup = join(tmp, 'dup.json')
    writeFileSync(dup, insertAfterBrace(text, text.indexOf('{'), `"nonce":"00"`))
    const d = await runCli('verify', '--bundle', dup, '--nonce-from-bundle', '--json')
    expect(d.code).toBe(2)
    expect(d.out + d.err).toContain('/nonce')
  })
})

describe('the strict reader at its new place', () => {
  it('the token path re-exports the same function', () => {
    expect(fromTokenPath).toBe(parseStrictJson)
  })
  it('reports the pointer of a duplicate, escaping ~ and /', () => {
    try {
      parseStrictJson('{"a/b":[{"x~":{"k":1,"k":2}}]}')
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(StrictJsonError)
      expect((e as StrictJsonError).pointer).toBe('/a~1b/0/x~0/k')
    }
  })
})
