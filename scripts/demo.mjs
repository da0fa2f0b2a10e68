#!/usr/bin/env node
/**
 * `npm run demo`: verify the committed recorded attestation (test-vectors/demo/evidence.json: a
 * real Secure Boot boot of Debian's OVMF under QEMU with swtpm, shim -> grub -> kernel, with a TPM
 * quote taken in the guest during that boot) against a committed policy derived from that boot
 * (examples/policies/ovmf-sb-esp.derived.json). Prints the human report, then the EAR verdict.
 *
 * The AK public area is passed as the backend's enrollment record (`akEnrolled`): in production
 * it comes from credential activation (makeCredential) or an AK certificate chain.
 *
 * It runs on a bundle of the library built into .tmp/demo-dist without declaration files
 * (package.json "demo"): the demo uses no types, the d.ts pass took ~35 s of a ~40 s demo, and
 * building into dist/ would replace the declarations other work relies on.
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as bp from '../.tmp/demo-dist/index.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bundle = bp.parseEvidenceBundle(readFileSync(join(root, 'test-vectors/demo/evidence.json'), 'utf8'))
const policy = JSON.parse(readFileSync(join(root, 'examples/policies/ovmf-sb-esp.derived.json'), 'utf8'))

const t0 = process.cpuUsage()
const { verdict, evidence } = await bp.verifyAttestation({
  eventLog: bundle.eventLog,
  quotes: bundle.quotes,
  ak: bundle.ak,
  akEnrolled: true,
  nonce: bundle.nonce,
  policy,
})
const cpu = process.cpuUsage(t0)
console.log(bp.renderReport(verdict, 'text', { evidence }))
console.log(`\n(first call, cold caches: ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms CPU; see npm run bench for the steady-state cost)`)
console.log('\nEAR verdict (JSON):')
console.log(JSON.stringify(verdict, null, 2))

// The same evidence with one byte of the SecureBoot variable flipped (its digest kept): replay
// and quote still agree, but the content no longer matches what was measured.
const log = bp.parseEventLog(bundle.eventLog)
const sb = log.events.find((e) => e.pcrIndex === 7 && e.decoded.kind === 'uefi-variable' && e.decoded.name === 'SecureBoot')
const tampered = bundle.eventLog.slice()
tampered[sb.dataOffset + sb.data.length - 1] ^= 1
const t = await bp.verifyAttestation({ eventLog: tampered, quotes: bundle.quotes, ak: bundle.ak, akEnrolled: true, nonce: bundle.nonce, policy })
console.log(`\nWith the SecureBoot byte of event ${sb.index} flipped (digest kept): ${t.verdict.ear_status.toUpperCase()}`)
for (const f of t.verdict.bootproof_findings.filter((x) => x.severity === 'error').slice(0, 4)) {
  console.log(`  [${f.step}] ${f.code}${f.pcr !== undefined ? ` PCR ${f.pcr}` : ''}${f.eventIndex !== undefined ? ` event ${f.eventIndex}` : ''}: ${f.message}`)
}
process.exitCode = verdict.ear_status === 'affirming' ? 0 : 1
