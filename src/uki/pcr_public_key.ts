/**
 * The public key a `.pcrsig` is checked with: a PEM "PUBLIC KEY" (SubjectPublicKeyInfo, what
 * `.pcrpkey` holds and `systemd-measure --public-key=` takes) or its DER, and systemd's key
 * fingerprint `pkfp`.
 *
 * `pkfp` is SHA-256 over OpenSSL's `i2d_PublicKey` encoding (systemd `src/shared/openssl-util.c`,
 * `pubkey_fingerprint`), which for RSA is the PKCS#1 RSAPublicKey (RFC 8017 A.1.1), not the SPKI.
 */
import { toHex } from '../bytes/hex.js'
import { derFrom } from '../x509/pem.js'
import { rsaBits, spkiToKeyMaterial, stripLeadingZeros, type KeyMaterial } from '../x509/spki.js'
import type { HashProvider } from '../hash/provider.js'

export interface PcrPublicKey {
  key: KeyMaterial
  /** SPKI DER as given (or decoded from PEM). */
  spki: Uint8Array
  /** systemd's `pkfp`: SHA-256 of the RSAPublicKey DER, lowercase hex (RSA keys only). */
  fingerprint?: string
  /** `RSA-2048`, `EC P-256`. */
  description: string
}

/**
 * @throws BootproofError ERR_PEM_INVALID, ERR_KEY_INVALID, ERR_KEY_UNSUPPORTED
 */
export function parsePcrPublicKey(input: Uint8Array | string, hash: HashProvider): PcrPublicKey {
  const spki = derFrom(input, 'PUBLIC KEY')
  const key = spkiToKeyMaterial(spki)
  const out: PcrPublicKey = { key, spki, description: key.kty === 'RSA' ? `RSA-${rsaBits(key.n)}` : `EC ${key.crv}` }
  if (key.kty === 'RSA') out.fingerprint = toHex(hash.digest('sha256', rsaPublicKeyDer(key.n, key.e)))
  return out
}

/** DER of RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER } (RFC 8017 A.1.1). */
export function rsaPublicKeyDer(n: Uint8Array, e: Uint8Array): Uint8Array {
  return new Uint8Array(tlv(0x30, [...tlv(0x02, derInteger(n)), ...tlv(0x02, derInteger(e))]))
}

/** A non-negative INTEGER's content octets: minimal, with a 0x00 when the top bit is set (X.690 8.3). */
function derInteger(b: Uint8Array): number[] {
  const s = [...stripLeadingZeros(b)]
  if (s.length === 0) return [0]
  return s[0]! & 0x80 ? [0, ...s] : s
}

function tlv(tag: number, content: number[] | Uint8Array): number[] {
  const n = content.length
  const len: number[] = []
  if (n < 0x80) len.push(n)
  else {
    const bytes: number[] = []
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff)
    len.push(0x80 | bytes.length, ...bytes)
  }
  return [tag, ...len, ...content]
}
