/** TPM 2.0 structures: TPMS_ATTEST, TPMT_SIGNATURE, TPMT_PUBLIC / TPM2B_PUBLIC, tpm2-tools PCR files. */
import { existsSync } from 'node:fs'
import { parseTpmsAttest } from '../../../src/tpm/attest.js'
import { parseTpmtSignature } from '../../../src/tpm/signature.js'
import { computeName, parseTpm2bPublic, parseTpmtPublic } from '../../../src/tpm/public.js'
import { tpmPublicToKeyMaterial } from '../../../src/tpm/keys.js'
import { parseAk } from '../../../src/tpm/ak.js'
import { parseTpm2ToolsPcrFile } from '../../../src/tpm/pcr_file.js'
import { mutateBinary, type Walker } from '../lib/binary.js'
import { TPM_TYPES, walkPcrFile, walkTpmPublic, walkTpmsAttest, walkTpmtSignature } from '../lib/tpm_walkers.js'
import type { Family, Seed, SeedSet } from '../family.js'
import { bytes, CORPUS_NOTE, corpusAttestations, listDir, quoteDirs, short, unhex, vec } from '../seeds.js'

function binFamily(name: string, description: string, walker: Walker, load: () => Seed<Uint8Array>[], run: (b: Uint8Array, seed: Seed<Uint8Array>) => unknown): Family<Uint8Array> {
  return {
    name,
    description,
    async seeds(): Promise<SeedSet<Uint8Array>> {
      const seeds = load()
      return { seeds, notes: [CORPUS_NOTE, `${seeds.length} seeds`] }
    },
    mutate(seed, rng, all) {
      return mutateBinary(seed.value, { rng, walker, donors: all.map((s) => ({ name: s.name, bytes: s.value })), typeValues: TPM_TYPES })
    },
    run,
    size: (b) => b.length,
    toBytes: (b) => b,
  }
}

const files = (names: string[]): Seed<Uint8Array>[] => {
  const out: Seed<Uint8Array>[] = []
  for (const d of quoteDirs()) for (const n of names) if (existsSync(`${d}/${n}`)) out.push({ name: short(`${d}/${n}`), value: bytes(`${d}/${n}`) })
  return out
}

export const tpmFamilies: Family<Uint8Array>[] = [
  binFamily(
    'tpm-attest',
    'TPMS_ATTEST (parseTpmsAttest)',
    walkTpmsAttest,
    () => [
      ...files(['quote.msg', 'quote2.msg']),
      ...corpusAttestations().flatMap((a) => (a.doc.quotes as { attest: string }[]).map((q, i) => ({ name: `${a.name}#${i}`, value: unhex(q.attest) }))),
    ],
    (b) => parseTpmsAttest(b),
  ),
  binFamily(
    'tpm-signature',
    'TPMT_SIGNATURE (parseTpmtSignature)',
    walkTpmtSignature,
    () => [
      ...files(['quote.sig', 'quote2.sig']),
      ...corpusAttestations().flatMap((a) => (a.doc.quotes as { signature: string }[]).map((q, i) => ({ name: `${a.name}#${i}`, value: unhex(q.signature) }))),
    ],
    (b) => parseTpmtSignature(b),
  ),
  binFamily(
    'tpm-public',
    'TPM2B_PUBLIC / TPMT_PUBLIC (parseTpm2bPublic / parseTpmtPublic, computeName, key material, parseAk)',
    walkTpmPublic,
    () => {
      const s: Seed<Uint8Array>[] = [
        ...files(['ak.pub', 'ak2.pub', 'ek.pub']),
        ...listDir(vec('quotes/certs')).filter((f) => f.endsWith('.pub')).map((f) => ({ name: short(f), value: bytes(f) })),
        ...['credential/ek.pub', 'credential/ak.pub'].map((f) => ({ name: `test-vectors/quotes/${f}`, value: bytes(vec(`quotes/${f}`)) })),
        ...corpusAttestations()
          .filter((a) => a.doc.akPublic?.format === 'TPM2B_PUBLIC' || a.doc.akPublic?.format === 'TPMT_PUBLIC')
          .map((a) => ({ name: a.name, value: unhex(a.doc.akPublic.hex as string) })),
      ]
      // also the bare TPMT_PUBLIC of each (tpm2-tools -f tpmt)
      return [...s, ...s.slice(0, 6).map((x) => ({ name: `${x.name} (TPMT)`, value: x.value.slice(2) }))]
    },
    (b) => {
      const tpm2b = b.length >= 2 && ((b[0]! << 8) | b[1]!) === b.length - 2
      const pub = tpm2b ? parseTpm2bPublic(b) : parseTpmtPublic(b)
      computeName(pub)
      tpmPublicToKeyMaterial(pub)
      parseAk(b)
    },
  ),
  binFamily('tpm-pcrfile', 'tpm2-tools PCR file (parseTpm2ToolsPcrFile)', walkPcrFile, () => files(['quote.pcrs', 'quote2.pcrs']), (b) => parseTpm2ToolsPcrFile(b)),
]
