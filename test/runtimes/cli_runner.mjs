/**
 * Runs test/runtimes/probe.mjs under a command-line runtime (Node, Bun or Deno) and prints its
 * JSON on stdout. Arguments: <built index.js> <evidence.json> <policy.json>. File reading and
 * argument access are the harness's; the core itself gets only the texts.
 */
import { readFile } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import { probe } from './probe.mjs'

const args = globalThis.Deno ? globalThis.Deno.args : process.argv.slice(2)
const [entry, evidencePath, policyPath] = args
const bp = await import(pathToFileURL(entry).href)
const out = await probe(bp, await readFile(evidencePath, 'utf8'), await readFile(policyPath, 'utf8'))
out.runtime = globalThis.Deno ? `deno ${globalThis.Deno.version.deno}` : globalThis.Bun ? `bun ${globalThis.Bun.version}` : `node ${process.version}`
console.log(JSON.stringify(out))
