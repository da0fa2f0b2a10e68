/**
 * `validatePolicy`: strict validation of Policy v1 (docs/policy.md).
 *
 * 1. The version is checked first: anything but 1 throws ERR_POLICY_VERSION, so a future policy is
 *    never half-understood (attack H-07: an unknown policy must never mean "accept").
 * 2. The document is checked against `POLICY_SCHEMA` by a small interpreter of the keywords the
 *    schema uses (unknown keys are rejected everywhere, with a did-you-mean hint).
 * 3. Semantic rules: digest lengths per bank, known event types, unambiguous event-rule slots,
 *    safe kernel command-line patterns, parseable AK roots, and a policy that checks something.
 *
 * Every problem is reported with a JSON pointer; all problems are collected (up to 100).
 */
import { HASH_ALGS } from '../alg.js'
import { EV } from '../eventlog/event_types.js'
import { parseCertificate } from '../x509/certificate.js'
import { pcr11KeyProblem } from './appraise/pcr11_signed.js'
import { PolicyError, pointerToken, type PolicyIssue } from './policy_error.js'
import { compileSafePattern, PatternError } from './safe_pattern.js'
import { POLICY_SCHEMA } from './schema.js'
import { cachedPolicy, rememberPolicy } from './validate_cache.js'
import type { AuthorityMatch, EventRule, Policy, SecureBootPolicy } from './types.js'

export const SUPPORTED_POLICY_VERSIONS = [1] as const
const MAX_ISSUES = 100

type Schema = { [k: string]: unknown }

function typeOf(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number'
  return typeof v
}

function typeMatches(want: string, v: unknown): boolean {
  const got = typeOf(v)
  return want === got || (want === 'number' && got === 'integer')
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) d[0]![j] = j
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
  return d[a.length]![b.length]!
}

