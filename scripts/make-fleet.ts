/**
 * Generate a fleet of N attestations as NDJSON for `bootproof batch` (tests, benchmarks, the
 * README): `npx tsx scripts/make-fleet.ts N [--out fleet.ndjson] [--seed S]`. Deterministic from
 * the seed: the same N and seed give the same bytes.
 *
 * Built from committed recorded evidence: the demo boot (test-vectors/demo, Secure Boot, RSA AK),
 * the same boot's ECDSA AK quote, the plain-esp / plain-direct boots (no Secure Boot), and the
 * quote-only recordings of test-vectors/quotes. Variant boot chains (a kernel update, a dbx
 * update, another kernel command line) are the demo log edited consistently (every bank's digest
 * recomputed) and quoted again by a software AK over sha256:0-9. Negative lines: a tampered log
 * (the kernel command line edited, its digest kept, under the genuine quote), a wrong nonce, an
 * AK the verifier never enrolled, a line cut short (not JSON), a line without its nonce, a line
 * with a repeated member.
 */
import { createHash, createPrivateKey, sign } from 'node:crypto'
import { createWriteStream, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseEventLog, parseEvidenceBundle, replayEventLog, replayedValues, toHex } from '../src/index.js'
import { ALG, buildAttest, buildPcrSelection, buildRsaPublic, quoteInfo, tpm2bPublic, W } from '../test/fixtures/tpm/builders.js'

const ROOT = join(import.meta.dirname, '..')
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64')
const read = (p: string) => new Uint8Array(readFileSync(join(ROOT, p)))
const hashOf = (bank: string, data: Uint8Array | string) => new Uint8Array(createHash(bank).update(data).digest())

/**
 * The generator's software AK: a throwaway RSA-2048 key, committed here (it protects nothing) so
 * that re-made quotes are byte-identical across runs (RSASSA-PKCS1-v1_5 signatures are deterministic).
 */
const FLEET_AK_PEM = `-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCI50yJDnI55Y82
aXLlXk298flyDmoV+bz3i8hCM0XnvHdaA3yQMzBECbHmNACEf5AvUZsbfdJVZRUG
RaUcw39Fog/bEt83jC4FPfJZ4qrAoLDFeonXnb2tgGox9VwMHUVHnhajFmL23ZT9
j0QnLpUoLATKBU0FRZLEIUrKWrKVjCq8cKIiP67N1UZvr8T65tSMVAXQ2ViT38/M
MfxiwpzLxw1M1ni96TY/zIN0t1/T330UNU8Gak17uljljXSyZAPv29vxgonC6W3q
fMcIw+IObicPRz4FPL2dOIMWZHu53U4pgO+z5mUYqYNyi4aYwvgRTpTD4OJfOr1t
j1BincL3AgMBAAECggEAE6D6N8Jy/TsdRANtflZ9lgjeJ4zKiBkVD3ciwN8iHD5I
7IaIcxJrzq2HLMby9gxmK2qrbw8ku6qxD4Onz052bpD0bggwKgI2zPibSWj264R+
o+nUXq5WtkwtrbkMuA3wU3rmqv54NQYDKTHD50xGBYr+KssExoc5qlZNp2LGrStE
diLTu35iiVJD7lj6q90J2ahQ8Rjwj/EjSb3Jf6SMuV3TFPy1/Io+W95/w/CBToGt
QOuP7yhGXDQggBirTVz21KnwQT77duTmmWyaPkAHUw4zoBRUXm9K7w+kWIJFKATc
rmLI7NTUyQd87xp2kIu+nvMcgYTZ8ixLUHgKhlDahQKBgQDA5y+i81Id+EysVvoV
xyI42XMVAyZ3xYFzGTMOm/UVrDnCEMbU5t5lC2AlT3DGH9uZv68xj3A1M9ibgT3Z
hy7b+hAqks2d1Zr7o2I9IrmwAhL+XsgXsC/WWeWtt3mea97CatjmrIWrefJghVP2
SV9QDeE1ZrZCdK63FtUgQL0ptQKBgQC1rvfLlnPkdFvmpkzZJiBm03jIjXXOUvzj
x3fAEA+nMSMAiUNdIm8shjNbCpwncNTbgim077spCVtTNxS79M6veB/hLbAe8fEN
sm04X9dXmiJWFY9qefLApfkDDh8kPZs/vYbUasjuUGT/B6kLd5tduhDhNMfoBGwi
wsuY4991ewKBgQC6hxH2BEhUOIOTZese4dZCmGmCWPB6gh2hOS24o6+CTG3xLJ3G
wpMrq6tFiKJowedrrQFv7941Y7PA8mDnFaOHDC9Tq25tf14Ek0DsEsbw3aCWHPpo
hXJMV9MSfkZ4nJ/i6MRhkVMTs7BeCq5ciShD1Zf+Nhpo+kDzQ33EWTVQvQKBgHiW
0JwNmZCZ9uGpobpDxx/Y3wNmeTnf9UCOhZoyTuFvCMdzVAX+NAI+dNnJugmnp3Cm
/V29/ODo9/fMyHNUstbeiXJha9OuTIwF0N6pJnpbsMyodM98b7aUsynm9p6MUX5G
Irbcxc8AB3kKsZYN5k6YkFmaOdFzFf8gghhRr2D/AoGBAJdjicrEe2HuX8yUhewL
s79Neg9SZQsQGTR3Bw3ahs68L9ylWaeSbCnoWCeCqbS6OgcXbc8nUcBdd/q9TDnZ
KulF2p9y2lAPfy+gh68g4f5dF1X4h+1ZjEzVMlsStMjn7BUkW86KM24ETTPw6MAF
2KvBdQk8SgUUyuotnbSOQbZ+
-----END PRIVATE KEY-----`

