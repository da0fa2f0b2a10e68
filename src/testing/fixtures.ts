/**
 * Recorded-fixture loaders for your own unit tests (`bootproof/testing`): an evidence bundle
 * (schema/evidence-bundle.schema.json) or a tpm2-tools directory, turned into the input of
 * `verifyAttestation`.
 *
 * Files are read with Node's `fs`, reached through `process.getBuiltinModule` at call time, so
 * importing this module needs no Node types or `node:` import (the loaders that take text or
 * bytes work in every runtime).
 */
import { bundleEvidence, parseEvidenceBundle } from '../evidence/bundle.js'
import { parseTpm2ToolsPcrFile } from '../tpm/pcr_file.js'
import { fromHex } from '../bytes/hex.js'
import type { VerifyAttestationInput } from '../verify.js'

interface FsLike {
  readFileSync(path: string): Uint8Array
  existsSync(path: string): boolean
}

function nodeFs(): FsLike {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  const fs = typeof p?.getBuiltinModule === 'function' ? (p.getBuiltinModule('node:fs') as FsLike | undefined) : undefined
  if (!fs) throw new Error('bootproof/testing: reading fixture files needs Node >= 20.16 (process.getBuiltinModule); pass the bytes or text instead')
  return fs
}

const join = (dir: string, file: string) => `${dir.replace(/[\\/]+$/, '')}/${file}`

/** Read a fixture file as bytes (a fresh Uint8Array, not a Buffer). */
export function readFixture(path: string): Uint8Array {
  return new Uint8Array(nodeFs().readFileSync(path))
}

export interface FixtureOptions {
  /** Reference values (policy JSON); without one the verdict is never affirming. */
  policy?: VerifyAttestationInput['policy']
  /**
   * Declare the fixture's AK enrolled (default true): in a unit test the recorded AK stands for
   * the one your enrollment records hold. Never do this in production with an AK taken from the
   * evidence.
   */
  akEnrolled?: boolean
  /** Verification time; default now. */
  now?: Date
}

function withOptions(input: VerifyAttestationInput, o: FixtureOptions): VerifyAttestationInput {
  const out: VerifyAttestationInput = { ...input, akEnrolled: o.akEnrolled ?? true }
  if (o.policy !== undefined) out.policy = o.policy
  if (o.now !== undefined) out.now = o.now
  return out
}

/**
 * An evidence bundle (JSON text, or a path to it) as `verifyAttestation` input. The nonce is
 * the one recorded in the bundle: right for a recorded fixture, never for live evidence (there
 * the nonce is the one your verifier issued).
 */
export function loadEvidenceBundleFixture(source: string | { text: string }, o: FixtureOptions = {}): VerifyAttestationInput {
  const text = typeof source === 'string' ? new TextDecoder().decode(readFixture(source)) : source.text
  const b = parseEvidenceBundle(text)
  const input: VerifyAttestationInput = { ...bundleEvidence(b), ak: b.ak, nonce: b.nonce }
  return withOptions(input, o)
}

export interface Tpm2ToolsFixtureOptions extends FixtureOptions {
  /** The event log: a path, bytes, or `false` for none. Default `<dir>/binary_bios_measurements` when present. */
  eventLog?: string | Uint8Array | false
  /** Base name of the quote files (default "quote": quote.msg, quote.sig, quote.pcrs). */
  quote?: string
}

/**
 * A directory recorded with tpm2-tools: `<quote>.msg` (TPMS_ATTEST), `<quote>.sig`
 * (TPMT_SIGNATURE), `ak.pub` (TPM2B_PUBLIC) or `ak.pem`, `nonce.hex`, and optionally
 * `<quote>.pcrs` (`tpm2_quote -o`) and `binary_bios_measurements`.
 */
export function loadTpm2ToolsFixture(dir: string, o: Tpm2ToolsFixtureOptions = {}): VerifyAttestationInput {
  const fs = nodeFs()
  const q = o.quote ?? 'quote'
  const has = (f: string) => fs.existsSync(join(dir, f))
  const ak = has('ak.pub') ? readFixture(join(dir, 'ak.pub')) : new TextDecoder().decode(readFixture(join(dir, 'ak.pem')))
  const nonceText = new TextDecoder().decode(readFixture(join(dir, 'nonce.hex'))).trim()
  const input: VerifyAttestationInput = {
    quotes: [{ attest: readFixture(join(dir, `${q}.msg`)), signature: readFixture(join(dir, `${q}.sig`)) }],
    ak,
    nonce: fromHex(nonceText, 'nonce.hex'),
  }
  if (has(`${q}.pcrs`)) input.pcrs = parseTpm2ToolsPcrFile(readFixture(join(dir, `${q}.pcrs`))).pcrs
  const log = o.eventLog ?? (has('binary_bios_measurements') ? join(dir, 'binary_bios_measurements') : false)
  if (log !== false) input.eventLog = typeof log === 'string' ? readFixture(log) : log
  return withOptions(input, o)
}
