/**
 * `pcr11Signed`: PCR 11 is authorised by a key (systemd signed PCR policies; UAPI UKI
 * specification, `.pcrsig`). For each bank the rule names, the quoted PCR 11 value must be
 * authenticated, and its TPM2_PolicyPCR digest (TPM 2.0 Part 3, 23.7), recomputed here from that
 * value, must be among the `.pcrsig` entries whose signatures verified under a policy key
 * (src/attest/pcr_signature.ts). This is the check a TPM makes before it releases a secret
 * sealed to the signed policy (TPM2_PolicyAuthorize), made by the verifier instead.
 *
 * A `.pcrsig` entry does not say which boot phase it is for, and a phase cannot be derived from a
 * PCR 11 value alone: the rule therefore accepts PCR 11 at ANY phase the key holder signed, and
 * requiring a phase is not offered (it would need the UKI to recompute each phase's value).
 */
import { fromHex, toHex } from '../../bytes/hex.js'
import { pcrTrust, type AuthenticatedEvidence } from '../../attest/evidence.js'
import type { Pcr11SignatureEvidence } from '../../attest/pcr_signature.js'
import { defaultHashProvider } from '../../hash/provider.js'
import { parsePcrPublicKey } from '../../uki/pcr_public_key.js'
import { policyPcrDigest } from '../../uki/policy_pcr.js'
import type { Pcr11SignedBank, Pcr11SignedPolicy } from '../types.js'
import { addMatch, attach, emit, short, type Ctx } from './context.js'

const REFERENCE = '/pcr11Signed'
const COMPONENT = 'os-kernel' as const

/**
 * Why a `pcr11Signed` key cannot check a `.pcrsig`, or undefined (validatePolicy reports it):
 * the `.pcrsig` signatures are RSASSA-PKCS1-v1_5, so systemd signs PCR policies with RSA keys only.
 */
export function pcr11KeyProblem(pem: string): string | undefined {
  try {
    const key = parsePcrPublicKey(pem, defaultHashProvider())
    return key.key.kty === 'RSA' ? undefined : `a ${key.description} key: systemd signs PCR policies with RSA keys only`
  } catch (e) {
    // Any failure of a policy value is an issue of the policy, never an escaping exception.
    return `not a parseable PEM public key: ${e instanceof Error ? e.message : String(e)}`
  }
}

/** Fingerprints of a validated (deep-frozen) rule's keys: computed once per policy. */
const FINGERPRINTS = new WeakMap<Pcr11SignedPolicy, ReadonlySet<string>>()

function keyFingerprints(rule: Pcr11SignedPolicy): ReadonlySet<string> {
  const hit = FINGERPRINTS.get(rule)
  if (hit) return hit
  const hash = defaultHashProvider()
  const out = new Set<string>()
  for (const pem of rule.keys) {
    const fp = parsePcrPublicKey(pem, hash).fingerprint
    if (fp !== undefined) out.add(fp)
  }
  if (Object.isFrozen(rule)) FINGERPRINTS.set(rule, out)
  return out
}

export function checkPcr11Signed(ctx: Ctx, evidence: AuthenticatedEvidence | undefined, signatures: Pcr11SignatureEvidence | undefined): void {
  const rule = ctx.policy.pcr11Signed
  if (!rule) return
  ctx.configured.add('pcr11Signed')
  ctx.touched.add(COMPONENT)
  const banks: readonly Pcr11SignedBank[] = rule.banks ?? ['sha256']

  // 1. PCR 11 authenticated in every bank the rule names (a quote failure is attached to every
  // component by the caller; a trust problem of PCR 11 was reported by the attestation check).
  const values = new Map<Pcr11SignedBank, string>()
  const problem = ctx.pcrProblems.get(11)
  if (problem) attach(ctx, COMPONENT, problem)
  else if (!ctx.quoteProblem) {
    const trust = evidence ? pcrTrust(evidence, 11) : undefined
    for (const bank of banks) {
      const value = ctx.quote?.valid ? ctx.quote.pcrs[bank]?.['11'] : undefined
      if (value === undefined) {
        emit(ctx, 'pcr11Signed', { code: 'POLICY_PCR_NOT_QUOTED', component: COMPONENT, pcr: 11, bank, reference: REFERENCE, message: `${bank}:11 must be signed (pcr11Signed) but is not in the signed quote selection` })
      } else if (trust && trust.banks[bank] !== 'match') {
        emit(ctx, 'pcr11Signed', { code: 'POLICY_PCR_UNVERIFIED', component: COMPONENT, pcr: 11, bank, reference: REFERENCE, expected: value, message: `${bank}:11: the event log does not replay to the quoted value (${trust.banks[bank] ?? 'not compared'}); give the boot's CEL (systemd tpm2-measure.log) with the firmware log` })
      } else {
        values.set(bank, value)
      }
    }
  }

  // 2. A `.pcrsig` was supplied and verified by the signature stage.
  if (!signatures) {
    emit(ctx, 'pcr11Signed', { code: 'POLICY_PCR11_SIGNATURE_MISSING', component: COMPONENT, pcr: 11, reference: REFERENCE, message: 'the policy requires PCR 11 to be signed (pcr11Signed) but no .pcrsig was supplied (evidence pcrSignature)' })
    return
  }

  // 3. The recomputed PolicyPCR digest of each authenticated value is signed by a policy key.
  // `pol` of an entry is never trusted: only the digest recomputed from the quote is looked up.
  const keys = keyFingerprints(rule)
  const hash = defaultHashProvider()
  for (const [bank, value] of values) {
    const pol = toHex(policyPcrDigest({ bank, pcrs: new Map([[11, fromHex(value)]]) }, hash))
    const hit = signatures.verified.find((s) => s.bank === bank && s.pol === pol && keys.has(s.key))
    if (hit) {
      addMatch(ctx, COMPONENT, { reference: REFERENCE, name: `${bank}:11 signed by key ${short(hit.key)} (.pcrsig ${bank}[${hit.index}])`, events: evidence?.replay.banks.get(bank)?.pcrs.get(11)?.events ?? [] })
      continue
    }
    const skipped = signatures.skipped ? `; ${signatures.skipped} candidate signature check(s) were not made (maxSignatureChecks)` : ''
    emit(ctx, 'pcr11Signed', {
      code: 'POLICY_PCR11_NOT_SIGNED',
      component: COMPONENT,
      pcr: 11,
      bank,
      reference: REFERENCE,
      observed: value,
      expected: `a .pcrsig entry signed by ${[...keys].map(short).join(' | ')} over PolicyPCR digest ${pol}`,
      message: `${bank}:11 = ${short(value)}: no .pcrsig entry with a valid signature by a policy key covers its PolicyPCR digest ${short(pol)} (${signatures.verified.length} of ${signatures.entries} entries verified)${skipped}`,
    })
  }
}
