#!/usr/bin/env node
/**
 * Run npm scripts at the same time and fail if any fails: `node scripts/parallel.mjs typecheck build`.
 * `npm test` type-checks and builds before vitest; the two are independent (tsc never emits,
 * tsup never type-checks the JavaScript), so on a 2-core machine they share the wall time.
 * Each script's output is buffered and printed whole when it ends, so the logs do not interleave.
 */
import { spawn } from 'node:child_process'

const names = process.argv.slice(2)
if (!names.length) {
  console.error('usage: node scripts/parallel.mjs <npm-script>...')
  process.exit(2)
}
const npm = process.env.npm_execpath
const runs = names.map(
  (name) =>
    new Promise((resolve) => {
      // Under npm, npm_execpath is npm's own CLI script: run it with this node, no shell.
      const [cmd, args] = npm ? [process.execPath, [npm, 'run', '-s', name]] : ['npm', ['run', '-s', name]]
      const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
      const out = []
      child.stdout.on('data', (d) => out.push(d))
      child.stderr.on('data', (d) => out.push(d))
      child.on('error', (e) => resolve({ name, code: 1, text: String(e) }))
      child.on('close', (code) => resolve({ name, code: code ?? 1, text: Buffer.concat(out).toString() }))
    }),
)
let failed = false
for (const r of await Promise.all(runs)) {
  if (r.text.trim()) process.stdout.write(r.text.endsWith('\n') ? r.text : `${r.text}\n`)
  if (r.code !== 0) {
    failed = true
    console.error(`npm run ${r.name} failed (exit ${r.code})`)
  }
}
process.exit(failed ? 1 : 0)
