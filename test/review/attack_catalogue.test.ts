/**
 * The attack catalogue as tests: every one of its 69 entries (Q quote, L log parsing, R replay /
 * event semantics, S Secure Boot variables, P platform, J tokens, X X.509, H fail-open designs) is
 * mapped to the test files and test names that cover it. Each covering test asserts the entry's
 * specific error / finding code, or that the facts it touches are untrusted and the verdict is
 * not affirming.
 *
 * The check below reads the test files as text: a listed file must exist and contain a
 * `describe` / `it` / `test` whose name contains the listed title, and that name must mention the
 * entry's id. Deleting or renaming a covering test fails it.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../helpers/corpus.js'

/** The catalogue's ids, written out (the catalogue itself is not part of the repository). */
const IDS = [
  'Q-01', 'Q-02', 'Q-03', 'Q-04', 'Q-05', 'Q-06', 'Q-07', 'Q-08', 'Q-09', 'Q-10', 'Q-11', 'Q-12',
  'L-01', 'L-02', 'L-03', 'L-04', 'L-05', 'L-06', 'L-07', 'L-08', 'L-09', 'L-10',
  'R-01', 'R-02', 'R-03', 'R-04', 'R-05',
  'S-01', 'S-02', 'S-03', 'S-04', 'S-05',
  'P-01', 'P-02', 'P-03', 'P-04', 'P-05', 'P-06', 'P-07',
  'J-01', 'J-02', 'J-03', 'J-04', 'J-05', 'J-06', 'J-07', 'J-08', 'J-09', 'J-10', 'J-11', 'J-12',
  'X-01', 'X-02', 'X-03', 'X-04', 'X-05',
  'H-01', 'H-02', 'H-03', 'H-04', 'H-05', 'H-06', 'H-07', 'H-08', 'H-09', 'H-10', 'H-11', 'H-12', 'H-13',
] as const

type Id = (typeof IDS)[number]

interface Entry {
  /** [test file relative to the repository, (part of) the name of a describe / it / test in it that mentions the id]. */
  tests: [string, string][]
  /** What is asserted, or why part of the entry does not apply. */
  note: string
}

const TPM_PCR = 'test/tpm/attacks_pcr_selection.test.ts'
const TPM_FIELDS = 'test/tpm/attacks_quote_fields.test.ts'
const TPM_AK = 'test/tpm/attacks_ak.test.ts'
const TPM_SIG = 'test/tpm/attacks_signature.test.ts'
const TOK_ALG = 'test/token/attacks_alg_and_signature.test.ts'
const TOK_KEY = 'test/token/attacks_key_source.test.ts'
const TOK_CLAIMS = 'test/token/attacks_claims.test.ts'
const TOK_MALFORMED = 'test/token/attacks_malformed.test.ts'
const BAD_TRUNC = 'test/eventlog/bad_input_truncation.test.ts'
const BAD_SPEC_ID = 'test/eventlog/bad_input_spec_id_digests.test.ts'
const BAD_PCR = 'test/eventlog/bad_input_pcr_index.test.ts'
const ELA = 'test/eventlog/attacks.test.ts'
const PLA = 'test/policy/platform_attacks.test.ts'
const APP = 'test/policy/appraise.test.ts'
const X509 = 'test/x509/x509.test.ts'
const LRS = 'test/review/attacks_lrs.test.ts'
const PX = 'test/review/attacks_px.test.ts'
const WYC = 'test/review/attacks_x05_wycheproof.test.ts'
const H = 'test/review/attacks_h.test.ts'

