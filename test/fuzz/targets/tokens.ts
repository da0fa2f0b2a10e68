/**
 * Attestation tokens: MAA (verifyMaaToken) and EAR (verifyEar), fixed clock and keys.
 * Structured mutations decode header / payload, mutate the JSON (values, types, duplicate keys,
 * nesting) and RE-SIGN with the harness key, so claim checks behind the signature are reached;
 * raw mutations damage the compact serialization itself (segments, dots, base64 alphabet).
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import { verifyMaaToken } from '../../../src/token/verify_maa.js'
import { verifyEar } from '../../../src/token/verify_ear.js'
import { issueEar } from '../../../src/token/issue_ear.js'
import { mutateJson, mutateText, toJsonText } from '../lib/json.js'
import type { Rng } from '../lib/prng.js'
import type { Family, Seed, SeedSet } from '../family.js'
import { CORPUS_NOTE, corpusFiles, short, text } from '../seeds.js'
import { maaPayload, INSTANCE, NONCE, NOW, NOW_SEC } from '../../token/helpers.js'

interface Keys {
  priv: KeyObject
  jwk: Record<string, unknown>
  privJwk: Record<string, unknown>
}
let keys: Keys | undefined
function harnessKey(): Keys {
  if (!keys) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    keys = { priv: privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid: 'fuzz', alg: 'ES256', use: 'sig' }, privJwk: privateKey.export({ format: 'jwk' }) as Record<string, unknown> }
  }
  return keys
}

const b64u = (s: string | Uint8Array): string => Buffer.from(s).toString('base64url')

/** Sign header.payload text with the harness ES256 key (synchronously). */
export function signEs256(headerText: string, payloadText: string): string {
  const input = `${b64u(headerText)}.${b64u(payloadText)}`
  const sig = sign('sha256', Buffer.from(input), { key: harnessKey().priv, dsaEncoding: 'ieee-p1363' })
  return `${input}.${b64u(sig)}`
}