function suggest(name: string, allowed: string[]): string {
  // Edit distance is quadratic: an attacker-sized string gets no suggestion (no allowed name is
  // anywhere near this long).
  if (name.length > 64) return ''
  const prefixed = allowed.filter((a) => a.toLowerCase().startsWith(name.toLowerCase()))
  if (name.length >= 4 && prefixed.length === 1) return ` (did you mean "${prefixed[0]}"?)`
  let best: string | undefined
  let bestD = Infinity
  for (const a of allowed) {
    const dist = editDistance(name.toLowerCase(), a.toLowerCase())
    if (dist < bestD) [best, bestD] = [a, dist]
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? ` (did you mean "${best}"?)` : ''
}

/** Deepest nesting a policy document may have (the schema needs fewer than 10 levels). */
export const MAX_POLICY_DEPTH = 32

/**
 * The JSON pointer of the first value nested deeper than `max`, found iteratively: the recursive
 * checks below (and JSON.stringify in messages) would otherwise overflow the stack on a hostile
 * document and escape as a RangeError instead of a PolicyError.
 */
function nestingBeyond(root: unknown, max: number): string | undefined {
  const stack: [unknown, number, string][] = [[root, 0, '']]
  while (stack.length) {
    const [v, depth, path] = stack.pop()!
    if (typeof v !== 'object' || v === null) continue
    if (depth >= max) return path || '/'
    for (const [k, c] of Object.entries(v)) stack.push([c, depth + 1, `${path}/${k}`])
  }
  return undefined
}

function describeValue(v: unknown): string {
  let s: string | undefined
  try {
    s = JSON.stringify(v)
  } catch {
    s = `(${typeOf(v)})`
  }
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s
}

class SchemaChecker {
  readonly issues: PolicyIssue[] = []
  constructor(private readonly root: Schema) {}

  private add(path: string, message: string): void {
    if (this.issues.length < MAX_ISSUES) this.issues.push({ path, message })
  }

  private resolve(s: Schema): Schema {
    let cur = s
    for (let n = 0; typeof cur.$ref === 'string' && n < 16; n++) {
      const ref = cur.$ref as string
      if (!ref.startsWith('#/')) throw new Error(`unsupported $ref ${ref}`)
      let t: unknown = this.root
      for (const part of ref.slice(2).split('/')) t = (t as Schema)[part]
      cur = t as Schema
    }
    return cur
  }

  check(schemaIn: Schema, v: unknown, path: string): void {
    const s = this.resolve(schemaIn)
    if ('const' in s && v !== s.const) {
      this.add(path, `must be ${describeValue(s.const)} (got ${describeValue(v)})`)
      return
    }
    if (Array.isArray(s.enum) && !s.enum.includes(v)) {
      this.add(path, `must be one of ${s.enum.map((e) => describeValue(e)).join(', ')} (got ${describeValue(v)})${typeof v === 'string' ? suggest(v, s.enum.filter((e): e is string => typeof e === 'string')) : ''}`)
      return
    }
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string]
      if (!types.some((t) => typeMatches(t, v))) {
        this.add(path, `must be ${types.join(' or ')} (got ${typeOf(v)})`)
        return
      }
    }
    const t = typeOf(v)
    if (t === 'string') this.checkString(s, v as string, path)
    else if (t === 'integer' || t === 'number') this.checkNumber(s, v as number, path)
    else if (t === 'array') this.checkArray(s, v as unknown[], path)
    else if (t === 'object') this.checkObject(s, v as Record<string, unknown>, path)
  }

  private checkString(s: Schema, v: string, path: string): void {
    if (typeof s.minLength === 'number' && v.length < s.minLength) this.add(path, s.minLength === 1 ? 'must not be empty' : `must be at least ${s.minLength} characters`)
    if (typeof s.maxLength === 'number' && v.length > s.maxLength) this.add(path, `must be at most ${s.maxLength} characters (got ${v.length})`)
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(v)) {
      const hex = /^\^\[0-9a-f\]\{(\d+)\}\$$/.exec(s.pattern)
      if (hex) this.add(path, `must be ${hex[1]} lowercase hex digits (got ${/^[0-9a-fA-F]*$/.test(v) ? `${v.length} characters` : describeValue(v)})`)
      else if (s.pattern === '^[0-9a-f]+$') this.add(path, `must be lowercase hex (got ${describeValue(v)})`)
      else this.add(path, `does not match ${s.pattern} (got ${describeValue(v)})`)
    }
  }

  private checkNumber(s: Schema, v: number, path: string): void {
    if (typeof s.minimum === 'number' && v < s.minimum) this.add(path, `must be >= ${s.minimum} (got ${v})`)
    if (typeof s.maximum === 'number' && v > s.maximum) this.add(path, `must be <= ${s.maximum} (got ${v})`)
  }

  private checkArray(s: Schema, v: unknown[], path: string): void {
    if (typeof s.minItems === 'number' && v.length < s.minItems) this.add(path, s.minItems === 1 ? 'must not be empty' : `must have at least ${s.minItems} items`)
    if (typeof s.maxItems === 'number' && v.length > s.maxItems) this.add(path, `must have at most ${s.maxItems} items (got ${v.length})`)
    if (s.uniqueItems === true) {
      const seen = new Map<string, number>()
      v.forEach((x, i) => {
        const k = JSON.stringify(x)
        if (seen.has(k)) this.add(`${path}/${i}`, `duplicates item ${seen.get(k)}`)
        else seen.set(k, i)
      })
    }
    if (s.items) v.forEach((x, i) => this.check(s.items as Schema, x, `${path}/${i}`))
  }

  private checkObject(s: Schema, v: Record<string, unknown>, path: string): void {
    const props = (s.properties ?? {}) as Record<string, Schema>
    const keys = Object.keys(v)
    if (typeof s.minProperties === 'number' && keys.length < s.minProperties) this.add(path, s.minProperties === 1 ? 'must not be empty' : `must have at least ${s.minProperties} properties`)
    if (typeof s.maxProperties === 'number' && keys.length > s.maxProperties) this.add(path, `must have at most ${s.maxProperties} properties (got ${keys.length})`)
    for (const r of (s.required ?? []) as string[]) if (!(r in v)) this.add(path, `missing required property "${r}"`)
    const names = s.propertyNames as Schema | undefined
    for (const k of keys) {
      const kp = `${path}/${pointerToken(k)}`
      if (names) {
        const before = this.issues.length
        this.check(names, k, kp)
        if (this.issues.length > before) {
          const last = this.issues[this.issues.length - 1]!
          last.message = `unknown name "${k}": ${last.message.replace(/ \(got [^)]*\)/, '')}`
          continue
        }
      }
      if (k in props) this.check(props[k]!, v[k], kp)
      else if (s.additionalProperties === false) this.add(kp, `unknown property "${k}"${suggest(k, Object.keys(props))}; allowed: ${Object.keys(props).join(', ')}`)
      else if (typeof s.additionalProperties === 'object' && s.additionalProperties !== null) this.check(s.additionalProperties as Schema, v[k], kp)
    }
  }
}

