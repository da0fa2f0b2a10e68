/**
 * The fleet surface: NDJSON lines (`bootproof batch`) and fleet summaries read back (`--baseline`,
 * `fleet query`). Both check more than "only BootproofError escapes": a broken promise is thrown
 * as a FleetContractError, which the harness reports like any other escape.
 *
 * fleet-line: createFleetLineVerifier (fixed clock, the sb-esp policy) on mutated lines, as
 * strings and as UTF-8 bytes, on line 1 (where a leading BOM is ignored, RFC 8259 §8.1) and on
 * later lines. The promise always resolves ("one bad line never stops the run"); the result echoes
 * the task's index and line and holds a verdict or an error whose code is a fleet line code or a
 * library code (never ERR_INTERNAL); `fleetResultLine` and the rendered line batch writes are one
 * line of JSON that parses back to the same value; a summary of the result reads back. A line-level
 * error is the same in the other form (string ↔ bytes). Targeted edits of a seed that verifies
 * (BOM, CR, NUL, long ids, repeated or escaped member names, nesting, invalid UTF-8, a limit at
 * the line's size) carry the outcome they must get. An input is framed (form, expectation, line,
 * index, limit, then the line: UTF-16LE for a string, so lone surrogates survive) so one saved
 * file replays alone. The fleet-summary family (fleet_summary.ts) reuses the verifier and seed lines.
 */
import { readFileSync } from 'node:fs'
import { EAR_STATUSES } from '../../../src/ear/model.js'
import { createFleetLineVerifier, MAX_ID_CHARS, type FleetLineVerifier } from '../../../src/fleet/line.js'
import { fleetResultLine, renderedFleetResult } from '../../../src/fleet/output.js'
import { summarizeFleet } from '../../../src/fleet/summary.js'
import { isFleetSummary } from '../../../src/fleet/summary_shape.js'
import type { FleetLineErrorCode, FleetResult } from '../../../src/fleet/types.js'
import { validatePolicy } from '../../../src/policy/validate.js'
import type { Policy } from '../../../src/policy/types.js'
import { FleetGenerator } from '../../../scripts/make-fleet.js'
import { mutateJson, mutateText } from '../lib/json.js'
import type { Rng } from '../lib/prng.js'
import type { Family, Seed, SeedSet } from '../family.js'
import { REPO, text, vec } from '../seeds.js'
import { bundleMemberHook } from './bundle.js'
import { FIXED_NOW } from './x509.js'

class FleetContractError extends Error {
  override name = 'FleetContractError'
}
export const broken = (what: string): never => {
  throw new FleetContractError(what)
}

// ------------------------------------------------------------------------------ shared state

/** Codes a line result may carry: the fleet line codes but the verifier's own failures, and every library code. */
const LINE_CODES: Record<FleetLineErrorCode, boolean> = { ERR_LINE_TOO_LONG: true, ERR_LINE_ENCODING: true, ERR_LINE_NOT_JSON: true, ERR_LINE_DUPLICATE_KEY: true, ERR_LINE_INVALID: true, ERR_WORKER_FAILED: false, ERR_INTERNAL: false }
let allowed: Set<string> | undefined
function allowedCodes(): Set<string> {
  if (!allowed) {
    const src = ['error_codes.ts', 'error_codes_cvm.ts'].map((f) => text(`${REPO}/src/${f}`)).join('\n')
    allowed = new Set([...src.matchAll(/'(ERR_[A-Z0-9_]+)'/g)].map((m) => m[1]!))
    for (const [c, ok] of Object.entries(LINE_CODES)) if (ok) allowed.add(c)
    else allowed.delete(c)
  }
  return allowed
}

let policy: Policy | undefined
export const thePolicy = (): Policy => (policy ??= validatePolicy(JSON.parse(text(`${REPO}/examples/policies/ovmf-sb-esp.derived.json`))))
const verifiers = new Map<number, FleetLineVerifier>()
/** The verifier with the default line limit (0) or a tight one; a few cached. */
export function verifierFor(maxLineBytes: number): FleetLineVerifier {
  let v = verifiers.get(maxLineBytes)
  if (!v) {
    if (verifiers.size > 32) verifiers.clear()
    verifiers.set(maxLineBytes, (v = createFleetLineVerifier({ policy: thePolicy(), now: FIXED_NOW, ...(maxLineBytes ? { maxLineBytes } : {}) })))
  }
  return v
}

