/**
 * `verify --maa <token-file> (--maa-jwks <file> | --maa-root <pem>...) --maa-issuer <url>
 * [--maa-nonce <string>]`: the `maa` input of `verifyAttestation` (an Azure Attestation token
 * for the same machine, reported as the `maa` submodule).
 *
 * Keys come only from the files given (nothing is fetched), as for `token verify`. The issuer is
 * required: every MAA instance signs with the same Microsoft chain, so without a pinned instance
 * a token from anyone's instance would verify (attack J-05).
 */
import { parseCertificates } from '../x509/certificate.js'
import type { VerifyAttestationInput } from '../verify.js'
import { CLI_INPUT_LIMITS, readInputFile, UsageError } from './io.js'
import { readJwks } from './commands/token.js'

export function maaInputFromFlags(flags: Record<string, unknown>): VerifyAttestationInput['maa'] {
  const related = ['maa-jwks', 'maa-root', 'maa-issuer', 'maa-nonce'].filter((f) => flags[f] !== undefined)
  if (typeof flags.maa !== 'string') {
    if (related.length) throw new UsageError(`--${related[0]} needs --maa <token-file>`)
    return undefined
  }
  const roots = (flags['maa-root'] as string[] | undefined) ?? []
  const jwksPath = typeof flags['maa-jwks'] === 'string' ? flags['maa-jwks'] : undefined
  if (!jwksPath && !roots.length) throw new UsageError('--maa needs its keys: --maa-jwks <file> or --maa-root <pem>')
  if (typeof flags['maa-issuer'] !== 'string') throw new UsageError('--maa needs --maa-issuer <instance URL>: every MAA instance signs with the same Microsoft chain')
  // The token is text; a non-UTF-8 byte cannot be part of a compact JWS and fails its parse.
  const token = new TextDecoder('utf-8', { fatal: false }).decode(readInputFile(flags.maa, CLI_INPUT_LIMITS.token))
  const rootCerts = roots.flatMap((f) => parseCertificates(readInputFile(f, CLI_INPUT_LIMITS.pem)))
  return {
    token,
    options: {
      issuer: flags['maa-issuer'],
      ...(jwksPath ? { jwks: readJwks(jwksPath) } : {}),
      ...(rootCerts.length ? { roots: rootCerts } : {}),
      nonce: typeof flags['maa-nonce'] === 'string' ? flags['maa-nonce'] : false,
    },
  }
}
