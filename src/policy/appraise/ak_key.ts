/** AK key quality: the ROCA fingerprint (CVE-2017-15361, attack P-07), with a one-entry cache by key content. */
import { toHex } from '../../bytes/hex.js'
import { resolveAk, type AkInput, type AkMaterial, type AkParts } from '../../tpm/ak.js'
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
  /** Hex of n without leading zero bytes. */
  hex: string
  roca: boolean
}

/** The byte fields of an AK given as bytes or as parts of bytes only (the cacheable forms), else undefined. */
function akBytes(ak: AkInput): (Uint8Array | undefined)[] | undefined {
  if (ak instanceof Uint8Array) return [ak]
  if (typeof ak !== 'object' || ak === null) return undefined
  const keys = Object.keys(ak)
  const parts = ak as AkParts
  if (!keys.every((k) => (k === 'public' || k === 'spki' || k === 'certificate') && (parts[k] === undefined || parts[k] instanceof Uint8Array))) return undefined
  return [undefined, parts.public as Uint8Array | undefined, parts.spki as Uint8Array | undefined, parts.certificate as Uint8Array | undefined]
}

function sameFields(a: readonly (Uint8Array | undefined)[], b: readonly (Uint8Array | undefined)[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    const x = a[i]
    const y = b[i]
    if (x === undefined || y === undefined) {
      if (x !== y) return false
      continue
    }
    if (x.length !== y.length) return false
    for (let j = 0; j < x.length; j++) if (x[j] !== y[j]) return false
  }
  return true
}

/**
 * The last AK checked, by content (a verifier sees the same AK on every attestation of a machine):
 * a copy of its bytes and the moduli with their ROCA answers. Only for AKs given as bytes.
 */
let lastAk: { keyed: (Uint8Array | undefined)[]; moduli: CheckedModulus[] | Error } | undefined

/** The AK's RSA moduli with their ROCA answers, or the error that made the AK unreadable. */
function akModuliChecked(ak: AkInput): CheckedModulus[] | Error {
  const fields = akBytes(ak)
  if (fields && lastAk && sameFields(fields, lastAk.keyed)) return lastAk.moduli
  let material: AkMaterial | undefined
  let moduli: CheckedModulus[] | Error = []
  try {
    material = resolveAk(ak)
  } catch (e) {
    moduli = e as Error
  }
  if (material) moduli = akRsaModuli(material).map(({ from, n }) => ({ from, bits: rsaBits(n), hex: toHex(stripLeadingZeros(n)), roca: isRocaVulnerableModulus(n) }))
  if (fields) lastAk = { keyed: fields.map((f) => (f ? f.slice() : undefined)), moduli }
  return moduli
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
  const seen = new Set<string>()
  for (const { from, bits, hex, roca } of moduli) {
    if (seen.has(hex)) continue
    seen.add(hex)
    if (!roca) continue
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
