/**
 * DER (X.509) structure: a walker for `mutateBinary` (tags, short/long-form lengths, TLV records,
 * primitive contents, OCTET/BIT STRINGs that wrap DER) and tree mutations that keep every
 * enclosing length consistent (re-encoded), so mutations reach deep into extensions.
 */
import { concat, emptyLayout, type Layout, type Walker } from './binary.js'
import type { Rng } from './prng.js'

interface Node {
  tag: number
  /** Primitive content, or undefined when `children` is set. */
  content?: Uint8Array
  children?: Node[]
  /** The content wraps DER (OCTET STRING / BIT STRING encapsulation): bit-string prefix byte kept here. */
  wrapPrefix?: Uint8Array
}

function readLen(b: Uint8Array, p: number, end: number): { len: number; hdr: number } | undefined {
  if (p >= end) return undefined
  const first = b[p]!
  if (first < 0x80) return { len: first, hdr: 1 }
  const n = first & 0x7f
  if (n === 0 || n > 4 || p + 1 + n > end) return undefined
  let len = 0
  for (let i = 0; i < n; i++) len = len * 256 + b[p + 1 + i]!
  return { len, hdr: 1 + n }
}

function parseNodes(b: Uint8Array, start: number, end: number, depth: number): Node[] | undefined {
  const out: Node[] = []
  let p = start
  while (p < end) {
    const tag = b[p]!
    if ((tag & 0x1f) === 0x1f) return undefined // high tag numbers: not in X.509
    const l = readLen(b, p + 1, end)
    if (!l) return undefined
    const cs = p + 1 + l.hdr
    const ce = cs + l.len
    if (ce > end) return undefined
    const node: Node = { tag }
    if (tag & 0x20) {
      if (depth > 64) return undefined
      const kids = parseNodes(b, cs, ce, depth + 1)
      if (!kids) return undefined
      node.children = kids
    } else {
      node.content = b.subarray(cs, ce)
      if (depth < 64 && (tag === 0x04 || tag === 0x03) && ce - cs >= 2) {
        const off = tag === 0x03 ? 1 : 0
        if (tag !== 0x03 || b[cs] === 0) {
          const first = b[cs + off]!
          if (first === 0x30 || first === 0x31) {
            const kids = parseNodes(b, cs + off, ce, depth + 1)
            if (kids && kids.length) {
              node.children = kids
              node.wrapPrefix = b.subarray(cs, cs + off)
              delete node.content
            }
          }
        }
      }
    }
    out.push(node)
    p = ce
  }
  return out
}

function encLen(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n)
  const bytes: number[] = []
  while (n > 0) {
    bytes.unshift(n & 0xff)
    n = Math.floor(n / 256)
  }
  return Uint8Array.of(0x80 | bytes.length, ...bytes)
}

function encode(n: Node): Uint8Array {
  const content = n.children ? concat(n.wrapPrefix ?? new Uint8Array(0), ...n.children.map(encode)) : (n.content ?? new Uint8Array(0))
  return concat(Uint8Array.of(n.tag), encLen(content.length), content)
}

function allNodes(list: Node[], acc: { node: Node; parent: Node[] }[] = []): { node: Node; parent: Node[] }[] {
  for (const n of list) {
    acc.push({ node: n, parent: list })
    if (n.children) allNodes(n.children, acc)
  }
  return acc
}

const TAGS = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x16, 0x17, 0x18, 0x1e, 0x30, 0x31, 0x80, 0x81, 0x82, 0xa0, 0xa1, 0xa2, 0xa3, 0x00, 0xff]
const OIDS = [
  '2a864886f70d01010b', // sha256WithRSA
  '2a864886f70d010105', // sha1WithRSA
  '2a8648ce3d040302', // ecdsa-with-SHA256
  '2a864886f70d010101', // rsaEncryption
  '2a8648ce3d0201', // ecPublicKey
  '551d13', // basicConstraints
  '551d0f', // keyUsage
  '551d25', // extKeyUsage
  '551d11', // subjectAltName
  '551d1e', // nameConstraints
  '551d20', // certificatePolicies
  '6781050803', // 2.23.133.8.3 AK EKU
  '6781050801', // 2.23.133.8.1 EK EKU
  '678105020' + '1', // tcg-at-tpmManufacturer
  '2b0601040182374c3203', // MS 1.3.6.1.4.1.311.76.50.3
  '',
  '80',
  'ffffffffffffffffffff7f',
]

function hex(s: string): Uint8Array {
  return Uint8Array.from(s.match(/../g) ?? [], (x) => parseInt(x, 16))
}

