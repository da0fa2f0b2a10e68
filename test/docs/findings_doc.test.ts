/**
 * docs/findings.md documents every finding code the library can emit (issue "One trust core",
 * item 3): each code has a table row with a severity (error / warning / info, or a documented
 * "error or warning: condition" form) and a non-empty threat / defect. Codes are collected
 *
 * 1. statically, from src/**\/*.ts (`code: ...` literals, ternaries included, and the
 *    `finding('X', ...)` helper), plus the code tables that become findings without a literal at
 *    the emitting site: POLICY_FINDING_CODES, the QuoteCheckCode union (quote errors become
 *    findings in src/attest/authenticate.ts) and the TokenCheckErrorCode union (token errors
 *    become findings in src/token/maa_submod.ts);
 * 2. dynamically, from what analyzeEventLog / extractBootState / analyzeImaLog emit over every
 *    committed vector (and the shared corpus when present) and what verifyAttestation emits for
 *    test-vectors/demo/evidence.json with examples/policies/ovmf-sb-esp.derived.json.
 *
 * Trust / fact reason codes (src/attest/evidence.ts, src/state/fact.ts) are not findings: they
 * must be in the "Trust reason codes" section. Quote-check and token error codes may be
 * documented by reference, when docs/quote-checks.md / docs/tokens.md give each a meaning.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  analyzeEventLog,
  analyzeImaLog,
  authenticateLog,
  extractBootState,
  isBootproofError,
  parseEventLog,
  parseEvidenceBundle,
  parseImaLog,
  verifyAttestation,
  type Finding,
  type ParseEventLogOptions,
} from '../../src/index.js'
import { announceCorpus, CORPUS, corpusBytes, expectedEntries, REPO_ROOT, repoBytes } from '../helpers/corpus.js'
import { objectKeys, severityCell, staticScan, tableRows, unionMembers, type DocRow, type Severity, type StaticHit } from './code_scan.js'

announceCorpus('findings documentation: dynamic scan of the corpus logs')

const SRC = resolve(REPO_ROOT, 'src')
const doc = readFileSync(resolve(REPO_ROOT, 'docs/findings.md'), 'utf8')
const quoteDoc = readFileSync(resolve(REPO_ROOT, 'docs/quote-checks.md'), 'utf8')
const tokenDoc = readFileSync(resolve(REPO_ROOT, 'docs/tokens.md'), 'utf8')

/**
 * `code:` literals that are not finding codes. Each entry says what it is instead. Keep it short:
 * a new entry needs a reason.
 */
const NOT_FINDINGS: Record<string, string> = {
  ERR_EVENTDATA_LIMIT: 'SipaError code of one SIPA record (src/state/windows/sipa_decode.ts); reported inside a WINDOWS_SIPA_MALFORMED message',
  ERR_EVENTDATA_MALFORMED: 'SipaError / unparsed-data error code; reported inside EVENT_DATA_UNPARSED / WINDOWS_SIPA_MALFORMED messages',
  ERR_EVENTDATA_TRUNCATED: 'SipaError code of one SIPA record; reported inside a WINDOWS_SIPA_MALFORMED message',
  ERR_INTERNAL: 'CLI JSON error shape for an unexpected exception (src/cli/io.ts), not a finding',
  ERR_STREAM_DESTROYED: "Node's stream error code, given to an output stream closed under `batch` (src/cli/commands/batch.ts), not a finding",
}

/** Whole unions of non-finding codes that appear in `code:` positions, with the reason. */
const NOT_FINDING_UNIONS: { file: string; type: string; why: string }[] = [
  { file: 'fleet/types.ts', type: 'FleetLineErrorCode', why: 'why one input line of `verifyFleet` produced no verdict (FleetLineError), not a finding' },
  { file: 'error_codes.ts', type: 'UkiCheckErrorCode', why: 'errors[] of verifyPcrSignature (docs/linux.md): a check result, as quote and SNP check codes are, not a finding' },
]
for (const u of NOT_FINDING_UNIONS) {
  if (!existsSync(join(SRC, u.file))) continue
  for (const c of unionMembers(join(SRC, u.file), u.type)) NOT_FINDINGS[c] ??= `${u.type}: ${u.why}`
}