const EV_NAMES = new Set(Object.keys(EV))

/** Event type number of a policy event-type string (`EV_…` or `0x…`), or undefined. */
export function eventTypeNumber(name: string): number | undefined {
  if (name.startsWith('0x')) return parseInt(name.slice(2), 16) >>> 0
  return EV_NAMES.has(name) ? EV[name as keyof typeof EV] : undefined
}

/** Slot key of a rule: PCR plus its sorted event types (`*` = all types). */
export function slotKey(rule: EventRule): string {
  const types = rule.eventTypes ? [...new Set(rule.eventTypes.map((t) => eventTypeNumber(t)!))].sort((a, b) => a - b).map((n) => `0x${n.toString(16)}`) : ['*']
  return `${rule.pcr}|${types.join(',')}`
}

function semanticChecks(p: Policy, add: (path: string, message: string) => void): void {
  // Digest lengths are enforced by the schema per bank; PCR golden values need the bank's length.
  const seenPcrValue = new Map<string, number>()
  p.pcrValues?.forEach((r, i) => {
    const size = HASH_ALGS[r.bank].size * 2
    r.alternatives.forEach((h, j) => {
      if (h.length !== size) add(`/pcrValues/${i}/alternatives/${j}`, `must be ${size} lowercase hex digits for ${r.bank} (got ${h.length})`)
    })
    const k = `${r.bank}:${r.pcr}`
    if (seenPcrValue.has(k)) add(`/pcrValues/${i}`, `${k} is already given in /pcrValues/${seenPcrValue.get(k)}; put all alternatives in one entry`)
    else seenPcrValue.set(k, i)
  })

  const ids = new Map<string, number>()
  const slotOfType = new Map<string, { key: string; rule: number }>() // "pcr|type" -> slot
  const slotRules = new Map<string, number[]>()
  p.eventRules?.forEach((r, i) => {
    const base = `/eventRules/${i}`
    if (r.id !== undefined) {
      if (ids.has(r.id)) add(`${base}/id`, `id "${r.id}" is already used by /eventRules/${ids.get(r.id)}`)
      else ids.set(r.id, i)
    }
    let typesOk = true
    r.eventTypes?.forEach((t, j) => {
      if (eventTypeNumber(t) === undefined) {
        typesOk = false
        add(`${base}/eventTypes/${j}`, `unknown event type "${t}"${suggest(t, [...EV_NAMES])}; use an EV_* name or 0x<hex>`)
      } else if (t === 'EV_NO_ACTION') {
        typesOk = false
        add(`${base}/eventTypes/${j}`, 'EV_NO_ACTION events are never extended into a PCR and cannot be appraised')
      }
    })
    const mode = r.match ?? 'sequence'
    if (mode === 'any' && r.alternatives) add(`${base}/alternatives`, 'a rule with match "any" accepts every digest; remove "alternatives" or use "set"')
    if (mode !== 'any' && !r.alternatives) add(base, `missing required property "alternatives" (match "${mode}")`)
    r.alternatives?.forEach((a, j) =>
      a.events.forEach((e, k) => {
        const path = `${base}/alternatives/${j}/events/${k}`
        const hasDigest = Object.keys(e).some((x) => x in HASH_ALGS)
        if (e.any && hasDigest) add(path, '"any": true cannot be combined with digests')
        if (!e.any && !hasDigest) add(path, 'needs at least one digest (sha1, sha256, sha384, sha512, sm3_256) or "any": true')
        if (e.any && mode === 'set') add(path, '"any" entries are not allowed in a "set" rule (use match "any")')
      }),
    )
    if (mode === 'set' && r.alternatives?.every((a) => a.events.length === 0)) add(`${base}/alternatives`, 'a "set" rule needs at least one digest')
    if (!typesOk) return
    const key = slotKey(r)
    const list = slotRules.get(key) ?? []
    list.push(i)
    slotRules.set(key, list)
    for (const t of r.eventTypes?.map((x) => eventTypeNumber(x)!) ?? ['*']) {
      const tk = `${r.pcr}|${t}`
      const prev = slotOfType.get(tk)
      if (prev && prev.key !== key) add(`${base}/eventTypes`, `PCR ${r.pcr} event type ${t === '*' ? '(all)' : `0x${(t as number).toString(16)}`} is already governed by /eventRules/${prev.rule} with a different event-type set; rules of one (PCR, type) must list the same types`)
      else if (!prev) slotOfType.set(tk, { key, rule: i })
    }
  })
  // A "*" slot governs the whole PCR: no other slot on that PCR.
  for (const [key, rules] of slotRules) {
    const [pcr, types] = key.split('|')
    if (types === '*') {
      for (const [k2, r2] of slotRules) if (k2 !== key && k2.split('|')[0] === pcr) add(`/eventRules/${r2[0]}`, `PCR ${pcr} is governed by /eventRules/${rules[0]} for all event types; rules for specific types cannot be added`)
    }
    if (rules.length > 1) {
      for (const ri of rules) {
        const m = p.eventRules![ri]!.match ?? 'sequence'
        if (m !== 'sequence') add(`/eventRules/${ri}/match`, `a "${m}" rule must be the only rule of its slot (PCR ${pcr}, ${types}); /eventRules/${rules.join(', /eventRules/')} share it`)
      }
    }
  }

  const cmd = p.linux?.kernelCmdline
  cmd?.patterns?.forEach((pat, i) => {
    try {
      compileSafePattern(pat)
    } catch (e) {
      if (!(e instanceof PatternError)) throw e
      add(`/linux/kernelCmdline/patterns/${i}`, `unsafe or unsupported pattern: ${e.message}`)
    }
  })
  p.trustedAkRoots?.forEach((pem, i) => {
    try {
      parseCertificate(pem)
    } catch (e) {
      add(`/trustedAkRoots/${i}`, `not a parseable PEM certificate: ${(e as Error).message}`)
    }
  })
  p.pcr11Signed?.keys.forEach((pem, i) => { const why = pcr11KeyProblem(pem); if (why) add(`/pcr11Signed/keys/${i}`, why) })
  const sb = p.secureBoot
  // An authority match needs something to match: a description alone would match every authority.
  const authorityKeys = (m: AuthorityMatch, path: string) => {
    if (m.sha256 === undefined && m.subject === undefined && m.commonName === undefined) add(path, 'needs at least one of "sha256", "subject", "commonName"')
  }
  sb?.requiredAuthorities?.forEach((r, i) => r.anyOf.forEach((m, j) => authorityKeys(m, `/secureBoot/requiredAuthorities/${i}/anyOf/${j}`)))
  sb?.forbiddenAuthorities?.forEach((m, i) => authorityKeys(m, `/secureBoot/forbiddenAuthorities/${i}`))
  const checksSomething =
    !!p.pcrValues?.length ||
    !!p.eventRules?.length ||
    !!p.digests?.required?.length ||
    !!p.digests?.forbidden?.length ||
    secureBootChecks(sb) ||
    !!cmd ||
    !!p.windows ||
    p.platform?.startupLocality !== undefined ||
    !!p.platform?.tpmManufacturers?.length ||
    !!p.pcr11Signed ||
    !!(p.cvm && (p.cvm.required || p.cvm.platforms || p.cvm.measurements || p.cvm.minimumTcb || p.cvm.hostData))
  if (!checksSomething) add('', 'the policy checks nothing: give at least one of pcrValues, eventRules, digests, secureBoot, linux, windows, platform, pcr11Signed or cvm (an empty policy must never mean "accept", attack H-07)')
}

