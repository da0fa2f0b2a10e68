/**
 * A strict, allocation-free pre-scan of a certificate's DER before asn1js/pkijs see it. asn1js
 * builds several objects per TLV (about 0.5-1 KiB each) and pkijs more on top, so a 70 KB
 * certificate of small fields held 44 MiB at its peak: the cost follows the number of TLVs, not
 * the bytes. This walker reads every identifier and length octet once, keeps only a stack of end
 * offsets (bounded by the depth limit), and rejects before any object is made:
 * - more bytes than `maxCertificateBytes`, more TLVs than `maxCertificateDerNodes`, nesting deeper
 *   than `maxCertificateDerDepth`, more OBJECT IDENTIFIER arcs than `maxCertificateOidArcs`
 *   (asn1js builds one object per arc: a 12 KB OID of zero arcs in a subject peaked at 9 MiB)
 *   (ERR_CERT_LIMIT);
 * - indefinite lengths (X.690 §10.1: DER uses the definite form only), constructed encodings of
 *   universal types other than SEQUENCE / SET (X.690 §10.2 and §8.x: strings, INTEGER, OID,
 *   BOOLEAN, times are primitive), primitive SEQUENCE / SET (X.690 §8.9.1, §8.11.1), values
 *   running past their parent, and bytes after the outer SEQUENCE (ERR_CERT_INVALID).
 *
 * OCTET STRING and BIT STRING contents that are themselves one complete TLV (extension values,
 * RFC 5280 §4.1.2.9; the subjectPublicKey of RSA keys, RFC 8017 A.1.1) are walked too and their
 * TLVs counted, because asn1js and pkijs decode them (embedded values, `parsedValue`, the
 * public key). Such content is opaque octets to DER, so a malformed inner encoding only stops
 * that inner walk; the TLVs counted in it stay counted (the decoders pay for them before they
 * give up).
 */
import { BootproofError } from '../errors.js'
import type { X509Limits } from '../limits.js'

/** What the scan measured: every value is within the limits it was given. */
export interface DerScan {
  /** TLVs, counting those inside OCTET / BIT STRINGs that hold one complete TLV. */
  nodes: number
  /** Deepest nesting (the outer SEQUENCE is depth 1). */
  depth: number
  /** Sub-identifiers of every OBJECT IDENTIFIER and RELATIVE-OID (X.690 §8.19-8.20). */
  oidArcs: number
}

const TAG_BIT_STRING: number = 0x03
const TAG_OCTET_STRING: number = 0x04
const TAG_OID: number = 0x06
const TAG_RELATIVE_OID: number = 0x0d
const TAG_SEQUENCE: number = 0x10
const TAG_SET: number = 0x11

function invalid(message: string, offset: number): never {
  throw new BootproofError('ERR_CERT_INVALID', `certificate: ${message}`, { offset })
}

function limit(message: string, field: string): never {
  throw new BootproofError('ERR_CERT_LIMIT', `certificate: ${message}`, { field })
}

/** The TLV header last read by `readHeader`. */
interface Header {
  cls: number
  tag: number
  constructed: boolean
  /** First content byte. */
  start: number
  /** One past the last content byte. */
  stop: number
}

/**
 * Read the TLV header at `p` of a value that must end by `end` into `h`; the reason when the
 * bytes break DER's rules (nothing is allocated on success).
 */
function readHeader(der: Uint8Array, p: number, end: number, h: Header): string | undefined {
  if (p >= end) return 'value ends inside a tag'
  const id = der[p]!
  h.cls = id >> 6
  h.constructed = (id & 0x20) !== 0
  let tag = id & 0x1f
  let q = p + 1
  if (tag === 0x1f) {
    // High-tag-number form (X.690 §8.1.2.4): at most 4 octets, more than any tag X.509 uses.
    tag = 0
    for (let n = 0; ; n++) {
      if (q >= end || n === 4) return 'tag number too long or truncated'
      const b = der[q++]!
      tag = tag * 128 + (b & 0x7f)
      if ((b & 0x80) === 0) break
    }
  }
  h.tag = tag
  if (q >= end) return 'value ends inside a length'
  const l0 = der[q++]!
  let len = l0
  if (l0 === 0x80) return 'indefinite length (not DER, X.690 §10.1)'
  if (l0 > 0x80) {
    // More than 4 length octets cannot describe a value that fits in the input.
    const n = l0 & 0x7f
    if (n > 4 || q + n > end) return 'length octets truncated or too long'
    len = 0
    for (let i = 0; i < n; i++) len = len * 256 + der[q++]!
  }
  if (len > end - q) return `value of ${len} bytes runs past its enclosing value`
  if (h.cls === 0) {
    const mustBeConstructed = tag === TAG_SEQUENCE || tag === TAG_SET
    if (h.constructed !== mustBeConstructed) return mustBeConstructed ? 'primitive SEQUENCE or SET' : `constructed encoding of universal type ${tag} (X.690 §10.2)`
  }
  h.start = q
  h.stop = q + len
  return undefined
}

