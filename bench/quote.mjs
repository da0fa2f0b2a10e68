/**
 * Quote section of `npm run bench` (called by bench/run.mjs as `run(bp, time)`).
 *
 * Per committed quote vector (test-vectors/quotes/*): µs per parseTpmsAttest, parseTpmtSignature,
 * parseTpm2bPublic and per full `await verifyQuote(...)` (AK = ak.pub, the vector's nonce, PCRs
 * from quote.pcrs), against a floor measured in the same rounds: the bare node:crypto `verify` of
 * the same signature over the same bytes with a KeyObject created beforehand (from ak.pem, not by
 * bootproof). Target: verifyQuote <= 1.5x that floor. WebCrypto is a reference column only: the
 * bare `crypto.subtle.verify` with an imported key, verifyQuote forced onto WebCrypto
 * (`options.crypto`, key cache warm) and the same with an empty key cache (cold AK).
 */
import { existsSync, readFileSync } from 'node:fs'
import * as nodeCrypto from 'node:crypto'
import { join } from 'node:path'
import { fmt, median, read, root, target, timeInterleaved } from './lib.mjs'

export { timeInterleaved }
export const timeAsync = async (fn, roundMs, warmMs) => (await timeInterleaved([fn], roundMs, warmMs))[0]

const VECTORS = ['rsassa-sha256', 'rsapss-sha256', 'ecdsa-p256-sha256', 'ecdsa-p384-sha384', 'banks-sha1-sha256']
const HASH = { 0x0004: ['SHA-1', 'sha1', 20], 0x000b: ['SHA-256', 'sha256', 32], 0x000c: ['SHA-384', 'sha384', 48], 0x000d: ['SHA-512', 'sha512', 64] }
const CURVE = { prime256v1: ['P-256', 32], secp384r1: ['P-384', 48], secp521r1: ['P-521', 66] }
const subtle = globalThis.crypto.subtle


/** Load one vector and derive everything the floor needs (imported key, P1363 / PSS parameters). */
async function loadVector(bp, dir) {
  const attest = read(join(dir, 'quote.msg'))
  const sigBytes = read(join(dir, 'quote.sig'))
  const akPub = read(join(dir, 'ak.pub'))
  const nonceHex = existsSync(join(dir, 'nonce.hex')) ? readFileSync(join(dir, 'nonce.hex'), 'utf8').trim() : JSON.parse(readFileSync(join(dir, '../meta.json'), 'utf8')).in_guest_quote.nonce_hex
  const nonce = bp.fromHex(nonceHex)
  const pcrs = bp.parseTpm2ToolsPcrFile(read(join(dir, 'quote.pcrs'))).pcrs
  const input = { attest, signature: sigBytes, ak: akPub, nonce, pcrs }

  // Floor key: the AK as a node KeyObject from its PEM (independent of bootproof's key code).
  const sig = bp.parseTpmtSignature(sigBytes)
  const [wcHash, nodeHash, hLen] = HASH[sig.hashAlg]
  const ko = nodeCrypto.createPublicKey(readFileSync(join(dir, 'ak.pem'), 'utf8'))
  const spki = ko.export({ type: 'spki', format: 'der' })
  let wcAlg, wcImport, nodeKey, sigRaw
  if (sig.kind === 'rsa') {
    sigRaw = sig.sig
    if (sig.sigAlg === 0x0014) {
      wcImport = { name: 'RSASSA-PKCS1-v1_5', hash: wcHash }
      wcAlg = { name: 'RSASSA-PKCS1-v1_5' }
      nodeKey = ko
    } else {
      // The floor verifies once with the salt that works (verifyQuote tries hLen first, then max).
      const bits = ko.asymmetricKeyDetails.modulusLength
      const salts = [hLen, Math.ceil((bits - 1) / 8) - hLen - 2]
      const k = await subtle.importKey('spki', spki, { name: 'RSA-PSS', hash: wcHash }, false, ['verify'])
      let salt = salts[0]
      for (const s of salts) if (await subtle.verify({ name: 'RSA-PSS', saltLength: s }, k, sigRaw, attest)) { salt = s; break }
      wcImport = { name: 'RSA-PSS', hash: wcHash }
      wcAlg = { name: 'RSA-PSS', saltLength: salt }
      nodeKey = { key: ko, padding: nodeCrypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: salt }
    }
  } else {
    const [crv, size] = CURVE[ko.asymmetricKeyDetails.namedCurve]
    sigRaw = new Uint8Array(2 * size)
    sigRaw.set(sig.r, size - sig.r.length)
    sigRaw.set(sig.s, 2 * size - sig.s.length)
    wcImport = { name: 'ECDSA', namedCurve: crv }
    wcAlg = { name: 'ECDSA', hash: wcHash }
    nodeKey = { key: ko, dsaEncoding: 'ieee-p1363' }
  }
  const wcKey = await subtle.importKey('spki', spki, wcImport, false, ['verify'])
  const floorOk = await subtle.verify(wcAlg, wcKey, sigRaw, attest)
  const nodeOk = nodeCrypto.verify(nodeHash, attest, nodeKey, sigRaw)
  return { attest, sigBytes, akPub, nonce, pcrs, input, wcAlg, wcKey, sigRaw, nodeHash, nodeKey, floorOk, nodeOk, sig }
}

