/**
 * TPM identity in an EK (or AK) certificate: the SAN directoryName attributes
 * tcg-at-tpmManufacturer / tpmModel / tpmVersion (2.23.133.2.1/2/3, TCG EK Credential Profile
 * §3.2.9). Both encodings seen in the field are accepted: one RDN per attribute (spec) and a
 * single multi-valued RDN (pkijs flattens both into one attribute list).
 */
import type { CertificateInfo } from './certificate.js'
import { OID } from './oids.js'

export interface TpmDeviceAttributes {
  /** `id:XXXXXXXX` as encoded. */
  manufacturer?: string
  /** The 4-byte vendor ID decoded from `id:XXXXXXXX` as ASCII where printable (`IFX`, `INTC`). */
  manufacturerAscii?: string
  model?: string
  version?: string
}

/** The TPM attributes of the first SAN directoryName that has any of them. */
export function tpmDeviceAttributes(cert: CertificateInfo): TpmDeviceAttributes | undefined {
  for (const dn of cert.sanDirectoryNames) {
    const get = (oid: string) => dn.find((a) => a.oid === oid)?.value
    const manufacturer = get(OID.tcgAtTpmManufacturer)
    const model = get(OID.tcgAtTpmModel)
    const version = get(OID.tcgAtTpmVersion)
    if (manufacturer === undefined && model === undefined && version === undefined) continue
    const out: TpmDeviceAttributes = {}
    if (manufacturer !== undefined) {
      out.manufacturer = manufacturer
      const m = /^id:([0-9A-Fa-f]{8})$/.exec(manufacturer)
      if (m) {
        const bytes = m[1]!.match(/../g)!.map((h) => parseInt(h, 16))
        if (bytes.every((b) => b === 0 || (b >= 0x20 && b < 0x7f))) out.manufacturerAscii = String.fromCharCode(...bytes.filter((b) => b !== 0)).trimEnd()
      }
    }
    if (model !== undefined) out.model = model
    if (version !== undefined) out.version = version
    return out
  }
  return undefined
}