const REASON_CODES = new Set([
  ...unionMembers(join(SRC, 'attest/evidence.ts'), 'TrustReasonCode'),
  ...unionMembers(join(SRC, 'state/fact.ts'), 'FactReasonCode'),
])
const QUOTE_CHECK_CODES = new Set(unionMembers(join(SRC, 'tpm/check_codes.ts'), 'QuoteCheckCode'))
const TOKEN_CHECK_CODES = new Set(unionMembers(join(SRC, 'error_codes.ts'), 'TokenCheckErrorCode'))
const POLICY_CODES = objectKeys(join(SRC, 'policy/codes.ts'), 'POLICY_FINDING_CODES')

const rows = tableRows(doc)
const findingRows = rows.filter((r) => r.section !== 'Severity model' && r.section !== 'Trust reason codes')
const reasonRows = rows.filter((r) => r.section === 'Trust reason codes')

function rowFor(code: string): DocRow | undefined {
  return findingRows.find((r) => r.codes.includes(code))
}

/** What is wrong with the documentation of one code, or undefined when it is documented. */
function problem(code: string, severities: Iterable<Severity>): string | undefined {
  if (REASON_CODES.has(code)) {
    const r = reasonRows.find((x) => x.codes.includes(code))
    return r && (r.cells[2] ?? '') !== '' ? undefined : 'trust / fact reason code missing from "Trust reason codes"'
  }
  if (code in NOT_FINDINGS) return undefined
  if (QUOTE_CHECK_CODES.has(code) || TOKEN_CHECK_CODES.has(code)) {
    const quote = QUOTE_CHECK_CODES.has(code)
    const ref = findingRows.find((r) => r.cells[0]!.includes(quote ? 'quote-checks.md' : 'tokens.md'))
    if (!ref || !severityCell(ref.cells[1] ?? '')?.includes('error')) return `no reference row for ${quote ? 'docs/quote-checks.md' : 'docs/tokens.md'} with severity error`
    for (const s of severities) if (s !== 'error') return `emitted as ${s}, documented (by reference) as error`
    // The referenced document must give this code a meaning in a table row.
    const other = tableRows(quote ? quoteDoc : tokenDoc).find((r) => r.cells.slice(0, -1).some((c) => c.includes(`\`${code}\``)))
    if (!other || (other.cells[other.cells.length - 1] ?? '') === '') return `not in a table row of ${quote ? 'docs/quote-checks.md' : 'docs/tokens.md'} with a meaning`
    if (!quote && !other.cells.some((c) => c === 'returned')) return 'docs/tokens.md does not mark it "returned"'
    return undefined
  }
  if (code.startsWith('ERR_')) return 'an ERR_ code in a finding position that is neither a quote / token check code nor in NOT_FINDINGS'
  const r = rowFor(code)
  if (!r) return 'no table row in docs/findings.md'
  const sev = severityCell(r.cells[1] ?? '')
  if (!sev) return `severity cell "${r.cells[1]}" is not error / warning / info (or "x or y: condition")`
  if ((r.cells[2] ?? '') === '') return 'empty threat / defect cell'
  for (const s of severities) if (!sev.includes(s)) return `emitted as ${s}, documented as "${r.cells[1]}"`
  return undefined
}

// ---- 1. static scan -------------------------------------------------------------------------

const hits: StaticHit[] = staticScan(SRC, REPO_ROOT)
const staticCodes = new Map<string, { where: string[]; severities: Set<Severity> }>()
const addStatic = (code: string, where: string, severities: readonly Severity[] = []): void => {
  const e = staticCodes.get(code) ?? { where: [], severities: new Set<Severity>() }
  e.where.push(where)
  for (const s of severities) e.severities.add(s)
  staticCodes.set(code, e)
}
for (const h of hits) addStatic(h.code, `${h.file}:${h.line}`, h.severities)
for (const c of POLICY_CODES) addStatic(c, 'src/policy/codes.ts POLICY_FINDING_CODES')
for (const c of QUOTE_CHECK_CODES) addStatic(c, 'src/tpm/check_codes.ts QuoteCheckCode', ['error'])
for (const c of TOKEN_CHECK_CODES) addStatic(c, 'src/error_codes.ts TokenCheckErrorCode', ['error'])

// ---- 2. dynamic scan ------------------------------------------------------------------------

const dynamicCodes = new Map<string, { where: string; severities: Set<Severity> }>()
const collect = (findings: readonly Finding[], where: string): void => {
  for (const f of findings) {
    const e = dynamicCodes.get(f.code) ?? { where, severities: new Set<Severity>() }
    e.severities.add(f.severity)
    dynamicCodes.set(f.code, e)
  }
}
const counts = { logs: 0, thrown: 0, imaLists: 0, corpusLogs: 0, corpusSkipped: 0 }