/** One line per make-fleet kind (every kind occurs in the first 400 lines of seed "fuzz") and the UKI boot with its CEL, AK as PEM. */
let lineSeeds: { name: string; line: string }[] | undefined
export function seedLines(): { name: string; line: string }[] {
  if (!lineSeeds) {
    const byKind = new Map<string, string>()
    for (const l of new FleetGenerator('fuzz').lines(400)) if (!byKind.has(l.kind)) byKind.set(l.kind, l.line)
    lineSeeds = [...byKind].map(([kind, line]) => ({ name: `make-fleet:${kind}`, line }))
    const dir = vec('uki/boot-cel-ovmf')
    const b64 = (p: string) => readFileSync(`${dir}/${p}`).toString('base64')
    const bundle = { version: 1, eventLog: b64('binary_bios_measurements'), celLog: b64('tpm2-measure.log'), quotes: [{ attest: b64('quote/quote.msg'), signature: b64('quote/quote.sig') }], ak: { public: b64('quote/ak.pub') } }
    lineSeeds.push({ name: 'test-vectors/uki/boot-cel-ovmf', line: JSON.stringify({ id: 'uki-cel', bundle, nonce: text(`${dir}/quote/nonce.hex`).trim(), ak: text(`${dir}/quote/ak.pem`), akEnrolled: true }) })
  }
  return lineSeeds
}

// ------------------------------------------------------------------------------ framing

/** What a targeted edit of a verifying seed line must get ('same': the seed's own outcome). */
const EXPECT = ['none', 'same', 'ERR_LINE_DUPLICATE_KEY', 'ERR_LINE_ENCODING', 'ERR_LINE_NOT_JSON', 'ERR_LINE_INVALID', 'ERR_LINE_TOO_LONG'] as const
type Expect = (typeof EXPECT)[number]
interface LineInput {
  data: string | Uint8Array
  expect: Expect
  line: number
  index: number
  /** 0: the default limit. */
  limit: number
}
const HEADER = 14
/**
 * The task of each input framed here: decoding the string form in `run` would be measured as the
 * verifier's time and memory. A saved input replayed from its file is decoded in `run`.
 */
const tasks = new WeakMap<Uint8Array, LineInput>()

function frame(t: LineInput): Uint8Array {
  let payload: Uint8Array
  if (typeof t.data === 'string') {
    const units = new Uint16Array(t.data.length)
    for (let i = 0; i < units.length; i++) units[i] = t.data.charCodeAt(i)
    payload = new Uint8Array(units.buffer)
  } else payload = t.data
  const out = new Uint8Array(HEADER + payload.length)
  const dv = new DataView(out.buffer)
  out[0] = typeof t.data === 'string' ? 0 : 1
  out[1] = EXPECT.indexOf(t.expect)
  dv.setUint32(2, t.line)
  dv.setUint32(6, t.index)
  dv.setUint32(10, t.limit)
  out.set(payload, HEADER)
  tasks.set(out, typeof t.data === 'string' ? t : { ...t, data: out.subarray(HEADER) })
  return out
}

function unframe(b: Uint8Array): LineInput {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength)
  const payload = b.subarray(HEADER)
  // the string form is UTF-16LE code units (lone surrogates kept); TextDecoder('utf-16le') would replace them
  let data: string | Uint8Array = payload
  if (b[0] === 0) {
    const units = new Uint16Array(payload.slice(0, payload.length & ~1).buffer)
    let s = ''
    for (let i = 0; i < units.length; i += 0x8000) s += String.fromCharCode(...units.subarray(i, i + 0x8000))
    data = s
  }
  return { data, expect: EXPECT[b[1]!] ?? 'none', line: dv.getUint32(2), index: dv.getUint32(6), limit: dv.getUint32(10) }
}

