/**
 * Writes bootproof's synthetic event-log vectors: test-vectors/synthetic/<name>.bin, an
 * expected-results file per vector (<name>.expected.json) and README.md (one line per vector).
 *
 *   npx tsx scripts/make-synthetic-vectors.ts [outDir]
 *
 * Every log is made by the project's own builder (test/fixtures/eventlog/log_builder.ts), with
 * real SHA-1 / SHA-256 digests from node:crypto. Expected PCR values come from the builder's
 * reference replayer, which works from the event list, not from the bytes. Output is
 * deterministic: test/eventlog/synthetic_vectors.test.ts regenerates the vectors in memory and
 * requires the committed files to be identical.
 *
 * Expected-results contract (<name>.expected.json):
 *   {"error": "ERR_..."}  parseEventLog must throw a BootproofError with that code;
 *   {"pcrs": {bank: {pcr: hex}}, "findings": [code, ...]}  the log parses; every listed PCR
 *   (every PCR the log extends, in every bank that can be replayed) equals its replay;
 *   analyzeEventLog reports every listed finding code, and no error-severity finding whose code
 *   is not listed.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import * as B from '../test/fixtures/eventlog/log_builder.js'

const { T, ALG } = B

export type Expected = { error: string } | { pcrs: Record<string, Record<string, string>>; findings: string[] }

export interface SyntheticVector {
  name: string
  /** What it is and what bootproof must do (README line). */
  description: string
  bytes: Uint8Array
  expected: Expected
}

function ok(name: string, description: string, built: B.BuiltLog, findings: string[], locality = 0): SyntheticVector {
  return { name, description, bytes: built.bytes, expected: { pcrs: B.referenceReplay(built, { locality }), findings } }
}

function err(name: string, description: string, bytes: Uint8Array, code: string): SyntheticVector {
  return { name, description, bytes, expected: { error: code } }
}

/** Keep an event's genuine digests (both banks) while changing its type and/or data. */
function keepDigests(ev: B.EventSpec, change: Partial<B.EventSpec>): B.EventSpec {
  return { ...ev, ...change, digests: { [ALG.sha1]: B.digestFor(ev, B.SHA1), [ALG.sha256]: B.digestFor(ev, B.SHA256) } }
}

/** The R-01 masquerade: every genuine PCR 7 event retyped EV_UNUSED, attacker PCR 7 events appended. */
export function masqueradeEvents(retype: number = T.EV_UNUSED): B.EventSpec[] {
  const genuine = B.standardBoot({ secureBoot: false }).map((e) =>
    e.pcr === 7 && e.type !== T.EV_EFI_VARIABLE_AUTHORITY ? keepDigests(e, { type: retype }) : e,
  )
  return [
    ...genuine,
    B.secureBootEvent(true),
    B.driverConfigEvent({ name: 'PK', data: B.sha256SignatureList(1, 0xbad1) }),
    B.driverConfigEvent({ name: 'KEK', data: B.sha256SignatureList(1, 0xbad2) }),
    B.driverConfigEvent({ name: 'db', guid: B.GUID.EFI_IMAGE_SECURITY_DATABASE, data: B.sha256SignatureList(2, 0xbad3) }),
    B.separatorEvent(7),
    B.efiAuthorityEvent({ name: 'db', guid: B.GUID.EFI_IMAGE_SECURITY_DATABASE, data: B.concat(B.guidBytes(B.OWNER_GUID), B.pseudoRandomBytes(32, 0xbad3)) }),
  ]
}

/** The R-02 edit: the SecureBoot byte flipped 00 -> 01 with the genuine digests kept. */
export function flippedSecureBootEvents(): B.EventSpec[] {
  return B.standardBoot({ secureBoot: false }).map((e) => {
    if (e.type !== T.EV_EFI_VARIABLE_DRIVER_CONFIG || e.data === undefined) return e
    const sb = B.uefiVariableData({ name: 'SecureBoot', data: B.u8(0) })
    if (B.hex(e.data) !== B.hex(sb)) return e
    return keepDigests(e, { data: B.uefiVariableData({ name: 'SecureBoot', data: B.u8(1) }) })
  })
}