export type MachineKind =
  | 'sb-esp' | 'sb-esp-ecdsa' | 'sb-esp-relabel' | 'plain-esp' | 'plain-direct'
  | 'kernel-update' | 'dbx-update' | 'cmdline-change'
  | 'tampered' | 'wrong-nonce' | 'not-enrolled' | 'quote-only'
  | 'bad-not-json' | 'bad-missing-nonce' | 'bad-duplicate-key'

/** Relative frequency of each kind in a generated fleet. */
export const MIX: Record<MachineKind, number> = {
  'sb-esp': 46, 'sb-esp-ecdsa': 6, 'sb-esp-relabel': 4, 'plain-esp': 5, 'plain-direct': 3,
  'kernel-update': 10, 'dbx-update': 6, 'cmdline-change': 4,
  tampered: 3, 'wrong-nonce': 3, 'not-enrolled': 3, 'quote-only': 4,
  'bad-not-json': 1, 'bad-missing-nonce': 1, 'bad-duplicate-key': 1,
}

export interface FleetLine {
  id: string
  kind: MachineKind
  line: string
}

/** mulberry32: a small deterministic PRNG. */
function rng(seed: string): () => number {
  let a = createHash('sha256').update(seed).digest().readUInt32LE(0)
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

// ---------------------------------------------------------------------------------------------
// Log editing: every bank's digest of an event is rewritten consistently.

/** Overwrite an event's digest in every bank (digest views point into the log bytes). */
function setDigests(log: Uint8Array, index: number, digestFor: (bank: string, old: Uint8Array) => Uint8Array): Uint8Array {
  const out = log.slice()
  const ev = parseEventLog(out).events[index]!
  for (const d of ev.digests) out.set(digestFor(d.bank, d.digest), d.digest.byteOffset - out.byteOffset)
  return out
}

/** Replace an event's data (same length) and recompute the digests that bind it, in the form the original used. */
function editBound(log: Uint8Array, index: number, edit: (data: Uint8Array) => Uint8Array): Uint8Array {
  const ev = parseEventLog(log).events[index]!
  const sha = ev.digests.find((d) => d.bank === 'sha256')!
  // GRUB hashes the text after its prefix, with or without the NUL: find which suffix the digest binds.
  let form: { start: number; end: number } | undefined
  for (let start = 0; start <= 20 && !form; start++) for (const end of [ev.data.length, ev.data.length - 1]) if (!form && toHex(hashOf('sha256', ev.data.subarray(start, end))) === toHex(sha.digest)) form = { start, end }
  if (!form) throw new Error(`event ${index}: no data form matches its digest`)
  const data = edit(ev.data.slice())
  if (data.length !== ev.data.length) throw new Error('same-length edits only')
  const out = log.slice()
  out.set(data, ev.dataOffset)
  return setDigests(out, index, (bank) => hashOf(bank, data.subarray(form!.start, form!.end)))
}

function replaceText(data: Uint8Array, from: string, to: string): Uint8Array {
  const s = Buffer.from(data).toString('latin1')
  if (!s.includes(from) || from.length !== to.length) throw new Error(`cannot replace ${from}`)
  return new Uint8Array(Buffer.from(s.split(from).join(to), 'latin1'))
}

/** Same-length UTF-16LE replacement (image device paths). */
function replaceUtf16(data: Uint8Array, from: string, to: string): Uint8Array {
  const s = Buffer.from(data).toString('latin1')
  const f = Buffer.from(from, 'utf16le').toString('latin1')
  if (!s.includes(f) || from.length !== to.length) throw new Error(`cannot replace ${from}`)
  return new Uint8Array(Buffer.from(s.split(f).join(Buffer.from(to, 'utf16le').toString('latin1')), 'latin1'))
}

function findEvent(log: Uint8Array, pred: (e: ReturnType<typeof parseEventLog>['events'][number]) => boolean, nth = 0): number {
  const hits = parseEventLog(log).events.filter(pred)
  if (!hits[nth]) throw new Error('event not found in the demo log')
  return hits[nth]!.index
}

const text = (e: { data: Uint8Array }) => Buffer.from(e.data).toString('latin1')

// ---------------------------------------------------------------------------------------------
// Quotes by the software AK

const akKey = createPrivateKey(FLEET_AK_PEM)
const akJwk = akKey.export({ format: 'jwk' }) as { n: string }
const AK_PUBLIC = tpm2bPublic(buildRsaPublic(new Uint8Array(Buffer.from(akJwk.n, 'base64url')), { scheme: ALG.RSASSA, schemeHash: ALG.SHA256 }))
const PCRS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]

