/**
 * A strict reader for exactly what `tpm2_pcrread` prints (tpm2-tools 4.x / 5.x):
 *
 *   sha1:
 *     0 : 0xBD0110293E46250B04F5FBD2C43EFBCED8496C81
 *     10: 0x...
 *   sha256:
 *     0 : 0x27FC...
 *
 * Why not a YAML library: this is the only YAML users hand us, and a general parser would accept
 * far more than this shape (anchors, flow maps, type coercion of `0x…` to numbers that lose
 * digits). Anything that is not a bank header, a `N : 0xHEX` line or a blank line is refused, so
 * a truncated or hand-edited dump cannot silently lose registers.
 */
import { BootproofError } from '../errors.js'
import { HASH_ALGS, isHashAlgName } from '../alg.js'

/** Quick test used for auto-detection: the first non-blank line is a bank header such as `  sha256:`. */
export function looksLikePcrreadYaml(text: string): boolean {
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '')
  return first !== undefined && /^\s*(sha1|sha256|sha384|sha512|sm3_256)\s*:\s*$/.test(first)
}

/**
 * Parse `tpm2_pcrread` output into `{bank: {index: lowercase hex}}`.
 * @throws BootproofError ERR_PCRS_INVALID naming the offending line.
 */
export function parsePcrreadYaml(text: string, what = 'tpm2_pcrread output'): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {}
  let bank: string | undefined
  let bankIndent = -1
  const fail = (n: number, why: string): never => {
    throw new BootproofError('ERR_PCRS_INVALID', `${what}: line ${n}: ${why}`)
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  lines.forEach((line, i) => {
    const n = i + 1
    if (line.trim() === '') return
    if (/\t/.test(line)) fail(n, 'tab in indentation (tpm2_pcrread indents with spaces)')
    const indent = line.length - line.trimStart().length
    const header = /^\s*([A-Za-z0-9_]+)\s*:\s*$/.exec(line)
    if (header) {
      const name = header[1]!.toLowerCase()
      if (!isHashAlgName(name)) fail(n, `unknown bank "${header[1]}" (sha1, sha256, sha384, sha512, sm3_256)`)
      if (out[name]) fail(n, `bank ${name} appears twice`)
      out[name] = {}
      bank = name
      bankIndent = indent
      return
    }
    const entry = /^\s*(\d{1,2})\s*:\s*0x([0-9A-Fa-f]+)\s*$/.exec(line)
    if (!entry) fail(n, `expected "<bank>:" or "<pcr> : 0x<hex>", got ${JSON.stringify(line.trim().slice(0, 60))}`)
    if (!bank) fail(n, 'a PCR value before any bank header')
    // The values of a bank are indented under its header; a value at the header's level or
    // left of it would belong to no bank in YAML.
    if (indent <= bankIndent) fail(n, `PCR value not indented under its bank header ${bank}`)
    const idx = Number(entry![1])
    if (idx > 23) fail(n, `PCR index ${idx} is outside 0-23`)
    const hex = entry![2]!.toLowerCase()
    const size = HASH_ALGS[bank as keyof typeof HASH_ALGS].size
    if (hex.length !== size * 2) fail(n, `${bank}:${idx} is ${hex.length / 2} bytes, ${bank} needs ${size}`)
    const regs = out[bank!]!
    if (regs[String(idx)] !== undefined) fail(n, `${bank}:${idx} appears twice`)
    regs[String(idx)] = hex
  })
  if (!Object.keys(out).length) throw new BootproofError('ERR_PCRS_INVALID', `${what}: no bank header found`)
  return out
}