/** Largest line also verified in its other form (that run's allocations add to the input's measured peak). */
const OTHER_FORM_MAX = 256 * 1024
const enc = new TextEncoder()
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
/** The same line in the other form, when it has one (a lone surrogate has no UTF-8, invalid UTF-8 no string). */
function otherForm(data: string | Uint8Array): string | Uint8Array | undefined {
  if (typeof data === 'string') return LONE_SURROGATE.test(data) ? undefined : enc.encode(data)
  try {
    return strictUtf8.decode(data)
  } catch {
    return undefined
  }
}

// ------------------------------------------------------------------------------ line mutations

function lineHook(path: (string | number)[], value: string, rng: Rng): string | undefined {
  if (path[0] === 'bundle' && path.length === 1) {
    // a bundle given as JSON text inside the line: mutate that document
    try {
      return mutateJson(JSON.parse(value), rng, { hook: bundleMemberHook, hookRate: 0.7 })
    } catch {
      return undefined
    }
  }
  if (path[0] === 'bundle') return bundleMemberHook(path.slice(1), value, rng)
  // the enrolled AK has the bundle's `ak` shape
  if (path[0] === 'ak') return bundleMemberHook(path, value, rng)
  if (path[0] === 'nonce') return rng.pick([value.toUpperCase(), value.slice(1), `0x${value}`, value + '0', value.replace(/^./, 'g'), `${value} `, ''])
  return undefined
}

const INVALID_UTF8 = [[0xff], [0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xf4, 0x90, 0x80, 0x80]]
const escapedKey = (k: string): string => `"\\u${k.charCodeAt(0).toString(16).padStart(4, '0')}${k.slice(1)}"`
const members = (o: Record<string, unknown>, key = (k: string) => JSON.stringify(k)): string[] => Object.entries(o).map(([k, v]) => `${key(k)}:${JSON.stringify(v)}`)

