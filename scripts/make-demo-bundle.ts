/**
 * Build test-vectors/demo/evidence.json, the evidence bundle `npm run demo` verifies: the real
 * Secure Boot boot of test-vectors/ovmf/sb-esp (event log + the in-guest RSA AK quote over
 * sha256:0-9 + the AK public area + the nonce). Run: npx tsx scripts/make-demo-bundle.ts
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { evidenceBundleToJSON } from '../src/evidence/bundle.js'
import { fromHex } from '../src/bytes/hex.js'

const root = join(import.meta.dirname, '..')
const dir = join(root, 'test-vectors/ovmf/sb-esp')
const rd = (p: string) => new Uint8Array(readFileSync(join(dir, p)))
const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'))
const bundle = {
  comment: 'Recorded by scripts/record/record-ovmf.sh sb-esp: Debian OVMF (Secure Boot, Microsoft keys) + swtpm, shim -> grub -> kernel; quote taken in the guest (RSA-2048 AK, sha256:0-9).',
  ...evidenceBundleToJSON({
    eventLog: rd('binary_bios_measurements'),
    quotes: [{ attest: rd('quote/quote.msg'), signature: rd('quote/quote.sig') }],
    ak: { public: rd('quote/ak.pub') },
    nonce: fromHex(meta.in_guest_quote.nonce_hex),
  }),
}
writeFileSync(join(root, 'test-vectors/demo/evidence.json'), JSON.stringify(bundle, null, 2) + '\n')
console.log('wrote test-vectors/demo/evidence.json')
