/** Shared material for the security-review tests. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseEvidenceBundle, parseEventLog, replayEventLog, replayedValues, toHex, type VerifyAttestationInput } from '../../src/index.js'
import { REPO_ROOT } from '../helpers/corpus.js'

export const BUNDLE_PATH = join(REPO_ROOT, 'test-vectors/demo/evidence.json')
export const POLICY_PATH = join(REPO_ROOT, 'examples/policies/ovmf-sb-esp.derived.json')
export const bundleText = readFileSync(BUNDLE_PATH, 'utf8')
export const demoPolicy = (): Record<string, any> => JSON.parse(readFileSync(POLICY_PATH, 'utf8'))

/** The recorded attestation, with the caller vouching for the AK (as in test/verify.test.ts). */
export function demoInput(): VerifyAttestationInput {
  const b = parseEvidenceBundle(bundleText)
  return { eventLog: b.eventLog!, quotes: b.quotes, ak: b.ak, nonce: b.nonce, akEnrolled: true, policy: demoPolicy() }
}

/** The genuine sha256 PCR 0-9 values of the demo boot (what `tpm2_pcrread` on the machine prints). */
export function demoPcrs(): Record<string, Record<string, string>> {
  const log = parseEventLog(parseEvidenceBundle(bundleText).eventLog!)
  const v = replayedValues(replayEventLog(log))
  const out: Record<string, string> = {}
  for (let i = 0; i <= 9; i++) out[String(i)] = toHex(v.sha256![String(i)]!)
  return { sha256: out }
}

/** Replace the data of one event of a crypto-agile log (EventSize is the u32 right before the data). */
export function replaceEventData(log: Uint8Array, dataOffset: number, oldLength: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(log.length - oldLength + data.length)
  out.set(log.subarray(0, dataOffset))
  new DataView(out.buffer).setUint32(dataOffset - 4, data.length, true)
  out.set(data, dataOffset)
  out.set(log.subarray(dataOffset + oldLength), dataOffset + data.length)
  return out
}