/** A targeted edit of a line with what it must get when the seed verifies (the form it needs, if any). */
function targeted(line: string, o: Record<string, unknown> | undefined, rng: Rng, atStart: boolean): { data: string | Uint8Array; expect: Expect; limit?: number } {
  const close = line.lastIndexOf('}')
  const withMember = (m: string) => `${line.slice(0, close)},${m}${line.slice(close)}`
  const setId = (id: unknown) => JSON.stringify({ ...o, id })
  const op = o ? rng.int(16) : rng.int(4)
  switch (op) {
    case 0: // RFC 8259 §8.1: ignored at the start of the input only
      return { data: '\ufeff' + line, expect: atStart ? 'same' : 'ERR_LINE_NOT_JSON' }
    case 1:
      return rng.pick([{ data: '\ufeff\ufeff' + line, expect: 'ERR_LINE_NOT_JSON' }, { data: '\r\ufeff' + line, expect: 'ERR_LINE_NOT_JSON' }, { data: `{\ufeff${line.slice(1)}`, expect: 'ERR_LINE_NOT_JSON' }, { data: '\u00a0' + line, expect: 'ERR_LINE_NOT_JSON' }, { data: line + '\u2028', expect: 'ERR_LINE_NOT_JSON' }] as const)
    case 2: // a CRLF file split at LF leaves the CR: JSON whitespace (RFC 8259 §2)
      return rng.pick([{ data: line + '\r', expect: 'same' }, { data: ` \t\r${line}\r\r`, expect: 'same' }, { data: line + '\u0000', expect: 'ERR_LINE_NOT_JSON' }, { data: '\u0000' + line, expect: 'ERR_LINE_NOT_JSON' }] as const)
    case 3: {
      // invalid UTF-8 anywhere (bytes only)
      const b = enc.encode(line)
      const at = rng.int(b.length + 1)
      const bad = rng.pick(INVALID_UTF8)
      const out = new Uint8Array(b.length + bad.length)
      out.set(b.subarray(0, at))
      out.set(bad, at)
      out.set(b.subarray(at), at + bad.length)
      return { data: out, expect: 'ERR_LINE_ENCODING' }
    }
    case 4: // ids at and over the limit (in UTF-16 code units, whatever their UTF-8 size)
      return rng.pick([{ data: setId('x'.repeat(MAX_ID_CHARS)), expect: 'same' }, { data: setId('é'.repeat(MAX_ID_CHARS)), expect: 'same' }, { data: setId('x'.repeat(MAX_ID_CHARS + 1)), expect: 'ERR_LINE_INVALID' }, { data: setId('\u{1f600}'.repeat(MAX_ID_CHARS / 2 + 1)), expect: 'ERR_LINE_INVALID' }, { data: setId('x'.repeat(rng.range(2000, 2_000_000))), expect: 'ERR_LINE_INVALID' }] as const)
    case 5: // ids that need escaping or are not text
      return { data: rng.pick([setId('a\nb\u0000\u2028\u202e\ufeff'), setId('"},{"id":"x'), setId('\0lone').replace('\\u0000lone', '\ud800'), setId(''), setId('\u001b[2J')]), expect: 'none' }
    case 6: {
      // one member twice, also spelled with an escape (RFC 8259 §4: names SHOULD be unique; a line with two is ambiguous)
      const k = rng.pick(Object.keys(o!))
      return { data: withMember(`${rng.bool() ? escapedKey(k) : JSON.stringify(k)}:${JSON.stringify(rng.bool() ? o![k] : null)}`), expect: 'ERR_LINE_DUPLICATE_KEY' }
    }
    case 7: // a member repeated inside the bundle
      return typeof o!.bundle === 'object' ? { data: line.replace('"bundle":{', '"bundle":{"version":1,'), expect: 'ERR_LINE_DUPLICATE_KEY' } : { data: line, expect: 'same' }
    case 8: {
      // the same line, written differently: members reordered, names escaped, pretty-printed, bundle as JSON text
      const entries = Object.entries(o!)
      for (let i = entries.length - 1; i > 0; i--) {
        const j = rng.int(i + 1)
        ;[entries[i], entries[j]] = [entries[j]!, entries[i]!]
      }
      const shuffled = Object.fromEntries(entries)
      return { data: rng.pick([`{${members(shuffled).join(',')}}`, `{${members(o!, escapedKey).join(' , ')}}`, JSON.stringify(o, null, 1), JSON.stringify({ ...o, bundle: JSON.stringify(o!.bundle) })]), expect: 'same' }
    }
    case 9: {
      // nesting: the line allows 10 levels (a bundle's own 8 plus the line)
      const d = rng.bool(0.7) ? rng.range(20, 200) : rng.range(1000, 20000)
      return rng.pick([{ data: JSON.stringify({ ...o, bundle: null }).replace('"bundle":null', `"bundle":${'['.repeat(d)}${JSON.stringify(o!.bundle)}${']'.repeat(d)}`), expect: 'ERR_LINE_NOT_JSON' }, { data: withMember(`"x":${'{"a":'.repeat(d)}1${'}'.repeat(d)}`), expect: 'ERR_LINE_NOT_JSON' }] as const)
    }
    case 10: {
      // a limit at the line's UTF-8 size: over by 0-2 bytes, under by 1-3; a non-ASCII id makes UTF-16 length < UTF-8 size
      const data = rng.bool() ? setId('é'.repeat(rng.range(1, 600))) : line
      const size = enc.encode(data).length
      return rng.bool() ? { data, expect: 'same', limit: size + rng.int(3) } : { data, expect: 'ERR_LINE_TOO_LONG', limit: Math.max(1, size - rng.range(1, 3)) }
    }
    case 11: // a member the line does not define, or the wrong type
      return { data: rng.pick([withMember('"extra":1'), withMember('"__proto__":{}'), setId(7), JSON.stringify({ ...o, akEnrolled: 'true' }), JSON.stringify({ ...o, nonce: 'zz' }), `[${line}]`]), expect: 'ERR_LINE_INVALID' }
    default:
      return { data: mutateText(line, rng), expect: 'none' }
  }
}