const CATALOGUE: Record<Id, Entry> = {
  'Q-01': { tests: [[TPM_PCR, 'Q-01 CVE-2022-0317: PCRs outside the signed selection'], [H, 'H-09 (= Q-01)']], note: 'ERR_PCR_NOT_IN_SELECTION; only (index, bank) in the signed selection is authenticated' },
  'Q-02': { tests: [[TPM_PCR, 'Q-02 CVE-2024-29039: relabelled PCR values']], note: 'selection only from the signed TPMS_ATTEST; a differing caller selection is rejected' },
  'Q-03': { tests: [[TPM_FIELDS, 'Q-03 CVE-2024-29038: magic']], note: 'magic 0xFF544347 before any field' },
  'Q-04': { tests: [[TPM_FIELDS, 'Q-04 GHSA-gwfg-w3jr-xh66: attestation type']], note: 'type 0x8018 only, strict body' },
  'Q-05': { tests: [[TPM_FIELDS, 'Q-05 nonce / replay'], [APP, 'nonce not checked (Q-05)'], [H, 'H-06 (= Q-05']], note: 'ERR_QUOTE_NONCE_MISMATCH / _MISSING; single use and time limits are the caller\'s session' },
  'Q-06': { tests: [[TPM_AK, 'Q-06 CVE-2021-3406: AK binding and attributes'], [H, 'H-05 (= Q-06 e']], note: 'restricted signing AK attributes, scheme, key binding' },
  'Q-07': { tests: [[TPM_PCR, 'Q-07 CVE-2021-42299: banks and selection encoding'], [APP, 'a required bank the quote does not cover (Q-07)'], [PX, 'P-05 (= Q-07, TPM Carte Blanche)']], note: 'only quoted banks count; every quoted bank must replay' },
  'Q-08': { tests: [[TPM_SIG, 'Q-08 signature scheme bound to the AK']], note: 'sigAlg / hash equal the AK scheme; one padding' },
  'Q-09': { tests: [[TPM_SIG, 'Q-09 RSA-PSS salt lengths']], note: 'salt hLen or max only' },
  'Q-10': { tests: [[TPM_SIG, 'Q-10 ECDSA ranges and key errors (CVE-2022-21449)'], [H, 'H-08 (= Q-10)']], note: 'ERR_QUOTE_ECDSA_RANGE; key errors are errors' },
  'Q-11': { tests: [[TPM_FIELDS, 'Q-11 structural robustness']], note: 'strict TPMS_ATTEST unmarshal' },
  'Q-12': { tests: [[TPM_FIELDS, 'Q-12 reset / restart / clock across quotes'], [APP, 'counters against the previous quote (Q-12, P-03)']], note: 'counter and clock rules against `previous`' },
  'L-01': { tests: [[BAD_TRUNC, 'sizes larger than the remaining bytes (L-01)'], ['test/eventlog/decode/device_path.test.ts', 'device path bounds (attack L-01)'], ['test/eventlog/decode/structures.test.ts', 'is rejected before conversion (L-01)']], note: 'length fields bounded before allocation' },
  'L-02': { tests: [[BAD_TRUNC, 'truncation at every field (L-02)'], ['test/eventlog/regressions.test.ts', 'is truncated, not padding (L-02)']], note: 'mid-record truncation is an error' },
  'L-03': { tests: [[BAD_SPEC_ID, 'Spec ID event (L-03)']], note: 'exactly one Spec ID event, first, canonical sizes' },
  'L-04': { tests: [[BAD_SPEC_ID, 'digest lists (L-04)'], [ELA, 'L-04: every event carries exactly one digest per declared algorithm']], note: 'one digest per declared algorithm' },
  'L-05': { tests: [[BAD_PCR, 'PCR index out of range (L-05)']], note: 'PCR > 23 never replayed, reported' },
  'L-06': { tests: [[ELA, 'L-06: EV_NO_ACTION is never extended'], ['test/eventlog/structure.test.ts', 'NO_ACTION_DIGEST_NONZERO (error, attack L-06)']], note: 'EV_NO_ACTION never extended, non-zero digests flagged' },
  'L-07': { tests: [[PLA, 'L-07 / P-03: platform.startupLocality']], note: 'POLICY_STARTUP_LOCALITY against the pinned locality' },
  'L-08': { tests: [['test/eventlog/replay.test.ts', 'L-08: a PCR with no events must equal its initial value'], ['test/eventlog/replay.test.ts', 'L-08: a log with every PCR 4 event removed']], note: 'zero-event PCRs are compared' },
  'L-09': { tests: [['test/eventlog/decode/strings.test.ts', 'one extra or missing byte is not the well-known string (L-09)'], ['test/eventlog/decode/strings.test.ts', 'bytes is nonstandard (L-09)']], note: 'exact separator / action / variable lengths' },
  'L-10': { tests: [[LRS, 'L-10: a quote over the sha1 bank only'], [LRS, 'L-10: a TPM 1.2-format (SHA-1) log'], [LRS, 'L-10: a crypto-agile log whose Spec ID lists only SHA-1'], [LRS, 'L-10: a quote signed with SHA-1']], note: 'QUOTE_SHA1_BANK_ONLY, EVENTLOG_SHA1_ONLY, ERR_QUOTE_SHA1_REFUSED; a sha256 policy is not affirming (POLICY_BANK_MISSING)' },
  'R-01': { tests: [['test/eventlog/structure.test.ts', 'R-01: event-type masquerade'], ['test/state/boot_state.test.ts', 'cannot create a trusted fact (R-01)']], note: 'separators by digest; masquerade cannot create a trusted fact' },
  'R-02': { tests: [['test/eventlog/integrity.test.ts', 'R-02: edited data with the genuine digest kept'], ['test/state/boot_state.test.ts', 'the fact is untrusted and reported (R-02)']], note: 'EVENT_DIGEST_MISMATCH; facts untrusted' },
  'R-03': { tests: [['test/eventlog/structure.test.ts', 'R-03: separators'], ['test/eventlog/real_log_shapes.test.ts', 'PCR 7 DRIVER_CONFIG after the separator (attack R-03 a)']], note: 'one valid separator per PCR 0-7' },
  'R-04': { tests: [['test/state/boot_state.test.ts', 'a UEFI debugger present during boot is reported (R-04)']], note: '"UEFI Debug Mode" reported' },
  'R-05': { tests: [[LRS, 'R-05: verifyAttestation with a quote over PCR 0-6'], [LRS, 'R-05: extractBootState given the quoted PCRs'], [LRS, 'R-05: a policy that reads the unquoted PCR 7 content']], note: 'facts from unquoted PCRs: trusted=false, reasonCode PCR_NOT_QUOTED. parseEventLog is the explicitly raw API (TcgEvent.data, no trust); extractBootState(log) with neither evidence nor quotedPcrs checks the log alone' },
  'S-01': { tests: [['test/eventlog/decode/signature_list.test.ts', 'vendor header is skipped (attack S-01']], note: 'SignatureHeaderSize skipped' },
  'S-02': { tests: [['test/eventlog/decode/signature_list.test.ts', 'size underflow and overflow (attack S-02)'], [ELA, 'S-02: EFI_SIGNATURE_LIST sizes are bounded on both sides']], note: 'lower / upper bounds, non-multiples rejected' },
  'S-03': { tests: [['test/eventlog/decode/variable.test.ts', 'variable identity is (GUID, name) (attack S-03)']], note: '(GUID, name) identity' },
  'S-04': { tests: [['test/eventlog/decode/variable.test.ts', 'stays bytes for policy to judge (S-04)']], note: 'inconsistent SecureBoot data' },
  'S-05': { tests: [[LRS, 'S-05: PK certificate "DO NOT TRUST - AMI Test PK"'], [LRS, 'S-05: a leaked test PK renamed']], note: 'SECUREBOOT_UNTRUSTED_PK by subject; by fingerprint through secureBoot.pk.allowed (POLICY_PK_UNEXPECTED_KEY). No built-in fingerprint deny-list of leaked test PKs ships yet' },
  'P-01': { tests: [[PLA, 'P-01: secureBoot.sbatMinimum']], note: 'POLICY_SBAT_BELOW_MINIMUM; stale dbx via secureBoot.dbx' },
  'P-02': { tests: [[PLA, 'P-02: secureBoot.requiredAuthorities / forbiddenAuthorities']], note: 'POLICY_AUTHORITY_REQUIRED / _FORBIDDEN' },
  'P-03': { tests: [[PLA, 'L-07 / P-03: platform.startupLocality'], [APP, 'counters against the previous quote (Q-12, P-03)']], note: 'reset counters and pinned locality' },
  'P-04': { tests: [[PX, 'P-04: same evidence, firmware-TPM (Intel PTT) AK certificate: affirming'], [PX, 'P-04: same evidence, discrete-TPM (%s) AK certificate'], [PX, 'P-04: a fTPM manufacturer in an AK certificate that chains to no trusted root']], note: 'undetectable by log / quote checks; policy platform.tpmManufacturers (certified AK certificate SAN) gives POLICY_TPM_MANUFACTURER. The EK certificate and TPM model are not read' },
  'P-05': { tests: [[PX, 'P-05: firmware extended only SHA-1'], [PX, 'P-05: both banks quoted']], note: '= Q-07: ERR_PCR_NOT_IN_SELECTION, POLICY_BANK_MISSING, PCR_MISMATCH, LOG_DOES_NOT_MATCH_QUOTE' },
  'P-06': { tests: [[PX, 'P-06: %s = 1 with a consistent digest']], note: 'bootDebugging / testSigning / winPE / safeMode = 1: POLICY_WINDOWS_CLAIM. MAA-token claims: see J-* (MAA_BOOT_DEBUGGING_ENABLED)' },
  'P-07': { tests: [[PLA, 'P-07: ROCA AK moduli']], note: 'POLICY_AK_WEAK_KEY; the TPM-Fail model / firmware list is not implemented' },
  'J-01': { tests: [[TOK_ALG, 'J-01 alg none']], note: 'rejected' },
  'J-02': { tests: [[TOK_ALG, 'J-02 RS/HS key confusion and algorithm pinning']], note: 'rejected' },
  'J-03': { tests: [[TOK_KEY, 'J-03 jku / x5u / jwk injection and foreign instances']], note: 'rejected' },
  'J-04': { tests: [[TOK_KEY, 'J-04 x5c not anchored']], note: 'rejected' },
  'J-05': { tests: [[TOK_KEY, 'J-05 kid tricks and JWKS ambiguity']], note: 'rejected' },
  'J-06': { tests: [[TOK_CLAIMS, 'J-06 time claims']], note: 'rejected' },
  'J-07': { tests: [[TOK_CLAIMS, 'J-07 issuer, audience and binding checks']], note: 'rejected' },
  'J-08': { tests: [[TOK_ALG, 'J-08 crit']], note: 'rejected' },
  'J-09': { tests: [[TOK_MALFORMED, 'J-09 duplicate JSON member names']], note: 'ERR_JWT_DUPLICATE_KEY' },
  'J-10': { tests: [[TOK_MALFORMED, 'J-10 oversized and pathological tokens']], note: 'length caps' },
  'J-11': { tests: [[TOK_ALG, 'J-11 psychic signatures (CVE-2022-21449)']], note: 'rejected' },
  'J-12': { tests: [[TOK_CLAIMS, 'J-12 EAR profile, status and nonce confusion']], note: 'rejected' },
  'X-01': { tests: [[X509, 'AK certificate profile (X-01)']], note: 'ERR_AK_CERT_PROFILE / _MISMATCH' },
  'X-02': { tests: [[X509, 'EK SAN (X-02)']], note: 'SAN decoding in both encodings; a vendor registry / issuer-vendor consistency check is not implemented' },
  'X-03': { tests: [[X509, 'X-03: intermediate with CA=false'], [X509, 'X-03: pathLen exceeded'], [X509, 'X-03: expired intermediate']], note: 'RFC 5280 path validation; revocation (CRL) is not implemented' },
  'X-04': { tests: [[PX, 'X-04: no network API in the certificate'], [PX, 'X-04: an AK certificate whose issuer is reachable only through its AIA URL']], note: 'the library never fetches; AIA URLs ignored; missing intermediates fail the chain' },
  'X-05': { tests: [[WYC, 'X-05: RSASSA-PKCS1-v1_5 2048'], [WYC, 'X-05: RSASSA-PSS 2048'], [WYC, 'X-05: ECDSA P-256'], [WYC, 'X-05: ECDSA P-384'], [WYC, 'X-05: a Bleichenbacher-06 e = 3 forgery']], note: 'Wycheproof (test-vectors/wycheproof) through verifyTpmSignature' },
  'H-01': { tests: [[H, 'H-01: one byte of the signature flipped'], [H, 'H-01: one byte of the signed TPMS_ATTEST flipped']], note: 'ERR_QUOTE_SIGNATURE, contraindicated' },
  'H-02': { tests: [[H, 'H-02: a hash provider that fails at call n'], [H, 'H-02: a WebCrypto failure during signature verification'], [H, 'H-02: every verdict carries its issue time']], note: 'exceptions never affirm; expiry is the relying party\'s' },
  'H-03': { tests: [[H, 'H-03: MakeCredential output'], [H, 'H-03: a failed quote (wrong nonce)']], note: 'no expected secret echoed; the activation comparison itself is the caller\'s' },
  'H-04': { tests: [[H, 'H-04: not applicable to a library']], note: 'server availability: not applicable (no server); asserted: no listener / socket in the core' },
  'H-05': { tests: [[H, 'H-05: a quote signed by another key B'], [H, 'H-05: AK A\'s public area with a separately supplied SPKI']], note: '= Q-06 (e)' },
  'H-06': { tests: [[H, 'H-06: the genuine quote presented against a new challenge'], [H, 'H-06: no nonce']], note: '= Q-05' },
  'H-07': { tests: [[H, 'H-07: no policy'], [H, 'H-07: %s: verifyAttestation throws'], [PLA, 'what counts as a check (attack H-07)'], [APP, 'an empty policy throws (H-07)']], note: 'no policy: never affirming; invalid / empty policies throw ERR_POLICY_*' },
  'H-08': { tests: [[H, 'H-08: AK on curve %s']], note: '= Q-10 key test' },
  'H-09': { tests: [[H, 'H-09: quote over PCR 10 only']], note: '= Q-01' },
  'H-10': { tests: [[H, 'H-10: every run without a policy is "none"'], [H, 'H-10: a policy naming PCRs and banks but no values is invalid']], note: 'never affirming without reference values' },
  'H-11': { tests: [[H, 'H-11: %s: throws or is not affirming']], note: 'quotes, attest, signature, nonce, AK, log, AK identity each missing in turn' },
  'H-12': { tests: [[H, 'H-12: verdicts are not carried over']], note: 'stateless: sticky failure state is the relying party\'s; asserted: no cache flips a verdict' },
  'H-13': { tests: [[H, 'H-13: the same boot quoted by a different, unenrolled and uncertified AK']], note: 'a different AK is a new, unrecognized identity (97); registration is the caller\'s enrollment store' },
}

