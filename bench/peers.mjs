/**
 * Peers (called by bench/run.mjs), each only where installed; otherwise "not installed":
 *
 * - SimpleWebAuthn (bench-only package bench/thirdparty: `npm --prefix bench/thirdparty ci`): its
 *   lax TPM parsers (parseCertInfo, parsePubArea) against bootproof's strict ones on the same bytes.
 * - go-attestation (needs Go on PATH: `go`, or the harness built beforehand, named by
 *   BOOTPROOF_GO_ATTESTATION_BIN): bench/peers/go-attestation/main.go times, per corpus log,
 *   attest.ParseEventLog + EventLog.Verify (parse + replay, compared with the PCR values it
 *   replays to), and with ParseSecurebootState + ParseWinEvents (its boot state); bootproof's
 *   parse + replay + integrity, and for Windows logs its extractBootState, are printed next to
 *   them. Both sides in process CPU time (every thread: both runtimes collect garbage beside the
 *   caller). Target: Windows logs with boot state <= 2x go-attestation (median).
 * - tpm2-tools (`tpm2_eventlog` on PATH): one process per log (parse + YAML output), wall time per
 *   run minus the same tool on the smallest log (process start-up), a rough reference only.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { fmt, median, read, root, target } from './lib.mjs'

const u16 = (v) => [(v >>> 8) & 0xff, v & 0xff]
const tpm2b = (b) => [...u16(b.length), ...b]

/** Absolute path of a command on PATH, or undefined. */
function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' })
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : undefined
}

/**
 * Event-log peers on the logs of the event-log section: `rows` = [{ name, path?, bytes, verify }]
 * (verify = bootproof's parse + replay + integrity, µs per log, from the same run).
 */
export function eventLogPeers(rows, tmpWrite) {
  console.log('\n== Peers: event logs (parse + replay), where installed ==')
  goAttestation(rows, tmpWrite)
  tpm2Eventlog(rows, tmpWrite)
}

function goAttestation(rows, tmpWrite) {
  // BOOTPROOF_GO_ATTESTATION_BIN: the harness already built (bench/peers/go-attestation/main.go,
  // built wherever its module can be had); else `go run`, which fetches the module itself.
  const bin = process.env.BOOTPROOF_GO_ATTESTATION_BIN
  const go = bin ? undefined : which('go')
  const dir = join(root, 'bench/peers/go-attestation')
  if (!bin && !go) {
    console.log('go-attestation: not installed (no `go` on PATH, BOOTPROOF_GO_ATTESTATION_BIN not set)')
    return
  }
  const files = rows.map((r) => r.path ?? tmpWrite(r.name, r.bytes))
  // -mod=mod: the module (github.com/google/go-attestation at the version in go.mod) is fetched by Go itself.
  const res = bin
    ? spawnSync(bin, files, { encoding: 'utf8', maxBuffer: 1 << 24, timeout: 900_000 })
    : spawnSync(go, ['run', '-mod=mod', '.', ...files], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 24, timeout: 900_000 })
  if (res.status !== 0) {
    console.log(`go-attestation: installed (${bin ?? go}) but the harness failed: ${(res.stderr || res.error?.message || '').trim().split('\n').slice(-3).join(' / ')}`)
    return
  }
  // One line per log: <file> \t <µs parse+replay> \t <ok|error> \t <µs with boot state> \t <ok|error>
  const byFile = new Map(res.stdout.trim().split('\n').map((l) => l.split('\t')).map(([f, us, st, stateUs, stateSt]) => [f, { us: Number(us), st, stateUs: Number(stateUs), stateSt }]))
  const ratios = []
  const stateRatios = []
  console.log('CPU µs per log (process, every thread) on both sides; bp = bootproof, go = go-attestation.')
  console.log('log'.padEnd(52), 'bp µs'.padStart(8), 'go µs'.padStart(8), 'bp/go'.padStart(6), ' | with boot state (Windows logs):', 'bp µs'.padStart(8), 'go µs'.padStart(8), 'bp/go'.padStart(6), ' go result')
  rows.forEach((r, i) => {
    const g = byFile.get(files[i])
    if (!g) return
    const ok = g.st === 'ok'
    if (ok) ratios.push(r.verify / g.us)
    const stateOk = ok && g.stateSt === 'ok' && r.state !== undefined
    if (stateOk) stateRatios.push(r.state / g.stateUs)
    const stateCols = r.windows ? ` | ${''.padEnd(32)} ${fmt(r.state, 8)} ${fmt(stateOk ? g.stateUs : undefined, 8)} ${fmt(stateOk ? r.state / g.stateUs : undefined, 6, 2)}` : ''
    console.log(r.name.slice(0, 52).padEnd(52), fmt(r.verify, 8), fmt(ok ? g.us : undefined, 8), fmt(ok ? r.verify / g.us : undefined, 6, 2) + stateCols, ` ${ok ? (r.windows ? g.stateSt : 'ok') : g.st}`)
  })
  console.log(`bootproof (parse + replay + integrity, every bank) / go-attestation (parse + replay): median ${median(ratios).toFixed(2)}x over ${ratios.length} logs it accepts`)
  console.log('with boot state: bootproof extractBootState(parseEventLog(log)) (decoding, authentication, secure boot and Windows state) / go-attestation ParseEventLog + Verify + ParseSecurebootState + ParseWinEvents')
  if (stateRatios.length) console.log(`Windows logs with boot state, bootproof / go-attestation: median ${target('Windows logs with boot state / go-attestation (median)', median(stateRatios), 2)} over ${stateRatios.length} logs, worst ${Math.max(...stateRatios).toFixed(2)}x`)
  else console.log('Windows logs with boot state: no Windows log that both accept (no figure)')
}

