import { readFileSync } from 'node:fs'
import * as bp from '../dist/index.js'
const b = bp.parseEvidenceBundle(readFileSync('test-vectors/demo/evidence.json', 'utf8'))
function until(fn, ms = 300) { let n = 0; const t0 = performance.now(); while (performance.now() - t0 < ms) { fn(); n++ } return ((performance.now() - t0) / n * 1000).toFixed(1) }
async function untilA(fn, ms = 300) { let n = 0; const t0 = performance.now(); while (performance.now() - t0 < ms) { await fn(); n++ } return ((performance.now() - t0) / n * 1000).toFixed(1) }
const log = bp.parseEventLog(b.eventLog)
const integ = bp.verifyEventIntegrity(log)
const struct = bp.checkEventLogStructure(log, { integrity: integ })
console.log('parse+decode', until(() => bp.parseEventLog(b.eventLog)))
console.log('parse nodecode', until(() => bp.parseEventLog(b.eventLog, { decode: false })))
console.log('replay', until(() => bp.replayEventLog(log)))
console.log('integrity', until(() => bp.verifyEventIntegrity(log)))
console.log('structure', until(() => bp.checkEventLogStructure(log, { integrity: integ })))
console.log('state', until(() => bp.extractBootState(log, { integrity: integ, structure: struct, quotedPcrs: [0,1,2,3,4,5,6,7,8,9] })))
console.log('windows', until(() => bp.extractWindowsState({ log, integrity: integ, quotedPcrs: undefined, taintedPcrs: new Map() })))
console.log('verifyQuotes', await untilA(() => bp.verifyQuotes({ quotes: b.quotes, ak: b.ak, nonce: b.nonce, pcrs: bp.replayedValues ? undefined : undefined, options: { allowMissingNonce: false } })))
console.log('verifyAttestation', await untilA(() => bp.verifyAttestation({ eventLog: b.eventLog, quotes: b.quotes, ak: b.ak, nonce: b.nonce, akEnrolled: true })))