/** Names of describe / it / test blocks in a test file (plain calls and `.each(...)(name` / `.skipIf(...)(name`). */
function testNames(text: string): string[] {
  const names: string[] = []
  const res = [
    /\b(?:describe|it|test)(?:\.(?:only|concurrent|sequential|fails))?\s*\(\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1/g,
    /\)\s*\(\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1\s*,\s*(?:async\s*)?(?:\(|function)/g,
  ]
  for (const re of res) for (const m of text.matchAll(re)) names.push(m[2]!.replace(/\\(.)/g, '$1'))
  return names
}

describe('attack catalogue: every entry is a test', () => {
  it('the table lists exactly the 69 ids, by group (Q 12, L 10, R 5, S 5, P 7, J 12, X 5, H 13)', () => {
    expect(IDS).toHaveLength(69)
    expect(new Set(IDS).size).toBe(69)
    expect(Object.keys(CATALOGUE).sort()).toEqual([...IDS].sort())
    const count = (g: string) => IDS.filter((id) => id.startsWith(g)).length
    expect([count('Q'), count('L'), count('R'), count('S'), count('P'), count('J'), count('X'), count('H')]).toEqual([12, 10, 5, 5, 7, 12, 5, 13])
  })

  it('every listed test file exists and has a test whose name contains the listed title and mentions the id', () => {
    const cache = new Map<string, string[] | null>()
    const problems: string[] = []
    for (const id of IDS) {
      const entry = CATALOGUE[id]
      if (!entry.tests.length) problems.push(`${id}: no covering test listed`)
      const idRe = new RegExp(`(^|[^A-Za-z0-9])${id}([^0-9]|$)`)
      for (const [file, title] of entry.tests) {
        if (!cache.has(file)) {
          const p = join(REPO_ROOT, file)
          cache.set(file, existsSync(p) ? testNames(readFileSync(p, 'utf8')) : null)
        }
        const names = cache.get(file)
        if (!names) {
          problems.push(`${id}: ${file} does not exist`)
          continue
        }
        const hits = names.filter((n) => n.includes(title))
        if (!hits.length) problems.push(`${id}: ${file} has no test named like "${title}"`)
        else if (!hits.some((n) => idRe.test(n))) problems.push(`${id}: the test "${hits[0]}" in ${file} does not mention ${id}`)
      }
    }
    expect(problems).toEqual([])
  })

  it('the name extraction really sees test names (a renamed title is not found)', () => {
    const sample = "describe('Q-99 x', () => { it.each([1, 2])('Q-99: %s y', async (n) => {}); describe.skipIf(!A)('Q-99 z', () => {}) })"
    expect(testNames(sample)).toEqual(expect.arrayContaining(['Q-99 x', 'Q-99: %s y', 'Q-99 z']))
    expect(testNames(sample.replace('Q-99 x', 'renamed'))).not.toContain('Q-99 x')
  })
})
