/** `bootproof` command dispatcher: one module per command. The executable is `bin.ts`. */
import { processIO, EXIT_ERROR, type CliIO } from './io.js'
import { runInspect } from './commands/inspect.js'
import { runReplay } from './commands/replay.js'
import { runVerifyQuote } from './commands/verify_quote.js'
import { runVerify } from './commands/verify.js'
import { runToken } from './commands/token.js'
import { runDiff } from './commands/diff.js'
import { runPredictPcr4 } from './commands/predict.js'
import { runPolicy } from './commands/policy.js'

const USAGE = `usage: bootproof <command> [options]

commands:
  inspect <log> [--json] [--state] [--ccel]      decoded event table / boot state
  replay <log|ima-list> [--json] [--expect <pcrs.json>] [--ccel] [--ima-banks <rules>]
                                                 replay every bank, integrity and structure checks
  verify-quote --ak <file> --quote <file> --sig <file> [--pcrs <file>] [--nonce <hex>] [--ca <pem>...] [--json]
  verify (--bundle <json> (--nonce <hex> | --nonce-from-bundle) | --log <f> --quote <f> --sig <f> --nonce <hex> [--pcrs <f>])
         [--ak <f>... [--ak-enrolled]] [--policy <json>] [--ca <pem>...] [--now <iso>]
         [--json | --report md|text] [--ear-key <private-jwk> [--ear-out <file>]]
                                                 the whole pipeline: an EAR-shaped verdict
  token verify <file> (--jwks <file> | --root <pem>...) [--issuer <url>] [--now <iso>] [--nonce <b64url>] [--policy-hash <h>] [--json]
                                                 verify an Azure Attestation (MAA) or EAR token
  policy derive <log...> [--id <id>] [--pcrs 0-9] [--pin <pcrs>] [--bank <b>]... [-o <file>]
  policy check <policy.json>                     derive reference values from known-good logs / validate a policy
  diff <logA> <logB> [--json] [--bank <b>]       what changed in the boot chain
  predict-pcr4 <pe...> [--template <log>] [--json|--policy]
                                                 Authenticode digests and PCR 4 policy alternatives

exit codes: 0 ok, 1 verification failed, 2 usage error or unparseable input`

export const COMMANDS: Record<string, (argv: string[], io: CliIO) => Promise<number>> = {
  inspect: runInspect,
  replay: runReplay,
  'verify-quote': runVerifyQuote,
  verify: runVerify,
  token: runToken,
  diff: runDiff,
  policy: runPolicy,
  'predict-pcr4': runPredictPcr4,
}

export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const [cmd, ...rest] = argv
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.out(USAGE)
    return cmd ? 0 : EXIT_ERROR
  }
  const run = COMMANDS[cmd]
  if (!run) {
    io.err(`bootproof: ERR_USAGE: unknown command ${cmd}\n${USAGE}`)
    return EXIT_ERROR
  }
  return run(rest, io)
}