/** Whether the Secure Boot section has a rule (`debugModeAllowed` alone relaxes, it does not check). */
export function secureBootChecks(sb: SecureBootPolicy | undefined): boolean {
  return !!(sb && (sb.required || sb.dbx || sb.db || sb.kek || sb.pk || sb.sbatMinimum || sb.requiredAuthorities?.length || sb.forbiddenAuthorities?.length))
}

/**
 * Validate a Policy v1 document (object or JSON text) and return it as a typed, deep-copied policy.
 * @throws PolicyError (a BootproofError) ERR_POLICY_VERSION for a version other than 1, or
 *   ERR_POLICY_INVALID with `issues[]` (JSON pointer + message) for anything else.
 * @example
 * const policy = validatePolicy(JSON.parse(readFileSync('policy.json', 'utf8')))
 */
/**
 * Policies this module validated: deep-frozen copies, so a second validation (verifyAttestation
 * and appraisePolicy both validate) can be skipped safely. A backend validates its policy once
 * and passes the result to every attestation; validation costs far more than an appraisal.
 */
const VALIDATED = new WeakSet<object>()

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v)
    for (const x of Object.values(v as Record<string, unknown>)) deepFreeze(x)
  }
  return v
}

/**
 * Validate a policy strictly. Returns a deep-frozen copy; passing that copy again (to
 * `verifyAttestation` or `appraisePolicy`) skips re-validation, and so does passing the same raw
 * object, unchanged, or the same JSON string again (validate_cache.ts).
 */
