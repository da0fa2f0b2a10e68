/**
 * Seed loading: committed vectors (test-vectors/) and, when present, the shared corpus
 * (../shared/corpus: logs/, attestations/, tokens/), read at run time and never copied here.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { FUZZ_DIR } from './harness.js'

export const REPO = resolve(FUZZ_DIR, '../..')
export const VECTORS = join(REPO, 'test-vectors')
const corpusDir = process.env.BOOTPROOF_CORPUS ?? resolve(REPO, '../shared/corpus')
export const CORPUS: string | undefined = existsSync(join(corpusDir, 'MANIFEST.tsv')) ? corpusDir : undefined
export const CORPUS_NOTE = CORPUS ? `corpus seeds from ${CORPUS}` : `corpus absent (${corpusDir}): corpus seeds SKIPPED, committed vectors only`

export function bytes(path: string): Uint8Array {
  const b = readFileSync(path)
  return new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))
}
export const text = (path: string): string => readFileSync(path, 'utf8')
export const vec = (rel: string): string => join(VECTORS, rel)

export function listDir(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .sort()
    .map((f) => join(dir, f))
    .filter((p) => statSync(p).isFile())
}

export function corpusFiles(sub: string): string[] {
  return CORPUS ? listDir(join(CORPUS, sub)) : []
}

/** Every recorded quote directory (quotes/* and ovmf/* /quote). */
export function quoteDirs(): string[] {
  const out: string[] = []
  for (const d of readdirSync(vec('quotes')).sort()) if (existsSync(vec(`quotes/${d}/quote.msg`))) out.push(vec(`quotes/${d}`))
  for (const d of readdirSync(vec('ovmf')).sort()) if (existsSync(vec(`ovmf/${d}/quote/quote.msg`))) out.push(vec(`ovmf/${d}/quote`))
  return out
}

export const ovmfDirs = (): string[] => readdirSync(vec('ovmf')).sort().map((d) => vec(`ovmf/${d}`))

export function unhex(h: string): Uint8Array {
  return Uint8Array.from(h.trim().match(/../g) ?? [], (x) => parseInt(x, 16))
}

export const short = (p: string): string => p.replace(REPO + '/', '').replace((CORPUS ?? '\0') + '/', 'corpus:')

/** Corpus attestation documents (TPM 2.0 only). */
export function corpusAttestations(): { name: string; doc: Record<string, any> }[] {
  return corpusFiles('attestations')
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ name: short(f), doc: JSON.parse(text(f)) as Record<string, any> }))
    .filter((a) => a.doc.tpmVersion === '2.0')
}
