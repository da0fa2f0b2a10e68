/**
 * The committed synthetic systemd vectors (test-vectors/cel/) match their generator, and the CLI
 * reads them: `replay` of the CEL (content counts), `inspect --state --cel`, `verify --cel`,
 * and a bundle with `celLog`.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Ajv2020 from 'ajv/dist/2020.js'
import { describe, expect, it } from 'vitest'
import { verifyAttestation } from '../../src/verify.js'
import { evidenceBundleToJSON, parseEvidenceBundle } from '../../src/evidence/bundle.js'
import { buildEventLog } from '../../src/testing/log_builder.js'
import { REPO_ROOT } from '../helpers/corpus.js'
import { runCli } from '../cli/run.js'
import { BANKS, firmwareEvents, measureLogText, recordText, systemdBoot, systemdRecords } from './systemd_fixture.js'

const V = (f: string) => join(REPO_ROOT, 'test-vectors/cel', f)
const CEL = V('systemd-tpm2-measure.synthetic.log')
const FW = V('systemd-uki.synthetic.binary_bios_measurements')

describe('test-vectors/cel', () => {
  it('the committed files are what the generator builds', () => {
    expect(readFileSync(CEL, 'utf8')).toBe(measureLogText())
    expect(new Uint8Array(readFileSync(FW))).toEqual(buildEventLog({ banks: BANKS, events: firmwareEvents() }).bytes)
  })

  it('bootproof replay <cel> --json reports content-integrity counts; an edited string fails with CEL_CONTENT_MISMATCH', async () => {
    const ok = await runCli('replay', CEL, '--json')
    expect(ok.code).toBe(0)
    const j = JSON.parse(ok.out) as { integrity: Record<string, number>; nvpcrs: Record<string, Record<string, string>> }
    expect(j.integrity).toEqual({ verified: 7, mismatch: 0, 'not-applicable': 1 })
    expect(Object.keys(j.nvpcrs.sha256!)).toEqual([String(0x01d10200)])
    const dir = mkdtempSync(join(tmpdir(), 'bootproof-cel-'))
    const bad = join(dir, 'edited.log')
    writeFileSync(bad, systemdRecords().map((r, i) => recordText(i === 0 ? { ...r, string: 'enter-initrX' } : r, i)).join(''))
    const res = await runCli('replay', bad, '--json')
    expect(res.code).toBe(1)
    expect((JSON.parse(res.out) as { findings: { code: string }[] }).findings.map((f) => f.code)).toContain('CEL_CONTENT_MISMATCH')
  })

  it('bootproof inspect --state --cel shows the systemd facts (text and JSON)', async () => {
    const text = await runCli('inspect', FW, '--state', '--cel', CEL)
    expect(text.code).toBe(0)
    expect(text.out).toContain('systemd (firmware log + tpm2-measure.log):')
    expect(text.out).toMatch(/machine ID \(PCR 15\)\s+"4691595be6a345f1833cc75fab63e475"\s+trusted/)
    const json = await runCli('inspect', FW, '--state', '--cel', CEL, '--json')
    const j = JSON.parse(json.out) as { state: { systemd: { phases: { value: string[]; trusted: boolean } } } }
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true })
    const validate = ajv.compile(JSON.parse(readFileSync(join(REPO_ROOT, 'schema/boot-state.schema.json'), 'utf8')) as object)
    expect(validate(j), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true)
    const replaySchema = ajv.compile(JSON.parse(readFileSync(join(REPO_ROOT, 'schema/replay.schema.json'), 'utf8')) as object)
    expect(replaySchema(JSON.parse((await runCli('replay', CEL, '--json')).out)), JSON.stringify(replaySchema.errors?.slice(0, 5))).toBe(true)
    expect(j.state.systemd.phases).toMatchObject({ value: ['enter-initrd', 'leave-initrd', 'sysinit', 'ready'], trusted: true })
    expect((await runCli('inspect', FW, '--cel', CEL)).code).toBe(2)
  })

  it('bootproof verify --log --cel: PCRs 11 and 15 reproduced; without --cel the log does not match the quote', async () => {
    const b = await systemdBoot()
    const dir = mkdtempSync(join(tmpdir(), 'bootproof-cel-'))
    const put = (n: string, d: Uint8Array | string) => (writeFileSync(join(dir, n), d), join(dir, n))
    const args = ['verify', '--log', put('fw.bin', b.fw.bytes), '--quote', put('q.msg', b.quote.attest), '--sig', put('q.sig', b.quote.signature), '--ak', put('ak.pub', b.ak.tpm2bPublic), '--nonce', Buffer.from(b.nonce).toString('hex'), '--json']
    const withCel = JSON.parse((await runCli(...args, '--cel', put('cel.log', b.celText))).out) as { bootproof_steps: Record<string, { status: string; note?: string }> }
    expect(withCel.bootproof_steps.quote!.status).toBe('success')
    expect(withCel.bootproof_steps.replay!.status).toBe('success')
    expect(withCel.bootproof_steps.parse!.note).toContain('cel-json, 8 records')
    const without = JSON.parse((await runCli(...args)).out) as { bootproof_steps: Record<string, { status: string }> }
    expect(without.bootproof_steps.quote!.status).toBe('failed')
  })

  it('an evidence bundle carries celLog; verifyAttestation authenticates PCR 15 and reports an edited CEL string', async () => {
    const b = await systemdBoot()
    const bundle = parseEvidenceBundle(JSON.stringify(evidenceBundleToJSON({ eventLog: b.fw.bytes, celLog: new TextEncoder().encode(b.celText), quotes: [b.quote], ak: { public: b.ak.tpm2bPublic }, nonce: b.nonce })))
    expect(bundle.celLog).toBeDefined()
    const now = new Date('2026-06-01T00:00:00Z')
    const r = await verifyAttestation({ eventLog: bundle.eventLog!, celLog: bundle.celLog!, quotes: bundle.quotes, ak: bundle.ak, nonce: b.nonce, now })
    expect(r.trustedPcrs).toContain(15)
    expect(r.state!.systemd!.machineId.trusted).toBe(true)
    const edited = systemdRecords().map((x, i) => recordText(i === 5 ? { ...x, string: 'file-system:vfat:x' } : x, i)).join('')
    const r2 = await verifyAttestation({ eventLog: b.fw.bytes, celLog: new TextEncoder().encode(edited), quotes: [b.quote], ak: b.ak.tpm2bPublic, nonce: b.nonce, now })
    expect(r2.trustedPcrs).toContain(15)
    expect(r2.verdict.bootproof_findings.filter((f) => f.code === 'CEL_CONTENT_MISMATCH').map((f) => [f.step, f.pcr])).toEqual([['integrity', 15]])
    expect(r2.state!.systemd!.fileSystems).toMatchObject({ trusted: false, reasonCode: 'EVENT_CONTENT_MISMATCH' })
  })
})
