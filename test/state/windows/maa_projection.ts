/**
 * Test helper: render bootproof's SIPA decode in the JSON shape MAA uses for `ProcessedData`
 * (keys `EVENT_<name>`, repeated keys collapsed into arrays, enums as `{String, Value}`, bytes as
 * base64url), so that a decoded event can be compared with MAA's own parse of the same bytes.
 */
import { SIPA_IDS } from '../../../src/state/windows/sipa_constants.js'
import type { SipaRecord } from '../../../src/state/windows/sipa_decode.js'

export const b64u = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url')

function num(v: number | string): number {
  return typeof v === 'number' ? v : Number(v)
}

export function projectRecord(r: SipaRecord): unknown {
  if (r.children) return projectRecords(r.children)
  const v = r.value
  if (!v) return { __undecoded: b64u(r.data), error: r.error?.message }
  const info = SIPA_IDS.get(r.id)
  switch (v.type) {
    case 'bool':
      return v.value
    case 'uint':
      return info?.values && v.name !== undefined ? { String: v.name, Value: num(v.value) } : num(v.value)
    case 'string':
      return v.value
    case 'bytes':
      return b64u(v.value)
    case 'revocation-list':
      return { CreationTime: num(v.creationTime), Digest: b64u(v.digest), HashAlgId: v.hashAlg, RawData: b64u(r.data) }
    case 'si-policy':
      return { Digest: b64u(v.digest), HashAlgId: v.hashAlg, PolicyName: v.policyName, PolicyVersion: num(v.policyVersion), RawData: b64u(r.data) }
    case 'si-policy-signer':
      return {
        Certificates: v.certificates.map((c) => ({ CapiHashAlgId: c.capiHashAlgId, Digest: b64u(c.digest), IssuerCommonName: c.issuerCommonName, PublisherCommonName: c.publisherCommonName })),
        EKUs: v.ekus.map(b64u),
        PolicyName: v.policyName,
        RawData: b64u(r.data),
        RootId: v.rootId,
      }
    case 'sbcp-info':
      return { Digest: b64u(v.digest), HashAlgId: v.hashAlg, Options: v.optionsText ?? v.options, PayloadVersion: v.payloadVersion, SignersCount: v.signersCount }
    case 'vsm-idk-info':
      return { RsaKeyBitLength: v.keyBitLength, RsaModulus: b64u(v.modulus), RsaPublicExponent: b64u(v.publicExponent), Vsm_idk_alg_id: v.keyAlg }
    case 'ksr-signature':
      return { SignAlgId: v.signAlgId, Signature: b64u(v.signature) }
  }
}

/** Records → `{EVENT_X: value | value[]}`; every key keeps all its values in order. */
export function projectRecords(records: readonly SipaRecord[]): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {}
  for (const r of records) (out[`EVENT_${r.name}`] ??= []).push(projectRecord(r))
  return out
}

export interface DiffStats {
  /** Leaf values MAA reports that bootproof decoded identically. */
  matched: number
  mismatches: string[]
  /** Keys bootproof decoded that MAA's ProcessedData does not carry, with counts. */
  onlyOurs: Record<string, number>
}

/** Compare MAA's ProcessedData with our projection (MAA collapses a single value out of its array). */
export function diffProcessed(maa: unknown, ours: unknown, path: string, stats: DiffStats): void {
  if (ours && typeof ours === 'object' && !Array.isArray(ours) && !(ours as Record<string, unknown>).__undecoded && maa && typeof maa === 'object' && !Array.isArray(maa) && isGrouped(ours)) {
    const o = ours as Record<string, unknown[]>
    const m = maa as Record<string, unknown>
    for (const k of Object.keys(m)) {
      const mine = o[k]
      if (!mine) {
        stats.mismatches.push(`${path}/${k}: MAA has it, bootproof does not`)
        continue
      }
      const theirs = Array.isArray(m[k]) ? (m[k] as unknown[]) : [m[k]]
      if (!Array.isArray(m[k]) && mine.length !== 1) {
        stats.mismatches.push(`${path}/${k}: MAA has one value, bootproof ${mine.length}`)
        continue
      }
      if (theirs.length !== mine.length) {
        stats.mismatches.push(`${path}/${k}: MAA has ${theirs.length} values, bootproof ${mine.length}`)
        continue
      }
      theirs.forEach((t, i) => diffProcessed(t, mine[i], `${path}/${k}[${i}]`, stats))
    }
    for (const k of Object.keys(o)) if (!(k in m)) stats.onlyOurs[k] = (stats.onlyOurs[k] ?? 0) + o[k]!.length
    return
  }
  if (JSON.stringify(canon(maa)) === JSON.stringify(canon(ours))) stats.matched++
  else stats.mismatches.push(`${path}: MAA ${JSON.stringify(maa)?.slice(0, 200)} != bootproof ${JSON.stringify(ours)?.slice(0, 200)}`)
}

function isGrouped(x: unknown): boolean {
  return Object.values(x as Record<string, unknown>).every((v) => Array.isArray(v)) && Object.keys(x as object).every((k) => k.startsWith('EVENT_'))
}

function canon(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(canon)
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, canon(v)]))
  return x
}
