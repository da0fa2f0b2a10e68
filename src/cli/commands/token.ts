/**
 * `bootproof token verify <file> (--jwks <file> | --root <pem>...) [--issuer <url>] [--now <iso>]
 *   [--nonce <base64url>] [--policy-hash <b64url>] [--attestation-type <t>] [--max-age <s>]
 *   [--kind maa|ear] [--json]`
 *
 * Verifies an MAA token (the default) or an EAR (detected by `eat_profile`, or `--kind ear`).
 * Keys come only from the files given: `--jwks` (a JWKS or one JWK) or `--root` (PEM/DER roots
 * for the token's `x5c`). Nothing is fetched. Without `--nonce` the nonce is not checked (the
 * human output says so).
 *
 * JSON contract (issue 6): `{"valid":bool,"errors":[{"code","message"}],"header":{...},
 * "claims":{...}}` plus `kind`, `key` and, for EAR, `status`. `claims` (and an EAR's `status`)
 * are printed only for a token that verified, `null` otherwise: an unverified payload is the
 * sender's say-so, and printing it next to the errors invites reading it anyway. The text output
 * lists the verified claims one per line (`  name: <JSON value>`). An unparseable token prints
 * the same shape with `header`/`claims` null. Exit 0 valid, 1 invalid, 2 usage error or
 * unparseable input.
 */
import { verifyMaaToken } from '../../token/verify_maa.js'
import { verifyEar } from '../../token/verify_ear.js'
import { parseCompactJws } from '../../token/compact.js'
import { parseStrictJson } from '../../token/strict_json.js'
import { jwksProblem, type JsonWebKeySetInput } from '../../token/jwks_source.js'
import { TOKEN_THROWN_CODES } from '../../token/error_codes.js'
import { parseCertificates, type CertificateInfo } from '../../x509/certificate.js'
import { isBootproofError } from '../../errors.js'
import { CLI_INPUT_LIMITS, EXIT_ERROR, EXIT_FAILED, EXIT_OK, parseArgs, readInputFile, reportError, UsageError, type CliIO } from '../io.js'

const USAGE =
  'usage: bootproof token verify <file> (--jwks <file> | --root <pem>...) [--issuer <url>] [--now <ISO time>] [--nonce <base64url>] [--policy-hash <b64url>] [--attestation-type <type>] [--max-age <seconds>] [--kind maa|ear] [--json]'

export function readJwks(path: string): JsonWebKeySetInput {
  let v: unknown
  try {
    v = parseStrictJson(new TextDecoder('utf-8', { fatal: true }).decode(readInputFile(path, CLI_INPUT_LIMITS.json)).trim())
  } catch (e) {
    if (isBootproofError(e)) throw e
    throw new UsageError(`--jwks ${path}: not valid JSON (${(e as Error).message})`)
  }
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { kty?: unknown }).kty === 'string') v = { keys: [v] }
  const p = jwksProblem(v)
  if (p) throw new UsageError(`--jwks ${path}: ${p}`)
  return v as JsonWebKeySetInput
}

function thrownTokenCode(e: unknown): string | undefined {
  const code = isBootproofError(e) ? (e as { code: string }).code : undefined
  return code !== undefined && (TOKEN_THROWN_CODES as readonly string[]).includes(code) ? code : undefined
}