function softwareQuote(log: Uint8Array, nonce: Uint8Array, clock: bigint) {
  const values = replayedValues(replayEventLog(parseEventLog(log))).sha256!
  const digest = hashOf('sha256', Buffer.concat(PCRS.map((p) => values[String(p)]!)))
  const attest = buildAttest({ extraData: nonce, clock, resetCount: 3, restartCount: 0, attested: quoteInfo(buildPcrSelection([{ hash: ALG.SHA256, pcrs: PCRS }]), digest) })
  const signature = new W().u16(ALG.RSASSA).u16(ALG.SHA256).tpm2b(new Uint8Array(sign('sha256', attest, akKey))).out()
  return { attest, signature }
}

// ---------------------------------------------------------------------------------------------
// The fleet

interface Template {
  bundle: string
  nonce: string
  ak?: string
}

function bundleJson(o: { eventLog?: Uint8Array; quotes: readonly { attest: Uint8Array; signature: Uint8Array }[]; ak: Uint8Array; nonce?: string; pcrs?: unknown }): string {
  return JSON.stringify({ version: 1, ...(o.eventLog ? { eventLog: b64(o.eventLog) } : {}), quotes: o.quotes.map((q) => ({ attest: b64(q.attest), signature: b64(q.signature) })), ...(o.pcrs ? { pcrs: o.pcrs } : {}), ak: { public: b64(o.ak) }, ...(o.nonce ? { nonce: o.nonce } : {}) })
}

function recorded(dir: string, quote: '' | '2'): Template {
  const nonce = readFileSync(join(ROOT, dir, 'quote/nonce.hex'), 'utf8').trim()
  const ak = read(`${dir}/quote/ak${quote}.pub`)
  return {
    bundle: bundleJson({ eventLog: read(`${dir}/binary_bios_measurements`), quotes: [{ attest: read(`${dir}/quote/quote${quote}.msg`), signature: read(`${dir}/quote/quote${quote}.sig`) }], ak, nonce }),
    nonce,
    ak: JSON.stringify({ public: b64(ak) }),
  }
}

/** The digests a kernel update changes: PCR 4 Authenticode (measured twice by shim/grub) and PCR 9 file hash. */
function kernelUpdate(log: Uint8Array): Uint8Array {
  const version = 'vmlinuz-6.1.0-57-amd64'
  let out = setDigests(log, findEvent(log, (e) => e.pcrIndex === 9 && text(e).startsWith('/vmlinuz')), (bank) => hashOf(bank, version))
  const apps = parseEventLog(out).events.filter((e) => e.pcrIndex === 4 && e.typeName === 'EV_EFI_BOOT_SERVICES_APPLICATION').slice(2)
  for (const e of apps) out = setDigests(out, e.index, (bank) => hashOf(bank, `authenticode:${version}`))
  return out
}

