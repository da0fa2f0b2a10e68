import { readFileSync } from 'node:fs'
import * as bp from '../dist/index.js'
const b = bp.parseEvidenceBundle(readFileSync('test-vectors/demo/evidence.json', 'utf8'))
const inp = { eventLog: b.eventLog, quotes: b.quotes, ak: b.ak, nonce: b.nonce, akEnrolled: true }
for (let i = 0; i < 100; i++) await bp.verifyAttestation(inp)
const n = 500; const c0 = process.cpuUsage(); const t0 = performance.now()
for (let i = 0; i < n; i++) await bp.verifyAttestation(inp)
const c = process.cpuUsage(c0); console.log('wall µs', ((performance.now() - t0) / n * 1000).toFixed(0), 'cpu µs', ((c.user + c.system) / n).toFixed(0))
