/** Required / forbidden Secure Boot authorities: the certificates that verified boot images (TCG PFP §3.3.4.8, attack P-02). */
import type { Authority, SignatureDbEntry } from '../../state/secure_boot.js'
import { fromHexOrUndefined } from '../../bytes/hex.js'
import { defaultHashProvider, digestEquals } from '../../hash/provider.js'
import { decodedCertificateFields } from '../../x509/decoded_cache.js'
import { DEFAULT_BOOT_STATE_LIMITS } from '../../limits.js'
import type { AuthorityMatch } from '../types.js'
import { addMatch, emit, short, type Ctx } from './context.js'
import { factProblem } from './facts.js'
import type { AppraisalState, ComponentMatch } from './types.js'

/**
 * CN values of authority certificates' subjects: from the DER when present, else from the
 * rendered subject. Certificates decoded here share the boot state's per-log budget
 * (`maxCertificatesDecoded`): a log of many distinct authority certificates must not buy
 * unbounded X.509 decoding (cost out of proportion to the input). Past the budget a
 * certificate's names are unknown (undefined).
 */
export class CommonNames {
  private readonly cache = new Map<SignatureDbEntry, string[] | undefined>()
  private decodes = 0
  constructor(private readonly budget: number) {}

  of(e: SignatureDbEntry): string[] | undefined {
    if (this.cache.has(e)) return this.cache.get(e)
    let out: string[] | undefined = []
    if (e.der) {
      if (this.decodes >= this.budget) out = undefined
      else {
        this.decodes++
        const f = decodedCertificateFields(e.der)
        out = 'error' in f ? [] : [...f.commonNames]
      }
    } else if (e.subject) {
      out = e.subject.split(/, (?=[A-Za-z0-9.]+=)/).filter((x) => x.startsWith('CN=')).map((x) => x.slice(3))
    }
    this.cache.set(e, out)
    return out
  }
}

/**
 * Whether `a` matches `m`. A certificate whose names are unknown (past the decoding budget)
 * matches as `unknownMatches` says: yes for a forbidden authority, no for a required one, so an
 * undecoded certificate can neither hide a forbidden signer nor stand in for a required one.
 */
export function authorityMatches(m: AuthorityMatch, a: Authority, names: CommonNames, unknownMatches: boolean): boolean {
  const e = a.entry
  if (!e) return false
  if (m.sha256 !== undefined && e.sha256 !== m.sha256 && !(unknownMatches && a.lastByteUnbound && anyLastByteHashesTo(e, m.sha256))) return false
  if ((m.subject !== undefined || m.commonName !== undefined) && e.type !== 'x509') return false
  if (m.subject !== undefined && e.subject !== m.subject) return false
  if (m.commonName !== undefined) {
    const cns = names.of(e)
    if (cns === undefined) return unknownMatches
    if (!cns.includes(m.commonName)) return false
  }
  return true
}

/**
 * Whether the entry with some value of its last byte has the fingerprint `sha256`: what an
 * old-shim authority event (its last byte unbound) may stand for. For a certificate, 256 hashes
 * of it, only for such an event and only against a forbidden fingerprint.
 */
function anyLastByteHashesTo(e: SignatureDbEntry, sha256: string): boolean {
  // A hash authority is its own fingerprint: all but its last byte must agree.
  if (e.type === 'sha256') return e.sha256 !== undefined && e.sha256.length === sha256.length && e.sha256.slice(0, -2) === sha256.slice(0, -2)
  const expected = fromHexOrUndefined(sha256)
  if (!e.der || e.der.length === 0 || expected === undefined) return false
  const copy = e.der.slice()
  const hash = defaultHashProvider()
  for (let b = 0; b < 256; b++) {
    copy[copy.length - 1] = b
    if (digestEquals(hash, 'sha256', copy, expected)) return true
  }
  return false
}

function describeMatch(m: AuthorityMatch): string {
  return m.description ?? [m.commonName !== undefined ? `CN=${m.commonName}` : '', m.subject ?? '', m.sha256 !== undefined ? short(m.sha256) : ''].filter(Boolean).join(' / ')
}

