/**
 * Real IMA lists recorded in test-vectors/ovmf (Debian 12, kernel 6.1.0-56, ima_hash=sha256,
 * swtpm with sha1+sha256+sha384 banks), against the PCR 10 values read from sysfs in the same
 * boot (pcrs.json).
 *
 * What the recorded values need (checked below, both ways): sha1 = the listed template hash;
 * sha256 = sha256 over the template data (`recompute`: the kernel hashes with the bank's
 * algorithm when it has it, here its ima_hash); sha384 = the sha1 template hash zero-padded to
 * 48 bytes (`pad`: no sha384 driver was loaded in the busybox initramfs). So the recording note
 * "sha256 likewise padded" does not hold for these vectors: padding gives the wrong sha256.
 */
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { replayedValues } from '../../src/eventlog/replay.js'
import { pcrValuesToJSON } from '../../src/eventlog/pcr_values.js'
import { parseImaLog, replayImaLog, templateHashInput } from '../../src/ima/index.js'
import { REPO_ROOT, repoBytes } from '../helpers/corpus.js'
import { H, hex } from './builder.js'

const DEBIAN_6_1 = { sha256: 'recompute', sha384: 'pad' } as const

for (const dir of ['plain-direct', 'plain-esp', 'sb-esp']) {
  const base = `test-vectors/ovmf/${dir}`
  const pcrs = JSON.parse(readFileSync(resolve(REPO_ROOT, base, 'pcrs.json'), 'utf8')) as Record<string, Record<string, string>>
  const pcr10 = { sha1: { 10: pcrs.sha1!['10']! }, sha256: { 10: pcrs.sha256!['10']! }, sha384: { 10: pcrs.sha384!['10']! } }

  describe(`ovmf/${dir}`, () => {
    const bin = parseImaLog(repoBytes(`${base}/ima_binary_runtime_measurements`))
    const ascii = parseImaLog(repoBytes(`${base}/ima_ascii_runtime_measurements`))

    it('binary and ASCII lists hold the same single ima-sig boot_aggregate entry', () => {
      expect(bin.format).toBe('ima-binary')
      expect(ascii.format).toBe('ima-ascii')
      for (const l of [bin, ascii]) {
        expect(l.entries).toHaveLength(1)
        const e = l.entries[0]!
        expect(e).toMatchObject({ pcr: 10, templateName: 'ima-sig', filename: 'boot_aggregate', templateHashStatus: 'verified', violation: false })
        expect(e.fileDigest!.alg).toBe('sha256')
        expect(e.fields.sig).toHaveLength(0)
        expect(l.findings).toEqual([])
      }
      // The ASCII line's template data is rebuilt byte for byte.
      expect(hex(ascii.entries[0]!.templateData!)).toBe(hex(bin.entries[0]!.templateData!))
    })

    for (const [what, list] of [
      ['binary', bin],
      ['ASCII', ascii],
    ] as const) {
      it(`${what}: replays to the recorded sha1, sha256 and sha384 PCR 10 with extendBanks {sha256: recompute, sha384: pad}`, () => {
        const res = replayImaLog(list, { extendBanks: DEBIAN_6_1, expected: pcr10 })
        expect(res.ok, JSON.stringify(res.findings)).toBe(true)
        expect(res.comparisons!.map((c) => `${c.bank}:${c.status}`)).toEqual(['sha1:match', 'sha256:match', 'sha384:match'])
        expect(pcrValuesToJSON(replayedValues(res))).toEqual(pcr10)
        expect(res.banks.get('sha384')!.rule).toBe('pad')
      })
    }

    it('the other rules do not reproduce the recorded sha256 / sha384 values', () => {
      const other = replayImaLog(bin, { extendBanks: { sha256: 'pad', sha384: 'recompute' }, expected: pcr10 })
      expect(other.comparisons!.map((c) => `${c.bank}:${c.status}`)).toEqual(['sha1:match', 'sha256:mismatch', 'sha384:mismatch'])
      // Independently of the library: sha256(0^32 ‖ sha256(template data)), sha384(0^48 ‖ sha1 ‖ 0^28).
      const e = bin.entries[0]!
      expect(hex(H('sha256', new Uint8Array(32), H('sha256', templateHashInput(e)!)))).toBe(pcr10.sha256[10])
      const padded = new Uint8Array(48)
      padded.set(e.templateHash)
      expect(hex(H('sha384', new Uint8Array(48), padded))).toBe(pcr10.sha384[10])
    })

    it('without extendBanks only the list bank (sha1) is replayed, and the other banks are reported, not passed', () => {
      const res = replayImaLog(bin, { expected: pcr10 })
      expect(res.comparisons!.map((c) => `${c.bank}:${c.status}`)).toEqual(['sha1:match', 'sha256:bank-not-in-log', 'sha384:bank-not-in-log'])
      expect(res.ok).toBe(false)
      expect(res.findings.map((f) => f.code)).toEqual(['PCR_BANK_NOT_IN_LOG', 'PCR_BANK_NOT_IN_LOG'])
    })

    it('PCRs 0-9 of the full sysfs read are not IMA\'s and are not compared; PCR 10 is', () => {
      const res = replayImaLog(bin, { extendBanks: DEBIAN_6_1, expected: pcrs })
      expect(res.ok, JSON.stringify(res.findings)).toBe(true)
      expect(res.comparisons!.map((c) => c.pcr)).toEqual([10, 10, 10])
    })
  })
}
