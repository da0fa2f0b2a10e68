/** AK key quality: the ROCA fingerprint (CVE-2017-15361, attack P-07). */
import { bytesEqual, toHex } from '../../bytes/hex.js'
import { resolveAk, type AkInput, type AkMaterial } from '../../tpm/ak.js'
import { isRocaVulnerableModulus } from '../../tpm/roca.js'
import { rsaBits, spkiToKeyMaterial, stripLeadingZeros } from '../../x509/spki.js'
import { emit, type Ctx } from './context.js'

/** Every RSA modulus the AK material carries (public area, SPKI, certificate). */
function akRsaModuli(m: AkMaterial): { from: string; n: Uint8Array }[] {
  const out: { from: string; n: Uint8Array }[] = []
  if (m.public?.rsa) out.push({ from: 'TPM public area', n: m.public.rsa.modulus })
  if (m.spki) {
    try {
      const k = spkiToKeyMaterial(m.spki)
      if (k.kty === 'RSA') out.push({ from: 'SPKI', n: k.n })
    } catch {
      /* not RSA / unsupported: nothing to test */
    }
  }
  if (m.certificate?.publicKey?.kty === 'RSA') out.push({ from: 'AK certificate', n: m.certificate.publicKey.n })
  return out
}

interface CheckedModulus {
  from: string
  /** rsaBits(n) */
  bits: number
  /** n without leading zero bytes. */
  n: Uint8Array
  roca: boolean
}

/**
 * The AK's RSA moduli with their ROCA answers, or the error that made the AK unreadable. Nothing
 * is remembered between attestations: the test is one bigint division and 38 small ones (tpm/roca.ts),
 * and every machine of a fleet has its own AK.
 */
function akModuliChecked(ak: AkInput): CheckedModulus[] | Error {
  let material: AkMaterial
  try {
    material = resolveAk(ak)
  } catch (e) {
    return e as Error
  }
  return akRsaModuli(material).map(({ from, n }) => ({ from, bits: rsaBits(n), n: stripLeadingZeros(n), roca: isRocaVulnerableModulus(n) }))
}

/** The AK's RSA modulus must not have the ROCA fingerprint (CVE-2017-15361, attack P-07), whatever the policy says; `tpm.allowRocaKeys` makes it a warning. */
export function checkAkKey(ctx: Ctx, ak: AkInput | undefined): void {
  if (ak === undefined) return
  ctx.configured.add('tpm')
  const moduli = akModuliChecked(ak)
  if (moduli instanceof Error) {
    emit(ctx, 'tpm', { code: 'POLICY_EVIDENCE_MISSING', component: 'attestation', componentName: 'AK', message: `the AK could not be read for the key checks: ${moduli.message}` })
    return
  }
  const allowed = ctx.policy.tpm?.allowRocaKeys === true
  for (let i = 0; i < moduli.length; i++) {
    const { from, bits, n, roca } = moduli[i]!
    // One finding per distinct modulus (the public area, SPKI and certificate usually carry the same key).
    if (!roca || moduli.slice(0, i).some((m) => bytesEqual(m.n, n))) continue
    const hex = toHex(n)
    emit(ctx, 'tpm', {
      code: 'POLICY_AK_WEAK_KEY',
      severity: allowed ? 'warning' : 'error',
      component: 'attestation',
      componentName: 'AK',
      observed: hex,
      message: `the AK's RSA-${bits} modulus (${from}) has the ROCA fingerprint (CVE-2017-15361, Infineon RSALib): its private key can be computed, so its quotes prove nothing${allowed ? ' (accepted: tpm.allowRocaKeys)' : '; replace the key (TPM firmware update) or set tpm.allowRocaKeys'}`,
    })
  }
}
