/**
 * Policies: validatePolicy on mutated JSON text, then (when valid) appraisePolicy against the
 * recorded sb-esp evidence; Keylime mb_refstate documents through importKeylimeRefstate.
 */
import { readFileSync } from 'node:fs'
import { validatePolicy } from '../../../src/policy/validate.js'
import { appraisePolicy } from '../../../src/policy/appraise.js'
import { derivePolicy } from '../../../src/policy/derive.js'
import { importKeylimeRefstate } from '../../../src/policy/import_keylime.js'
import { parseEventLog } from '../../../src/eventlog/parse.js'
import { analyzeEventLog } from '../../../src/attest/analyze.js'
import type { EventLog } from '../../../src/eventlog/types.js'
import type { AuthenticatedEvidence } from '../../../src/attest/evidence.js'
import { mutateJson } from '../lib/json.js'
import type { Family, Seed, SeedSet } from '../family.js'
import { bytes, listDir, REPO, short, text, vec } from '../seeds.js'

let ev: { log: EventLog; evidence: AuthenticatedEvidence; pcrs: Record<string, string> } | undefined
function evidence(): NonNullable<typeof ev> {
  if (!ev) {
    const log = parseEventLog(bytes(vec('ovmf/sb-esp/binary_bios_measurements')))
    const pcrs = (JSON.parse(text(vec('ovmf/sb-esp/pcrs.json'))) as Record<string, Record<string, string>>).sha256!
    const evidence = analyzeEventLog(log, { expected: { sha256: pcrs } }).evidence
    if (!evidence) throw new Error('policy target: no authenticated evidence for the sb-esp log')
    ev = { log, evidence, pcrs }
  }
  return ev
}

export const policyFamily: Family<string> = {
  name: 'policy',
  description: 'validatePolicy (+ appraisePolicy on the sb-esp recording when valid); importKeylimeRefstate',
  async seeds(): Promise<SeedSet<string>> {
    const seeds: Seed<string>[] = listDir(`${REPO}/examples/policies`)
      .filter((f) => f.endsWith('.json'))
      .map((f) => ({ name: short(f), value: text(f), meta: { kind: 'policy' } }))
    for (const d of ['sb-esp', 'plain-esp']) {
      const log = parseEventLog(bytes(vec(`ovmf/${d}/binary_bios_measurements`)))
      seeds.push({ name: `derived:${d}`, value: JSON.stringify(derivePolicy([log], { id: `fuzz/${d}` })), meta: { kind: 'policy' } })
    }
    const refstate = `${REPO}/test/fixtures/policy/sb-esp.mb_refstate.json`
    seeds.push({ name: short(refstate), value: readFileSync(refstate, 'utf8'), meta: { kind: 'keylime' } })
    seeds.push({ name: `${short(refstate)} (imported)`, value: JSON.stringify(importKeylimeRefstate(JSON.parse(readFileSync(refstate, 'utf8')), { id: 'fuzz/keylime' })), meta: { kind: 'policy' } })
    return { seeds, notes: [`${seeds.length} seeds`] }
  },
  mutate(seed, rng, all) {
    return mutateJson(JSON.parse(seed.value), rng, { donors: all.map((s) => JSON.parse(s.value) as unknown) })
  },
  run(input, seed) {
    if (seed.meta?.kind === 'keylime') {
      let doc: unknown
      try {
        doc = JSON.parse(input)
      } catch {
        return // the importer takes parsed JSON: text that is not JSON is the caller's problem
      }
      validatePolicy(importKeylimeRefstate(doc, { id: 'fuzz/keylime' }))
      return
    }
    const policy = validatePolicy(input)
    const e = evidence()
    appraisePolicy({ policy, log: e.log, evidence: e.evidence, quote: { valid: true, pcrs: { sha256: e.pcrs } } as never, nonceChecked: true })
  },
  size: (s) => s.length,
  toBytes: (s) => new TextEncoder().encode(s),
}
