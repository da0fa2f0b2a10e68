/**
 * `verifyCelContent`: whether each CEL record's content is what its digests were computed over
 * (attack R-02 for the Canonical Event Log). A CEL record carries the digest the TPM was extended
 * with and, beside it, content that documents the event (TCG CEL §4): the content is attacker
 * data unless it re-hashes to the digest in every checked bank.
 *
 * What each content type binds:
 * - `systemd` (systemd's /run/log/systemd/tpm2-measure.log): systemd-pcrextend and friends
 *   extend H(content.string) with no NUL (systemd docs/TPM2_PCR_MEASUREMENTS.md: phases,
 *   "machine-id:…", "file-system:…", "product-id:…", "cryptsetup-keyslot:…", "nvpcr-init:…",
 *   "nvpcr-separator", "verity:…", "os-separator", "login:…"). `volume-key` records are the
 *   exception: the digest is HMAC(volume key, string), keyed by a secret the verifier never has,
 *   so the string cannot be bound and is a label only. Records of systemd 253, which have no
 *   `eventType`, carry the volume-key HMAC with a "cryptsetup:" string.
 * - COS launcher content (TLV type 0x50, go-tpm-tools cel/cos_tlv.go): H(the content TLV).
 * - `cel` management, `pcclient_std`, `ima_template`: the digest is over data the record may or
 *   may not carry (firmware blobs, files); verified when H(content) matches, otherwise unbound.
 *
 * A `mismatch` is reported only where the digest is defined over the content (error
 * `CEL_CONTENT_MISMATCH`, with recnum, register, bank, expected and observed digests); elsewhere
 * an unmatched record is `not-applicable` and its content decides nothing.
 */
import type { HashAlgName } from '../alg.js'
import { bytesEqual, toHex } from '../bytes/hex.js'
import type { Finding } from '../findings.js'
import { defaultHashProvider, type HashProvider } from '../hash/provider.js'
import { CEL_TLV } from './tlv.js'
import type { CelLog, CelRecord } from './types.js'
import type { IntegrityStatus } from '../eventlog/integrity.js'

/** The same three outcomes as a TCG event's content check. */
export type CelContentStatus = IntegrityStatus

export interface CelRecordIntegrity {
  /** Record index in the log. */
  index: number
  status: CelContentStatus
  /** Which bytes matched (or were tried): `systemd-string`, `content-tlv`, `event-data`, `template-data`. */
  form?: string
  /** Per checked bank: whether that form hashes to the record's digest. */
  banks: Record<string, boolean>
  /** Why the content cannot be bound at all (e.g. a keyed HMAC), when that is known. */
  unboundReason?: string
}

export interface CelIntegrityReport {
  records: CelRecordIntegrity[]
  findings: Finding[]
  counts: Record<CelContentStatus, number>
}

/**
 * systemd userspace event types whose digest is H(string) (systemd docs/TPM2_PCR_MEASUREMENTS.md;
 * tpm2-util.h Tpm2UserspaceEventType): a mismatch means the string was edited.
 */
export const SYSTEMD_STRING_EVENT_TYPES: ReadonlySet<string> = new Set([
  'phase',
  'filesystem',
  'machine-id',
  'product-id',
  'keyslot',
  'nvpcr-init',
  'nvpcr-separator',
  'dm-verity',
  'os-separator',
  'login',
])

/** systemd event types whose digest is an HMAC keyed by a secret (the volume key): never bindable. */
export const SYSTEMD_KEYED_EVENT_TYPES: ReadonlySet<string> = new Set(['volume-key'])

const utf8 = new TextEncoder()

interface Rule {
  form: string
  bytes?: Uint8Array
  /** A mismatch is an error finding (the digest is defined over these bytes). */
  strict: boolean
  unboundReason?: string
}