export class FleetGenerator {
  private readonly demoLog: Uint8Array
  private readonly templates = new Map<string, Template>()
  private readonly variantLogs: Record<string, Uint8Array>
  private readonly quoteOnly: Template[]

  constructor(private readonly seed: string) {
    const demo = parseEvidenceBundle(readFileSync(join(ROOT, 'test-vectors/demo/evidence.json'), 'utf8'))
    this.demoLog = demo.eventLog!
    const demoAk = JSON.stringify({ public: b64(read('test-vectors/ovmf/sb-esp/quote/ak.pub')) })
    const demoNonce = toHex(demo.nonce!)
    const demoBundle = (log: Uint8Array) => ({ bundle: bundleJson({ eventLog: log, quotes: demo.quotes as { attest: Uint8Array; signature: Uint8Array }[], ak: read('test-vectors/ovmf/sb-esp/quote/ak.pub'), nonce: demoNonce }), nonce: demoNonce, ak: demoAk })
    const log = this.demoLog
    this.templates.set('sb-esp', demoBundle(log))
    this.templates.set('sb-esp-ecdsa', recorded('test-vectors/ovmf/sb-esp', '2'))
    this.templates.set('plain-esp', recorded('test-vectors/ovmf/plain-esp', ''))
    this.templates.set('plain-direct', recorded('test-vectors/ovmf/plain-direct', ''))
    // A label no digest binds: the boot loader's path (PCR 4 digests are Authenticode hashes).
    const shim = findEvent(log, (e) => e.pcrIndex === 4 && e.typeName === 'EV_EFI_BOOT_SERVICES_APPLICATION')
    const relabelled = log.slice()
    const ev = parseEventLog(log).events[shim]!
    relabelled.set(replaceUtf16(ev.data, '\\EFI\\BOOT\\BOOTX64.EFI', '\\EFI\\TEST\\BOOTX64.EFI'), ev.dataOffset)
    this.templates.set('sb-esp-relabel', demoBundle(relabelled))
    // Tampered: the kernel command line edited, its digest kept, under the genuine quote.
    const cmdline = findEvent(log, (e) => e.pcrIndex === 8 && text(e).includes('kernel_cmdline'))
    const tampered = log.slice()
    const ce = parseEventLog(log).events[cmdline]!
    tampered.set(replaceText(ce.data, 'quiet', 'debug'), ce.dataOffset)
    this.templates.set('tampered', demoBundle(tampered))
    // Variant boot chains (re-quoted below by the software AK).
    const dbx = findEvent(log, (e) => e.pcrIndex === 7 && (e.decoded as { known?: string }).known === 'dbx')
    let cmd = log
    for (const i of parseEventLog(log).events.filter((e) => e.pcrIndex === 8 && text(e).includes('quiet')).map((e) => e.index)) cmd = editBound(cmd, i, (d) => replaceText(d, 'quiet', 'debug'))
    const grubCfg = Buffer.from(readFileSync(join(ROOT, 'test-vectors/ovmf/sb-esp/grub.cfg'), 'latin1').split('quiet').join('debug'), 'latin1')
    cmd = setDigests(cmd, findEvent(cmd, (e) => e.pcrIndex === 9 && text(e).includes('grub.cfg')), (bank) => hashOf(bank, grubCfg))
    this.variantLogs = {
      'kernel-update': kernelUpdate(log),
      'dbx-update': editBound(log, dbx, (d) => { d.set(hashOf('sha256', 'dbx update 2025-02'), d.length - 32); return d }),
      'cmdline-change': cmd,
    }
    this.quoteOnly = readdirSync(join(ROOT, 'test-vectors/quotes'))
      .filter((d) => ['rsassa-sha256', 'rsapss-sha256', 'ecdsa-p256-sha256', 'all24-sha256'].includes(d))
      .sort()
      .map((d) => {
        const dir = `test-vectors/quotes/${d}`
        const nonce = readFileSync(join(ROOT, dir, 'nonce.hex'), 'utf8').trim()
        const ak = read(`${dir}/ak.pub`)
        return { bundle: bundleJson({ quotes: [{ attest: read(`${dir}/quote.msg`), signature: read(`${dir}/quote.sig`) }], ak, pcrs: JSON.parse(readFileSync(join(ROOT, dir, 'pcrs.json'), 'utf8')), nonce }), nonce, ak: JSON.stringify({ public: b64(ak) }) }
      })
  }

