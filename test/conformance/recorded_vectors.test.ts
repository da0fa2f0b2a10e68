/**
 * Differential checks on the committed recorded boots (test-vectors/ovmf): the parser agrees
 * with tpm2_eventlog 5.4 event by event, and the replay equals the PCRs read in the guest at the
 * same boot for every firmware PCR (PCR 10 belongs to IMA, checked in test/ima).
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { analyzeEventLog, parseEventLog, toHex } from '../../src/index.js'
import { REPO_ROOT, repoBytes } from '../helpers/corpus.js'
import { readTpm2ToolsYaml } from '../helpers/tpm2_yaml.js'

const dir = join(REPO_ROOT, 'test-vectors/ovmf')
const boots = readdirSync(dir).sort()

describe('recorded OVMF boots', () => {
  it('there are recorded boots with and without Secure Boot', () => {
    expect(boots).toEqual(expect.arrayContaining(['plain-direct', 'plain-esp', 'sb-esp']))
  })

  for (const boot of boots) {
    const log = parseEventLog(repoBytes(`test-vectors/ovmf/${boot}/binary_bios_measurements`))

    it(`${boot}: every event agrees with tpm2_eventlog 5.4 (PCR, type, size, every digest)`, () => {
      const y = readTpm2ToolsYaml(readFileSync(join(dir, boot, 'tpm2_eventlog.yaml'), 'utf8'))
      expect(log.events.length).toBe(y.length)
      for (const [i, e] of y.entries()) {
        const ev = log.events[i]!
        expect({ i, pcr: ev.pcrIndex, type: ev.typeName, size: ev.data.length }).toEqual({ i, pcr: e.pcr, type: e.type, size: e.size })
        if (i === 0) continue
        for (const [bank, hex] of Object.entries(e.digests)) expect(toHex(ev.digests.find((d) => d.bank === bank)!.digest)).toBe(hex)
      }
    })

    it(`${boot}: the replay equals the PCRs read in the guest (all banks, PCRs 0-9), with no error findings`, () => {
      const read = JSON.parse(readFileSync(join(dir, boot, 'pcrs.json'), 'utf8')) as Record<string, Record<string, string>>
      const expected = Object.fromEntries(Object.entries(read).map(([b, regs]) => [b, Object.fromEntries(Object.entries(regs).filter(([i]) => Number(i) <= 9))]))
      const a = analyzeEventLog(log, { expected })
      expect(a.replay.comparisons!.length).toBe(30)
      expect(a.replay.comparisons!.filter((c) => c.status !== 'match')).toEqual([])
      expect(a.findings.filter((f) => f.severity === 'error')).toEqual([])
      expect(a.integrity.counts.mismatch).toBe(0)
    })
  }
})
