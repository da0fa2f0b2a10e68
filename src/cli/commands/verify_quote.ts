/**
 * `bootproof verify-quote --ak <ak.pub|ak.pem|ak-cert> --quote <file> --sig <file>
 *   [--pcrs <file>] [--nonce <hex>] [--ca <pem>...] [--json]`
 *
 * Verifies a `tpm2_quote -m/-s/-o` triple. `--ak` may be repeated to give the public area and
 * the certificate together (their keys must match). `--pcrs` is tpm2-tools' PCR file
 * (`tpm2_quote -o`) or JSON `{"sha256":{"0":"<hex>"}}`.
 *
 * JSON contract (issue 3): `{"valid":bool,"errors":[{"code","message"}],"quote":{...},
 * "pcrs":{"sha256":{"0":"<hex>"}},"checks":[...],"ak":{...}}`.
 * Exit 0 valid, 1 invalid, 2 usage error or unparseable input.
 *
 * A bare SPKI given with `--ak` is treated as a key the operator pins (like
 * `tpm2_checkquote -u ak.pem`): the TPM attributes cannot be checked and the output says so.
 * `--ak-eku <oid>` / `--cloud gce` set the EKUs an AK certificate may carry (src/cli/ak_profile.ts).
 */
import { verifyQuote, type VerifyQuoteResult } from '../../tpm/verify_quote.js'
import { parseAk, type AkMaterial } from '../../tpm/ak.js'
import { parseTpm2ToolsPcrFile } from '../../tpm/pcr_file.js'
import type { PcrValues } from '../../tpm/pcr_values.js'
import { parseCertificates } from '../../x509/certificate.js'
import { fromHexOrUndefined } from '../../bytes/hex.js'
import { BootproofError } from '../../errors.js'
import { CLI_INPUT_LIMITS, EXIT_FAILED, EXIT_OK, parseArgs, readInputFile, reportError, UsageError, type CliIO } from '../io.js'
import { parsePcrreadYaml } from '../pcr_yaml.js'
import { akEkusFromFlags } from '../ak_profile.js'

const USAGE =
  'usage: bootproof verify-quote --ak <ak.pub|ak.pem|ak-cert> --quote <file> --sig <file> [--pcrs <file>] [--nonce <hex>] [--ca <pem>...] [--ak-eku <oid>...] [--cloud gce] [--now <ISO time>] [--allow-sha1] [--no-nonce] [--json]'

export function mergeAk(parts: AkMaterial[]): AkMaterial {
  const out: AkMaterial = {}
  for (const p of parts) {
    for (const k of ['public', 'spki', 'certificate'] as const) {
      if (p[k] === undefined) continue
      if (out[k] !== undefined) throw new UsageError(`--ak: two files hold the AK ${k === 'public' ? 'public area' : k}`)
      ;(out as Record<string, unknown>)[k] = p[k]
    }
    if (p.intermediates) out.intermediates = [...(out.intermediates ?? []), ...p.intermediates]
  }
  return out
}

/** The attester's PCR values: JSON, `tpm2_pcrread` output, or a `tpm2_quote -o` file. */
export function readPcrs(path: string): PcrValues {
  const bytes = readInputFile(path, CLI_INPUT_LIMITS.json)
  let i = 0
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++
  // A tpm2_quote -o file is binary (a TPML_PCR_SELECTION count first); text starting with a
  // bank name is tpm2_pcrread output.
  const head = new TextDecoder('latin1').decode(bytes.subarray(i, i + 16))
  if (/^(sha1|sha256|sha384|sha512|sm3_256)\s*:/.test(head)) {
    let text: string
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    } catch {
      throw new BootproofError('ERR_PCRS_INVALID', `${path}: not UTF-8 text`)
    }
    return parsePcrreadYaml(text, path)
  }
  if (bytes[i] === 0x7b /* { */) {
    let parsed: unknown
    try {
      parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
    } catch (e) {
      throw new BootproofError('ERR_JSON_INVALID', `${path}: not valid JSON (${(e as Error).message})`)
    }
    if (parsed && typeof parsed === 'object' && 'pcrs' in parsed) parsed = (parsed as { pcrs: unknown }).pcrs
    if (!parsed || typeof parsed !== 'object') throw new BootproofError('ERR_PCRS_INVALID', `${path}: expected {"bank":{"index":"hex"}}`)
    return parsed as PcrValues
  }
  return parseTpm2ToolsPcrFile(bytes).pcrs
}

