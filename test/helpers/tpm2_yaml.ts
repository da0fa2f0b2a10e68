/** Just enough of tpm2_eventlog's YAML output to compare event-level fields. */
export interface YamlEvent {
  pcr: number
  type: string
  size: number
  digests: Record<string, string>
}

/** Just enough of tpm2_eventlog's YAML: the per-event header fields and digests. */
export function readTpm2ToolsYaml(text: string): YamlEvent[] {
  const out: YamlEvent[] = []
  let cur: YamlEvent | undefined
  let alg: string | undefined
  let pcrSeen = false
  for (const line of text.split('\n')) {
    if (line.startsWith('pcrs:')) break
    let m: RegExpMatchArray | null
    // Crypto-agile output starts each event with "- EventNum:", the SHA-1 output with "  PCRIndex:".
    const pcrLine = line.match(/^ {2}PCRIndex: (-?\d+)/)
    if (line.startsWith('- EventNum:') || (pcrLine && (!cur || pcrSeen))) {
      cur = { pcr: 0, type: '', size: 0, digests: {} }
      out.push(cur)
      alg = undefined
      pcrSeen = false
    }
    if (!cur) continue
    if (pcrLine) {
      cur.pcr = Number(pcrLine[1])
      pcrSeen = true
    }
    else if ((m = line.match(/^ {2}EventType: (.+)$/))) cur.type = m[1]!.trim()
    else if ((m = line.match(/^ {2}EventSize: (\d+)/))) cur.size = Number(m[1])
    else if ((m = line.match(/^ {2}Digest: "([0-9a-f]+)"/))) cur.digests.sha1 = m[1]!
    else if ((m = line.match(/^ {2}- AlgorithmId: (\w+)/))) alg = m[1]
    else if ((m = line.match(/^ {4}Digest: "([0-9a-f]+)"/)) && alg) cur.digests[alg] = m[1]!
  }
  return out
}
