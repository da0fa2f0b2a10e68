/**
 * `bootproof verify-pcrsig`: exit 0 / 1 / 2, --json against schema/verify-pcrsig.schema.json, the
 * signature-only scope of a bare JSON file, and tampered UKIs written to a temporary directory.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Ajv2020 from 'ajv/dist/2020.js'
import { describe, expect, it } from 'vitest'
import { runCli } from './run.js'
import { REPO_ROOT } from '../helpers/corpus.js'
import { flipSectionByte, UKI_DIR, vector } from '../uki/uki_fixture.js'

const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true })
for (const n of ['verify-pcrsig', 'cli-error']) ajv.addSchema(JSON.parse(readFileSync(join(REPO_ROOT, 'schema', `${n}.schema.json`), 'utf8')))
const schema = (n: string) => ajv.getSchema(`https://bootproof.dev/schema/${n}.schema.json`)!
const f = (rel: string) => join(UKI_DIR, rel)
const tmp = mkdtempSync(join(tmpdir(), 'bootproof-pcrsig-'))

async function json(...argv: string[]) {
  const r = await runCli('verify-pcrsig', ...argv, '--json')
  const out = JSON.parse(r.out)
  const v = schema(r.code === 2 ? 'cli-error' : 'verify-pcrsig')
  expect(v(out), JSON.stringify(v.errors)).toBe(true)
  return { code: r.code, out }
}

describe('verify-pcrsig', () => {
  it('the signed UKI: exit 0, the four default phases', async () => {
    const r = await json(f('signed/uki.efi'))
    expect(r.code).toBe(0)
    expect(r.out).toMatchObject({ valid: true, scope: 'recomputed', stubVersion: 252, errors: [] })
    expect(r.out.phases).toEqual(['enter-initrd', 'enter-initrd:leave-initrd', 'enter-initrd:leave-initrd:sysinit', 'enter-initrd:leave-initrd:sysinit:ready'])
    const text = await runCli('verify-pcrsig', f('signed/uki.efi'))
    expect(text.out).toContain('valid: yes')
    expect(text.out).toContain('authorised phases: enter-initrd, enter-initrd:leave-initrd')
  })

  it('--phase not signed for: exit 1, ERR_UKI_PCRSIG_PHASE', async () => {
    const r = await json(f('signed-enter-initrd/uki.efi'), '--phase', 'enter-initrd:leave-initrd')
    expect(r.code).toBe(1)
    expect(r.out.errors.map((e: { code: string }) => e.code)).toEqual(['ERR_UKI_PCRSIG_PHASE'])
  })

  it('--key of another key: exit 1', async () => {
    const r = await json(f('signed/uki.efi'), '--key', f('other-key.pem'))
    expect(r.code).toBe(1)
    expect(new Set(r.out.errors.map((e: { code: string }) => e.code))).toEqual(new Set(['ERR_UKI_PCRSIG_KEY_MISMATCH', 'ERR_UKI_PCRSIG_SIGNATURE']))
  })

  it('a UKI edited after signing: exit 1, ERR_UKI_PCRSIG_POLICY_MISMATCH', async () => {
    const p = join(tmp, 'edited.efi')
    writeFileSync(p, flipSectionByte(vector('signed/uki.efi'), '.osrel', 4))
    const r = await json(p)
    expect(r.code).toBe(1)
    expect(new Set(r.out.errors.map((e: { code: string }) => e.code))).toEqual(new Set(['ERR_UKI_PCRSIG_POLICY_MISMATCH']))
  })

  it('a bare pcrsig.json with --key: exit 0 but scope signature-only, no phases, and the text says so', async () => {
    const r = await json(f('signed/pcrsig.json'), '--key', f('signed/pcrpkey.pem'))
    expect(r.code).toBe(0)
    expect(r.out).toMatchObject({ valid: true, scope: 'signature-only', phases: [] })
    const text = await runCli('verify-pcrsig', f('signed/pcrsig.json'), '--key', f('signed/pcrpkey.pem'))
    expect(text.out).toContain('SIGNATURE ONLY')
    expect(text.out).toContain('PCR 11 not recomputed')
    expect(text.out).not.toContain('authorised phases')
  })

  it('a bare pcrsig.json with --phase: exit 2 (cannot be told without the UKI)', async () => {
    const r = await json(f('signed/pcrsig.json'), '--key', f('signed/pcrpkey.pem'), '--phase', 'enter-initrd')
    expect(r.code).toBe(2)
    expect(r.out.error.code).toBe('ERR_USAGE')
  })

  it('a bare pcrsig.json without --key: exit 2, ERR_UKI_KEY_MISSING', async () => {
    const r = await json(f('signed/pcrsig.json'))
    expect(r.code).toBe(2)
    expect(r.out.error.code).toBe('ERR_UKI_KEY_MISSING')
  })

  it('a UKI without .pcrsig: exit 2, ERR_UKI_PCRSIG_MISSING; with --pcrsig of another UKI: exit 1', async () => {
    expect((await json(f('basic/uki.efi'), '--key', f('signed/pcrpkey.pem'))).out.error.code).toBe('ERR_UKI_PCRSIG_MISSING')
    const r = await json(f('basic/uki.efi'), '--key', f('signed/pcrpkey.pem'), '--pcrsig', f('signed/pcrsig.json'))
    expect(r.code).toBe(1)
  })

  it('the talos signature with its key: exit 0, signature-only', async () => {
    const r = await json(f('talos/pcrsig.json'), '--key', f('talos/pcr-signing-key.pub.pem'))
    expect(r.code).toBe(0)
    expect(r.out.scope).toBe('signature-only')
  })
})
