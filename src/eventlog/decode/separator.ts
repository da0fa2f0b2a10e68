/**
 * EV_SEPARATOR (PFP §10.4.1; attacks ). The data is exactly four bytes
 * (u32 LE): 0 is the normal pre-OS/OS delimiter, 1 reports a firmware error, 0xFFFFFFFF is the
 * legacy value most verifiers accept (recorded here; policy decides). Windows closes PCR 12-14
 * with the ASCII marker "WBCL". Anything else (3 or 5 bytes: attack L-09) is `nonstandard`:
 * the event is still a separator by type, and the digest check decides what it means.
 */
import { hex32 } from './common.js'
import type { DecodeInput, SeparatorData } from './types.js'
import { u32leAt } from '../../bytes/uint32.js'

export function decodeSeparator(input: DecodeInput): SeparatorData {
  const d = input.data
  if (d.length === 4) {
    if (d[0] === 0x57 && d[1] === 0x42 && d[2] === 0x43 && d[3] === 0x4c) return { kind: 'separator', meaning: 'wbcl' }
    const value = u32leAt(d, 0)
    if (value === 0) return { kind: 'separator', meaning: 'normal', value }
    if (value === 0xffffffff) return { kind: 'separator', meaning: 'ffffffff', value }
    if (value === 1) return { kind: 'separator', meaning: 'error', value, note: 'firmware reported an error (TPM or CRTM measurement failed)' }
    return { kind: 'separator', meaning: 'nonstandard', value, note: `unexpected separator value ${hex32(value)}` }
  }
  return { kind: 'separator', meaning: 'nonstandard', note: `separator data is ${d.length} bytes, not 4` }
}
