#!/usr/bin/env node
/** The `bootproof` executable. */
import { EXIT_ERROR } from './io.js'
import { main } from './main.js'

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (e) => {
    process.stderr.write(`bootproof: ERR_INTERNAL: ${(e as Error)?.stack ?? e}\n`)
    process.exitCode = EXIT_ERROR
  },
)