/** Random damage to the line's bytes: invalid sequences, BOMs, NULs, flips, cuts, repeats. */
function damageBytes(line: string, rng: Rng): Uint8Array {
  let b = enc.encode(line)
  for (let n = rng.range(1, 3); n > 0; n--) {
    const at = rng.int(b.length + 1)
    const ins = (x: ArrayLike<number>) => Uint8Array.from([...b.subarray(0, at), ...Array.from(x), ...b.subarray(at)])
    switch (rng.int(6)) {
      case 0:
        b = ins(rng.pick(INVALID_UTF8))
        break
      case 1:
        b = ins(rng.pick([[0xef, 0xbb, 0xbf], [0x00], [0x0d], [0xc2, 0xa0], [0xe2, 0x80, 0xa8]]))
        break
      case 2:
        if (at < b.length) b[at] = b[at]! ^ (1 << rng.int(8))
        break
      case 3:
        b = b.slice(0, at)
        break
      default: {
        const len = Math.min(rng.range(1, 256), b.length - at)
        b = ins(Array.from({ length: len * rng.range(1, 6) }, (_, i) => b[at + (i % Math.max(1, len))] ?? 0x20))
      }
    }
  }
  return b
}

let donors: unknown[] | undefined
/** A seed line that verifies in full (see baselineInputs). */
let fullLine: Uint8Array | undefined

export const fleetLineFamily: Family<Uint8Array> = {
  name: 'fleet-line',
  description: 'fleet NDJSON lines: createFleetLineVerifier (fixed clock, sb-esp policy) as strings and bytes, line 1 and later, + fleetResultLine',
  async seeds(): Promise<SeedSet<Uint8Array>> {
    const seeds: Seed<Uint8Array>[] = []
    for (const { name, line } of seedLines()) {
      const r = await verifierFor(0)({ index: 0, line: 1, data: line })
      const outcome = r.error?.code ?? r.ear_status ?? 'none'
      seeds.push({ name, value: frame({ data: enc.encode(line), expect: 'none', line: 1, index: 0, limit: 0 }), meta: { text: line, outcome, clean: !outcome.startsWith('ERR_') } })
    }
    fullLine = seeds.find((s) => s.meta!.clean === true)?.value
    donors = seeds.map((s) => {
      try {
        return JSON.parse(s.meta!.text as string) as unknown
      } catch {
        return null
      }
    })
    return { seeds, notes: [`${seeds.length} seeds (one line per scripts/make-fleet.ts kind, the UKI boot with its CEL)`] }
  },
  mutate(seed, rng) {
    const line = seed.meta!.text as string
    let o: Record<string, unknown> | undefined
    try {
      const v = JSON.parse(line) as unknown
      if (v && typeof v === 'object' && !Array.isArray(v)) o = v as Record<string, unknown>
    } catch {
      o = undefined
    }
    const atStart = rng.bool()
    const lineNo = atStart ? 1 : rng.pick([2, 3, rng.range(4, 1_000_000), 0xffffffff])
    const index = rng.pick([0, lineNo - 1, rng.int(0x100000000)])
    let data: string | Uint8Array
    let expect: Expect = 'none'
    let limit = 0
    const p = rng.float()
    if (p < 0.45 && o) data = mutateJson(o, rng, { hook: lineHook, hookRate: 0.6, ...(donors ? { donors } : {}) })
    else if (p < 0.8) {
      const t = targeted(line, o, rng, atStart)
      data = t.data
      limit = t.limit ?? 0
      if (seed.meta!.clean === true) expect = t.expect
    } else data = rng.bool() ? damageBytes(line, rng) : mutateText(mutateText(line, rng), rng)
    // either form, unless the edit needs one (invalid UTF-8 is bytes only, a lone surrogate string only)
    if (rng.bool()) data = otherForm(data) ?? data
    return frame({ data, expect, line: lineNo, index, limit })
  },
  async run(input, seed) {
    const t = tasks.get(input) ?? unframe(input)
    const verify = verifierFor(t.limit)
    let r: FleetResult
    try {
      r = await verify({ index: t.index, line: t.line, data: t.data })
    } catch (e) {
      return broken(`the line verifier rejected (one bad line must never stop the run): ${(e as Error)?.stack ?? String(e)}`)
    }
    checkLineResult(r, t)
    const outcome = r.error?.code ?? r.ear_status
    if (t.expect === 'same' && outcome !== seed.meta?.outcome) broken(`an equivalent form of the seed line got ${outcome}, the seed ${String(seed.meta?.outcome)}`)
    if (t.expect !== 'same' && t.expect !== 'none' && outcome !== t.expect) broken(`expected ${t.expect}, got ${outcome}: ${r.error?.message ?? ''}`)
    // one rule for strings and bytes (decodeLine): the other form of a line refused as a line must be refused alike
    if (r.error?.code.startsWith('ERR_LINE_') && t.data.length <= OTHER_FORM_MAX) {
      const other = otherForm(t.data)
      if (other !== undefined) {
        const r2 = await verify({ index: t.index, line: t.line, data: other })
        if (r2.error?.code !== r.error.code) broken(`${typeof t.data === 'string' ? 'string' : 'bytes'} form: ${r.error.code}, the other form: ${r2.error?.code ?? r2.ear_status}`)
      }
    }
  },
  baselineInputs(seed) {
    // a seed refused early (no nonce, a repeated member) becomes a full verification once a mutation mends it
    return seed.meta?.clean === true || !fullLine ? [] : [fullLine]
  },
  size: (b) => (b[0] === 0 ? (b.length - HEADER) >> 1 : b.length - HEADER),
  toBytes: (b) => b,
}

