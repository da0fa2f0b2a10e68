/**
 * `bootproof verify --bundle`: the AK and the nonce both come from the (attacker-supplied) bundle
 * (src/cli/commands/verify.ts:178-188, --ak / --nonce are refused with --bundle), yet
 * `--ak-enrolled` declares that AK enrolled. Anyone with a software key can then sign a quote over
 * any PCR values and any nonce and get an affirming verdict (exit 0); an old genuine bundle is
 * likewise accepted again (its nonce travels with it).
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { evidenceBundleToJSON, parseEvidenceBundle, parseEventLog, replayEventLog, toHex } from '../../src/index.js'
import { makeQuote, softwareAk, tpm2bPublic } from '../fixtures/tpm/builders.js'
import { runCli } from '../cli/run.js'
import { BUNDLE_PATH, bundleText, POLICY_PATH } from './helpers.js'
import { REPO_ROOT } from '../helpers/corpus.js'

const tmp = mkdtempSync(join(tmpdir(), 'bootproof-review-'))

describe('CLI verify --bundle --ak-enrolled', () => {
  it('a quote signed by a software key carried in the bundle is not affirming', async () => {
    const genuine = parseEvidenceBundle(bundleText)
    // The attacker presents the golden log and signs a quote over its replayed values with its own key.
    const replay = replayEventLog(parseEventLog(genuine.eventLog!))
    const selection = [{ bank: 'sha256', pcrs: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }]
    const values = { sha256: Object.fromEntries(selection[0]!.pcrs.map((i) => [String(i), toHex(replay.banks.get('sha256')!.pcrs.get(i)!.value)])) }
    const ak = softwareAk('rsassa')
    const nonce = new Uint8Array(32).fill(0x42) // chosen by the attacker, not issued by the verifier
    const q = makeQuote(ak, { selection, values, extraData: nonce })
    const forged = evidenceBundleToJSON({ eventLog: genuine.eventLog!, quotes: [{ attest: q.attest, signature: q.signature }], ak: { public: tpm2bPublic(ak.tpmtPublic) }, nonce })
    const p = join(tmp, 'forged.json')
    writeFileSync(p, JSON.stringify(forged))
    const r = await runCli('verify', '--bundle', p, '--policy', POLICY_PATH, '--ak-enrolled', '--json')
    expect(r.code).not.toBe(0)
    expect(JSON.parse(r.out).ear_status).not.toBe('affirming')
  })

  it('the verifier can supply its own nonce with --bundle (a replayed bundle is then rejected)', async () => {
    const fresh = 'ab'.repeat(32)
    const ak = join(REPO_ROOT, 'test-vectors/ovmf/sb-esp/quote/ak.pub') // the verifier's enrollment record
    const r = await runCli('verify', '--bundle', BUNDLE_PATH, '--nonce', fresh, '--ak', ak, '--policy', POLICY_PATH, '--ak-enrolled', '--json')
    // Today: exit 2 "--nonce cannot be combined with --bundle", so bundle mode can never check freshness.
    expect(r.code).toBe(1)
    expect(JSON.parse(r.out).bootproof_findings.some((f: { code: string }) => f.code === 'ERR_QUOTE_NONCE_MISMATCH')).toBe(true)
  })
})
