/**
 * Evidence bundles through the whole pipeline: parseEvidenceBundle then verifyAttestation (fixed
 * clock, the committed sb-esp policy). JSON mutations plus, for the base64 members, the binary
 * walker of their format (event log, TPMS_ATTEST, TPMT_SIGNATURE, TPM2B_PUBLIC) and DER edits of
 * the AK certificate: the inner structures change while the bundle stays well-formed.
 */
import { existsSync } from 'node:fs'
import { parseEvidenceBundle } from '../../../src/evidence/bundle.js'
import { verifyAttestation } from '../../../src/verify.js'
import { validatePolicy } from '../../../src/policy/validate.js'
import type { Policy } from '../../../src/policy/types.js'
import { mutateBinary, type Walker } from '../lib/binary.js'
import { mutateDerTree, pemDecodeFirst, pemEncode } from '../lib/der.js'
import { b64decode, b64encode, mutateJson } from '../lib/json.js'
import { EVENT_TYPES, walkTcgLog } from '../lib/tcg_log_walker.js'
import { TPM_TYPES, walkTpmPublic, walkTpmsAttest, walkTpmtSignature } from '../lib/tpm_walkers.js'
import type { Rng } from '../lib/prng.js'
import type { Family, Seed, SeedSet } from '../family.js'
import { bytes, CORPUS, CORPUS_NOTE, corpusAttestations, quoteDirs, REPO, short, text, unhex, vec } from '../seeds.js'
import { FIXED_NOW } from './x509.js'

const b64 = (b: Uint8Array): string => b64encode(b)

function fromQuoteDir(dir: string, log?: Uint8Array): Record<string, unknown> {
  const pcrsFile = existsSync(`${dir}/pcrs.json`) ? `${dir}/pcrs.json` : existsSync(`${dir}/../pcrs.json`) ? `${dir}/../pcrs.json` : undefined
  return {
    version: 1,
    ...(log ? { eventLog: b64(log) } : {}),
    quotes: [{ attest: b64(bytes(`${dir}/quote.msg`)), signature: b64(bytes(`${dir}/quote.sig`)) }],
    ...(pcrsFile ? { pcrs: JSON.parse(text(pcrsFile)) } : {}),
    ak: { public: b64(bytes(`${dir}/ak.pub`)), ...(existsSync(`${dir}/ak-cert.pem`) ? { certificate: text(`${dir}/ak-cert.pem`) } : {}) },
    nonce: text(`${dir}/nonce.hex`).trim(),
  }
}

const WALKERS: [RegExp, Walker, readonly number[]][] = [
  [/^eventLog$/, walkTcgLog, EVENT_TYPES],
  [/^quotes\/\d+\/attest$/, walkTpmsAttest, TPM_TYPES],
  [/^quotes\/\d+\/signature$/, walkTpmtSignature, TPM_TYPES],
  [/^ak\/public$/, walkTpmPublic, TPM_TYPES],
]

/** Structure-aware mutation of a bundle's base64 and PEM members (path from the bundle root); the fleet-line family reuses it. */
export function bundleMemberHook(path: (string | number)[], value: string, rng: Rng): string | undefined {
  const p = path.join('/')
  if (p === 'ak/certificate' || p.startsWith('ak/intermediates')) {
    const der = pemDecodeFirst(value)
    const m = der && mutateDerTree(der, rng, [])
    return m ? pemEncode(m) : undefined
  }
  for (const [re, walker, typeValues] of WALKERS) {
    if (!re.test(p)) continue
    const b = b64decode(value)
    if (!b) return undefined
    return b64encode(mutateBinary(b, { rng, walker, donors: [], typeValues }), rng.bool(0.1))
  }
  return undefined
}

let policy: Policy | undefined

export const bundleFamily: Family<string> = {
  name: 'bundle',
  description: 'evidence bundles: parseEvidenceBundle + verifyAttestation (fixed clock, sb-esp policy)',
  async seeds(): Promise<SeedSet<string>> {
    policy = validatePolicy(JSON.parse(text(`${REPO}/examples/policies/ovmf-sb-esp.derived.json`)))
    const seeds: Seed<string>[] = [{ name: 'test-vectors/demo/evidence.json', value: text(vec('demo/evidence.json')) }]
    for (const d of quoteDirs()) {
      const log = d.includes('/ovmf/') ? bytes(`${d}/../binary_bios_measurements`) : undefined
      seeds.push({ name: short(d), value: JSON.stringify(fromQuoteDir(d, log)) })
    }
    for (const a of corpusAttestations()) {
      const doc = a.doc
      if (doc.akPublic?.format !== 'TPM2B_PUBLIC' || !Array.isArray(doc.quotes)) continue
      const pcrs = Object.assign({}, ...(doc.quotes as { pcrs?: Record<string, unknown> }[]).map((q) => q.pcrs ?? {})) as Record<string, unknown>
      const bundle = {
        version: 1,
        ...(typeof doc.eventLog === 'string' && CORPUS ? { eventLog: b64(bytes(`${CORPUS}/${doc.eventLog}`)) } : {}),
        quotes: (doc.quotes as { attest: string; signature: string }[]).slice(0, 16).map((q) => ({ attest: b64(unhex(q.attest)), signature: b64(unhex(q.signature)) })),
        ...(Object.keys(pcrs).length ? { pcrs } : {}),
        ak: { public: b64(unhex(doc.akPublic.hex as string)), ...(doc.akCert?.hex ? { certificate: pemEncode(unhex(doc.akCert.hex as string)) } : {}) },
        ...(typeof doc.nonce === 'string' && doc.nonce ? { nonce: doc.nonce } : {}),
      }
      seeds.push({ name: a.name, value: JSON.stringify(bundle) })
    }
    return { seeds, notes: [CORPUS_NOTE, `${seeds.length} seeds`] }
  },
  mutate(seed, rng, all) {
    return mutateJson(JSON.parse(seed.value), rng, { hook: bundleMemberHook, hookRate: 0.7, donors: all.map((s) => JSON.parse(s.value) as unknown) })
  },
  async run(input) {
    const b = parseEvidenceBundle(input)
    await verifyAttestation({
      ...(b.eventLog ? { eventLog: b.eventLog } : {}),
      quotes: b.quotes,
      ak: b.ak,
      nonce: b.nonce,
      ...(b.pcrs ? { pcrs: b.pcrs } : {}),
      now: FIXED_NOW,
      ...(policy ? { policy } : {}),
    })
  },
  size: (s) => s.length,
  toBytes: (s) => new TextEncoder().encode(s),
}
