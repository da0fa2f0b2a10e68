/**
 * Test-only raw DER writer for certificate-shaped inputs that no certificate library would issue:
 * thousands of RDNs, extensions or INTEGERs, deep nesting, indefinite lengths. Lengths are
 * encoded in the definite, minimal form (X.690 §10.1) unless a test says otherwise.
 */

export function concat(...parts: Uint8Array[]): Uint8Array {
  return concatAll(parts)
}

/** `concat` for arrays too long to spread into arguments. */
export function concatAll(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/** DER length octets of `n`. */
export function lengthOctets(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n)
  const bytes: number[] = []
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff)
  return Uint8Array.of(0x80 | bytes.length, ...bytes)
}

export const tlv = (tag: number, ...content: Uint8Array[]): Uint8Array => {
  const body = concat(...content)
  return concat(Uint8Array.of(tag), lengthOctets(body.length), body)
}
export const seq = (...c: Uint8Array[]): Uint8Array => tlv(0x30, ...c)
/** A SEQUENCE of many items (no argument spread). */
export const seqOf = (items: readonly Uint8Array[]): Uint8Array => {
  const body = concatAll(items)
  return concat(Uint8Array.of(0x30), lengthOctets(body.length), body)
}
export const set = (...c: Uint8Array[]): Uint8Array => tlv(0x31, ...c)
export const int = (v: number): Uint8Array => tlv(0x02, Uint8Array.of(v & 0x7f))
export const octets = (...c: Uint8Array[]): Uint8Array => tlv(0x04, ...c)
export const utf8 = (s: string): Uint8Array => tlv(0x0c, new TextEncoder().encode(s))
export const utc = (s: string): Uint8Array => tlv(0x17, new TextEncoder().encode(s))

/** OBJECT IDENTIFIER content of a dotted OID (X.690 §8.19). */
export function oid(dotted: string): Uint8Array {
  const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]]
  const out: number[] = [a * 40 + b]
  for (const arc of rest) {
    const enc: number[] = [arc & 0x7f]
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) enc.unshift(0x80 | (v & 0x7f))
    out.push(...enc)
  }
  return tlv(0x06, Uint8Array.from(out))
}

const SHA256_RSA = seq(oid('1.2.840.113549.1.1.11'), tlv(0x05))
const CN = '2.5.4.3'

/** A Name of `count` RDNs, each one CN attribute `value`. */
export function name(count: number, value = 'a'): Uint8Array {
  return seq(...Array.from({ length: count }, () => set(seq(oid(CN), utf8(value)))))
}

export interface ShapeSpec {
  /** RDNs in the subject (default 1). */
  subjectRdns?: number
  /** The whole subject Name (DER), instead of `subjectRdns` CN attributes. */
  subject?: Uint8Array
  /** Extensions (each an unknown OID holding NULL) in addition to `extensions`. */
  filler?: number
  /** Whole extensions (DER of `Extension`) to include. */
  extensions?: Uint8Array[]
  /** The SubjectPublicKeyInfo (default: a P-256 point of zeros, which decodes as a key shape). */
  spki?: Uint8Array
}

/**
 * An X.509 v3 certificate with the given shape and a zero signature: it decodes (RFC 5280 §4.1
 * structure) but verifies against nothing.
 */
export function certificateShape(spec: ShapeSpec = {}): Uint8Array {
  const spki = spec.spki ?? seq(seq(oid('1.2.840.10045.2.1'), oid('1.2.840.10045.3.1.7')), tlv(0x03, Uint8Array.of(0, 4), new Uint8Array(64)))
  const filler = Array.from({ length: spec.filler ?? 0 }, (_, i) => seq(oid(`1.3.6.1.4.1.99999.${i}`), octets(tlv(0x05))))
  const exts = [...(spec.extensions ?? []), ...filler]
  const tbs = seq(
    tlv(0xa0, int(2)),
    int(1),
    SHA256_RSA,
    name(1, 'issuer'),
    seq(utc('240101000000Z'), utc('400101000000Z')),
    spec.subject ?? name(spec.subjectRdns ?? 1),
    spki,
    ...(exts.length ? [tlv(0xa3, seq(...exts))] : []),
  )
  return seq(tbs, SHA256_RSA, tlv(0x03, Uint8Array.of(0), new Uint8Array(256)))
}

/** An extension `extnId` whose value is `value` (DER), non-critical. */
export function extension(extnId: string, value: Uint8Array): Uint8Array {
  return seq(oid(extnId), octets(value))
}