function scanLog(bytes: Uint8Array, where: string, options: ParseEventLogOptions = {}, expected?: unknown): void {
  let log
  try {
    log = parseEventLog(bytes, options)
  } catch (e) {
    if (!isBootproofError(e)) throw e
    counts.thrown++
    return
  }
  counts.logs++
  collect(analyzeEventLog(log).findings, where)
  if (expected) collect(analyzeEventLog(log, { expected: expected as never }).findings, `${where} (expected PCRs)`)
  const evidence = authenticateLog(log)
  collect(extractBootState(log, { evidence }).findings, where)
}

function scanIma(bytes: Uint8Array, where: string, expected?: unknown): void {
  try {
    const list = parseImaLog(bytes, { truncatedTail: 'finding' })
    counts.imaLists++
    collect(analyzeImaLog(list, expected ? { expected: expected as never } : {}).findings, where)
  } catch (e) {
    if (!isBootproofError(e)) throw e
    counts.thrown++
  }
}

const problems = (entries: Iterable<[string, { severities: Set<Severity> }]>, where: (code: string) => string): string[] => {
  const out: string[] = []
  for (const [code, e] of entries) {
    const p = problem(code, e.severities)
    if (p) out.push(`${code} (${where(code)}): ${p}`)
  }
  return out.sort()
}

afterAll(() => {
  console.log(`findings doc: ${staticCodes.size} codes found statically, ${dynamicCodes.size} emitted over ${JSON.stringify(counts)}`)
})