/** Tree mutation with consistent lengths; undefined when the input does not parse as DER. */
export function mutateDerTree(b: Uint8Array, rng: Rng, donors: readonly Uint8Array[]): Uint8Array | undefined {
  const roots = parseNodes(b, 0, b.length, 0)
  if (!roots || !roots.length) return undefined
  const nodes = allNodes(roots)
  const { node, parent } = rng.pick(nodes)
  const idx = parent.indexOf(node)
  switch (rng.int(9)) {
    case 0:
      if (parent.length > 1 || parent !== roots) parent.splice(idx, 1)
      break
    case 1:
      parent.splice(idx, 0, structuredCloneNode(node))
      break
    case 2:
      node.tag = rng.pick(TAGS) | (node.children && rng.bool(0.5) ? 0x20 : 0)
      if (!(node.tag & 0x20) && node.children) {
        node.content = encodeChildren(node)
        delete node.children
      }
      break
    case 3: {
      const c = node.content ? node.content.slice() : encodeChildren(node)
      const k = rng.range(1, 4)
      for (let i = 0; i < k && c.length; i++) c[rng.int(c.length)] = rng.u32() & 0xff
      node.content = c
      delete node.children
      break
    }
    case 4: {
      // resize a primitive: grow or shrink (lengths stay consistent)
      const c = node.content ?? encodeChildren(node)
      node.content = rng.bool(0.5) ? c.subarray(0, rng.int(c.length + 1)) : concat(c, rng.bool(0.7) ? rng.bytes(rng.range(1, 32)) : new Uint8Array(rng.range(128, 70000)))
      delete node.children
      break
    }
    case 5: {
      // splice a node from a donor certificate
      const d = donors.length ? parseNodes(rng.pick(donors), 0, rng.pick(donors).length, 0) : undefined
      const dn = d ? allNodes(d) : []
      if (dn.length) parent[idx] = rng.pick(dn).node
      break
    }
    case 6:
      if (node.tag === 0x06 || rng.bool(0.3)) {
        node.tag = 0x06
        node.content = hex(rng.pick(OIDS))
        delete node.children
      }
      break
    case 7: {
      // integers: zero length, negative, huge, leading zeros
      node.tag = 0x02
      node.content = rng.pick([new Uint8Array(0), Uint8Array.of(0x80), Uint8Array.of(0, 0, 1), new Uint8Array(600).fill(0xff), Uint8Array.of(0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)])
      delete node.children
      break
    }
    default: {
      // deep nesting: SEQUENCE { SEQUENCE { ... node } }, encoded directly (no deep tree here)
      const depth = rng.bool(0.8) ? rng.range(2, 50) : rng.range(500, 5000)
      const inner = encode(node)
      const lens = [inner.length]
      for (let i = 0; i < depth - 1; i++) lens.push(lens[i]! + 1 + encLen(lens[i]!).length)
      const out = new Uint8Array(lens[lens.length - 1]!)
      let o = 0
      for (let i = lens.length - 2; i >= 0; i--) {
        out[o++] = 0x30
        const l = encLen(lens[i]!)
        out.set(l, o)
        o += l.length
      }
      out.set(inner, o)
      parent[idx] = { tag: 0x30, content: out }
    }
  }
  return concat(...roots.map(encode))
}

function encodeChildren(n: Node): Uint8Array {
  return concat(n.wrapPrefix ?? new Uint8Array(0), ...(n.children ?? []).map(encode))
}

function structuredCloneNode(n: Node): Node {
  return { tag: n.tag, ...(n.content ? { content: n.content } : {}), ...(n.children ? { children: n.children.map(structuredCloneNode) } : {}), ...(n.wrapPrefix ? { wrapPrefix: n.wrapPrefix } : {}) }
}

/** Layout for `mutateBinary`: tag = type, length (short or long form) = len, each TLV a record. */
export const walkDer: Walker = (b) => {
  const L: Layout = emptyLayout()
  const walk = (start: number, end: number, depth: number): void => {
    let p = start
    let guard = 0
    while (p < end && guard++ < 10000) {
      const ts = p
      L.fields.push({ off: p, size: 1, le: false, kind: 'type' })
      const tag = b[p]!
      const l = readLen(b, p + 1, end)
      if (!l) return
      const lenField = l.hdr === 1 ? { off: p + 1, size: 1, le: false, kind: 'len' as const } : { off: p + 2, size: l.hdr - 1, le: false, kind: 'len' as const }
      const cs = p + 1 + l.hdr
      const ce = cs + l.len
      L.fields.push({ ...lenField, remaining: end - cs })
      if (ce > end) return
      L.records.push({ start: ts, end: ce })
      if (l.hdr > 1 || l.len < 0x80) L.sized.push({ start: cs, end: ce, lenField: { ...lenField } })
      if (depth < 40 && (tag & 0x20)) walk(cs, ce, depth + 1)
      else if (depth < 40 && tag === 0x04 && b[cs] === 0x30) walk(cs, ce, depth + 1)
      else if (depth < 40 && tag === 0x03 && b[cs] === 0 && b[cs + 1] === 0x30) walk(cs + 1, ce, depth + 1)
      else if (ce > cs) L.data.push({ start: cs, end: ce })
      p = ce
    }
  }
  walk(0, b.length, 0)
  // a resize must not change the length form (short vs long): keep only the ones that stay valid
  L.sized = L.sized.filter((s) => s.lenField.size > 1 || s.end - s.start < 0x70)
  return L
}

export function pemEncode(der: Uint8Array, label = 'CERTIFICATE'): string {
  let bin = ''
  for (const x of der) bin += String.fromCharCode(x)
  const b64 = btoa(bin).replace(/(.{64})/g, '$1\n')
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`
}

export function pemDecodeFirst(text: string): Uint8Array | undefined {
  const m = /-----BEGIN [A-Z ]+-----([\s\S]*?)-----END/.exec(text)
  if (!m) return undefined
  const bin = atob(m[1]!.replace(/\s+/g, ''))
  return Uint8Array.from(bin, (ch) => ch.charCodeAt(0))
}
