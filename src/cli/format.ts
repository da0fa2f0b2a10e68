/** Human rendering shared by the commands. */
import type { Finding } from '../findings.js'

/**
 * A PCR index as printed: decimal for registers a TPM has, hex beyond (Windows logs put
 * EV_NO_ACTION records on 0xFFFFFFFF; "-1" or "4294967295" reads as a bug or a PCR number).
 */
export function pcrLabel(pcr: number): string {
  return pcr > 0xffff ? `0x${pcr.toString(16).toUpperCase().padStart(8, '0')}` : String(pcr)
}

export function formatFinding(f: Finding): string {
  const where = [f.bank && f.pcr !== undefined ? `${f.bank}:${pcrLabel(f.pcr)}` : f.pcr !== undefined ? `PCR ${pcrLabel(f.pcr)}` : '', f.eventIndex !== undefined ? `event ${f.eventIndex}` : '']
    .filter(Boolean)
    .join(', ')
  const exp = f.expected !== undefined ? `\n      expected ${f.expected}\n      observed ${f.observed ?? '-'}` : ''
  return `[${f.severity}] ${f.code}${where ? ` (${where})` : ''}: ${f.message}${exp}`
}

/**
 * Library messages name library options (`allowMissingNonce`, `allowSha1`, ...) because the
 * library cannot know how it is called. On the command line those options are flags, so the CLI
 * rewrites the exact phrases the library uses (src/tpm/quote_core.ts, src/tpm/ak_checks.ts,
 * src/policy/appraise/freshness.ts) — whole phrases only, so JSON member names never change.
 */
const CLI_WORDING: readonly (readonly [string, string])[] = [
  ['(pass allowMissingNonce to opt out)', '(pass --no-nonce to opt out)'],
  ['(allowMissingNonce)', '(--no-nonce)'],
  ['(pass allowSha1 to accept them)', '(pass --allow-sha1 to accept them)'],
  ['; accepted (allowDebug)', '; accepted (--allow-debug)'],
  ['(set nonceChecked only after verifyQuote matched the nonce)', '(give --nonce <hex>, the nonce you issued)'],
  ['TPM attributes not checked (trustBareKey)', 'TPM attributes not checked (--ak is a bare public key: pinned by you)'],
  ['(pass the TPMT_PUBLIC, a certificate with trust anchors, or trustBareKey for a pinned key)', '(give --ak the TPMT_PUBLIC from tpm2_createak -u, or an AK certificate with its roots in --ca)'],
]

/** Library messages print a PCR index in decimal; 4294967295 is the Windows 0xFFFFFFFF (see {@link pcrLabel}). */
const PCR_FFFFFFFF = /\b(PCR (?:index )?|(?:sha1|sha256|sha384|sha512|sm3_256):)4294967295\b/g

/** `text` with library option names replaced by the CLI flags that set them, and PCR 0xFFFFFFFF in hex. */
export function cliWording(text: string): string {
  let out = text
  for (const [lib, cli] of CLI_WORDING) if (out.includes(lib)) out = out.split(lib).join(cli)
  return out.includes('4294967295') ? out.replace(PCR_FFFFFFFF, '$10xFFFFFFFF') : out
}
