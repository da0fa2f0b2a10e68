/**
 * Shared helpers of `npm run bench`: timing (interleaved rounds, so a floor and what is compared
 * with it see the same machine load), formatting, and the bare node:crypto signature floor.
 *
 * Every figure is process CPU time per call (user + system of every thread, `process.cpuUsage`),
 * not wall time: on a shared machine a process that is descheduled accrues wall time but no CPU
 * time, and GC / thread-pool work is counted where it happens. Rounds end on wall time.
 */
import * as nodeCrypto from 'node:crypto'
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const read = (p) => new Uint8Array(readFileSync(p))
export const fmt = (x, w, d = 1) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d)).padStart(w)
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length ? s[Math.floor(s.length / 2)] : NaN
}
/** "met" / "NOT met" for a ratio against its target. */
export const verdict = (ratio, target) => (ratio <= target ? 'met' : 'NOT met')

/** Every target line printed, for the summary at the end of the run. */
export const targets = []
export function target(label, ratio, max) {
  targets.push({ label, ratio, max })
  return `${ratio.toFixed(2)}x (target <= ${max}x): ${verdict(ratio, max)}`
}

/** Process CPU µs (user + system, every thread: GC, WebCrypto's pool) since `c0`. */
function cpuSince(c0) {
  const c = process.cpuUsage(c0)
  return c.user + c.system
}

/**
 * CPU µs per call of several synchronous fns, rounds interleaved (a, b, c, a, b, c, ...): warm-up of
 * ~warmMs each, then the median of 7 rounds of ~roundMs each.
 */
export function timeSync(fns, roundMs = 15, warmMs = 40) {
  const until = (fn, ms) => {
    let n = 0
    const c0 = process.cpuUsage()
    const t0 = process.hrtime.bigint()
    while (Number(process.hrtime.bigint() - t0) < ms * 1e6) {
      fn()
      n++
    }
    return cpuSince(c0) / n
  }
  for (const fn of fns) until(fn, warmMs)
  const rounds = fns.map(() => [])
  for (let i = 0; i < 7; i++) for (let j = 0; j < fns.length; j++) rounds[j].push(until(fns[j], roundMs))
  return rounds.map(median)
}

/** CPU µs per call of one synchronous fn (the old `time()`): same method, one fn. */
export const time = (fn, roundMs, warmMs) => timeSync([fn], roundMs, warmMs)[0]

/** The same as timeSync for fns that may return promises (each call is awaited). */
export async function timeInterleaved(fns, roundMs = 40, warmMs = 150) {
  const until = async (fn, ms) => {
    let n = 0
    const c0 = process.cpuUsage()
    const t0 = process.hrtime.bigint()
    while (Number(process.hrtime.bigint() - t0) < ms * 1e6) {
      await fn()
      n++
    }
    return cpuSince(c0) / n
  }
  for (const fn of fns) await until(fn, warmMs)
  const rounds = fns.map(() => [])
  for (let i = 0; i < 7; i++) for (let j = 0; j < fns.length; j++) rounds[j].push(await until(fns[j], roundMs))
  return rounds.map(median)
}

/** Process CPU µs (user + system, all threads) and wall µs per call over n sequential calls. */
export async function cpuPerCall(fn, n) {
  for (let i = 0; i < Math.min(n, 200); i++) await fn()
  const c0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < n; i++) await fn()
  const wall = Number(process.hrtime.bigint() - t0) / 1000 / n
  const c = process.cpuUsage(c0)
  return { cpu: (c.user + c.system) / n, wall }
}

const NODE_HASH = { 0x0004: 'sha1', 0x000b: 'sha256', 0x000c: 'sha384', 0x000d: 'sha512' }
const CURVE = { 0x0003: ['P-256', 32], 0x0004: ['P-384', 48], 0x0005: ['P-521', 66] }
const b64u = (b) => Buffer.from(b).toString('base64url')

/**
 * The bare node:crypto verify of a quote signature: the AK made into a KeyObject once, here, from
 * its public area (TPM2B_PUBLIC or TPMT_PUBLIC bytes) without bootproof's key code; the signature
 * converted once (ECDSA r/s to P1363). For RSASSA-PSS the salt that verifies (hLen, else max).
 * Returns { verify: () => boolean, hash, kind } or undefined for a key this floor does not cover.
 */
export function nodeSignatureFloor(bp, akPublic, attest, sigBytes) {
  let pub
  try {
    pub = bp.parseTpm2bPublic(akPublic)
  } catch {
    pub = bp.parseTpmtPublic(akPublic)
  }
  const sig = bp.parseTpmtSignature(sigBytes)
  const hash = NODE_HASH[sig.hashAlg]
  if (!hash) return undefined
  if (pub.rsa && sig.kind === 'rsa') {
    const e = pub.rsa.exponent === 0 ? 65537 : pub.rsa.exponent
    const eb = []
    for (let x = e; x > 0; x = Math.floor(x / 256)) eb.unshift(x % 256)
    const key = nodeCrypto.createPublicKey({ key: { kty: 'RSA', n: b64u(pub.rsa.modulus), e: b64u(eb) }, format: 'jwk' })
    if (sig.sigAlg === 0x0014) {
      const opts = { key, padding: nodeCrypto.constants.RSA_PKCS1_PADDING }
      return { verify: () => nodeCrypto.verify(hash, attest, opts, sig.sig), hash, kind: 'RSASSA' }
    }
    const hLen = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 }[hash]
    const bits = key.asymmetricKeyDetails.modulusLength
    for (const saltLength of [hLen, Math.ceil((bits - 1) / 8) - hLen - 2]) {
      const opts = { key, padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength }
      if (nodeCrypto.verify(hash, attest, opts, sig.sig)) return { verify: () => nodeCrypto.verify(hash, attest, opts, sig.sig), hash, kind: 'RSA-PSS' }
    }
    return undefined
  }
  if (pub.ecc && sig.kind === 'ecc') {
    const [crv, size] = CURVE[pub.ecc.curveId ?? pub.ecc.curveID] ?? []
    if (!crv) return undefined
    const pad = (b) => {
      const out = new Uint8Array(size)
      out.set(b.subarray(Math.max(0, b.length - size)), Math.max(0, size - b.length))
      return out
    }
    const key = nodeCrypto.createPublicKey({ key: { kty: 'EC', crv, x: b64u(pad(pub.ecc.x)), y: b64u(pad(pub.ecc.y)) }, format: 'jwk' })
    const p1363 = new Uint8Array([...pad(sig.r), ...pad(sig.s)])
    const opts = { key, dsaEncoding: 'ieee-p1363' }
    return { verify: () => nodeCrypto.verify(hash, attest, opts, p1363), hash, kind: 'ECDSA' }
  }
  return undefined
}
