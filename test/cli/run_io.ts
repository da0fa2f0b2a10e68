/** Run the CLI in-process with a chosen terminal / environment (colour, progress). */
import { main } from '../../src/cli/main.js'

export async function runCliWith(
  opts: { tty?: { out: boolean; err: boolean }; env?: Record<string, string | undefined> },
  ...argv: string[]
): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await main(argv, { out: (s) => (out += s + '\n'), err: (s) => (err += s + '\n'), ...(opts.tty ? { tty: opts.tty } : {}), env: opts.env ?? {} })
  return { code, out, err }
}