function tpm2Eventlog(rows, tmpWrite) {
  const tool = which('tpm2_eventlog')
  if (!tool) {
    console.log('tpm2-tools tpm2_eventlog: not installed')
    return
  }
  const files = rows.map((r) => r.path ?? tmpWrite(r.name, r.bytes))
  const run = (f) => {
    const t0 = process.hrtime.bigint()
    const r = spawnSync(tool, [f], { stdio: ['ignore', 'ignore', 'ignore'] })
    return { us: Number(process.hrtime.bigint() - t0) / 1000, ok: r.status === 0 }
  }
  const smallest = rows.reduce((a, r, i) => (r.bytes.length < rows[a].bytes.length ? i : a), 0)
  const base = median(Array.from({ length: 7 }, () => run(files[smallest]).us))
  let ok = 0
  const net = []
  rows.forEach((r, i) => {
    const x = Array.from({ length: 5 }, () => run(files[i]))
    if (x.every((y) => y.ok)) {
      ok++
      net.push({ r, us: median(x.map((y) => y.us)) - base })
    }
  })
  const ratios = net.filter((n) => n.us > 0).map((n) => n.r.verify / n.us)
  console.log(`tpm2_eventlog (${tool}): accepts ${ok}/${rows.length} logs; per-run wall time minus start-up (${base.toFixed(0)} µs on the smallest log), median bootproof/tpm2_eventlog ${median(ratios).toFixed(2)}x (it also prints YAML: a rough reference)`)
}

