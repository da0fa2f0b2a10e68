/** Pins: malformed bundles / mutated evidence only ever raise BootproofError (no TypeError/RangeError). Passes today. */
import { expect, it } from 'vitest'
import { BootproofError, parseEvidenceBundle, verifyAttestation } from '../../src/index.js'
import { bundleText, demoPolicy } from './helpers.js'
const nonLib = new Map<string, string>()
async function tryIt(label: string, f: () => Promise<unknown>) {
  try { await f() } catch (e) { if (!(e instanceof BootproofError)) { const k = label + ': ' + (e as Error)?.constructor?.name + ' ' + String((e as Error)?.message).slice(0, 120); nonLib.set(k, k) } }
}
let seed = 12345
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
it('mutated evidence and odd bundle members never throw a non-library exception', async () => {
  const json = JSON.parse(bundleText)
  const variants: [string, unknown][] = [
    ['pcrs num', { ...json, pcrs: { sha256: { '0': 5 } } }],
    ['pcrs null', { ...json, pcrs: { sha256: null } }],
    ['pcrs arr', { ...json, pcrs: { sha256: ['00'] } }],
    ['pcrs badbank', { ...json, pcrs: { foo: { '0': '00' } } }],
    ['pcrs idx', { ...json, pcrs: { sha256: { 'x': '00'.repeat(32) } } }],
    ['pcrs idx big', { ...json, pcrs: { sha256: { '99999999999': '00'.repeat(32) } } }],
    ['pcrs proto', JSON.parse(`{"version":1,"quotes":${JSON.stringify(json.quotes)},"ak":${JSON.stringify(json.ak)},"nonce":"${json.nonce}","pcrs":{"__proto__":{"0":"00"}}}`)],
    ['pcrs toString', { ...json, pcrs: { toString: { '0': '00'.repeat(32) } } }],
    ['nonce empty', { ...json, nonce: '' }],
    ['ak pem junk', { ...json, ak: { pem: 'junk' } }],
    ['ak cert junk', { ...json, ak: { certificate: 'junk' } }],
    ['ak public empty', { ...json, ak: { public: '' } }],
    ['intermediates junk', { ...json, ak: { ...json.ak, intermediates: ['x'] } }],
  ]
  for (const [l, v] of variants) await tryIt(l, async () => { const b = parseEvidenceBundle(v); await verifyAttestation({ ...(b.eventLog ? { eventLog: b.eventLog } : {}), quotes: b.quotes, ak: b.ak, nonce: b.nonce, ...(b.pcrs ? { pcrs: b.pcrs } : {}), policy: demoPolicy(), akEnrolled: true }) })
  const b = parseEvidenceBundle(bundleText)
  for (let n = 0; n < 400; n++) {
    const which = n % 4
    const log = b.eventLog!.slice(), attest = b.quotes[0]!.attest.slice(), sig = (b.quotes[0]!.signature as Uint8Array).slice(), pub = ((b.ak as any).public as Uint8Array).slice()
    const target = [log, attest, sig, pub][which]!
    const flips = 1 + Math.floor(rnd() * 4)
    for (let k = 0; k < flips; k++) target[Math.floor(rnd() * target.length)] = Math.floor(rnd() * 256)
    let t2 = target
    if (rnd() < 0.2) t2 = target.subarray(0, Math.floor(rnd() * target.length))
    const parts = [log, attest, sig, pub]; parts[which] = t2
    await tryIt(`mut${which}`, () => verifyAttestation({ eventLog: parts[0]!, quotes: [{ attest: parts[1]!, signature: parts[2]! }], ak: { public: parts[3]! }, nonce: b.nonce, policy: demoPolicy(), akEnrolled: true }))
  }
  expect([...nonLib.keys()]).toEqual([])
}, 120000)
