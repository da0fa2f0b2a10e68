/**
 * `bootproof verify (--bundle <json> (--nonce <hex> | --nonce-from-bundle) [--ak <f>...] |
 *   --log <f> [--cel <f>] --quote <f> --sig <f> --ak <f>... --nonce <hex> [--pcrs <f>]) [--policy <json>]
 *   [--ak-enrolled] [--ca <pem>...] [--now <iso>] [--ccel]
 *   [--ak-eku <oid>... | --cloud gce]
 *   [--maa <token-file> (--maa-jwks <file> | --maa-root <pem>...) --maa-issuer <url> [--maa-nonce <s>]]
 *   [--json | --report md|text] [--ear-key <private-jwk.json> [--ear-out <file>]]`
 *
 * `--ak-eku` / `--cloud gce` set the EKUs an AK certificate may carry (src/cli/ak_profile.ts).
 * `--maa` adds an Azure Attestation token for the same machine, verified with keys from the
 * given files only and reported as its own submodule (`maa`); the instance URL is pinned with
 * `--maa-issuer` because every MAA instance signs with the same Microsoft chain.
 *
 * `--ak-enrolled` says the `--ak` files are your enrollment record of this machine's AK (never
 * the AK inside a bundle). Runs the whole pipeline and prints the verdict (JSON) or a human report. Exit 0 when the
 * verdict is affirming, 1 when it is not, 2 on a usage error or unparseable input.
 */
import { fromHexOrUndefined } from '../../bytes/hex.js'
import { BootproofError } from '../../errors.js'
import { bundleEvidence, parseEvidenceBundle } from '../../evidence/bundle.js'
import { parseAk } from '../../tpm/ak.js'
import { parseCertificates } from '../../x509/certificate.js'
import { verifyAttestation, type VerifyAttestationInput } from '../../verify.js'
import { renderReport } from '../../verdict/report.js'
import { issueVerdictEar } from '../../token/from_verdict.js'
import { writeFileSync } from 'node:fs'
import { CLI_INPUT_LIMITS, EXIT_FAILED, EXIT_OK, parseArgs, readInputFile, reportError, UsageError, type CliIO } from '../io.js'
import { mergeAk, readPcrs } from './verify_quote.js'
import { akEkusFromFlags } from '../ak_profile.js'
import { maaInputFromFlags } from '../maa_input.js'

const utf8 = new TextDecoder('utf-8', { fatal: true })

function readJson(path: string): unknown {
  try {
    return JSON.parse(utf8.decode(readInputFile(path, CLI_INPUT_LIMITS.json)))
  } catch (e) {
    if (e instanceof BootproofError) throw e
    throw new BootproofError('ERR_JSON_INVALID', `${path}: not valid JSON (${(e as Error).message})`)
  }
}

/** JSON.stringify with BigInt as decimal strings and bytes as hex. */
export function verdictJSON(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? Array.from(x, (b) => b.toString(16).padStart(2, '0')).join('') : x), 2)
}

