/**
 * Authority common names are decoded under the boot state's per-log certificate budget: past it a
 * certificate's names are unknown, which counts as a match for a forbidden authority and as no
 * match for a required one (an undecoded certificate can neither hide a forbidden signer nor
 * stand in for a required one). On the recorded Secure Boot boot's real authority certificates.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { extractBootState } from '../../../src/state/boot_state.js'
import { authorityMatches, CommonNames } from '../../../src/policy/appraise/authorities.js'
import type { Authority } from '../../../src/state/secure_boot.js'
import { loadSbEsp } from '../helpers.js'

let auths: Authority[]
beforeAll(async () => {
  const ev = await loadSbEsp()
  auths = (extractBootState(ev.log, { quotedPcrs: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }).state.secureBoot.authorities ?? []).filter((a) => a.afterSeparator && a.entry?.der)
})

describe('authority common names under a decoding budget', () => {
  it('the recording has two distinct authority certificates (Microsoft UEFI CA 2011, Debian Secure Boot CA)', () => {
    expect(auths.length).toBeGreaterThanOrEqual(2)
    const names = new CommonNames(32)
    expect(auths.flatMap((a) => names.of(a.entry!)!)).toEqual(expect.arrayContaining(['Microsoft Corporation UEFI CA 2011', 'Debian Secure Boot CA']))
  })

  it('past the budget a certificate\'s names are unknown: forbidden matches, required does not', () => {
    const names = new CommonNames(1)
    const [first, second] = auths as [Authority, Authority]
    expect(names.of(first.entry!)).toBeDefined()
    expect(names.of(second.entry!)).toBeUndefined()
    const secondCn = new CommonNames(32).of(second.entry!)![0]!
    expect(authorityMatches({ commonName: secondCn }, second, names, true)).toBe(true)
    expect(authorityMatches({ commonName: secondCn }, second, names, false)).toBe(false)
    // A fingerprint rule needs no decoding and still decides.
    expect(authorityMatches({ sha256: '00'.repeat(32), commonName: secondCn }, second, names, true)).toBe(false)
  })
})
