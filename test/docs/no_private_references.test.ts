/**
 * The source and the documentation cite public sources only: a specification and its section or
 * structure (TCG PC Client PFP, TPM 2.0 Part 2, UEFI, RFCs, Windows SDK wbcl.h, MAA / EAR / AR4SI
 * documents) or one of the project's attack IDs (Q-01, L-04, R-01, ...). The private reference
 * notes the project was built from are not available to readers, so no file may cite them by
 * name. The repository's own token documentation (docs/) shares a file name with one of the notes;
 * it may still be linked by path, as a markdown link or as a quoted string. Any other mention of
 * that name is a private citation.
 *
 * The names are assembled at run time so that this file does not match its own scan.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

const NOTES = [
  'tcg-event-log',
  'windows-wbcl-sipa',
  'tpm-quote-and-keys',
  'reference-values-and-verdicts',
  'attacks',
  'anchors',
  'confidential-vms',
  'linux-uki-cel',
  'recording-evidence',
  'style-examples',
  'tokens',
]
const EXT = '.' + 'md'
const PATTERN = new RegExp(`(${NOTES.join('|')})\\${EXT}`, 'g')

/** Directories never scanned: dependencies, build output, scratch space, git metadata. */
function skipDir(name: string): boolean {
  return name === 'node_modules' || name === 'dist' || name === '.git' || name.startsWith('.tmp')
}

const TEXT_FILE = /\.(ts|mts|cts|js|mjs|cjs|json|md|ya?ml|sh|txt)$/i
/** Text files this large are recorded data (test vectors), not prose. */
const MAX_BYTES = 2 * 1024 * 1024

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name)
    const st = statSync(p)
    if (st.isDirectory()) {
      if (!skipDir(name)) walk(p, out)
    } else if (TEXT_FILE.test(name) && st.size <= MAX_BYTES) {
      out.push(p)
    }
  }
}

/** A mention of the repository's own token documentation (docs/) rather than the private note. */
function isOwnTokensDoc(text: string, index: number, match: string): boolean {
  if (match !== 'tokens' + EXT) return false
  const before = text.slice(Math.max(0, index - 2), index)
  const after = text[index + match.length] ?? ''
  if (before.endsWith('/')) return true // a path: docs/<name>, ./<name>
  if (before.endsWith('[') || before === '](') return true // markdown link text or target
  if ((before.endsWith("'") && after === "'") || (before.endsWith('"') && after === '"')) return true // string literal
  return false
}

function privateReferences(text: string): { line: number; match: string }[] {
  const hits: { line: number; match: string }[] = []
  for (const m of text.matchAll(PATTERN)) {
    const index = m.index ?? 0
    // A longer file name that merely ends in a note's name (e.g. "my-" + a note name) is not a citation.
    const prev = text[index - 1] ?? ''
    if (/[\w-]/.test(prev)) continue
    if (isOwnTokensDoc(text, index, m[0])) continue
    hits.push({ line: text.slice(0, index).split('\n').length, match: m[0] })
  }
  return hits
}

describe('no citations of the private reference notes', () => {
  it('recognises a citation and leaves links to the docs/ token page alone', () => {
    const cite = (name: string): string => `(${name}${EXT} §1.7)`
    expect(privateReferences(cite('tcg-event-log'))).toHaveLength(1)
    expect(privateReferences(cite('tokens'))).toHaveLength(1)
    expect(privateReferences(`see \`${'attacks'}${EXT}\` section A`)).toHaveLength(1)
    expect(privateReferences(`(docs/${'tokens'}${EXT})`)).toEqual([])
    expect(privateReferences(`[${'tokens'}${EXT}](${'tokens'}${EXT})`)).toEqual([])
    expect(privateReferences(`'${'tokens'}${EXT}'`)).toEqual([])
  })

  it('finds none in the source, tests, scripts, benchmarks and documentation', () => {
    const files: string[] = []
    walk(REPO_ROOT, files)
    expect(files.length).toBeGreaterThan(100)
    const found: string[] = []
    for (const file of files) {
      const text = readFileSync(file, 'utf8')
      for (const h of privateReferences(text)) found.push(`${relative(REPO_ROOT, file)}:${h.line}: ${h.match}`)
    }
    expect(found, 'cite the public specification and section, or the attack ID, instead').toEqual([])
  })
})