function checkLineResult(r: FleetResult, t: LineInput): void {
  if (r.index !== t.index || r.line !== t.line) broken(`result index/line ${r.index}/${r.line}, task ${t.index}/${t.line}`)
  if (r.id !== null && (typeof r.id !== 'string' || r.id.length > MAX_ID_CHARS)) broken(`result id is not null or a string of at most ${MAX_ID_CHARS} characters`)
  if (r.error) {
    if (r.verdict || r.ear_status) broken('a result with both an error and a verdict')
    if (typeof r.error.code !== 'string' || !allowedCodes().has(r.error.code)) broken(`error code ${String(r.error.code)} is neither a fleet line code nor a library code: ${r.error.message}`)
    if (typeof r.error.message !== 'string') broken('error message is not a string')
    if (['ERR_LINE_TOO_LONG', 'ERR_LINE_ENCODING', 'ERR_LINE_NOT_JSON', 'ERR_LINE_DUPLICATE_KEY'].includes(r.error.code) && r.id !== null) broken(`${r.error.code} with an id (the line was not read)`)
  } else {
    if (!r.verdict || !r.ear_status || !EAR_STATUSES.includes(r.ear_status) || r.verdict.ear_status !== r.ear_status) broken('a result without an error has no consistent ear_status + verdict')
    if (typeof r.id !== 'string') broken('a verdict without the line id')
  }
  // the output line, as fleetResultLine gives it and as batch writes it (terminal-safe)
  const line = fleetResultLine(r)
  const rendered = renderedFleetResult(r).ndjson ?? broken('renderedFleetResult gave no ndjson')
  for (const [what, s] of [['fleetResultLine', line], ['rendered', rendered]] as const) if (/[\n\r]/.test(s)) broken(`${what} output holds a line break`)
  if (/[\u2028\u2029\u0000-\u001f]/.test(rendered) || LONE_SURROGATE.test(rendered)) broken('rendered output line is not terminal-safe')
  let a: Record<string, unknown>
  let b: unknown
  try {
    a = JSON.parse(line) as Record<string, unknown>
    b = JSON.parse(rendered)
  } catch (e) {
    return broken(`an output line is not JSON: ${(e as Error).message}`)
  }
  if (a.id !== r.id || JSON.stringify(a) !== JSON.stringify(b)) broken('the output line does not read back as the result (id or rendering changed the value)')
  if (r.error ? (a.error as { code?: unknown })?.code !== r.error.code : a.ear_status !== r.ear_status) broken('the output line does not carry the result code / status')
  // the summary of any result is a summary its reader accepts
  const s = JSON.parse(JSON.stringify(summarizeFleet([r]))) as unknown
  if (!isFleetSummary(s)) broken('summarizeFleet output is refused by its own reader')
}