/** JSON-safe view of a result (BigInt → decimal strings, no raw parse). */
export function quoteResultToJSON(r: VerifyQuoteResult): Record<string, unknown> {
  const q = r.quote
  return {
    valid: r.valid,
    errors: r.errors,
    quote: q
      ? {
          magic: q.magic.toString(16).padStart(8, '0'),
          type: q.typeName,
          qualifiedSigner: q.qualifiedSigner,
          extraData: q.extraData,
          clock: q.clock.toString(),
          resetCount: q.resetCount,
          restartCount: q.restartCount,
          safe: q.safe,
          firmwareVersion: q.firmwareVersion.toString(),
          firmwareVersionHex: q.firmwareVersion.toString(16).padStart(16, '0'),
          selection: Object.fromEntries(q.selection.map((s) => [s.bank, s.pcrs.map(String)])),
          pcrDigest: q.pcrDigest,
          signature: q.signature,
        }
      : null,
    pcrs: r.pcrs,
    checks: r.checks,
    ak: r.ak,
  }
}

export async function runVerifyQuote(argv: string[], io: CliIO): Promise<number> {
  let json = argv.includes('--json')
  try {
    const { flags, positional } = parseArgs(argv, {
      booleans: ['json', 'allow-sha1', 'no-nonce', 'help'],
      strings: ['quote', 'sig', 'pcrs', 'nonce', 'now', 'cloud'],
      multi: ['ak', 'ca', 'ak-eku'],
    })
    json = flags.json === true
    if (flags.help) {
      io.out(USAGE)
      return EXIT_OK
    }
    if (positional.length) throw new UsageError(`unexpected argument ${positional[0]}\n${USAGE}`)
    const akFiles = (flags.ak as string[] | undefined) ?? []
    if (!akFiles.length || typeof flags.quote !== 'string' || typeof flags.sig !== 'string') {
      throw new UsageError(`--ak, --quote and --sig are required\n${USAGE}`)
    }
    let nonce: Uint8Array | undefined
    if (typeof flags.nonce === 'string') {
      const h = flags.nonce.startsWith('0x') ? flags.nonce.slice(2) : flags.nonce
      nonce = fromHexOrUndefined(h)
      if (!nonce) throw new UsageError('--nonce must be hex')
      if (flags['no-nonce']) throw new UsageError('--nonce and --no-nonce exclude each other')
    }
    let now: Date | undefined
    if (typeof flags.now === 'string') {
      now = new Date(flags.now)
      if (Number.isNaN(now.getTime())) throw new UsageError('--now must be an ISO 8601 time')
    }
    const ak = mergeAk(akFiles.map((f) => parseAk(readInputFile(f, CLI_INPUT_LIMITS.pem))))
    const trustAnchors = ((flags.ca as string[] | undefined) ?? []).flatMap((f) => parseCertificates(readInputFile(f, CLI_INPUT_LIMITS.pem)))
    const pcrs = typeof flags.pcrs === 'string' ? readPcrs(flags.pcrs) : undefined
    const bareKey = !ak.public && !ak.certificate
    const akCertAllowedEkus = akEkusFromFlags(flags)
    const result = await verifyQuote({
      attest: readInputFile(flags.quote, CLI_INPUT_LIMITS.tpm),
      signature: readInputFile(flags.sig, CLI_INPUT_LIMITS.tpm),
      ak,
      ...(nonce ? { nonce } : {}),
      ...(pcrs ? { pcrs } : {}),
      options: {
        allowSha1: flags['allow-sha1'] === true,
        allowMissingNonce: flags['no-nonce'] === true,
        trustBareKey: bareKey,
        trustAnchors,
        ...(now ? { now } : {}),
        ...(akCertAllowedEkus ? { akCertAllowedEkus } : {}),
      },
    })
    if (json) io.out(JSON.stringify(quoteResultToJSON(result), null, 2))
    else {
      io.out(`quote: ${result.valid ? 'VALID' : 'INVALID'}`)
      for (const c of result.checks) io.out(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.id}${c.code ? ` ${c.code}` : ''}: ${c.message}`)
      if (result.quote) {
        const q = result.quote
        io.out(`  clock ${q.clock} resetCount ${q.resetCount} restartCount ${q.restartCount} safe ${q.safe ? 'yes' : 'no'} firmware 0x${q.firmwareVersion.toString(16)}`)
      }
      for (const [bank, m] of Object.entries(result.pcrs)) for (const [i, v] of Object.entries(m)) io.out(`  ${bank}:${i} ${v}`)
    }
    return result.valid ? EXIT_OK : EXIT_FAILED
  } catch (e) {
    return reportError(e, io, json)
  }
}
