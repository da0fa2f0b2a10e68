/**
 * `bootproof verify-cvm`: confidential-VM hardware evidence.
 *
 *   verify-cvm --hcl-report <file> [--vcek <pem>] [--ak <file>...] [--tdx-quote <file>] [--json]
 *   verify-cvm --snp-report <file> --vcek <pem> [--json]
 *   verify-cvm --tdx-quote <file> [--collateral <dir>] [--ccel <log>] [--json]
 *   common: [--now <iso>] [--allow-debug]
 *
 * `--hcl-report` is an Azure confidential VM's HCL report (the vTPM NV index, zero padding
 * included); `--vcek` its SEV-SNP report's VCEK / VLEK (PEM or DER; further certificates in the
 * file replace the pinned ASK / ASVK); `--tdx-quote` with `--hcl-report` the TD quote of its TDX
 * report. `--ak` takes what `verify-quote --ak` takes (TPM2B_PUBLIC, SPKI PEM / DER, certificate)
 * and must be the runtime data's HCLAkPub.
 *
 * JSON contract: `{"valid": bool, "platform": "sev-snp" | "tdx", "checks": [{"id","ok","message"}],
 * "errors": [{"code","message"}], "report": {...hex lowercase}}`, for an HCL report also `"hcl"`,
 * `"akBound"` and `"ak"` (the runtime data's AK, SPKI hex). Exit 0 valid, 1 invalid, 2 usage error
 * or unparseable input.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { verifyCvm, type CvmEvidence } from '../../cvm/verify_cvm.js'
import type { TdxCollateral } from '../../cvm/tdx/index.js'
import type { CvmVerifyResult } from '../../cvm/azure/cvm_checks.js'
import { parseAk } from '../../tpm/ak.js'
import { BootproofError } from '../../errors.js'
import { parseCertificates, type CertificateInfo } from '../../x509/certificate.js'
import { CLI_INPUT_LIMITS, EXIT_FAILED, EXIT_OK, parseArgs, readInputFile, reportError, UsageError, type CliIO } from '../io.js'
import { mergeAk } from './verify_quote.js'

const USAGE =
  'usage: bootproof verify-cvm (--hcl-report <file> [--vcek <pem>] [--ak <file>...] [--tdx-quote <file>] | --snp-report <file> --vcek <pem> | --tdx-quote <file> [--collateral <dir>] [--ccel <log>]) [--now <ISO time>] [--allow-debug] [--json]'

/** The VCEK / VLEK and any certificates after it (its chain) from one PEM or DER file. */
function readVcek(path: string): { vcek: CertificateInfo; chain: CertificateInfo[] } {
  const certs = parseCertificates(readInputFile(path, CLI_INPUT_LIMITS.pem))
  if (!certs.length) throw new BootproofError('ERR_PEM_INVALID', `${path}: no certificate`)
  return { vcek: certs[0]!, chain: certs.slice(1) }
}

/**
 * TDX collateral from a directory, by file name (each optional, at least one):
 * `tcb-info.json` + `tcb-info-issuer-chain.pem` (Intel PCS TCB Info response body and its
 * `TCB-Info-Issuer-Chain` header), `qe-identity.json` + `qe-identity-issuer-chain.pem` (QE Identity
 * and `SGX-Enclave-Identity-Issuer-Chain`), `root-ca.crl` and `pck.crl` (DER or PEM).
 */
export function readTdxCollateral(dir: string): TdxCollateral {
  const path = (name: string) => join(dir, name)
  const has = (name: string) => existsSync(path(name))
  const out: TdxCollateral = {}
  for (const [key, json, chain] of [['tcbInfo', 'tcb-info.json', 'tcb-info-issuer-chain.pem'], ['qeIdentity', 'qe-identity.json', 'qe-identity-issuer-chain.pem']] as const) {
    if (!has(json)) continue
    if (!has(chain)) throw new UsageError(`--collateral: ${json} needs its issuer chain ${chain} in ${dir}`)
    out[key] = { body: readInputFile(path(json), CLI_INPUT_LIMITS.json), issuerChain: readInputFile(path(chain), CLI_INPUT_LIMITS.pem) }
  }
  const crls = ['root-ca.crl', 'pck.crl'].filter(has).map((f) => readInputFile(path(f), CLI_INPUT_LIMITS.pem))
  if (crls.length) out.crls = crls
  if (!out.tcbInfo && !out.qeIdentity && !crls.length) throw new UsageError(`--collateral: ${dir} holds none of tcb-info.json, qe-identity.json, root-ca.crl, pck.crl`)
  return out
}