/** A Windows-like log: OS-phase events (PCR 11-14) carry only the SHA-256 digest. */
export function windowsLikeEvents(): B.EventSpec[] {
  const only256 = { omit: [ALG.sha1] }
  const sipa = (id: number, payload: Uint8Array): Uint8Array => B.concat(B.u32le(id), B.u32le(payload.length), payload)
  return [
    ...B.standardBoot(),
    // Windows logs carry EV_NO_ACTION records on PCR index 0xFFFFFFFF: kept, never extended.
    { pcr: 0xffffffff, type: T.EV_NO_ACTION, data: B.concat(B.ascii('NvIndexInstance\0'), B.pseudoRandomBytes(8, 0x57)) },
    { pcr: 11, type: T.EV_COMPACT_HASH, data: B.ascii('BootMgr'), ...only256 },
    { pcr: 12, type: T.EV_EVENT_TAG, data: sipa(0x00040001, B.pseudoRandomBytes(12, 0x12)), ...only256 },
    { pcr: 13, type: T.EV_EVENT_TAG, data: sipa(0x00040002, B.pseudoRandomBytes(24, 0x13)), ...only256 },
    { pcr: 14, type: T.EV_EVENT_TAG, data: sipa(0x00040003, B.pseudoRandomBytes(16, 0x14)), ...only256 },
    { pcr: 12, type: T.EV_SEPARATOR, data: B.ascii('WBCL'), ...only256 },
    { pcr: 13, type: T.EV_SEPARATOR, data: B.ascii('WBCL'), ...only256 },
    { pcr: 14, type: T.EV_SEPARATOR, data: B.ascii('WBCL'), ...only256 },
  ]
}

function withoutPcr7Separator(evs: B.EventSpec[]): B.EventSpec[] {
  return evs.filter((e) => !(e.type === T.EV_SEPARATOR && e.pcr === 7))
}

/** Insert `extra` right after the first event matching `at`. */
function insertAfter(evs: B.EventSpec[], at: (e: B.EventSpec) => boolean, ...extra: B.EventSpec[]): B.EventSpec[] {
  const i = evs.findIndex(at)
  if (i < 0) throw new Error('insertAfter: no match')
  return [...evs.slice(0, i + 1), ...extra, ...evs.slice(i + 1)]
}

const isSep7 = (e: B.EventSpec): boolean => e.type === T.EV_SEPARATOR && e.pcr === 7