export function validatePolicy(json: unknown): Policy {
  if (typeof json === 'object' && json !== null && VALIDATED.has(json)) return json as Policy
  const cached = cachedPolicy(json)
  if (cached) return cached as Policy
  let doc = json
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc)
    } catch (e) {
      throw new PolicyError('ERR_POLICY_INVALID', `policy is not JSON: ${(e as Error).message}`, [{ path: '', message: 'not JSON' }])
    }
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new PolicyError('ERR_POLICY_INVALID', `policy must be a JSON object (got ${typeOf(doc)})`, [{ path: '', message: `must be object (got ${typeOf(doc)})` }])
  }
  const obj = doc as Record<string, unknown>
  const deep = nestingBeyond(obj, MAX_POLICY_DEPTH)
  if (deep !== undefined) throw new PolicyError('ERR_POLICY_INVALID', `policy nests deeper than ${MAX_POLICY_DEPTH} levels at ${deep}: no policy field does`, [{ path: deep, message: `nesting deeper than ${MAX_POLICY_DEPTH}` }])
  if (!('version' in obj)) throw new PolicyError('ERR_POLICY_INVALID', 'policy has no "version" (this bootproof reads version 1)', [{ path: '/version', message: 'missing required property "version"' }])
  if (!(SUPPORTED_POLICY_VERSIONS as readonly unknown[]).includes(obj.version)) {
    throw new PolicyError('ERR_POLICY_VERSION', `policy version ${describeValue(obj.version)} is not supported (this bootproof reads version ${SUPPORTED_POLICY_VERSIONS.join(', ')}); refusing to appraise with it`, [
      { path: '/version', message: `unsupported version ${describeValue(obj.version)}` },
    ])
  }
  const checker = new SchemaChecker(POLICY_SCHEMA as unknown as Schema)
  checker.check(POLICY_SCHEMA as unknown as Schema, obj, '')
  const issues = checker.issues
  if (!issues.length) {
    const policy = obj as unknown as Policy
    semanticChecks(policy, (path, message) => {
      if (issues.length < MAX_ISSUES) issues.push({ path, message })
    })
  }
  if (issues.length) {
    const head = issues.slice(0, 3).map((i) => `${i.path || '(document)'}: ${i.message}`).join('; ')
    throw new PolicyError('ERR_POLICY_INVALID', `invalid policy: ${head}${issues.length > 3 ? `; and ${issues.length - 3} more` : ''}`, issues)
  }
  const out = deepFreeze(structuredClone(obj)) as unknown as Policy
  VALIDATED.add(out)
  rememberPolicy(json, out)
  return out
}

/** Like `validatePolicy`, but returns the issues instead of throwing (for editors and CLIs). */
export function checkPolicy(json: unknown): { ok: true; policy: Policy } | { ok: false; code: string; issues: PolicyIssue[] } {
  try {
    return { ok: true, policy: validatePolicy(json) }
  } catch (e) {
    if (e instanceof PolicyError) return { ok: false, code: e.code, issues: e.issues.length ? e.issues : [{ path: '', message: e.message }] }
    throw e
  }
}
