/** The check list shared by the TDX verifiers (shape as the SNP and TPM quote verifiers). */
import type { TdxCheckErrorCode } from '../../error_codes.js'

export interface TdxCheck {
  /** Stable check id, e.g. `quote.signature`, `pck.chain`, `tcb.status`. */
  id: string
  ok: boolean
  message: string
  /** Set when `ok` is false. */
  code?: TdxCheckErrorCode
}

export interface TdxError {
  code: TdxCheckErrorCode
  message: string
}

export class TdxChecks {
  readonly list: TdxCheck[] = []
  add(id: string, ok: boolean, message: string, code: TdxCheckErrorCode): boolean {
    const c: TdxCheck = { id, ok, message }
    if (!ok) c.code = code
    this.list.push(c)
    return ok
  }
  errors(): TdxError[] {
    return this.list.filter((c) => !c.ok).map((c) => ({ code: c.code!, message: c.message }))
  }
}