export function syntheticVectors(): SyntheticVector[] {
  const v: SyntheticVector[] = []
  const agile = (events: B.EventSpec[], o: Omit<B.AgileLogOptions, 'events'> = {}): B.BuiltLog => B.buildAgileLog({ ...o, events })

  v.push(ok('valid-sha1-sha256', 'minimal valid UEFI boot, SHA-1 + SHA-256, separators in PCR 0-7, EFI actions, SecureBoot=1; must parse, replay to these PCRs, verify all digest-bound content, no error findings', agile(B.standardBoot()), []))
  v.push(ok('startup-locality-3', 'same boot preceded by a StartupLocality=3 EV_NO_ACTION; PCR 0 must replay from 00..03', agile(B.standardBoot({ startupLocality: 3 })), [], 3))
  v.push(ok('hcrtm-start', 'H-CRTM boot: EV_EFI_HCRTM_EVENT "HCRTM" in PCR 0; PCR 0 must replay from 00..04', agile(B.standardBoot({ hcrtm: true })), [], 4))
  v.push(ok('hcrtm-malformed-hcrt', 'EV_EFI_HCRTM_EVENT whose data is "HCRT"; locality 4 must NOT be applied (PCR 0 from zero) and HCRTM_EVENT_MALFORMED reported', agile(B.standardBoot({ hcrtm: true }).map((e) => (e.type === T.EV_EFI_HCRTM_EVENT ? { ...e, data: B.ascii('HCRT') } : e))), ['HCRTM_EVENT_MALFORMED'], 0))
  v.push(ok('masquerade-r01', 'R-01 event-type masquerade: genuine PCR 7 events retyped EV_UNUSED (digests kept), attacker SecureBoot=1/PK/KEK/db, separator and authority appended; replay matches, so bootproof must flag the retyped separator and the reserved EV_UNUSED events in PCR 7 as errors', agile(masqueradeEvents()), ['SEPARATOR_RETYPED', 'EVENT_TYPE_RESERVED', 'PCR7_UNEXPECTED_EVENT_TYPE']))
  v.push(ok('secureboot-flipped-r02', 'R-02: SecureBoot data byte flipped 00 -> 01 with the genuine digests kept; replay matches, integrity must report EVENT_DIGEST_MISMATCH on that event', agile(flippedSecureBootEvents()), ['EVENT_DIGEST_MISMATCH']))
  v.push(ok('separator-duplicate-pcr7', 'R-03: a second EV_SEPARATOR in PCR 7 right after the first; must report SEPARATOR_DUPLICATE', agile(insertAfter(B.standardBoot(), isSep7, B.separatorEvent(7))), ['SEPARATOR_DUPLICATE']))
  v.push(ok('separator-missing-pcr7', 'R-03: no EV_SEPARATOR in PCR 7; must report SEPARATOR_MISSING', agile(withoutPcr7Separator(B.standardBoot())), ['SEPARATOR_MISSING']))
  v.push(ok('separator-ffffffff', 'every PCR 0-7 separator carries 0xFFFFFFFF (legacy success value); must be accepted and noted (SEPARATOR_FFFFFFFF, info), no error', agile(B.standardBoot({ separatorValue: 0xffffffff })), ['SEPARATOR_FFFFFFFF']))
  v.push(ok('separator-error-00000001', 'the PCR 0 separator carries 0x00000001 (firmware measurement error); must report SEPARATOR_ERROR', agile(B.standardBoot().map((e) => (e.type === T.EV_SEPARATOR && e.pcr === 0 ? B.separatorEvent(0, 1) : e))), ['SEPARATOR_ERROR']))
  v.push(ok('pcr-index-24', 'an EV_EFI_ACTION on PCR index 24 (L-05); must never be replayed and must report PCR_INDEX_OUT_OF_RANGE', agile([...B.standardBoot(), B.efiActionEvent(24, 'PCR 24 is out of range')]), ['PCR_INDEX_OUT_OF_RANGE']))
  v.push(ok('pcr-index-ffffffff', 'an EV_EFI_ACTION (not EV_NO_ACTION) on PCR index 0xFFFFFFFF (L-05); must never be replayed and must report PCR_INDEX_OUT_OF_RANGE', agile([...B.standardBoot(), B.efiActionEvent(0xffffffff, 'PCR 0xFFFFFFFF')]), ['PCR_INDEX_OUT_OF_RANGE']))
  v.push(ok('no-action-nonzero-digest', 'a StartupLocality=0 EV_NO_ACTION whose digests are non-zero (L-06); must not be extended and must report NO_ACTION_DIGEST_NONZERO', agile([B.startupLocalityEvent(0, { zeroDigests: false }), ...B.standardBoot()]), ['NO_ACTION_DIGEST_NONZERO']))
  v.push(ok('windows-os-events-without-sha1', 'Windows-like log: PCR 11-14 OS events (EV_COMPACT_HASH, EV_EVENT_TAG, "WBCL" separators) carry only SHA-256, plus an EV_NO_ACTION on PCR 0xFFFFFFFF; must parse, report EVENT_DIGESTS_MISSING, and treat sha1 PCR 11-14 as not replayable', agile(windowsLikeEvents()), ['EVENT_DIGESTS_MISSING']))
  v.push(ok('sha1-format', 'the same boot as a SHA-1 format log (TCG_PCR_EVENT only, no Spec ID); must parse, replay the sha1 bank, and report EVENTLOG_SHA1_ONLY (L-10)', B.buildSha1Log(B.standardBoot()), ['EVENTLOG_SHA1_ONLY']))
  v.push(ok('unknown-alg-0x1234', 'Spec ID declares SHA-256 and unknown algorithm 0x1234 (size 32); must parse (digests skipped by declared size) and replay only sha256; bank alg_0x1234 is not replayable', agile(B.standardBoot(), { algorithms: [B.SHA256, { algId: 0x1234, size: 32 }] }), []))
  v.push(ok('large-over-64k', 'a log over 64 KiB (a 70,000-byte db variable; L-02 positive case, 16-bit length bugs); must parse and replay', agile(B.standardBoot({ dbSize: 70000 })), []))

  // Inputs that must be rejected.
  v.push(err('empty', 'zero-length input; must throw ERR_EVENTLOG_EMPTY', new Uint8Array(0), 'ERR_EVENTLOG_EMPTY'))
  const base = agile(B.standardBoot())
  const r3 = base.records[3]!
  v.push(err('truncated-mid-digest', 'the valid log cut inside the SHA-256 digest of record 3 (L-02); must throw ERR_EVENTLOG_TRUNCATED, never return a shorter log', base.bytes.subarray(0, r3.digests[1]!.digestOffset + 7), 'ERR_EVENTLOG_TRUNCATED'))
  v.push(err('eventsize-ffffffff', 'record 2 declares EventSize 0xFFFFFFFF (L-01); must throw ERR_EVENTLOG_LIMIT without allocating', B.patchU32(base.bytes, base.records[2]!.sizeOffset, 0xffffffff), 'ERR_EVENTLOG_LIMIT'))
  v.push(err('specid-duplicate', 'a second Spec ID Event03 record after the first event (L-03); must throw ERR_SPECID_MISPLACED', agile([B.scrtmVersionEvent(), { pcr: 0, type: T.EV_NO_ACTION, data: B.specIdData() }, ...B.separators()]).bytes, 'ERR_SPECID_MISPLACED'))
  v.push(err('specid-sha256-size-20', 'Spec ID declares SHA-256 with digest size 20 (L-03); must throw ERR_SPECID_INVALID', agile(B.separators(), { algorithms: [B.SHA1, { algId: ALG.sha256, size: 20 }] }).bytes, 'ERR_SPECID_INVALID'))
  v.push(err('digest-count-zero', 'a record with Digests.count 0 (L-04); must throw ERR_DIGEST_COUNT_MISMATCH', agile([B.scrtmVersionEvent(), { ...B.separatorEvent(0), digestList: [] }]).bytes, 'ERR_DIGEST_COUNT_MISMATCH'))
  v.push(err('digest-count-plus-one', 'a record with three digests (sha1, sha256, sha256 again) in a two-bank log (L-04); must throw ERR_DIGEST_COUNT_MISMATCH', agile([{ ...B.separatorEvent(0), digestList: [{ algId: ALG.sha1, digest: B.hashWith(ALG.sha1, B.separatorData()) }, { algId: ALG.sha256, digest: new Uint8Array(32) }, { algId: ALG.sha256, digest: B.hashWith(ALG.sha256, B.separatorData()) }] }]).bytes, 'ERR_DIGEST_COUNT_MISMATCH'))
  v.push(err('digest-alg-undeclared', 'a record with a SHA-384 digest in a SHA-1 + SHA-256 log (L-04); must throw ERR_DIGEST_ALG_UNDECLARED', agile([{ ...B.separatorEvent(0), digestList: [{ algId: ALG.sha1, digest: B.hashWith(ALG.sha1, B.separatorData()) }, { algId: ALG.sha384, digest: B.hashWith(ALG.sha384, B.separatorData()) }] }]).bytes, 'ERR_DIGEST_ALG_UNDECLARED'))
  return v
}

