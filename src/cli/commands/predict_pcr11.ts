/**
 * `bootproof predict-pcr11 <uki.efi> [--bank <alg>]... [--phase <path>]... [--stub-version <n>] [--json]`:
 * the PCR 11 values systemd-stub and the boot phases produce for a unified kernel image.
 *
 * `--json` prints exactly what `systemd-measure calculate --json=short` prints for the same
 * sections, banks and phases (one line): `{"<bank>":[{"phase":"<path>","pcr":11,"hash":"<hex>"}]}`,
 * `phase` absent for the empty path. Bank names are case-insensitive; phase paths are normalised,
 * sorted and de-duplicated like systemd-measure's. Text mode adds what was measured.
 * Exit 0 ok, 2 usage error or unparseable input.
 */
import { predictPcr11 } from '../../uki/predict_pcr11.js'
import { CLI_INPUT_LIMITS, EXIT_OK, parseArgs, readInputFile, reportError, UsageError, type CliIO } from '../io.js'

/** `--stub-version`: a systemd major version. */
export function parseStubVersion(v: string | boolean | string[] | undefined): number | undefined {
  if (v === undefined) return undefined
  if (typeof v !== 'string' || !/^[0-9]{1,4}$/.test(v)) throw new UsageError('--stub-version takes a systemd major version, e.g. 252')
  return Number(v)
}

/** `--bank` values, lower-cased (systemd-measure takes OpenSSL digest names in any case). */
export function bankFlags(v: string | boolean | string[] | undefined): string[] | undefined {
  if (v === undefined) return undefined
  const list = (Array.isArray(v) ? v : [String(v)]).map((b) => b.toLowerCase())
  for (const b of list) if (!['sha1', 'sha256', 'sha384', 'sha512'].includes(b)) throw new UsageError(`--bank ${b}: PCR 11 banks are sha1, sha256, sha384, sha512`)
  return list
}

export async function runPredictPcr11(argv: string[], io: CliIO): Promise<number> {
  let json = argv.includes('--json')
  try {
    const { flags, positional } = parseArgs(argv, { booleans: ['json'], strings: ['stub-version'], multi: ['bank', 'phase'] })
    json = flags.json === true
    if (positional.length !== 1) throw new UsageError('predict-pcr11 takes one UKI (a PE/EFI image)')
    const banks = bankFlags(flags.bank)
    const phases = flags.phase as string[] | undefined
    const stubVersion = parseStubVersion(flags['stub-version'])
    const uki = readInputFile(positional[0]!, CLI_INPUT_LIMITS.pe)
    const p = predictPcr11(uki, { ...(banks ? { banks } : {}), ...(phases ? { phases } : {}), ...(stubVersion !== undefined ? { stubVersion } : {}) })
    if (json) {
      // One line, like --json=short: byte-for-byte what systemd-measure prints.
      io.out(JSON.stringify(p.values))
      return EXIT_OK
    }
    const lines = [
      `# systemd-stub ${p.stubVersion} section table (version from ${p.stubVersionSource === 'sdmagic' ? 'the UKI .sdmagic' : p.stubVersionSource === 'option' ? '--stub-version' : 'the newest table'})`,
      `# measured: ${p.measured.map((m) => `${m.name} (${m.size} bytes)`).join(', ')}`,
    ]
    if (p.notMeasured.length) lines.push(`# present, not measured by this stub: ${p.notMeasured.join(', ')}`)
    for (const n of p.notes) lines.push(`# note: ${n}`)
    p.phases.forEach((phase, i) => {
      lines.push(`# PCR[11] Phase <${phase === '' ? ':' : phase}>`)
      for (const [bank, entries] of Object.entries(p.values)) lines.push(`11:${bank}=${entries![i]!.hash}`)
    })
    io.out(lines.join('\n'))
    return EXIT_OK
  } catch (e) {
    return reportError(e, io, json)
  }
}
