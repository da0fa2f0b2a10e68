/**
 * Policy v1 schema and validator: the published schema and the derived example are in sync with
 * their sources, examples validate, every invalid case names its JSON pointer, versions are checked.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkPolicy, PolicyError, POLICY_FINDING_CODES, POLICY_SCHEMA, validatePolicy } from '../../src/policy/index.js'
import { OUTPUTS, render } from '../../scripts/write-schemas.js'
import { REPO_ROOT } from '../helpers/corpus.js'

const read = (rel: string) => readFileSync(resolve(REPO_ROOT, rel), 'utf8')
const minimal = { id: 'p', version: 1, secureBoot: { required: true } }

function issuesOf(doc: unknown): { path: string; message: string }[] {
  const r = checkPolicy(doc)
  if (r.ok) throw new Error('expected the policy to be invalid')
  return r.issues
}

describe('published artefacts are in sync (scripts/write-schemas.ts)', () => {
  it('schema/policy.schema.json equals POLICY_SCHEMA', () => {
    expect(read('schema/policy.schema.json')).toBe(render(POLICY_SCHEMA))
  })
  it('every generated file equals a fresh generation', () => {
    for (const [rel, make] of Object.entries(OUTPUTS)) expect(read(rel), rel).toBe(render(make()))
  })
  it('docs/policy.md lists every finding code with its AR4SI claim and value', () => {
    const doc = read('docs/policy.md')
    for (const [code, info] of Object.entries(POLICY_FINDING_CODES)) {
      const row = doc.split('\n').find((l) => l.startsWith('|') && l.includes(`\`${code}\``))
      expect(row, code).toBeDefined()
      expect(row, code).toContain(`${info.claim} ${info.value}`)
    }
  })
  it('the schema is draft 2020-12 and closed at the top level', () => {
    expect(POLICY_SCHEMA.$schema).toBe('https://json-schema.org/draft/2020-12/schema')
    expect(POLICY_SCHEMA.additionalProperties).toBe(false)
  })
})

describe('valid policies', () => {
  const files = readdirSync(resolve(REPO_ROOT, 'examples/policies')).filter((f) => f.endsWith('.json'))
  it('there are examples: a derived one and hand-written ones', () => {
    expect(files).toContain('ovmf-sb-esp.derived.json')
    expect(files).toContain('fleet-debian12-ovmf.json')
  })
  for (const f of files) {
    it(`examples/policies/${f} validates`, () => {
      const p = validatePolicy(JSON.parse(read(`examples/policies/${f}`)))
      expect(p.version).toBe(1)
    })
  }
  it('accepts JSON text and returns a deep copy', () => {
    const src = { ...minimal }
    const p = validatePolicy(JSON.stringify(src))
    expect(p).toEqual(src)
    expect(validatePolicy(src)).not.toBe(src)
  })
})

describe('versions', () => {
  it('an unknown version throws ERR_POLICY_VERSION', () => {
    for (const v of [2, 0, '1', 1.5, null]) {
      try {
        validatePolicy({ ...minimal, version: v })
        expect.unreachable()
      } catch (e) {
        expect(e).toBeInstanceOf(PolicyError)
        expect((e as PolicyError).code).toBe('ERR_POLICY_VERSION')
        expect((e as PolicyError).issues[0]!.path).toBe('/version')
      }
    }
  })
  it('a missing version is ERR_POLICY_INVALID at /version', () => {
    const { version: _, ...rest } = minimal
    expect(() => validatePolicy(rest)).toThrow(expect.objectContaining({ code: 'ERR_POLICY_INVALID' }))
    expect(issuesOf(rest)).toEqual([{ path: '/version', message: 'missing required property "version"' }])
  })
  it('non-objects and non-JSON are ERR_POLICY_INVALID', () => {
    for (const d of [null, [], 'not json', 42]) expect(() => validatePolicy(d)).toThrow(expect.objectContaining({ code: 'ERR_POLICY_INVALID' }))
  })
})

describe('invalid cases name their path and say why', () => {
  const cases: [string, unknown, string, RegExp][] = [
    ['unknown top-level key, with a hint', { ...minimal, secureboot: {} }, '/secureboot', /unknown property "secureboot" \(did you mean "secureBoot"\?\)/],
    ['missing id', { version: 1, secureBoot: { required: true } }, '', /missing required property "id"/],
    ['empty id', { ...minimal, id: '' }, '/id', /must not be empty/],
    ['wrong type', { ...minimal, secureBoot: { required: 'yes' } }, '/secureBoot/required', /must be boolean \(got string\)/],
    ['PCR out of range', { ...minimal, pcrs: { required: [0, 24] } }, '/pcrs/required/1', /must be <= 23/],
    ['duplicate PCR', { ...minimal, pcrs: { required: [7, 7] } }, '/pcrs/required/1', /duplicates item 0/],
    ['unknown bank', { ...minimal, pcrs: { banks: ['sha3'] } }, '/pcrs/banks/0', /must be one of "sha1", "sha256"/],
    ['short digest', { ...minimal, eventRules: [{ component: 'boot-loader', pcr: 4, alternatives: [{ events: [{ sha256: 'abcd' }] }] }] }, '/eventRules/0/alternatives/0/events/0/sha256', /must be 64 lowercase hex digits \(got 4 characters\)/],
    ['uppercase digest', { ...minimal, secureBoot: { dbx: { mustContain: [{ sha256: 'A'.repeat(64) }] } } }, '/secureBoot/dbx/mustContain/0/sha256', /lowercase hex/],
    ['unknown component', { ...minimal, eventRules: [{ component: 'bootloader', pcr: 4, match: 'any' }] }, '/eventRules/0/component', /did you mean "boot-loader"/],
    ['unknown key in a rule', { ...minimal, eventRules: [{ component: 'boot-loader', pcr: 4, match: 'any', digest: {} }] }, '/eventRules/0/digest', /unknown property "digest"/],
    ['unknown event type', { ...minimal, eventRules: [{ component: 'boot-loader', pcr: 4, eventTypes: ['EV_EFI_BOOT_SERVICES_APP'], match: 'any' }] }, '/eventRules/0/eventTypes/0', /unknown event type "EV_EFI_BOOT_SERVICES_APP" \(did you mean "EV_EFI_BOOT_SERVICES_APPLICATION"\?\)/],
    ['sequence rule without alternatives', { ...minimal, eventRules: [{ component: 'boot-loader', pcr: 4 }] }, '/eventRules/0', /missing required property "alternatives"/],
    ['any rule with alternatives', { ...minimal, eventRules: [{ component: 'boot-loader', pcr: 4, match: 'any', alternatives: [{ events: [] }] }] }, '/eventRules/0/alternatives', /remove "alternatives"/],
    ['entry with neither digest nor any', { ...minimal, eventRules: [{ component: 'boot-loader', pcr: 4, alternatives: [{ events: [{ description: 'x' }] }] }] }, '/eventRules/0/alternatives/0/events/0', /needs at least one digest/],
    [
      'ambiguous slots',
      { ...minimal, eventRules: [{ component: 'boot-loader', pcr: 4, eventTypes: ['EV_EFI_ACTION'], match: 'any' }, { component: 'boot-loader', pcr: 4, eventTypes: ['EV_EFI_ACTION', 'EV_SEPARATOR'], match: 'any' }] },
      '/eventRules/1/eventTypes',
      /already governed by \/eventRules\/0/,
    ],
    ['set rule sharing a slot', { ...minimal, eventRules: [{ component: 'boot-loader', pcr: 4, match: 'any' }, { component: 'os-kernel', pcr: 4, alternatives: [{ events: [] }] }] }, '/eventRules/0/match', /must be the only rule of its slot/],
    ['golden value of the wrong length', { ...minimal, pcrValues: [{ pcr: 0, bank: 'sha256', alternatives: ['00'.repeat(20)] }] }, '/pcrValues/0/alternatives/0', /must be 64 lowercase hex digits for sha256 \(got 40\)/],
    ['duplicate golden PCR', { ...minimal, pcrValues: [{ pcr: 0, bank: 'sha1', alternatives: ['00'.repeat(20)] }, { pcr: 0, bank: 'sha1', alternatives: ['11'.repeat(20)] }] }, '/pcrValues/1', /already given in \/pcrValues\/0/],
    ['unknown Windows claim', { ...minimal, windows: { claims: { bootDebugingDisabled: true } } }, '/windows/claims/bootDebugingDisabled', /unknown name "bootDebugingDisabled".*did you mean "bootDebuggingDisabled"/],
    ['cmdline backreference', { ...minimal, linux: { kernelCmdline: { patterns: ['(a)\\1'] } } }, '/linux/kernelCmdline/patterns/0', /backreferences are not allowed/],
    ['cmdline lookahead', { ...minimal, linux: { kernelCmdline: { patterns: ['(?=x)x'] } } }, '/linux/kernelCmdline/patterns/0', /lookaround/],
    ['cmdline pattern too long', { ...minimal, linux: { kernelCmdline: { patterns: ['a'.repeat(513)] } } }, '/linux/kernelCmdline/patterns/0', /at most 512 characters/],
    ['cmdline pattern state explosion', { ...minimal, linux: { kernelCmdline: { patterns: ['(a{1,99}){1,99}'] } } }, '/linux/kernelCmdline/patterns/0', /more than 4096 states/],
    ['AK root not a certificate', { ...minimal, trustedAkRoots: ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'] }, '/trustedAkRoots/0', /not a parseable PEM certificate/],
    ['a policy that checks nothing (attack H-07)', { id: 'p', version: 1, freshness: { nonceRequired: true } }, '', /the policy checks nothing/],
    ['counter rule typo', { ...minimal, freshness: { resetCount: 'nondecreasng' } }, '/freshness/resetCount', /did you mean "nondecreasing"/],
    ['empty SBAT minimum', { ...minimal, secureBoot: { sbatMinimum: {} } }, '/secureBoot/sbatMinimum', /must not be empty/],
    ['SBAT date not YYYYMMDDNN', { ...minimal, secureBoot: { sbatMinimum: { date: '20250218' } } }, '/secureBoot/sbatMinimum/date', /does not match/],
    ['SBAT generation negative', { ...minimal, secureBoot: { sbatMinimum: { components: { grub: -1 } } } }, '/secureBoot/sbatMinimum/components/grub', /must be >= 0/],
    ['SBAT generation not an integer', { ...minimal, secureBoot: { sbatMinimum: { components: { grub: '5' } } } }, '/secureBoot/sbatMinimum/components/grub', /must be integer/],
    ['SBAT component name with a comma', { ...minimal, secureBoot: { sbatMinimum: { components: { 'grub,5': 5 } } } }, '/secureBoot/sbatMinimum/components/grub,5', /unknown name "grub,5"/],
    ['SBAT minimum typo', { ...minimal, secureBoot: { sbatMinimum: { component: { grub: 5 } } } }, '/secureBoot/sbatMinimum/component', /did you mean "components"/],
    ['required authority without anyOf', { ...minimal, secureBoot: { requiredAuthorities: [{ commonName: 'Microsoft Windows UEFI CA 2023' }] } }, '/secureBoot/requiredAuthorities/0', /missing required property "anyOf"/],
    ['authority fingerprint uppercase', { ...minimal, secureBoot: { forbiddenAuthorities: [{ sha256: 'A'.repeat(64) }] } }, '/secureBoot/forbiddenAuthorities/0/sha256', /lowercase hex/],
    ['authority match with only a description', { ...minimal, secureBoot: { requiredAuthorities: [{ anyOf: [{ description: 'x' }] }] } }, '/secureBoot/requiredAuthorities/0/anyOf/0', /needs at least one of "sha256", "subject", "commonName"/],
    ['start locality 1', { ...minimal, platform: { startupLocality: 1 } }, '/platform/startupLocality', /must be one of 0, 3, 4/],
    ['empty platform section', { ...minimal, platform: {} }, '/platform', /must not be empty/],
    ['tpm key typo', { ...minimal, tpm: { allowRocaKey: true } }, '/tpm/allowRocaKey', /did you mean "allowRocaKeys"/],
  ]
  for (const [name, doc, path, msg] of cases) {
    it(name, () => {
      const issues = issuesOf(doc)
      const hit = issues.find((i) => i.path === path)
      expect(hit, JSON.stringify(issues)).toBeDefined()
      expect(hit!.message).toMatch(msg)
    })
  }
  it('collects several problems at once and summarises them in the message', () => {
    try {
      validatePolicy({ id: 'p', version: 1, foo: 1, bar: 2, secureBoot: { required: 1 } })
      expect.unreachable()
    } catch (e) {
      const pe = e as PolicyError
      expect(pe.issues.map((i) => i.path).sort()).toEqual(['/bar', '/foo', '/secureBoot/required'])
      expect(pe.message).toMatch(/^invalid policy: /)
      expect(pe.toJSON().issues).toHaveLength(3)
    }
  })
})