function describeAuthority(a: Authority): string {
  const e = a.entry
  const what = e?.subject ?? (e?.sha256 !== undefined ? `${e.type} ${short(e.sha256)}` : a.text !== undefined ? JSON.stringify(a.text) : '(undecoded)')
  return `${a.name} "${what}" (event ${a.eventIndex})`
}

/** Required / forbidden authorities among the EV_EFI_VARIABLE_AUTHORITY events after the PCR 7 separator (attack P-02). */
export function checkAuthorities(ctx: Ctx, state: AppraisalState): void {
  const sb = ctx.policy.secureBoot
  if (!sb?.requiredAuthorities?.length && !sb?.forbiddenAuthorities?.length) return
  // Certificate / hash authorities only: shim also logs SbatLevel as an EV_EFI_VARIABLE_AUTHORITY (text, no entry).
  const auths = (state.secureBoot.authorities ?? []).filter((a) => a.afterSeparator && a.entry !== undefined)
  const names = new CommonNames(DEFAULT_BOOT_STATE_LIMITS.maxCertificatesDecoded)
  const problem = (a: Authority) => factProblem(ctx, { trusted: a.trusted, events: [a.eventIndex], reason: `authority event ${a.eventIndex} is not trusted (content not bound by its digest, or PCR 7 not quoted)` })
  const at = (a: Authority) => ({ pcr: 7, eventIndex: a.eventIndex, eventType: ctx.log?.events[a.eventIndex]?.typeName ?? 'EV_EFI_VARIABLE_AUTHORITY', ...(a.entry?.sha256 !== undefined ? { observed: a.entry.sha256 } : {}) })
  sb.forbiddenAuthorities?.forEach((m, i) => {
    // Reported even from an untrusted event: it shows something bad.
    for (const a of auths) {
      if (!authorityMatches(m, a, names, true)) continue
      const untrusted = problem(a)
      emit(ctx, 'secureBoot', {
        code: 'POLICY_AUTHORITY_FORBIDDEN',
        component: 'secure-boot',
        componentName: 'authorities',
        reference: `/secureBoot/forbiddenAuthorities/${i}`,
        ...at(a),
        expected: `not ${describeMatch(m)}`,
        message: `event ${a.eventIndex} (EV_EFI_VARIABLE_AUTHORITY): a boot image was verified by the forbidden authority ${describeAuthority(a)}${m.description ? `: ${m.description}` : ''}${untrusted ? ` (the event itself is not trusted: ${untrusted})` : ''}`,
      }, ['boot-loader'])
    }
  })
  sb.requiredAuthorities?.forEach((r, i) => {
    const reference = `/secureBoot/requiredAuthorities/${i}`
    const hits = auths.filter((a) => r.anyOf.some((m) => authorityMatches(m, a, names, false)))
    const good = hits.find((a) => !problem(a))
    if (good) {
      const m: ComponentMatch = { reference, events: [good.eventIndex] }
      if (r.description) m.name = r.description
      addMatch(ctx, 'secure-boot', m)
      return
    }
    const wanted = r.description ?? r.anyOf.map(describeMatch).join(' | ')
    if (hits[0]) {
      emit(ctx, 'secureBoot', { code: 'POLICY_FACT_UNTRUSTED', component: 'secure-boot', componentName: 'authorities', reference, ...at(hits[0]), relatedEvents: hits.map((a) => a.eventIndex), message: `the required authority ${wanted} is only in ${describeAuthority(hits[0])}, which cannot be used by the policy: ${problem(hits[0])}` }, ['boot-loader'])
      return
    }
    emit(ctx, 'secureBoot', {
      code: 'POLICY_AUTHORITY_REQUIRED',
      component: 'secure-boot',
      componentName: 'authorities',
      reference,
      pcr: 7,
      ...(auths.length ? { relatedEvents: auths.map((a) => a.eventIndex) } : {}),
      expected: r.anyOf.map(describeMatch).join(' | '),
      observed: auths.length ? auths.map(describeAuthority).join('; ') : 'no authority after the PCR 7 separator',
      message: `no boot image was verified by the required authority ${wanted}; ${auths.length ? `the authorities after the separator are ${auths.map(describeAuthority).join(', ')}` : 'no authority was measured after the PCR 7 separator'} (attack P-02)`,
    }, ['boot-loader'])
  })
}