/** A SubtleCrypto wrapper that is new on every call: bootproof's key cache (per SubtleCrypto) is empty. */
const freshCrypto = () => ({ subtle: { importKey: (...a) => subtle.importKey(...a), verify: (...a) => subtle.verify(...a) } })

export async function run(bp, time) {
  console.log('\n== TPM quotes: parse and verifyQuote (µs per call; floor = bare node:crypto verify, KeyObject already created) ==')
  if (typeof bp.verifyQuote !== 'function') {
    console.log('(verifyQuote not exported by dist: skipped)')
    return
  }
  console.log('vector'.padEnd(20), 'attest'.padStart(7), 'sig'.padStart(6), 'pub'.padStart(6), 'verifyQuote'.padStart(12), 'floor'.padStart(7), 'ratio'.padStart(6), ' target', '| WebCrypto:', 'verify'.padStart(7), 'verifyQuote'.padStart(12), 'cold AK'.padStart(8))
  const rows = []
  // Warm the JIT on every vector first, so that the first row is not measured colder than the rest.
  const warm = []
  for (const name of VECTORS) {
    const dir = join(root, 'test-vectors/quotes', name)
    if (existsSync(dir)) warm.push((await loadVector(bp, dir)).input)
  }
  for (const t0 = Date.now(); Date.now() - t0 < 1500; ) {
    for (const input of warm) {
      await bp.verifyQuote(input).catch(() => undefined)
      for (let i = 0; i < 20; i++) {
        bp.parseTpmsAttest(input.attest)
        bp.parseTpmtSignature(input.signature)
        bp.parseTpm2bPublic(input.ak)
      }
    }
  }
  // WebCrypto path with a warm key cache: the same SubtleCrypto instance on every call.
  const webCrypto = { subtle }
  for (const name of VECTORS) {
    const dir = join(root, 'test-vectors/quotes', name)
    if (!existsSync(dir)) {
      console.log(name.padEnd(20), '(vector missing)')
      continue
    }
    const v = await loadVector(bp, dir)
    const first = await bp.verifyQuote(v.input)
    if (!first.valid || !v.floorOk || !v.nodeOk) {
      console.log(name.padEnd(20), `(not benchmarked: verifyQuote valid=${first.valid} ${JSON.stringify(first.errors)}, WebCrypto ok=${v.floorOk}, node:crypto ok=${v.nodeOk})`)
      continue
    }
    const pAttest = time(() => bp.parseTpmsAttest(v.attest))
    const pSig = time(() => bp.parseTpmtSignature(v.sigBytes))
    const pPub = time(() => bp.parseTpm2bPublic(v.akPub))
    // Interleaved rounds: the floor and verifyQuote are measured under the same load, in rounds of
    // their own. The WebCrypto reference columns run in a separate set of rounds: their work is
    // finished on libuv's thread pool and their promises are collected later, which would land
    // in the next round's timing of the target pair.
    const [floor, vq] = await timeInterleaved([
      () => nodeCrypto.verify(v.nodeHash, v.attest, v.nodeKey, v.sigRaw),
      () => bp.verifyQuote(v.input),
    ])
    const [wc, vqWc, cold] = await timeInterleaved([
      () => subtle.verify(v.wcAlg, v.wcKey, v.sigRaw, v.attest),
      () => bp.verifyQuote({ ...v.input, options: { crypto: webCrypto } }),
      () => bp.verifyQuote({ ...v.input, options: { crypto: freshCrypto() } }),
    ])
    rows.push({ name, vq, floor })
    console.log(name.padEnd(20), fmt(pAttest, 7, 2), fmt(pSig, 6, 2), fmt(pPub, 6, 2), fmt(vq, 12), fmt(floor, 7), fmt(vq / floor, 6, 2), (vq / floor <= 1.5 ? 'met' : 'NOT met').padStart(7), '|', ''.padEnd(10), fmt(wc, 7), fmt(vqWc, 12), fmt(cold, 8))
  }
  console.log('attest/sig/pub: parseTpmsAttest / parseTpmtSignature / parseTpm2bPublic (full checks). verifyQuote: AK as TPM2B_PUBLIC bytes,')
  console.log('nonce, PCR values from quote.pcrs as hex; every check, result object included; node:crypto path, AK KeyObject cached.')
  console.log('floor: node:crypto verify of the same signature and bytes, KeyObject made beforehand from ak.pem. ratio = verifyQuote / floor.')
  console.log('WebCrypto (reference only): bare crypto.subtle.verify (key imported); verifyQuote with options.crypto (WebCrypto path, key')
  console.log('cache warm); cold AK: the same with an empty key cache (+ one WebCrypto import, two for RSA-PSS). Rounds of floor and')
  console.log('verifyQuote interleaved (same load), the three WebCrypto columns in rounds of their own; median of 7.')
  if (rows.length) {
    const r = rows.map((x) => x.vq / x.floor)
    const worst = Math.max(...r)
    console.log(`verifyQuote / node:crypto floor: median ${median(r).toFixed(2)}x, worst ${target('verifyQuote / node:crypto verify floor (worst vector)', worst, 1.5)}; overhead above the floor: ${rows.map((x) => `${x.name} +${(x.vq - x.floor).toFixed(1)} µs`).join(', ')}`)
  }
}
