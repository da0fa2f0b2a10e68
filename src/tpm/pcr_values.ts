/**
 * Caller-supplied PCR values: `{ [bank]: { [index]: Uint8Array | hex } }`, bank names lowercase
 * (`sha256`) as everywhere in bootproof. Normalised into a map before any comparison.
 */
import { fromHexOrUndefined } from '../bytes/hex.js'
import { isHashAlgName } from '../alg.js'
import { BootproofError } from '../errors.js'

export type PcrValueInput = Uint8Array | string
export type PcrValues = Record<string, Record<string | number, PcrValueInput>>

/** bank → index → value, after validation of names and encodings (not of sizes: verify reports those). */
export type NormalizedPcrs = Map<string, Map<number, Uint8Array>>

/**
 * @throws BootproofError ERR_PCRS_INVALID for an unknown bank, a non-decimal index or bad hex.
 */
export function normalizePcrValues(pcrs: PcrValues): NormalizedPcrs {
  const out: NormalizedPcrs = new Map()
  if (typeof pcrs !== 'object' || pcrs === null) throw new TypeError('pcrs must be an object { bank: { index: value } }')
  for (const [bankRaw, values] of Object.entries(pcrs)) {
    const bank = bankRaw.toLowerCase()
    if (!isHashAlgName(bank)) throw new BootproofError('ERR_PCRS_INVALID', `unknown PCR bank "${bankRaw}"`)
    if (out.has(bank)) throw new BootproofError('ERR_PCRS_INVALID', `PCR bank "${bankRaw}" given twice`)
    const m = new Map<number, Uint8Array>()
    for (const [idxRaw, v] of Object.entries(values ?? {})) {
      if (!/^(0|[1-9][0-9]{0,2})$/.test(idxRaw)) throw new BootproofError('ERR_PCRS_INVALID', `PCR index "${idxRaw}" in ${bank} is not a decimal number`)
      const idx = Number(idxRaw)
      let bytes: Uint8Array | undefined
      if (v instanceof Uint8Array) bytes = v
      else if (typeof v === 'string') bytes = fromHexOrUndefined(v.startsWith('0x') ? v.slice(2) : v)
      if (!bytes) throw new BootproofError('ERR_PCRS_INVALID', `PCR ${bank}:${idx} is neither bytes nor a hex string`)
      m.set(idx, bytes)
    }
    out.set(bank, m)
  }
  return out
}