function decodePart(s: string | undefined): unknown {
  try {
    return JSON.parse(Buffer.from(s ?? '', 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
}

/** Mutations of a compact JWS string. */
export function mutateCompact(tok: string, rng: Rng, donors: readonly string[]): string {
  const parts = tok.split('.')
  switch (rng.int(9)) {
    case 0:
      return parts.slice(0, rng.int(parts.length)).join('.')
    case 1:
      return tok + rng.pick(['.', '..', '.x', '=', ' ', '\n'])
    case 2: {
      const i = rng.int(parts.length)
      parts[i] = rng.pick(['', 'e30', 'bnVsbA', 'W10', 'IiI', 'MQ', '!!!!', 'eyJhbGciOiJub25lIn0', (parts[i] ?? '') + '=', (parts[i] ?? '').replace(/-/g, '+'), (parts[i] ?? '').slice(0, -1)])
      return parts.join('.')
    }
    case 3: {
      const d = rng.pick(donors).split('.')
      const i = rng.int(3)
      parts[i] = d[i] ?? ''
      return parts.join('.')
    }
    case 4: {
      const [a, b] = [rng.int(parts.length), rng.int(parts.length)]
      const t = parts[a]!
      parts[a] = parts[b]!
      parts[b] = t
      return parts.join('.')
    }
    case 5:
      // signature: truncated, empty, doubled
      parts[2] = rng.pick(['', (parts[2] ?? '').slice(0, rng.int((parts[2] ?? '').length)), (parts[2] ?? '') + (parts[2] ?? ''), 'A'.repeat(rng.bool(0.8) ? 86 : 2_000_000)])
      return parts.join('.')
    case 6: {
      // unsigned JSON change (signature stays): payload or header decoded, mutated, re-encoded
      const i = rng.bool(0.7) ? 1 : 0
      const doc = decodePart(parts[i])
      parts[i] = b64u(doc === undefined ? mutateText(Buffer.from(parts[i] ?? '', 'base64url').toString('latin1'), rng) : mutateJson(doc, rng))
      return parts.join('.')
    }
    case 7:
      return parts.join(rng.pick(['.', '..', '. ', '']))
    default:
      return mutateText(tok, rng)
  }
}

interface TokenMeta extends Record<string, unknown> {
  header: Record<string, unknown>
  payload: Record<string, unknown>
  now: Date
  iss?: string
}

function tokenFamily(name: string, description: string, load: () => Promise<Seed<string>[]>, run: (tok: string, seed: Seed<string>) => Promise<unknown>): Family<string> {
  return {
    name,
    description,
    async seeds(): Promise<SeedSet<string>> {
      const seeds = await load()
      return { seeds, notes: [CORPUS_NOTE, `${seeds.length} seeds`] }
    },
    mutate(seed, rng, all) {
      const m = seed.meta as TokenMeta
      if (rng.bool(0.6)) {
        // structured + re-signed
        const header = { ...m.header, alg: 'ES256', kid: 'fuzz' } as Record<string, unknown>
        delete header.x5c
        delete header.jwk
        delete header.jku
        let headerText = toJsonText(header)
        let payloadText = toJsonText(m.payload)
        if (rng.bool(0.25)) headerText = mutateJson(header, rng)
        else payloadText = mutateJson(m.payload, rng, { donors: all.map((s) => (s.meta as TokenMeta).payload) })
        return signEs256(headerText, payloadText)
      }
      return mutateCompact(seed.value, rng, all.map((s) => s.value))
    },
    run,
    baselineInputs(seed) {
      const m = seed.meta as TokenMeta
      const header = { ...m.header, alg: 'ES256', kid: 'fuzz' } as Record<string, unknown>
      delete header.x5c
      delete header.jwk
      delete header.jku
      return [signEs256(toJsonText(header), toJsonText(m.payload))]
    },
    size: (s) => s.length,
    toBytes: (s) => new TextEncoder().encode(s),
  }
}

function seedFromToken(name: string, tok: string, now: Date, iss?: string): Seed<string> {
  const [h, p] = tok.split('.')
  const meta: TokenMeta = { header: decodePart(h) as Record<string, unknown>, payload: decodePart(p) as Record<string, unknown>, now, ...(iss ? { iss } : {}) }
  return { name, value: tok, meta }
}

const maaRoots: Uint8Array[] = []

export const maaFamily = tokenFamily(
  'token-maa',
  'MAA tokens: verifyMaaToken (harness JWKS + corpus x5c roots, fixed clock)',
  async () => {
    const seeds: Seed<string>[] = [
      seedFromToken('built:maa-tpm', signEs256(JSON.stringify({ alg: 'ES256', kid: 'fuzz', typ: 'JWT' }), JSON.stringify(maaPayload())), NOW, INSTANCE),
      seedFromToken('built:maa-no-request-key', signEs256(JSON.stringify({ alg: 'ES256', kid: 'fuzz' }), JSON.stringify(maaPayload({ 'x-ms-tpm-request-key': undefined, cnf: { jwk: { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' } } }))), NOW, INSTANCE),
    ]
    for (const f of corpusFiles('tokens').filter((x) => x.endsWith('.jwt'))) {
      const tok = text(f).trim()
      const s = seedFromToken(short(f), tok, NOW)
      const p = (s.meta as TokenMeta).payload
      if (typeof p.iss !== 'string' || !/attest\.azure\.net/.test(p.iss)) continue
      ;(s.meta as TokenMeta).now = new Date(((p.iat as number) + 60) * 1000)
      ;(s.meta as TokenMeta).iss = p.iss
      const x5c = (s.meta as TokenMeta).header.x5c as string[] | undefined
      if (x5c?.length) maaRoots.push(new Uint8Array(Buffer.from(x5c[x5c.length - 1]!, 'base64')))
      seeds.push(s)
    }
    return seeds
  },
  (tok, seed) => {
    const m = seed.meta as TokenMeta
    return verifyMaaToken(tok, {
      issuer: m.iss ?? INSTANCE,
      jwks: { keys: [harnessKey().jwk] } as never,
      roots: maaRoots,
      algorithms: ['ES256', 'RS256'],
      nonce: m.iss === INSTANCE ? NONCE : false,
      now: m.now,
      attestationType: 'tpm',
    })
  },
)

let veraisonKey: Record<string, unknown> | undefined

export const earFamily = tokenFamily(
  'token-ear',
  'EAR tokens: verifyEar (harness + veraison keys as a JWKS, fixed clock)',
  async () => {
    const vid = { developer: 'https://bootproof.example', build: 'bootproof 0.1.0' }
    const k = harnessKey()
    const seeds: Seed<string>[] = []
    const issued = [
      await issueEar(
        { verifierId: vid, rawEvidence: new Uint8Array([1, 2, 3]), nonce: new Uint8Array(16).fill(7), submods: { tpm: { status: 'affirming', trustworthinessVector: { 'instance-identity': 2, executables: 3, hardware: 2 }, policyIds: ['p/1'] }, maa: { status: 'warning', trustworthinessVector: { configuration: 32 } } } },
        k.privJwk as never,
        { issuedAt: NOW, expiresInSec: 300, kid: 'fuzz' },
      ),
      await issueEar({ verifierId: vid, submods: { tpm: { status: 'contraindicated', trustworthinessVector: { executables: 99 } } } }, k.privJwk as never, { issuedAt: NOW, kid: 'fuzz', claimNames: 'veraison' }),
    ]
    for (const [i, t] of issued.entries()) seeds.push(seedFromToken(`built:ear-${i}`, t, NOW))
    const pkey = corpusFiles('tokens').find((f) => f.endsWith('veraison-ear--pkey.json'))
    if (pkey) veraisonKey = { ...(JSON.parse(text(pkey)) as Record<string, unknown>), kid: 'veraison' }
    for (const f of corpusFiles('tokens').filter((x) => x.endsWith('.jwt') && x.includes('veraison'))) {
      const tok = text(f).trim()
      const s = seedFromToken(short(f), tok, NOW)
      ;(s.meta as TokenMeta).now = new Date((((s.meta as TokenMeta).payload.iat as number) + 60) * 1000)
      seeds.push(s)
    }
    return seeds
  },
  (tok, seed) => {
    const m = seed.meta as TokenMeta
    return verifyEar(tok, { key: { keys: [harnessKey().jwk, ...(veraisonKey ? [veraisonKey] : [])] } as never, nonce: false, now: m.now })
  },
)

export { NOW_SEC }