/**
 * Check `der` against `limits` and DER's structural rules without decoding any value.
 * @throws BootproofError ERR_CERT_LIMIT (size, TLV count, depth, OID arcs) / ERR_CERT_INVALID (encoding).
 */
export function scanCertificateDer(der: Uint8Array, limits: Readonly<X509Limits>): DerScan {
  if (der.length > limits.maxCertificateBytes) limit(`${der.length} bytes exceed maxCertificateBytes (${limits.maxCertificateBytes})`, 'maxCertificateBytes')
  if (der.length === 0) invalid('empty input', 0)
  const maxDepth = limits.maxCertificateDerDepth
  const maxNodes = limits.maxCertificateDerNodes
  const maxArcs = limits.maxCertificateOidArcs
  // ends[d]: end offset of the open value at depth d (the outer SEQUENCE is 1); opaque[d]: the
  // number of open values at depths 1..d that are encapsulated content, where a malformed
  // encoding ends that inner walk instead of the scan.
  // Every level takes at least 2 bytes of header, so the stack never exceeds half the input.
  const size = Math.min(maxDepth, der.length >> 1) + 2
  const ends = new Int32Array(size)
  const opaque = new Int32Array(size)
  const h: Header = { cls: 0, tag: 0, constructed: false, start: 0, stop: 0 }
  let depth = 0
  let deepest = 0
  let nodes = 0
  let arcs = 0

  const bad = readHeader(der, 0, der.length, h)
  if (bad) invalid(bad, 0)
  if (h.stop !== der.length) invalid(`${der.length - h.stop} bytes after the certificate`, h.stop)
  if (h.cls !== 0 || h.tag !== TAG_SEQUENCE) invalid('not a SEQUENCE', 0)

  for (;;) {
    // `h` describes a TLV at depth `depth + 1`.
    if (++nodes > maxNodes) limit(`more than maxCertificateDerNodes (${maxNodes}) DER values`, 'maxCertificateDerNodes')
    const d = depth + 1
    if (d > deepest) deepest = d
    let pos = h.stop
    let enter = h.constructed && h.stop > h.start
    let encapsulated = false
    let from = h.start
    if (!h.constructed && h.cls === 0 && (h.tag === TAG_OID || h.tag === TAG_RELATIVE_OID)) {
      // asn1js builds an object per sub-identifier: one ends at each octet with bit 8 clear.
      for (let i = h.start; i < h.stop; i++) if ((der[i]! & 0x80) === 0) arcs++
      if (arcs > maxArcs) limit(`more than maxCertificateOidArcs (${maxArcs}) OBJECT IDENTIFIER arcs`, 'maxCertificateOidArcs')
    }
    if (!h.constructed && h.cls === 0 && (h.tag === TAG_OCTET_STRING || (h.tag === TAG_BIT_STRING && h.stop - h.start > 1 && der[h.start] === 0))) {
      from = h.tag === TAG_BIT_STRING ? h.start + 1 : h.start
      enter = encapsulated = holdsOneTlv(der, from, h.stop)
    }
    if (enter) {
      if (d >= maxDepth) limit(`DER nesting deeper than maxCertificateDerDepth (${maxDepth})`, 'maxCertificateDerDepth')
      depth = d
      ends[d] = h.stop
      opaque[d] = opaque[d - 1]! + (encapsulated ? 1 : 0)
      pos = from
    }
    // Next header: close every value that ends here; a malformed one inside encapsulated content
    // closes the innermost encapsulated value instead (its bytes are opaque after all).
    for (;;) {
      while (depth > 0 && pos === ends[depth]) depth--
      if (depth === 0) return { nodes, depth: deepest, oidArcs: arcs }
      const why = readHeader(der, pos, ends[depth]!, h)
      if (why === undefined) break
      if (opaque[depth] === 0) invalid(why, pos)
      while (opaque[depth - 1] === opaque[depth]) depth--
      pos = ends[depth]!
      depth--
    }
  }
}

/** Whether bytes [from, to) start with one TLV header whose value ends exactly at `to`. */
function holdsOneTlv(der: Uint8Array, from: number, to: number): boolean {
  if (to - from < 2) return false
  let q = from + 1
  if ((der[from]! & 0x1f) === 0x1f) {
    for (let n = 0; ; n++) {
      if (q >= to || n === 4) return false
      if ((der[q++]! & 0x80) === 0) break
    }
  }
  if (q >= to) return false
  const l0 = der[q++]!
  if (l0 === 0x80 || l0 === 0xff) return false
  let len = l0
  if (l0 > 0x80) {
    const n = l0 & 0x7f
    if (n > 4 || q + n > to) return false
    len = 0
    for (let i = 0; i < n; i++) len = len * 256 + der[q++]!
  }
  return q + len === to
}
