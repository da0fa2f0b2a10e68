/**
 * Access to the shared corpus (../shared/corpus next to the repo). Tests that use it must skip
 * with a visible message when it is absent: call `corpusOrSkipMessage()` and use
 * `describe.skipIf(!CORPUS)`.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const dir = resolve(REPO_ROOT, '../shared/corpus')
export const CORPUS: string | undefined = existsSync(resolve(dir, 'MANIFEST.tsv')) ? dir : undefined

export function announceCorpus(what: string): void {
  if (!CORPUS) console.warn(`\n[SKIPPED] ${what}: corpus not found at ${dir}; these tests need ../shared/corpus\n`)
}

export function corpusBytes(rel: string): Uint8Array {
  const b = readFileSync(resolve(CORPUS!, rel))
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}

export interface ExpectedEntry {
  name: string
  log?: string
  format: string
  eventCount?: number
  pcrs: Record<string, Record<string, string>>
  startupLocality: number | null
  expectFailure: string | null
  tpm2Tools54: { status: string; yaml?: string }
}

export function expectedEntries(): ExpectedEntry[] {
  if (!CORPUS) return []
  return readdirSync(resolve(CORPUS, 'expected'))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(resolve(CORPUS!, 'expected', f), 'utf8')) as ExpectedEntry)
}

export function repoBytes(rel: string): Uint8Array {
  const b = readFileSync(resolve(REPO_ROOT, rel))
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}
