/**
 * The two bindings that make an Azure vTPM quote confidential-VM evidence:
 *
 * 1. runtime data -> hardware: H(runtime data, exactly as stored) is the first 32 / 48 / 64 bytes
 *    of the hardware report's REPORT_DATA (SEV-SNP ATTESTATION_REPORT 0x50; TDREPORT 128), the
 *    rest zero. H is the hash type of the IGVM request header. Without it the JSON (and the AK in
 *    it) could be swapped under a genuine hardware report.
 * 2. AK -> runtime data: the `HCLAkPub` JWK is the key that signed the TPM quote. Keys are
 *    compared as keys (RSA n and e), never as bytes of different encodings (a TPM2B_PUBLIC, an
 *    SPKI and a JWK of one key differ byte for byte).
 */
import { constantTimeEqual, toHex } from '../../bytes/hex.js'
import { defaultHashProvider, type HashProvider } from '../../hash/provider.js'
import { resolveAk, type AkInput } from '../../tpm/ak.js'
import { tpmPublicToKeyMaterial } from '../../tpm/keys.js'
import { describeKey, keyMaterialEqual, spkiToKeyMaterial, type KeyMaterial } from '../../x509/spki.js'
import type { HclReport } from './hcl_report.js'
import { HCL_AK_KID } from './runtime_data.js'

export interface BindingOutcome {
  ok: boolean
  message: string
}

/** Check binding 1 against the hardware report's 64-byte REPORT_DATA. */
export function checkRuntimeDataBinding(hcl: HclReport, reportData: Uint8Array, hash: HashProvider = defaultHashProvider()): BindingOutcome {
  const digest = hash.digest(hcl.hashType, hcl.runtimeDataBytes)
  const n = digest.length
  const head = reportData.subarray(0, n)
  const restZero = reportData.subarray(n).every((b) => b === 0)
  if (reportData.length === 64 && constantTimeEqual(head, digest) && restZero) {
    return { ok: true, message: `REPORT_DATA[0:${n}] = ${hcl.hashType.toUpperCase()}(runtime data, ${hcl.runtimeDataBytes.length} bytes)${n < 64 ? `, bytes ${n}-63 zero` : ''}` }
  }
  if (!restZero && constantTimeEqual(head, digest)) return { ok: false, message: `REPORT_DATA bytes ${n}-63 are not zero: ${toHex(reportData.subarray(n))}` }
  return { ok: false, message: `REPORT_DATA[0:${n}] ${toHex(head)} is not ${hcl.hashType.toUpperCase()}(runtime data) ${toHex(digest)}: the runtime data is not the one the hardware report binds` }
}

/** The public key of an AK input (TPM public area, SPKI or certificate), for comparison. */
export function akKeyMaterial(ak: AkInput): KeyMaterial {
  const m = resolveAk(ak)
  if (m.public) return tpmPublicToKeyMaterial(m.public)
  if (m.spki) return spkiToKeyMaterial(m.spki)
  return spkiToKeyMaterial(m.certificate!.spki)
}

export interface AkBindingOutcome extends BindingOutcome {
  code?: AkBindingCode
}

export type AkBindingCode = 'ERR_HCL_AK_MISSING' | 'ERR_HCL_AK_MISMATCH'
const AK_MISSING: AkBindingCode = 'ERR_HCL_AK_MISSING'
const AK_MISMATCH: AkBindingCode = 'ERR_HCL_AK_MISMATCH'

/** Check binding 2: the runtime data's HCLAkPub equals `ak` (the AK that signed the quote). */
export function checkAkBinding(hcl: HclReport, ak: AkInput | KeyMaterial): AkBindingOutcome {
  const bound = hcl.runtimeData.ak?.key
  if (!bound) return { ok: false, code: AK_MISSING, message: `the runtime data has no "${HCL_AK_KID}" key: no AK is bound to the hardware report` }
  const key = isKeyMaterial(ak) ? ak : akKeyMaterial(ak)
  if (keyMaterialEqual(bound, key)) return { ok: true, message: `the AK is the runtime data's ${HCL_AK_KID} (${describeKey(bound)}, modulus ${toHex(bound.n).slice(0, 16)}…)` }
  return { ok: false, code: AK_MISMATCH, message: `the AK (${describeKey(key)}${key.kty === 'RSA' ? `, modulus ${toHex(key.n).slice(0, 16)}…` : ''}) is not the runtime data's ${HCL_AK_KID} (${describeKey(bound)}, modulus ${toHex(bound.n).slice(0, 16)}…)` }
}

function isKeyMaterial(x: unknown): x is KeyMaterial {
  return typeof x === 'object' && x !== null && !(x instanceof Uint8Array) && 'kty' in x && ((x as { kty: unknown }).kty === 'RSA' || (x as { kty: unknown }).kty === 'EC') && !('bytes' in x)
}
