/**
 * replayImaLog: bank rules, PCR selection (policy pcr=), comparison semantics shared with
 * replayEventLog, and the CLI rule parser.
 */
import { describe, expect, it } from 'vitest'
import { replayedValues } from '../../src/eventlog/replay.js'
import { analyzeImaLog, parseImaBankRules, parseImaLog, replayImaLog } from '../../src/ima/index.js'
import { cat, H, hex, imaNg } from './builder.js'

const list = parseImaLog(cat(imaNg('/a'), imaNg('/b', { pcr: 11 }), imaNg('/c')))

function chain(alg: string, size: number, digests: Uint8Array[]): string {
  let v: Uint8Array = new Uint8Array(size)
  for (const d of digests) v = H(alg, v, d)
  return hex(v)
}

describe('replayImaLog', () => {
  const [a, b, c] = list.entries

  it('replays each entry into its own PCR, in every requested bank, by rule', () => {
    const res = replayImaLog(list, { extendBanks: { sha256: 'recompute', sha512: 'pad' } })
    expect([...res.banks.keys()]).toEqual(['sha1', 'sha256', 'sha512'])
    expect(res.banks.get('sha1')!.pcrs.get(10)!.events).toEqual([0, 2])
    expect(res.banks.get('sha1')!.pcrs.get(11)!.events).toEqual([1])
    expect(hex(res.banks.get('sha1')!.pcrs.get(10)!.value)).toBe(chain('sha1', 20, [a!.templateHash, c!.templateHash]))
    expect(hex(res.banks.get('sha256')!.pcrs.get(10)!.value)).toBe(chain('sha256', 32, [H('sha256', a!.templateData!), H('sha256', c!.templateData!)]))
    const pad = (d: Uint8Array): Uint8Array => cat(d, new Uint8Array(44))
    expect(hex(res.banks.get('sha512')!.pcrs.get(11)!.value)).toBe(chain('sha512', 64, [pad(b!.templateHash)]))
    expect(replayedValues(res).sha1).toHaveProperty('11')
  })

  it('template-hash on a bank of another size is not replayable; unknown banks and rules are caller errors', () => {
    const res = replayImaLog(list, { extendBanks: { sha256: 'template-hash' }, expected: { sha256: { 10: '00'.repeat(32) } } })
    expect(res.banks.get('sha256')!.replayable).toBe(false)
    expect(res.comparisons![0]!.status).toBe('bank-not-replayable')
    expect(res.findings[0]!.code).toBe('PCR_BANK_NOT_REPLAYABLE')
    expect(() => replayImaLog(list, { extendBanks: { md5: 'pad' } as never })).toThrow(TypeError)
    expect(() => replayImaLog(list, { extendBanks: { sha256: 'xor' as never } })).toThrow(TypeError)
  })

  it('compares PCR 10 even without entries in it, PCRs the list extends, and nothing else', () => {
    const only11 = parseImaLog(imaNg('/x', { pcr: 11 }))
    const res = replayImaLog(only11, { expected: { sha1: { 0: 'ff'.repeat(20), 10: 'ab'.repeat(20), 11: '00'.repeat(20) } } })
    expect(res.comparisons!.map((c) => [c.pcr, c.status])).toEqual([
      [10, 'mismatch'],
      [11, 'mismatch'],
    ])
    expect(res.findings.map((f) => f.code)).toEqual(['PCR_MISMATCH', 'PCR_MISMATCH'])
    expect(res.ok).toBe(false)
    // An empty PCR 10 matches only all-zero.
    expect(replayImaLog(only11, { expected: { sha1: { 10: '00'.repeat(20) } } }).ok).toBe(true)
    // pcrs: [] makes PCR 10 not authoritative.
    expect(replayImaLog(only11, { pcrs: [], expected: { sha1: { 10: 'ab'.repeat(20) } } }).comparisons).toEqual([])
  })

  it('analyzeImaLog gathers parse and comparison findings and fails closed', () => {
    const res = analyzeImaLog(list, { expected: { sha1: { 10: '00'.repeat(20) } } })
    expect(res.integrity.counts).toEqual({ verified: 3, mismatch: 0, 'not-applicable': 0 })
    expect(res.findings.map((f) => f.code)).toEqual(['PCR_MISMATCH'])
    expect(res.ok).toBe(false)
    expect(analyzeImaLog(list).ok).toBe(true)
  })

  it('parseImaBankRules reads the CLI form', () => {
    expect(parseImaBankRules('sha256=recompute, sha384=pad')).toEqual({ sha256: 'recompute', sha384: 'pad' })
    expect(() => parseImaBankRules('sha999=pad')).toThrow(TypeError)
    expect(() => parseImaBankRules('sha256')).toThrow(TypeError)
  })
})
