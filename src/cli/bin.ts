#!/usr/bin/env node
/** The `bootproof` executable. */
import { EXIT_ERROR } from './io.js'
import { main } from './main.js'
import { escapeText } from '../text/escape.js'

// `bootproof inspect log | head`: the reader leaving is not an error of ours. Without a listener
// Node throws EPIPE as an uncaught exception with a stack trace; the exit code stays the verdict's.
// Any other stdout write error (`> /dev/full`: ENOSPC) means the output is incomplete: one line
// on stderr, exit 2, never a stack trace. A stderr that cannot be written loses only diagnostics:
// the exit code stays the command's (a complete run must not turn into a failure).
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') return
  process.stderr.write(`bootproof: cannot write the output to stdout (${escapeText(String(e.code ?? e.message))}): it is incomplete\n`)
  process.exit(EXIT_ERROR)
})
process.stderr.on('error', () => {})

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (e) => {
    process.stderr.write(`bootproof: ERR_INTERNAL: ${escapeText(String((e as Error)?.stack ?? e), { keepNewlines: true })}\n`)
    process.exitCode = EXIT_ERROR
  },
)
