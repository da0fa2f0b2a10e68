/**
 * `bootproof predict-pcr11`: --json is byte-for-byte what systemd-measure 252 printed with
 * --json=short for the same sections, banks and phases (test-vectors/uki), and validates against
 * schema/predict-pcr11.schema.json; errors exit 2 with cli-error.schema.json.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import Ajv2020 from 'ajv/dist/2020.js'
import { describe, expect, it } from 'vitest'
import { runCli } from './run.js'
import { REPO_ROOT } from '../helpers/corpus.js'
import { BANKS, PREDICTED, RECORDED_PHASES, UKI_DIR } from '../uki/uki_fixture.js'

const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true })
for (const n of ['predict-pcr11', 'cli-error']) ajv.addSchema(JSON.parse(readFileSync(join(REPO_ROOT, 'schema', `${n}.schema.json`), 'utf8')))
const schema = (n: string) => ajv.getSchema(`https://bootproof.dev/schema/${n}.schema.json`)!
const f = (rel: string) => join(UKI_DIR, rel)
const recorded = (rel: string) => readFileSync(f(rel), 'utf8')

describe('predict-pcr11 --json equals systemd-measure calculate --json=short', () => {
  for (const v of PREDICTED) {
    it(`${v}: every bank, default phases and the seven explicit paths`, async () => {
      for (const bank of BANKS) {
        const r = await runCli('predict-pcr11', f(`${v}/uki.efi`), '--bank', bank, '--json')
        expect(r.code).toBe(0)
        expect(r.out).toBe(recorded(`${v}/calculate.${bank}.json`))
        expect(schema('predict-pcr11')(JSON.parse(r.out))).toBe(true)
        const all = await runCli('predict-pcr11', f(`${v}/uki.efi`), '--bank', bank, ...RECORDED_PHASES.map((p) => `--phase=${p}`), '--json')
        expect(all.out).toBe(recorded(`${v}/calculate-all-phases.${bank}.json`))
      }
      const every = await runCli('predict-pcr11', f(`${v}/uki.efi`), '--json')
      expect(JSON.parse(every.out)).toEqual(JSON.parse(recorded(`${v}/calculate.pretty.json`)))
    })
  }

  it('bank names in any case; phase paths normalised, sorted and de-duplicated', async () => {
    const r = await runCli('predict-pcr11', f('basic/uki.efi'), '--bank', 'SHA256', '--phase', 'b', '--phase', 'a::c', '--phase', 'b', '--phase', ':', '--json')
    expect(r.out).toBe(recorded('basic/calculate-odd-phases.sha256.json'))
  })
})

describe('predict-pcr11 text output', () => {
  it('says which stub table, what was measured and what was not, then systemd-measure-style lines', async () => {
    const r = await runCli('predict-pcr11', f('full/uki.efi'), '--bank', 'sha256')
    expect(r.code).toBe(0)
    expect(r.out).toContain('# systemd-stub 252 section table (version from the UKI .sdmagic)')
    expect(r.out).toContain('.linux (4321 bytes)')
    expect(r.out).toContain('# present, not measured by this stub: .uname, .sbat')
    const expected = JSON.parse(recorded('full/calculate.sha256.json')).sha256 as { phase: string; hash: string }[]
    for (const e of expected) expect(r.out).toContain(`# PCR[11] Phase <${e.phase}>\n11:sha256=${e.hash}`)
  })

  it('--stub-version 254 measures .uname and .sbat', async () => {
    const r = await runCli('predict-pcr11', f('full/uki.efi'), '--stub-version', '254', '--bank', 'sha256', '--json')
    expect(r.code).toBe(0)
    expect(r.out).not.toBe(recorded('full/calculate.sha256.json'))
  })
})

describe('predict-pcr11 errors: exit 2, typed', () => {
  const cases: [string, string[], string][] = [
    ['a JSON file, not a PE image', [f('signed/pcrsig.json')], 'ERR_PE_MALFORMED'],
    ['bank md5', [f('basic/uki.efi'), '--bank', 'md5'], 'ERR_USAGE'],
    ['two UKIs', [f('basic/uki.efi'), f('full/uki.efi')], 'ERR_USAGE'],
    ['a bad --stub-version', [f('basic/uki.efi'), '--stub-version', 'x'], 'ERR_USAGE'],
    ['--stub-version below 252', [f('basic/uki.efi'), '--stub-version', '250'], 'ERR_UKI_STUB_VERSION'],
  ]
  for (const [what, argv, code] of cases) {
    it(what, async () => {
      const r = await runCli('predict-pcr11', ...argv, '--json')
      expect(r.code).toBe(2)
      const out = JSON.parse(r.out)
      expect(schema('cli-error')(out)).toBe(true)
      expect(out.error.code).toBe(code)
    })
  }
})
