/** `bootproof verify-quote` (stub until the TPM module lands). */
import { EXIT_ERROR, type CliIO } from '../io.js'

export async function runVerifyQuote(_argv: string[], io: CliIO): Promise<number> {
  io.err('bootproof: ERR_USAGE: verify-quote is not available yet')
  return EXIT_ERROR
}
