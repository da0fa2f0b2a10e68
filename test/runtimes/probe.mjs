/**
 * What every runtime computes from the demo evidence with the portable core (plain ESM, no
 * imports of its own, so Node, Bun, Deno and a browser page load it unchanged): parse, replay
 * and verifyAttestation. `bp` is the built `bootproof` entry; the texts are
 * test-vectors/demo/evidence.json and examples/policies/ovmf-sb-esp.derived.json.
 *
 * The result is JSON-safe. `hash` names the hash provider the runtime got (node:crypto through
 * process.getBuiltinModule, or the @noble/hashes fallback) and is reported, not compared; the
 * verdict is compared without `iat`.
 */
export async function probe(bp, evidenceText, policyText) {
  const bundle = bp.parseEvidenceBundle(evidenceText)
  const log = bp.parseEventLog(bundle.eventLog)
  const replay = bp.replayEventLog(log)
  const { verdict } = await bp.verifyAttestation({
    eventLog: bundle.eventLog,
    quotes: bundle.quotes,
    ak: bundle.ak,
    akEnrolled: true,
    nonce: bundle.nonce,
    policy: bp.validatePolicy(JSON.parse(policyText)),
  })
  const { iat, ...rest } = verdict
  return {
    hash: bp.defaultHashProvider().name,
    parse: { format: log.format, eventCount: log.events.length, banks: log.algorithms.map((a) => a.bank) },
    replay: bp.pcrValuesToJSON(bp.replayedValues(replay)),
    verdict: JSON.parse(JSON.stringify(rest)),
    iatType: typeof iat,
  }
}