export function expectedJson(e: Expected): string {
  return `${JSON.stringify(e, null, 1)}\n`
}

export function readme(vectors: SyntheticVector[]): string {
  const lines = [
    '# Synthetic event-log vectors',
    '',
    'Made by `npx tsx scripts/make-synthetic-vectors.ts` with the project\'s own log builder',
    '(`test/fixtures/eventlog/log_builder.ts`): real SHA-1/SHA-256 digests from node:crypto, expected PCR',
    'values from the builder\'s reference replay of its event list. Regenerate rather than edit;',
    '`test/eventlog/synthetic_vectors.test.ts` checks the committed bytes are what the script makes.',
    '',
    '`<name>.expected.json` is either `{"error": "ERR_..."}` (parsing must throw that code) or',
    '`{"pcrs": {...}, "findings": [...]}`: every listed PCR equals its replay, every listed finding code is',
    'reported by `analyzeEventLog`, and no error-severity finding outside the list is reported.',
    '',
    ...vectors.map((x) => `- \`${x.name}.bin\` (${x.bytes.length} bytes): ${x.description}.`),
    '',
  ]
  return lines.join('\n')
}

export function writeVectors(outDir: string): SyntheticVector[] {
  const vectors = syntheticVectors()
  mkdirSync(outDir, { recursive: true })
  for (const x of vectors) {
    writeFileSync(path.join(outDir, `${x.name}.bin`), x.bytes)
    writeFileSync(path.join(outDir, `${x.name}.expected.json`), expectedJson(x.expected))
  }
  writeFileSync(path.join(outDir, 'README.md'), readme(vectors))
  return vectors
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href
if (invokedDirectly) {
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  const outDir = process.argv[2] ? path.resolve(process.argv[2]) : path.join(repoRoot, 'test-vectors', 'synthetic')
  const vectors = writeVectors(outDir)
  console.log(`wrote ${vectors.length} vectors to ${path.relative(process.cwd(), outDir) || '.'}`)
}