/** The result as printed with --json (the library result is already JSON-safe). */
export function cvmResultToJSON(r: CvmVerifyResult): Record<string, unknown> {
  return {
    valid: r.valid,
    platform: r.platform,
    checks: r.checks,
    errors: r.errors,
    report: r.report,
    ...(r.hcl ? { hcl: r.hcl, akBound: r.akBound ?? false } : {}),
    ...(r.ak ? { ak: r.ak } : {}),
    ...(r.measurement ? { measurement: r.measurement } : {}),
    ...(r.debug !== undefined ? { debug: r.debug } : {}),
    hardwareVerified: r.hardwareVerified,
    ...(r.endorsement ? { endorsement: r.endorsement } : {}),
  }
}

export async function runVerifyCvm(argv: string[], io: CliIO): Promise<number> {
  let json = argv.includes('--json')
  try {
    const { flags, positional } = parseArgs(argv, {
      booleans: ['json', 'allow-debug', 'help'],
      strings: ['hcl-report', 'snp-report', 'tdx-quote', 'vcek', 'collateral', 'ccel', 'now'],
      multi: ['ak'],
    })
    json = flags.json === true
    if (flags.help) {
      io.out(USAGE)
      return EXIT_OK
    }
    if (positional.length) throw new UsageError(`unexpected argument ${positional[0]}\n${USAGE}`)
    const hcl = flags['hcl-report'] as string | undefined
    const snp = flags['snp-report'] as string | undefined
    const tdx = flags['tdx-quote'] as string | undefined
    if ([hcl, snp].filter(Boolean).length + (tdx && !hcl ? 1 : 0) !== 1) throw new UsageError(`give one of --hcl-report, --snp-report, --tdx-quote\n${USAGE}`)
    const akFiles = (flags.ak as string[] | undefined) ?? []
    if (akFiles.length && !hcl) throw new UsageError('--ak is compared with an HCL report\'s runtime data: only with --hcl-report')
    if (snp && typeof flags.vcek !== 'string') throw new UsageError('--snp-report needs --vcek (the VCEK or VLEK that signed it)')
    if (tdx === undefined && (flags.collateral !== undefined || flags.ccel !== undefined)) throw new UsageError('--collateral and --ccel go with --tdx-quote')
    if (typeof flags.collateral === 'string' && !existsSync(flags.collateral)) throw new UsageError(`--collateral: no directory ${flags.collateral}`)
    if (tdx && !hcl && flags.vcek !== undefined) throw new UsageError('--vcek goes with --hcl-report or --snp-report')
    let now: Date | undefined
    if (typeof flags.now === 'string') {
      now = new Date(flags.now)
      if (Number.isNaN(now.getTime())) throw new UsageError('--now must be an ISO 8601 time')
    }

    const endorsement = typeof flags.vcek === 'string' ? readVcek(flags.vcek) : undefined
    let evidence: CvmEvidence
    if (hcl) {
      evidence = {
        hclReport: readInputFile(hcl, CLI_INPUT_LIMITS.tpm),
        ...(endorsement ? { vcek: endorsement.vcek } : {}),
        ...(tdx ? { tdQuote: readInputFile(tdx, CLI_INPUT_LIMITS.tpm) } : {}),
      }
    } else if (snp) {
      evidence = { snpReport: readInputFile(snp, CLI_INPUT_LIMITS.tpm), vcek: endorsement!.vcek }
    } else {
      evidence = { tdxQuote: readInputFile(tdx!, CLI_INPUT_LIMITS.tpm) }
    }
    const ak = akFiles.length ? mergeAk(akFiles.map((f) => parseAk(readInputFile(f, CLI_INPUT_LIMITS.pem)))) : undefined
    const ccel = typeof flags.ccel === 'string' ? readInputFile(flags.ccel, CLI_INPUT_LIMITS.log) : undefined
    const collateral = typeof flags.collateral === 'string' ? readTdxCollateral(flags.collateral) : undefined
    const result = await verifyCvm(evidence, {
      ...(ak ? { ak } : {}),
      ...(endorsement?.chain.length ? { chain: endorsement.chain } : {}),
      ...(now ? { now } : {}),
      ...(flags['allow-debug'] ? { allowDebug: true } : {}),
      ...(ccel || collateral ? { tdx: { ...(ccel ? { ccel } : {}), ...(collateral ? { collateral } : {}) } } : {}),
    })
    if (json) io.out(JSON.stringify(cvmResultToJSON(result), null, 2))
    else {
      io.out(`${result.platform === 'sev-snp' ? 'SEV-SNP' : 'TDX'}${result.hcl ? ' (Azure HCL report)' : ''}: ${result.valid ? 'VALID' : 'INVALID'}`)
      for (const c of result.checks) io.out(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.id}${c.code ? ` ${c.code}` : ''}: ${c.message}`)
      if (result.measurement) io.out(`  measurement ${result.measurement}`)
      if (result.hcl) io.out(`  AK bound: ${result.akBound ? 'yes' : 'no'}${result.ak ? ` (HCLAkPub SPKI ${result.ak.slice(0, 32)}…)` : ''}`)
    }
    return result.valid ? EXIT_OK : EXIT_FAILED
  } catch (e) {
    return reportError(e, io, json)
  }
}
