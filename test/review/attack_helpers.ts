/** Shared builders for the attack-catalogue tests (test/review/attacks_*.test.ts). */
import { webcrypto } from 'node:crypto'
import { parseEventLog, replayEventLog, replayedValues, toHex, tpmPublicToKeyMaterial, verifyAttestation, type VerifyAttestationInput } from '../../src/index.js'
import { resolveAk } from '../../src/tpm/ak.js'
import * as B from '../fixtures/eventlog/log_builder.js'
import { makeQuote, NONCE, softwareAk, tpm2bPublic, type AkKind, type SoftwareAk } from '../fixtures/tpm/builders.js'
import { issue, type Issued } from '../x509/cert_builder.js'

export const AIK_EKU = '2.23.133.8.3'

/** The PCR values the library replays `log` to, per bank (the values a TPM that measured it holds). */
export function replayedPcrs(log: Uint8Array): Record<string, Record<string, string>> {
  const v = replayedValues(replayEventLog(parseEventLog(log)))
  const out: Record<string, Record<string, string>> = {}
  for (const [bank, regs] of Object.entries(v)) {
    out[bank] = {}
    for (const [pcr, value] of Object.entries(regs ?? {})) out[bank]![pcr] = toHex(value as Uint8Array)
  }
  return out
}

export interface Attestation {
  input: VerifyAttestationInput
  ak: SoftwareAk
  values: Record<string, Record<string, string>>
}

/**
 * A consistent attestation of `log`: a software AK quotes `banks` over every PCR the log extends
 * (or `pcrs`) with the values the log replays to, for NONCE. The AK is declared enrolled.
 */
export function attest(log: Uint8Array, o: { banks?: string[]; pcrs?: number[]; kind?: AkKind; policy?: VerifyAttestationInput['policy'] } = {}): Attestation {
  const replayed = replayedPcrs(log)
  const banks = o.banks ?? ['sha256']
  const selection = banks.map((bank) => ({ bank, pcrs: o.pcrs ?? Object.keys(replayed[bank] ?? {}).map(Number).sort((a, b) => a - b) }))
  const values: Record<string, Record<string, string>> = {}
  for (const s of selection) values[s.bank] = Object.fromEntries(s.pcrs.map((p) => [String(p), replayed[s.bank]![String(p)]!]))
  const ak = softwareAk(o.kind ?? 'rsassa')
  const q = makeQuote(ak, { selection, values, extraData: NONCE })
  const input: VerifyAttestationInput = { eventLog: log, quotes: [{ attest: q.attest, signature: q.signature }], ak: tpm2bPublic(ak.tpmtPublic), akEnrolled: true, nonce: NONCE, ...(o.policy ? { policy: o.policy } : {}) }
  return { input, ak, values }
}

/** A standard synthetic Secure Boot log (sha1 + sha256 banks). */
export const standardLog = (o: B.StandardBootOptions = {}) => B.buildAgileLog({ events: B.standardBoot(o) }).bytes

/** A policy that pins the PCR 0-7 values of `values.sha256` (an affirming baseline for `standardLog`). */
export function pcrValuePolicy(values: Record<string, Record<string, string>>, extra: Record<string, unknown> = {}) {
  return {
    id: 'review/attacks',
    version: 1 as const,
    pcrs: { banks: ['sha256'] },
    pcrValues: [0, 1, 2, 3, 4, 5, 6, 7].map((pcr) => ({ pcr, bank: 'sha256', alternatives: [values.sha256![String(pcr)]!] })),
    ...extra,
  }
}

/** The AK's public key as a JWK (from its TPM public area). */
export function akJwk(ak: VerifyAttestationInput['ak']): JsonWebKey {
  const k = tpmPublicToKeyMaterial(resolveAk(ak).public!)
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url')
  return k.kty === 'RSA' ? { kty: 'RSA', n: b64(k.n), e: b64(k.e) } : { kty: 'EC', crv: k.crv, x: b64(k.x), y: b64(k.y) }
}

/** WebCrypto keys to put the AK into an X.509 certificate: its public key; the issuer signs. */
export async function akCryptoKeys(jwk: JsonWebKey, issuer: Issued): Promise<CryptoKeyPair> {
  const alg = jwk.kty === 'EC' ? { name: 'ECDSA', namedCurve: jwk.crv! } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
  const publicKey = (await webcrypto.subtle.importKey('jwk', jwk, alg, true, ['verify'])) as unknown as CryptoKey
  return { publicKey, privateKey: issuer.keys.privateKey }
}

/** A CA (unless given) and an AK certificate for `ak` (EKU tcg-kp-AIKCertificate; empty subject and a TPM SAN when a manufacturer is given). */
export async function akCertificate(ak: VerifyAttestationInput['ak'], o: { manufacturer?: string; ca?: Issued } = {}) {
  const ca = o.ca ?? (await issue({ subjectCN: 'review attestation CA', ca: true, keyUsage: 0x06 }))
  const leaf = await issue({
    issuer: ca,
    keys: await akCryptoKeys(akJwk(ak), ca),
    ca: false,
    keyUsage: 0x80,
    eku: [AIK_EKU],
    ...(o.manufacturer ? { emptySubject: true, tpmSan: { manufacturer: o.manufacturer, model: 'review', version: 'id:00010002' } } : { subjectCN: 'ak' }),
  })
  return { ca, leaf }
}

export const run = (input: VerifyAttestationInput) => verifyAttestation(input)
export const codes = (r: Awaited<ReturnType<typeof verifyAttestation>>) => r.verdict.bootproof_findings.map((f) => f.code)