/** SimpleWebAuthn's TPM parsers (lax: no bounds, sizes or trailing-byte checks) vs bootproof's strict ones. */
export async function simpleWebAuthn(bp, time) {
  console.log('\n== Peers: TPM structure parsing, bootproof (strict, full checks) vs SimpleWebAuthn (lax), µs per call ==')
  const pkg = join(root, 'bench/thirdparty/node_modules/@simplewebauthn/server')
  if (!existsSync(join(pkg, 'package.json'))) {
    console.log('(peers not installed: run `npm --prefix bench/thirdparty ci` to compare with @simplewebauthn/server; skipped)')
    return
  }
  let parseCertInfo, parsePubArea, version
  try {
    version = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).version
    // Not in the package's exports map (internal modules): imported by file URL from its ESM build.
    const tpm = join(pkg, 'esm/registration/verifications/tpm')
    ;({ parseCertInfo } = await import(pathToFileURL(join(tpm, 'parseCertInfo.js')).href))
    ;({ parsePubArea } = await import(pathToFileURL(join(tpm, 'parsePubArea.js')).href))
  } catch (e) {
    console.log(`(@simplewebauthn/server is installed but its TPM parsers cannot be imported: ${e.message}; skipped)`)
    return
  }
  console.log(`@simplewebauthn/server ${version}: parseCertInfo / parsePubArea (internal modules, esm/registration/verifications/tpm)`)
  console.log('structure'.padEnd(66), 'bootproof'.padStart(9), 'peer'.padStart(7), 'ratio'.padStart(6), ' peer result agrees with bootproof?')
  const line = (label, ours, theirs, agree) => console.log(label.padEnd(66), fmt(ours, 9, 2), fmt(theirs, 7, 2), fmt(theirs === undefined ? undefined : ours / theirs, 6, 2), ` ${agree}`)
  const eq = (a, b) => a.length === b.length && a.every((x, i) => x === b[i])

  // TPMT_PUBLIC: the AK public areas as recorded (signing scheme RSASSA/ECDSA + hash), and the same
  // areas rewritten to the WebAuthn credential shape (scheme TPM_ALG_NULL, no hash), the only shape
  // the peer reads correctly: it does not know that a non-NULL scheme carries a hashAlg.
  for (const name of ['rsassa-sha256', 'ecdsa-p256-sha256']) {
    const f = join(root, 'test-vectors/quotes', name, 'ak.pub')
    if (!existsSync(f)) continue
    const area = read(f).slice(2)
    const ours = bp.parseTpmtPublic(area)
    const kind = ours.rsa ? 'RSA-2048' : 'ECC P-256'
    const keyOf = (p) => (p.rsa ? p.rsa.modulus : new Uint8Array([...p.ecc.x, ...p.ecc.y]))
    const peerSays = (t) => (t.parameters.rsa ? `keyBits ${t.parameters.rsa.keyBits}` : `curve ${t.parameters.ecc.curveID}`)
    let theirs
    try {
      theirs = parsePubArea(area)
    } catch (e) {
      theirs = e
    }
    const okRecorded = !(theirs instanceof Error) && eq(theirs.unique, keyOf(ours))
    let tRec
    try {
      tRec = time(() => parsePubArea(area))
    } catch {
      tRec = undefined
    }
    line(`TPMT_PUBLIC ${kind} AK as recorded (${name}/ak.pub)`, time(() => bp.parseTpmtPublic(area)), tRec, okRecorded ? 'yes (key bytes)' : `NO: peer misreads it (${theirs instanceof Error ? theirs.message : peerSays(theirs)})`)
    // Scheme NULL: parameters start after type, nameAlg, attributes, authPolicy; symmetric is NULL for a signing key.
    const at = 2 + 2 + 4 + 2 + ours.authPolicy.length + 2
    const webauthn = new Uint8Array([...area.subarray(0, at), 0x00, 0x10, ...area.subarray(at + 4)])
    const o2 = bp.parseTpmtPublic(webauthn)
    const t2 = parsePubArea(webauthn)
    const agree = o2.rsa ? eq(t2.unique, o2.rsa.modulus) && t2.parameters.rsa.keyBits === o2.rsa.keyBits : eq(t2.unique, keyOf(o2)) && t2.parameters.ecc.curveID === 'TPM_ECC_NIST_P256'
    line(`TPMT_PUBLIC ${kind}, same key with scheme NULL (WebAuthn shape)`, time(() => bp.parseTpmtPublic(webauthn)), time(() => parsePubArea(webauthn)), agree ? 'yes (key bytes, keyBits/curve)' : 'NO')
  }

  // TPMS_ATTEST of type ATTEST_CERTIFY (what WebAuthn TPM attestation signs): built from a recorded
  // quote's header (magic, qualifiedSigner, extraData, clockInfo, firmwareVersion) with
  // TPMS_CERTIFY_INFO { name = the AK's Name, qualifiedName = the same }.
  const qdir = join(root, 'test-vectors/quotes/rsassa-sha256')
  if (existsSync(join(qdir, 'quote.msg'))) {
    const quote = read(join(qdir, 'quote.msg'))
    const p = bp.parseTpmsAttest(quote)
    const header = 4 + 2 + 2 + p.qualifiedSigner.length + 2 + p.extraData.length + 17 + 8
    const akName = read(join(qdir, 'ak.name'))
    const certify = new Uint8Array([...quote.subarray(0, 4), 0x80, 0x17, ...quote.subarray(6, header), ...tpm2b(akName), ...tpm2b(akName)])
    const ours = bp.parseTpmsAttest(certify)
    const theirs = parseCertInfo(certify)
    const agree = ours.attested.kind === 'certify' && theirs.type === 'TPM_ST_ATTEST_CERTIFY' && eq(theirs.extraData, ours.extraData) && eq(theirs.attested.name, ours.attested.name)
    line(`TPMS_ATTEST certify, ${certify.length} bytes (built from a quote)`, time(() => bp.parseTpmsAttest(certify)), time(() => parseCertInfo(certify)), agree ? 'yes (type, extraData, name)' : 'NO')

    // Their certify parser on our quote bytes: it does not look at the type and reads the
    // TPMS_QUOTE_INFO as a certify info, so this is only "how fast it walks the same bytes".
    let note
    try {
      const t = parseCertInfo(quote)
      note = `tolerated: reads type ${t.type} but parses it as certify (name ${t.attested.name.length} bytes), no error`
    } catch (e) {
      note = `throws ${e.constructor.name}: ${e.message}`
    }
    let theirsQ
    try {
      theirsQ = time(() => parseCertInfo(quote))
    } catch {
      theirsQ = undefined
    }
    line(`TPMS_ATTEST quote, ${quote.length} bytes (rsassa-sha256/quote.msg)`, time(() => bp.parseTpmsAttest(quote)), theirsQ, `n/a: peer ${note}`)
  }
  console.log('ratio = bootproof / peer (target <= 1.00). The peer checks no sizes, limits, known types or trailing bytes;')
  console.log('bootproof checks all of them, decodes every field (BigInt clock/firmware, attributes, scheme, PCR selection).')
}