export async function runVerify(argv: string[], io: CliIO): Promise<number> {
  let json = argv.includes('--json')
  try {
    const { flags, positional } = parseArgs(argv, {
      booleans: ['json', 'ak-enrolled', 'ccel', 'allow-sha1', 'nonce-from-bundle'],
      strings: ['bundle', 'log', 'cel', 'quote', 'sig', 'nonce', 'pcrs', 'policy', 'now', 'report', 'ear-key', 'ear-out', 'cloud', 'maa', 'maa-jwks', 'maa-issuer', 'maa-nonce'],
      multi: ['ak', 'ca', 'ak-eku', 'maa-root'],
    })
    json = flags.json === true
    if (positional.length) throw new UsageError(`unexpected argument ${positional[0]}`)
    const report = flags.report as string | undefined
    if (report !== undefined && report !== 'md' && report !== 'text') throw new UsageError('--report takes md or text')
    let now: Date | undefined
    if (typeof flags.now === 'string') {
      now = new Date(flags.now)
      if (Number.isNaN(now.getTime())) throw new UsageError(`--now: not an ISO time: ${flags.now}`)
    }
    let input: VerifyAttestationInput
    if (typeof flags.bundle === 'string') {
      for (const f of ['log', 'quote', 'sig', 'pcrs']) if (flags[f] !== undefined) throw new UsageError(`--${f} cannot be combined with --bundle`)
      const b = parseEvidenceBundle(utf8.decode(readInputFile(flags.bundle, CLI_INPUT_LIMITS.bundle)))
      // The bundle is evidence, written by the attester: the nonce and the AK that the verdict
      // relies on must come from the verifier. --nonce is the nonce you issued; only recorded
      // evidence may be re-checked against its own nonce, and then only when asked explicitly.
      let nonce: Uint8Array | undefined
      if (typeof flags.nonce === 'string') {
        nonce = fromHexOrUndefined(flags.nonce)
        if (!nonce) throw new UsageError('--nonce must be hex')
      } else if (flags['nonce-from-bundle']) nonce = b.nonce
      else throw new UsageError('with --bundle, give --nonce <hex> (the nonce you issued), or --nonce-from-bundle to re-check recorded evidence against its own nonce')
      // An AK from your records (--ak) replaces the bundle's; --ak-enrolled vouches only for that.
      const ak = flags.ak ? mergeAk((flags.ak as string[]).map((p) => parseAk(readInputFile(p, CLI_INPUT_LIMITS.pem)))) : b.ak
      if (flags['ak-enrolled'] && !flags.ak) throw new UsageError('--ak-enrolled vouches for an AK from your enrollment records: give it with --ak (the bundle\'s AK is the attester\'s claim)')
      input = {
        ...bundleEvidence(b),
        ak,
        nonce,
      }
    } else {
      if (typeof flags.quote !== 'string' || typeof flags.sig !== 'string' || !flags.ak) throw new UsageError('give --bundle, or --quote, --sig and --ak (plus --log and --nonce)')
      if (typeof flags.nonce !== 'string') throw new UsageError('--nonce <hex> is required (the nonce you issued)')
      const nonce = fromHexOrUndefined(flags.nonce)
      if (!nonce) throw new UsageError('--nonce must be hex')
      input = {
        ...(typeof flags.log === 'string' ? { eventLog: readInputFile(flags.log, CLI_INPUT_LIMITS.log) } : {}),
        quotes: [{ attest: readInputFile(flags.quote, CLI_INPUT_LIMITS.tpm), signature: readInputFile(flags.sig, CLI_INPUT_LIMITS.tpm) }],
        ak: mergeAk((flags.ak as string[]).map((p) => parseAk(readInputFile(p, CLI_INPUT_LIMITS.pem)))),
        nonce,
        ...(typeof flags.pcrs === 'string' ? { pcrs: readPcrs(flags.pcrs) } : {}),
      }
    }
    if (flags.ccel) input.eventLogOptions = { registers: 'cc-mr' }
    // --cel: systemd's tpm2-measure.log (or any CEL) of the same boot, replayed after the firmware log.
    if (typeof flags.cel === 'string') {
      if (!input.eventLog) throw new UsageError('--cel needs the firmware event log (--log, or a bundle with eventLog): the CEL continues its PCRs')
      if (input.celLog) throw new UsageError('--cel cannot be combined with a bundle that has celLog')
      input.celLog = readInputFile(flags.cel, CLI_INPUT_LIMITS.log)
    }
    if (typeof flags.policy === 'string') input.policy = readJson(flags.policy)
    if (flags['ak-enrolled']) input.akEnrolled = true
    if (flags.ca) input.trustAnchors = (flags.ca as string[]).flatMap((p) => parseCertificates(readInputFile(p, CLI_INPUT_LIMITS.pem)))
    const akCertAllowedEkus = akEkusFromFlags(flags)
    if (flags['allow-sha1'] || akCertAllowedEkus) input.quoteOptions = { ...(flags['allow-sha1'] ? { allowSha1: true } : {}), ...(akCertAllowedEkus ? { akCertAllowedEkus } : {}) }
    const maa = maaInputFromFlags(flags)
    if (maa) {
      input.maa = maa
      if (maa.options.nonce === false) io.err('note: the MAA token\'s nonce is not checked (no --maa-nonce)')
    }
    if (now) input.now = now
    const result = await verifyAttestation(input)
    const { verdict } = result
    if (json) io.out(verdictJSON(verdict))
    else io.out(renderReport(verdict, report === 'md' ? 'md' : 'text', result.evidence ? { evidence: result.evidence } : {}))
    if (typeof flags['ear-key'] === 'string') {
      // Sign the verdict as an EAR JWT with the caller's private JWK (ES256/ES384/PS256/...).
      const jwk = readJson(flags['ear-key']) as JsonWebKey & { d?: string }
      if (typeof jwk !== 'object' || jwk === null || !jwk.d) throw new UsageError('--ear-key must be a private JWK (with "d")')
      const jwt = await issueVerdictEar(verdict, jwk as never)
      if (typeof flags['ear-out'] === 'string') {
        writeFileSync(flags['ear-out'], jwt + '\n')
        io.err(`wrote EAR JWT to ${flags['ear-out']}`)
      } else io.err(jwt)
    }
    return verdict.ear_status === 'affirming' ? EXIT_OK : EXIT_FAILED
  } catch (e) {
    return reportError(e, io, json)
  }
}