/** Which bytes the digest of `r` is defined over, and whether a mismatch is tampering. */
function ruleFor(r: CelRecord): Rule {
  const c = r.content
  switch (c.type) {
    case 'systemd': {
      if (c.string === undefined) return { form: 'systemd-string', strict: false, unboundReason: 'the record has no content.string' }
      const bytes = utf8.encode(c.string)
      const et = c.eventType
      if (et !== undefined && SYSTEMD_KEYED_EVENT_TYPES.has(et)) {
        return { form: 'systemd-hmac', strict: false, unboundReason: `a ${et} digest is an HMAC keyed by a secret (the LUKS volume key): the string is a label, not what was measured` }
      }
      if (et === undefined && c.string.startsWith('cryptsetup:')) {
        return { form: 'systemd-hmac', strict: false, unboundReason: 'a "cryptsetup:" record without eventType is a volume-key HMAC (systemd 253): the string is a label, not what was measured' }
      }
      // Unknown event types (newer systemd) are verified when the string matches, never flagged.
      return { form: 'systemd-string', bytes, strict: et === undefined || SYSTEMD_STRING_EVENT_TYPES.has(et) }
    }
    case 'raw':
      if (r.contentType === CEL_TLV.cos && r.contentTlv) return { form: 'content-tlv', bytes: r.contentTlv, strict: true }
      return { form: 'raw', strict: false, unboundReason: `content type ${String(r.contentType)} is not decoded` }
    case 'cel':
      return r.contentTlv ? { form: 'content-tlv', bytes: r.contentTlv, strict: false } : { form: 'content-tlv', strict: false, unboundReason: 'CEL-JSON management content has no byte form' }
    case 'pcclient_std':
      return c.eventData ? { form: 'event-data', bytes: c.eventData, strict: false } : { form: 'event-data', strict: false, unboundReason: 'no event_data' }
    case 'ima_template':
      return c.templateData ? { form: 'template-data', bytes: c.templateData, strict: false } : { form: 'template-data', strict: false, unboundReason: 'no template_data' }
  }
}

/** Where a finding about record `r` points: its index, recnum and register. */
function where(r: CelRecord): string {
  const reg = r.handle === 'nv_index' ? `NV index 0x${r.register.toString(16)}` : r.handle === 'cc_mr' ? `MR ${r.register}` : `PCR ${r.register}`
  return `CEL record ${r.index}${r.recnum !== undefined ? ` (recnum ${r.recnum})` : ''}, ${reg}`
}

/**
 * Check every record's content against its digests, in `banks` (default: every bank of the log;
 * the authentication stage passes the quoted ones, attack Q-07).
 * @example
 * const report = verifyCelContent(parseCel(bytes))
 * report.findings.filter((f) => f.code === 'CEL_CONTENT_MISMATCH')
 */
export function verifyCelContent(log: CelLog, options: { hash?: HashProvider; banks?: readonly string[] } = {}): CelIntegrityReport {
  const hash = options.hash ?? defaultHashProvider()
  const records: CelRecordIntegrity[] = []
  const findings: Finding[] = []
  const counts: Record<CelContentStatus, number> = { verified: 0, mismatch: 0, 'not-applicable': 0 }
  for (const r of log.records) {
    const rule = ruleFor(r)
    const entry: CelRecordIntegrity = { index: r.index, status: 'not-applicable', form: rule.form, banks: {} }
    const checked = r.digests.filter((d) => !options.banks || options.banks.includes(d.bank))
    if (rule.bytes && checked.length > 0) {
      for (const d of checked) entry.banks[d.bank] = bytesEqual(hash.digest(d.bank as HashAlgName, rule.bytes), d.digest)
      const bad = checked.filter((d) => !entry.banks[d.bank])
      if (bad.length === 0) entry.status = 'verified'
      else if (rule.strict) {
        entry.status = 'mismatch'
        const d = bad[0]!
        findings.push({
          code: 'CEL_CONTENT_MISMATCH',
          severity: 'error',
          message: `${where(r)}: the ${rule.form === 'systemd-string' ? 'content string' : 'content'} does not hash to the record's ${bad.map((x) => x.bank).join(', ')} digest: it is not what was measured (content edited beside a kept digest, attack R-02)`,
          ...(r.handle === 'nv_index' ? {} : { pcr: r.register }),
          bank: d.bank,
          // Not eventIndex: with a firmware log, event indices name firmware events.
          component: `CEL record ${r.index}`,
          expected: toHex(d.digest),
          observed: toHex(hash.digest(d.bank as HashAlgName, rule.bytes)),
        })
      } else entry.unboundReason = `the ${rule.form} does not hash to the digest (the digest is not defined over it)`
    } else if (rule.unboundReason) entry.unboundReason = rule.unboundReason
    else if (checked.length === 0) entry.unboundReason = 'no digest in a checked bank'
    counts[entry.status]++
    records.push(entry)
  }
  return { records, findings, counts }
}
