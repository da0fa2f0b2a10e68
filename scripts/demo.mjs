#!/usr/bin/env node
/**
 * `npm run demo`: verify the committed recorded attestation (test-vectors/demo/evidence.json: a
 * real Secure Boot boot of Debian's OVMF under QEMU with swtpm, shim -> grub -> kernel, with a TPM
 * quote taken in the guest during that boot) against a committed policy derived from that boot
 * (examples/policies/ovmf-sb-esp.derived.json). Prints the human report, then the EAR verdict.
 *
 * The AK public area is passed as the backend's enrollment record (`akEnrolled`): in production
 * it comes from credential activation (makeCredential) or an AK certificate chain.
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as bp from '../dist/index.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const bundle = bp.parseEvidenceBundle(readFileSync(join(root, 'test-vectors/demo/evidence.json'), 'utf8'))
const policy = JSON.parse(readFileSync(join(root, 'examples/policies/ovmf-sb-esp.derived.json'), 'utf8'))

const t0 = process.cpuUsage()
const { verdict } = await bp.verifyAttestation({
  eventLog: bundle.eventLog,
  quotes: bundle.quotes,
  ak: bundle.ak,
  akEnrolled: true,
  nonce: bundle.nonce,
  policy,
})
const cpu = process.cpuUsage(t0)
console.log(bp.renderReport(verdict, 'text'))
console.log(`\n(first call, cold caches: ${((cpu.user + cpu.system) / 1000).toFixed(1)} ms CPU; see npm run bench for the steady-state cost)`)
console.log('\nEAR verdict (JSON):')
console.log(JSON.stringify(verdict, null, 2))
process.exitCode = verdict.ear_status === 'affirming' ? 0 : 1