  /** A re-made quote for a variant, one of 16 nonces per variant (cached: signing is the cost). */
  private variant(kind: string, slot: number): Template {
    const key = `${kind}#${slot}`
    let t = this.templates.get(key)
    if (!t) {
      const nonce = hashOf('sha256', `${this.seed}:${key}`)
      const log = this.variantLogs[kind]!
      t = { bundle: bundleJson({ eventLog: log, quotes: [softwareQuote(log, nonce, 1000n + BigInt(slot))], ak: AK_PUBLIC, nonce: toHex(nonce) }), nonce: toHex(nonce), ak: JSON.stringify({ public: b64(AK_PUBLIC) }) }
      this.templates.set(key, t)
    }
    return t
  }

  *lines(n: number): Generator<FleetLine> {
    const r = rng(this.seed)
    const kinds = Object.keys(MIX) as MachineKind[]
    const total = kinds.reduce((s, k) => s + MIX[k], 0)
    for (let i = 0; i < n; i++) {
      let x = r() * total
      const kind = kinds.find((k) => (x -= MIX[k]) < 0) ?? 'sb-esp'
      const id = `m${String(i).padStart(6, '0')}`
      yield { id, kind, line: this.line(id, kind, r) }
    }
  }

  private line(id: string, kind: MachineKind, r: () => number): string {
    const env = (t: Template, o: { nonce?: string; enrolled?: boolean } = {}) =>
      `{"id":${JSON.stringify(id)},"bundle":${t.bundle},"nonce":"${o.nonce ?? t.nonce}"${o.enrolled === false ? '' : `,"ak":${t.ak},"akEnrolled":true`}}`
    switch (kind) {
      case 'kernel-update':
      case 'dbx-update':
      case 'cmdline-change':
        return env(this.variant(kind, Math.floor(r() * 16)))
      case 'quote-only':
        return env(this.quoteOnly[Math.floor(r() * this.quoteOnly.length)]!)
      case 'wrong-nonce':
        return env(this.templates.get('sb-esp')!, { nonce: toHex(hashOf('sha256', `${this.seed}:${id}`)) })
      case 'not-enrolled':
        return env(this.templates.get('sb-esp')!, { enrolled: false })
      case 'bad-not-json':
        return env(this.templates.get('sb-esp')!).slice(0, 200)
      case 'bad-missing-nonce':
        return `{"id":${JSON.stringify(id)},"bundle":${this.templates.get('sb-esp')!.bundle}}`
      case 'bad-duplicate-key':
        return `{"id":${JSON.stringify(id)},"nonce":"00","bundle":${this.templates.get('sb-esp')!.bundle},"nonce":"${this.templates.get('sb-esp')!.nonce}"}`
      default:
        return env(this.templates.get(kind)!)
    }
  }
}

/** N generated lines (with their kinds, for tests). */
export function makeFleet(n: number, seed = 'bootproof'): FleetLine[] {
  return [...new FleetGenerator(seed).lines(n)]
}

async function cli(argv: string[]): Promise<void> {
  const n = Number(argv[0])
  const flag = (name: string) => {
    const i = argv.indexOf(name)
    return i >= 0 ? argv[i + 1] : undefined
  }
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write('usage: npx tsx scripts/make-fleet.ts N [--out fleet.ndjson] [--seed S]\n')
    process.exitCode = 2
    return
  }
  const out = flag('--out') ? createWriteStream(flag('--out')!) : process.stdout
  const counts: Record<string, number> = {}
  for (const { kind, line } of new FleetGenerator(flag('--seed') ?? 'bootproof').lines(n)) {
    counts[kind] = (counts[kind] ?? 0) + 1
    if (!out.write(line + '\n')) await new Promise<void>((resolve) => out.once('drain', () => resolve()))
  }
  if (out !== process.stdout) await new Promise<void>((resolve) => out.end(() => resolve()))
  process.stderr.write(`make-fleet: ${n} lines: ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}\n`)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await cli(process.argv.slice(2))
