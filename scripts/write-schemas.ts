/**
 * Write the published policy artefacts from their sources of truth:
 * - schema/policy.schema.json from POLICY_SCHEMA (src/policy/schema.ts);
 * - examples/policies/ovmf-sb-esp.derived.json: derivePolicy on the committed recording
 *   test-vectors/ovmf/sb-esp (log + quoted PCRs).
 *
 *   npx tsx scripts/write-schemas.ts          # write
 *   npx tsx scripts/write-schemas.ts --check  # exit 1 when a committed file is out of date
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseEventLog } from '../src/eventlog/parse.js'
import { derivePolicy } from '../src/policy/derive.js'
import { POLICY_SCHEMA } from '../src/policy/schema.js'
import { parseTpm2ToolsPcrFile } from '../src/tpm/pcr_file.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

function bytes(rel: string): Uint8Array {
  const b = readFileSync(resolve(ROOT, rel))
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}

/** The derived example policy of the sb-esp recording (also used by the tests). */
export function deriveSbEspExample() {
  const dir = 'test-vectors/ovmf/sb-esp'
  const log = parseEventLog(bytes(`${dir}/binary_bios_measurements`))
  const quotedPcrs = parseTpm2ToolsPcrFile(bytes(`${dir}/quote/quote.pcrs`)).pcrs
  const policy = derivePolicy([{ log, quotedPcrs }], {
    id: 'example/ovmf-sb-esp',
    description:
      'Derived by `npx tsx scripts/write-schemas.ts` from test-vectors/ovmf/sb-esp (OVMF 2022.11 with Secure Boot, Debian shim 16.1, GRUB 2.06, kernel 6.1.0-56). Do not edit: regenerate.',
  })
  return { $schema: '../../schema/policy.schema.json', ...policy }
}

export const OUTPUTS: Record<string, () => unknown> = {
  'schema/policy.schema.json': () => POLICY_SCHEMA,
  'examples/policies/ovmf-sb-esp.derived.json': deriveSbEspExample,
}

export function render(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`
}

function main(): void {
  const check = process.argv.includes('--check')
  let stale = 0
  for (const [rel, make] of Object.entries(OUTPUTS)) {
    const path = resolve(ROOT, rel)
    const text = render(make())
    const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined
    if (current === text) continue
    if (check) {
      console.error(`out of date: ${rel} (run: npx tsx scripts/write-schemas.ts)`)
      stale++
      continue
    }
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, text)
    console.log(`wrote ${rel}`)
  }
  if (stale) process.exit(1)
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main()