/** Entry point for `bootproof token ...`. */
export async function runToken(argv: string[], io: CliIO): Promise<number> {
  let json = argv.includes('--json')
  try {
    const [sub, ...rest] = argv
    if (sub === '--help' || sub === '-h' || sub === 'help') {
      io.out(USAGE)
      return EXIT_OK
    }
    if (sub !== 'verify') throw new UsageError(`${sub === undefined ? 'missing subcommand' : `unknown subcommand ${sub}`}\n${USAGE}`)
    const { flags, positional } = parseArgs(rest, {
      booleans: ['json', 'help'],
      strings: ['jwks', 'issuer', 'now', 'nonce', 'policy-hash', 'attestation-type', 'max-age', 'kind'],
      multi: ['root'],
    })
    json = flags.json === true
    if (flags.help) {
      io.out(USAGE)
      return EXIT_OK
    }
    if (positional.length !== 1) throw new UsageError(`expected one token file\n${USAGE}`)
    const roots = (flags.root as string[] | undefined) ?? []
    const jwksPath = typeof flags.jwks === 'string' ? flags.jwks : undefined
    if (!jwksPath && !roots.length) throw new UsageError(`give --jwks <file> or --root <pem>\n${USAGE}`)
    let now: Date | undefined
    if (typeof flags.now === 'string') {
      now = new Date(flags.now)
      if (Number.isNaN(now.getTime())) throw new UsageError('--now must be an ISO 8601 time')
    }
    let maxAgeSec: number | undefined
    if (typeof flags['max-age'] === 'string') {
      maxAgeSec = Number(flags['max-age'])
      if (!Number.isInteger(maxAgeSec) || maxAgeSec <= 0) throw new UsageError('--max-age must be a positive integer (seconds)')
    }
    const nonce: string | false = typeof flags.nonce === 'string' ? flags.nonce : false
    const file = positional[0]!
    const text = new TextDecoder('utf-8', { fatal: false }).decode(readInputFile(file, CLI_INPUT_LIMITS.token))

    let kind = flags.kind as string | undefined
    if (kind !== undefined && kind !== 'maa' && kind !== 'ear') throw new UsageError('--kind must be maa or ear')
    try {
      if (kind === undefined) kind = typeof parseCompactJws(text).payload.eat_profile === 'string' ? 'ear' : 'maa'
      const common = { ...(now ? { now } : {}), ...(maxAgeSec !== undefined ? { maxAgeSec } : {}), nonce }
      let out: Record<string, unknown>
      let valid: boolean
      if (kind === 'ear') {
        if (!jwksPath) throw new UsageError('an EAR is verified with --jwks (the verifier public key); --root applies to MAA x5c chains')
        for (const f of ['issuer', 'policy-hash', 'attestation-type']) if (flags[f] !== undefined) throw new UsageError(`--${f} applies to MAA tokens, not to an EAR`)
        const r = await verifyEar(text, { key: readJwks(jwksPath), ...common })
        valid = r.valid
        out = { valid: r.valid, errors: r.errors, header: r.header, claims: r.valid ? r.payload : null, kind: 'ear', status: r.valid ? r.status ?? null : null, key: r.key ?? null }
      } else {
        if (typeof flags.issuer !== 'string') throw new UsageError('an MAA token needs --issuer <instance URL>: every MAA instance signs with the same Microsoft chain')
        const rootCerts: CertificateInfo[] = roots.flatMap((f) => parseCertificates(readInputFile(f, CLI_INPUT_LIMITS.pem)))
        const r = await verifyMaaToken(text, {
          issuer: flags.issuer,
          ...(jwksPath ? { jwks: readJwks(jwksPath) } : {}),
          ...(rootCerts.length ? { roots: rootCerts } : {}),
          ...(typeof flags['policy-hash'] === 'string' ? { policyHash: flags['policy-hash'] } : {}),
          ...(typeof flags['attestation-type'] === 'string' ? { attestationType: flags['attestation-type'] } : {}),
          ...common,
        })
        valid = r.valid
        out = { valid: r.valid, errors: r.errors, header: r.header, claims: r.valid ? r.payload : null, kind: 'maa', tokenKind: r.claims.kind, key: r.key ?? null }
      }
      if (json) io.out(JSON.stringify(out, null, 2))
      else {
        const errs = out.errors as { code: string; message: string }[]
        const claims = out.claims as Record<string, unknown> | null
        // The issuer and EAR status are claims too: named only once the token verified.
        const what = kind === 'ear' ? (claims ? `EAR (status ${String(out.status)})` : 'EAR') : `MAA ${String(out.tokenKind)} token${claims ? ` from ${String(claims.iss)}` : ''}`
        io.out(`${valid ? 'valid' : 'INVALID'}: ${what}`)
        for (const e of errs) io.out(`  ${e.code}: ${e.message}`)
        if (nonce === false) io.out('  note: nonce not checked (no --nonce)')
        if (claims) {
          io.out('claims:')
          for (const [name, value] of Object.entries(claims)) io.out(`  ${name}: ${JSON.stringify(value)}`)
        } else io.out('claims: not shown (the token did not verify)')
      }
      return valid ? EXIT_OK : EXIT_FAILED
    } catch (e) {
      const code = thrownTokenCode(e)
      if (!code) throw e
      const message = (e as Error).message
      io.err(`bootproof: ${code}: ${message}`)
      if (json) io.out(JSON.stringify({ valid: false, errors: [{ code, message }], header: null, claims: null }, null, 2))
      return EXIT_ERROR
    }
  } catch (e) {
    if (e instanceof TypeError) return reportError(new UsageError(e.message), io, json)
    return reportError(e, io, json)
  }
}