describe('docs/findings.md', () => {
  it('has the severity model, the reason-code section and well-formed finding rows', () => {
    expect(doc).toMatch(/^## Severity model$/m)
    expect(doc).toMatch(/^## Trust reason codes$/m)
    const bad = findingRows.filter((r) => r.codes.length > 0 && (!severityCell(r.cells[1] ?? '') || (r.cells[2] ?? '') === '')).map((r) => `line ${r.line}: ${r.cells[0]}`)
    expect(bad).toEqual([])
    // One row per code: a code documented twice could carry two different severities.
    const seen = new Map<string, number>()
    const dup: string[] = []
    for (const r of findingRows) for (const c of r.codes) {
      if (seen.has(c) && r.cells[0]!.trim().startsWith('`')) dup.push(`${c} (lines ${seen.get(c)} and ${r.line})`)
      else if (r.cells[0]!.trim().startsWith('`')) seen.set(c, r.line)
    }
    expect(dup).toEqual([])
  })

  it('lists no code the library no longer emits (stale rows)', () => {
    const documented = [...findingRows, ...reasonRows].flatMap((r) => r.codes)
    expect(documented.filter((c) => !staticCodes.has(c) && !REASON_CODES.has(c))).toEqual([])
  })

  it('documents every TrustReasonCode and FactReasonCode', () => {
    expect([...REASON_CODES].filter((c) => problem(c, []) !== undefined)).toEqual([])
  })

  it('the static scan finds the codes of every stage (sanity check of the scanner)', () => {
    for (const c of ['EVENTLOG_SHA1_ONLY', 'SEPARATOR_RETYPED', 'ACTION_RETYPED', 'EVENT_TYPE_VENDOR', 'PCR_BANK_NOT_IN_LOG', 'EVENT_DIGEST_MISMATCH', 'STATE_FACT_UNTRUSTED', 'WINDOWS_SIPA_UNVERIFIED', 'POLICY_PK_UNEXPECTED_KEY', 'MAA_WINPE', 'IMA_VIOLATION', 'LOG_DOES_NOT_MATCH_QUOTE', 'ERR_QUOTE_SIGNATURE', 'ERR_JWT_SIGNATURE']) {
      expect(staticCodes.has(c), c).toBe(true)
    }
    // Severities written next to a code are read: the scanner sees context-dependent ones.
    expect([...staticCodes.get('SEPARATOR_MISSING')!.severities]).toEqual(['warning'])
    expect([...staticCodes.get('POLICY_AK_WEAK_KEY')!.severities].sort()).toEqual(['error', 'warning'])
    expect([...staticCodes.get('POLICY_CMDLINE')!.severities]).toEqual(['error'])
  })

  it('every NOT_FINDINGS entry is still found by the scan (the exclusion list stays minimal)', () => {
    expect(Object.keys(NOT_FINDINGS).filter((c) => NOT_FINDINGS[c]!.indexOf('LineErrorCode') < 0 && !staticCodes.has(c))).toEqual([])
  })

  it('documents every finding code found in src/ (static scan), with the severities written there', () => {
    expect(problems(staticCodes, (c) => staticCodes.get(c)!.where.slice(0, 3).join(', '))).toEqual([])
  })

  it('documents every code emitted over the committed vectors and the demo attestation (dynamic scan)', async () => {
    // Synthetic logs (some must throw: those are not findings).
    const synth = resolve(REPO_ROOT, 'test-vectors/synthetic')
    for (const name of readdirSync(synth).filter((n) => n.endsWith('.bin')).sort()) {
      const exp = resolve(synth, name.replace(/\.bin$/, '.expected.json'))
      const pcrs = existsSync(exp) ? (JSON.parse(readFileSync(exp, 'utf8')) as { pcrs?: unknown }).pcrs : undefined
      scanLog(repoBytes(`test-vectors/synthetic/${name}`), `synthetic/${name}`, {}, pcrs)
    }
    // Recorded OVMF boots: firmware log against the PCRs read in the guest, and the IMA lists.
    const ovmf = resolve(REPO_ROOT, 'test-vectors/ovmf')
    for (const dir of readdirSync(ovmf).sort()) {
      const base = `test-vectors/ovmf/${dir}`
      const pcrs = existsSync(resolve(REPO_ROOT, base, 'pcrs.json')) ? JSON.parse(readFileSync(resolve(REPO_ROOT, base, 'pcrs.json'), 'utf8')) : undefined
      if (existsSync(resolve(REPO_ROOT, base, 'binary_bios_measurements'))) scanLog(repoBytes(`${base}/binary_bios_measurements`), base, {}, pcrs)
      for (const ima of ['ima_binary_runtime_measurements', 'ima_ascii_runtime_measurements']) {
        if (existsSync(resolve(REPO_ROOT, base, ima))) scanIma(repoBytes(`${base}/${ima}`), `${base}/${ima}`, pcrs)
      }
    }
    // The demo attestation through the whole pipeline, with the committed derived policy.
    const bundle = parseEvidenceBundle(readFileSync(resolve(REPO_ROOT, 'test-vectors/demo/evidence.json'), 'utf8'))
    const policy = JSON.parse(readFileSync(resolve(REPO_ROOT, 'examples/policies/ovmf-sb-esp.derived.json'), 'utf8'))
    const { verdict } = await verifyAttestation({ eventLog: bundle.eventLog!, quotes: bundle.quotes, ak: bundle.ak, nonce: bundle.nonce, akEnrolled: true, policy })
    collect(verdict.bootproof_findings, 'demo/evidence.json')
    // The same evidence with a wrong nonce: quote failure findings (ERR_QUOTE_*) and their consequences.
    const wrongNonce = new Uint8Array(bundle.nonce ?? new Uint8Array(32))
    wrongNonce[0] = (wrongNonce[0] ?? 0) ^ 1
    const bad = await verifyAttestation({ eventLog: bundle.eventLog!, quotes: bundle.quotes, ak: bundle.ak, nonce: wrongNonce, akEnrolled: true, policy })
    collect(bad.verdict.bootproof_findings, 'demo/evidence.json (wrong nonce)')

    expect(counts.logs).toBeGreaterThan(10)
    expect(problems(dynamicCodes, (c) => dynamicCodes.get(c)!.where)).toEqual([])
  })

  it.skipIf(!CORPUS)('documents every code emitted over the shared corpus logs (dynamic scan)', () => {
    for (const e of expectedEntries()) {
      if (!e.log) continue
      const where = `corpus ${e.log}`
      if (/^ima \(/.test(e.format)) {
        scanIma(corpusBytes(e.log), where, e.pcrs)
        continue
      }
      if (!/^(tcg-pc-client|windows-wbcl|ccel \()/.test(e.format)) {
        counts.corpusSkipped++
        continue
      }
      counts.corpusLogs++
      scanLog(corpusBytes(e.log), where, e.format.startsWith('ccel') ? { registers: 'cc-mr' } : {}, e.pcrs)
    }
    // Negative logs (rejected, or accepted with findings).
    const neg = resolve(CORPUS!, 'negative')
    if (existsSync(neg)) {
      for (const name of readdirSync(neg).sort()) {
        scanLog(corpusBytes(`negative/${name}`), `corpus negative/${name}`)
        scanLog(corpusBytes(`negative/${name}`), `corpus negative/${name} (cc-mr)`, { registers: 'cc-mr' })
      }
    }
    expect(counts.corpusLogs).toBeGreaterThan(0)
    expect(problems(dynamicCodes, (c) => dynamicCodes.get(c)!.where)).toEqual([])
  })
})
