/**
 * `bootproof verify-pcrsig <uki.efi | pcrsig.json> [--key <pem>] [--pcrsig <json>] [--phase <path>]...
 *   [--stub-version <n>] [--json]`: verify systemd's signed PCR 11 policies (`.pcrsig`).
 *
 * With a UKI: its `.pcrsig` (or `--pcrsig`) is checked against its `.pcrpkey` (or `--key`), and
 * every entry's policy digest against the one recomputed from the UKI's own sections, which tells
 * the phases each signature authorises. `--phase` names phases that must be authorised. With a
 * bare JSON file only the signatures over the stated policies and the key are checked: the output
 * says `"scope": "signature-only"` and lists no phases.
 *
 * JSON: `{"valid","scope","phases","errors","checks","entries","key","notes"}`.
 * Exit 0 valid, 1 invalid, 2 usage error or unparseable input.
 */
import { verifyPcrSignature, type VerifyPcrSignatureResult } from '../../uki/verify_pcrsig.js'
import { CLI_INPUT_LIMITS, EXIT_FAILED, EXIT_OK, parseArgs, readInputFile, reportError, UsageError, type CliIO } from '../io.js'
import { parseStubVersion } from './predict_pcr11.js'

export async function runVerifyPcrsig(argv: string[], io: CliIO): Promise<number> {
  let json = argv.includes('--json')
  try {
    const { flags, positional } = parseArgs(argv, { booleans: ['json'], strings: ['key', 'pcrsig', 'stub-version'], multi: ['phase'] })
    json = flags.json === true
    if (positional.length !== 1) throw new UsageError('verify-pcrsig takes one UKI (PE/EFI image) or one .pcrsig JSON file')
    const subject = readInputFile(positional[0]!, CLI_INPUT_LIMITS.pe)
    const isUki = subject.length >= 2 && subject[0] === 0x4d && subject[1] === 0x5a
    const phases = flags.phase as string[] | undefined
    if (!isUki && phases) throw new UsageError('--phase needs the UKI: without it PCR 11 cannot be recomputed, so no signature can be tied to a phase')
    if (!isUki && typeof flags.pcrsig === 'string') throw new UsageError('--pcrsig goes with a UKI; the positional file is already the signature JSON')
    const stubVersion = parseStubVersion(flags['stub-version'])
    const r = await verifyPcrSignature(subject, {
      ...(typeof flags.key === 'string' ? { key: readInputFile(flags.key, CLI_INPUT_LIMITS.pem) } : {}),
      ...(typeof flags.pcrsig === 'string' ? { pcrsig: readInputFile(flags.pcrsig, CLI_INPUT_LIMITS.json) } : {}),
      ...(phases ? { requirePhases: phases } : {}),
      ...(stubVersion !== undefined ? { stubVersion } : {}),
    })
    if (json) io.out(JSON.stringify(pcrsigResultToJSON(r), null, 2))
    else io.out(renderText(r))
    return r.valid ? EXIT_OK : EXIT_FAILED
  } catch (e) {
    return reportError(e, io, json)
  }
}

/** The --json document (schema/verify-pcrsig.schema.json). */
export function pcrsigResultToJSON(r: VerifyPcrSignatureResult): Record<string, unknown> {
  return {
    valid: r.valid,
    scope: r.scope,
    phases: r.phases,
    errors: r.errors,
    checks: r.checks,
    entries: r.entries,
    key: r.key,
    ...(r.stubVersion !== undefined ? { stubVersion: r.stubVersion } : {}),
    notes: r.notes,
  }
}

const phaseLabel = (p: string): string => (p === '' ? '(kernel only)' : p)

function renderText(r: VerifyPcrSignatureResult): string {
  const lines = [`valid: ${r.valid ? 'yes' : 'NO'}`]
  lines.push(r.scope === 'recomputed'
    ? `scope: PCR 11 recomputed from the UKI (systemd-stub ${r.stubVersion} section table)`
    : 'scope: SIGNATURE ONLY: no UKI given, PCR 11 not recomputed; the policies are taken as stated and tied to no image or phase')
  lines.push(`key: ${r.key.description}${r.key.fingerprint ? ` ${r.key.fingerprint}` : ''} (${r.key.source === 'option' ? '--key' : '.pcrpkey'})`)
  if (r.scope === 'recomputed') lines.push(`authorised phases: ${r.phases.length ? r.phases.map(phaseLabel).join(', ') : 'none'}`)
  for (const e of r.entries) {
    const what = r.scope === 'recomputed' ? (e.phases.length ? e.phases.map(phaseLabel).join(', ') : 'no phase of this UKI') : `pol ${e.pol}`
    lines.push(`  ${`${e.bank}[${e.index}]`.padEnd(11)} ${e.valid ? 'ok ' : 'BAD'} ${what}${e.signatureHash ? ` (signed over ${e.signatureHash})` : ''}`)
  }
  for (const n of r.notes) lines.push(`note: ${n}`)
  for (const e of r.errors) lines.push(`error ${e.code}: ${e.message}`)
  return lines.join('\n')
}
