/**
 * The TPM manufacturer against `platform.tpmManufacturers` (attack P-04). A bus interposer on a
 * discrete TPM (LPC / SPI / I2C) drops or rewrites extends: the quote is genuine and the log
 * replays, so no log or quote check can see it. What a policy can do is refuse TPM types that have
 * such a bus, classified by the manufacturer (tcg-at-tpmManufacturer, 2.23.133.2.1) in the SAN of
 * the AK certificate. That attribute is trusted only when the certificate chained to a trusted root
 * (`akChainVerified`): in an uncertified certificate it is whatever the attester wrote.
 */
import { resolveAk, type AkInput, type AkMaterial } from '../../tpm/ak.js'
import { tpmDeviceAttributes } from '../../x509/ek_cert.js'
import { emit, type Ctx } from './context.js'

export function checkTpmManufacturer(ctx: Ctx, ak: AkInput | undefined): void {
  const allowed = ctx.policy.platform?.tpmManufacturers
  if (!allowed?.length) return
  ctx.configured.add('platform')
  ctx.touched.add('attestation')
  const base = { component: 'attestation' as const, componentName: 'TPM manufacturer', expected: allowed.join(', ') }
  let material: AkMaterial | undefined
  try {
    material = ak === undefined ? undefined : resolveAk(ak)
  } catch {
    material = undefined
  }
  const cert = material?.certificate
  if (!cert) {
    emit(ctx, 'platform', { ...base, code: 'POLICY_EVIDENCE_MISSING', message: 'the policy allows only some TPM manufacturers, but no AK certificate was given to read the manufacturer from (attack P-04)' })
    return
  }
  if (ctx.quote?.akChainVerified !== true) {
    emit(ctx, 'platform', { ...base, code: 'POLICY_FACT_UNTRUSTED', message: 'the TPM manufacturer cannot be used: the AK certificate does not chain to a trusted root, so its SAN is the attester\'s claim (attack P-04)' })
    return
  }
  const manufacturer = tpmDeviceAttributes(cert)?.manufacturer
  const norm = manufacturer && /^id:[0-9A-Fa-f]{8}$/.test(manufacturer) ? `id:${manufacturer.slice(3).toUpperCase()}` : undefined
  if (!norm || !allowed.includes(norm)) {
    emit(ctx, 'platform', {
      ...base,
      code: 'POLICY_TPM_MANUFACTURER',
      observed: manufacturer ?? '(none)',
      message: manufacturer
        ? `the certified TPM manufacturer ${manufacturer} is not one the policy allows (${allowed.join(', ')}): attack P-04 (a discrete TPM's bus can be interposed)`
        : 'the AK certificate names no TPM manufacturer (tcg-at-tpmManufacturer in its SAN), so the TPM type cannot be classified (attack P-04)',
    })
  }
}
