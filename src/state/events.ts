/** Small typed accessors over decoded events, shared by the state extractors. */
import type { DecodedEventData, UefiVariableData } from '../eventlog/decode/types.js'
import type { TcgEvent } from '../eventlog/types.js'
import { toHex } from '../bytes/hex.js'

export function variableOf(ev: TcgEvent): UefiVariableData | undefined {
  const d = ev.decoded as DecodedEventData
  return d.kind === 'uefi-variable' ? d : undefined
}

export function actionText(ev: TcgEvent): string | undefined {
  const d = ev.decoded as DecodedEventData
  return d.kind === 'action' ? d.text : undefined
}

/** Digests of an event by bank, lowercase hex. */
export function digestsOf(ev: TcgEvent): Record<string, string> {
  const out: Record<string, string> = {}
  for (const d of ev.digests) out[d.bank] = toHex(d.digest)
  return out
}
