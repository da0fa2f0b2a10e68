/**
 * Schema tests (issue 4): the published JSON Schemas (schema/) are valid draft 2020-12 schemas
 * and describe what the library actually produces and accepts.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import Ajv2020 from 'ajv/dist/2020.js'
import { describe, expect, it } from 'vitest'
import { parseEvidenceBundle, verifyAttestation } from '../src/index.js'
import { verdictJSON } from '../src/cli/commands/verify.js'
import { CORPUS, REPO_ROOT } from './helpers/corpus.js'

const schema = (name: string) => JSON.parse(readFileSync(join(REPO_ROOT, 'schema', name), 'utf8'))
// strict, but union types ("type": ["boolean", "number", ...]) are how the policy schema types claim values.
const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true })
const bundleText = readFileSync(join(REPO_ROOT, 'test-vectors/demo/evidence.json'), 'utf8')
const policy = JSON.parse(readFileSync(join(REPO_ROOT, 'examples/policies/ovmf-sb-esp.derived.json'), 'utf8'))

describe('schema/verdict.schema.json', () => {
  const validate = ajv.compile(schema('verdict.schema.json'))
  const verdictFor = async (mutate: (b: ReturnType<typeof parseEvidenceBundle>) => void = () => {}, withPolicy = true) => {
    const b = parseEvidenceBundle(bundleText)
    mutate(b)
    const { verdict } = await verifyAttestation({ eventLog: b.eventLog!, quotes: b.quotes, ak: b.ak, nonce: b.nonce, akEnrolled: true, ...(withPolicy ? { policy } : {}) })
    return JSON.parse(verdictJSON(verdict))
  }

  it('an affirming verdict validates', async () => {
    const v = await verdictFor()
    expect(v.ear_status).toBe('affirming')
    expect(validate(v), JSON.stringify(validate.errors)).toBe(true)
  })

  it('verdicts with findings (tampered log, wrong nonce, no policy) validate', async () => {
    const tampered = await verdictFor((b) => {
      b.eventLog = b.eventLog!.slice()
      b.eventLog[b.eventLog.length - 3]! ^= 1
    })
    const wrongNonce = await verdictFor((b) => {
      b.nonce = new Uint8Array(32)
    })
    const noPolicy = await verdictFor(() => {}, false)
    for (const v of [tampered, wrongNonce, noPolicy]) {
      expect(v.bootproof_findings.length + (v === noPolicy ? 1 : 0)).toBeGreaterThan(0)
      expect(validate(v), JSON.stringify(validate.errors)).toBe(true)
    }
    expect(wrongNonce.ear_status).toBe('contraindicated')
  })

  it('rejects a verdict with an unknown status or a malformed finding', async () => {
    const v = await verdictFor()
    expect(validate({ ...v, ear_status: 'fine' })).toBe(false)
    expect(validate({ ...v, bootproof_findings: [{ code: 'x', severity: 'error', message: 'm', step: 'parse' }] })).toBe(false)
  })
})

describe('schema/evidence-bundle.schema.json', () => {
  const validate = ajv.compile(schema('evidence-bundle.schema.json'))
  it('the demo bundle validates, and what the schema rejects the parser rejects too', () => {
    const good = JSON.parse(bundleText)
    expect(validate(good), JSON.stringify(validate.errors)).toBe(true)
    for (const bad of [{ ...good, version: 2 }, { ...good, extra: 1 }, { ...good, quotes: [] }, { ...good, ak: {} }, { ...good, nonce: 'zz' }]) {
      expect(validate(bad)).toBe(false)
      expect(() => parseEvidenceBundle(JSON.stringify(bad))).toThrowError(expect.objectContaining({ code: 'ERR_BUNDLE_INVALID' }))
    }
  })
})

describe('schema/policy.schema.json', () => {
  it('is a valid 2020-12 schema and accepts every example policy', async () => {
    const validate = ajv.compile(schema('policy.schema.json'))
    for (const f of ['ovmf-sb-esp.derived.json', 'fleet-debian12-ovmf.json', 'windows-maa-claims.json']) {
      const p = JSON.parse(readFileSync(join(REPO_ROOT, 'examples/policies', f), 'utf8'))
      expect(validate(p), `${f}: ${JSON.stringify(validate.errors)}`).toBe(true)
    }
  })
})

describe('schema/eventlog.schema.json', () => {
  const validate = ajv.compile(schema('eventlog.schema.json'))
  it('describes `inspect --json` for every committed recorded and synthetic log that parses', async () => {
    const { readdirSync } = await import('node:fs')
    const { eventLogToJSON, parseEventLog } = await import('../src/index.js')
    const files = [
      ...['plain-direct', 'plain-esp', 'sb-esp'].map((b) => `test-vectors/ovmf/${b}/binary_bios_measurements`),
      ...readdirSync(join(REPO_ROOT, 'test-vectors/synthetic')).filter((f) => f.endsWith('.bin')).map((f) => `test-vectors/synthetic/${f}`),
      // Every corpus log too, when the corpus is present (real firmware, Windows, GCE, servers).
      ...(CORPUS ? readdirSync(join(CORPUS, 'logs')).map((f) => join(CORPUS!, 'logs', f)) : []),
    ]
    let checked = 0
    for (const f of files) {
      let log
      try {
        log = parseEventLog(new Uint8Array(readFileSync(f.startsWith('/') ? f : join(REPO_ROOT, f))))
      } catch {
        continue // negative vectors are rejected by design
      }
      const j = JSON.parse(JSON.stringify(eventLogToJSON(log)))
      expect(validate(j), `${f}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true)
      checked++
    }
    expect(checked).toBeGreaterThan(15)
  })
})
