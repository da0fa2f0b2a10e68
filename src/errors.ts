/**
 * Error model (jose-style): one base class, a stable string `code` per failure kind, and
 * location data (byte offset, event index, field) wherever the input is at fault.
 *
 * Rule of the library: input that cannot be parsed throws one of these; input that parses
 * but fails a check yields a finding / check result instead (see `verdict`), never a throw.
 * Caller mistakes (wrong argument types) are plain `TypeError`s.
 */

import type { BootproofErrorCode } from './error_codes.js'

// The code unions live in the ground-floor error_codes.ts (this module imports no feature folder).
export type {
  BootproofErrorCode,
  CommonErrorCode,
  EventLogErrorCode,
  TpmErrorCode,
  TokenErrorCode,
  TokenParseErrorCode,
  TokenCheckErrorCode,
  AuthenticodeErrorCode,
  PolicyErrorCode,
  SnpErrorCode,
  CelErrorCode,
  TdxErrorCode,
  CvmErrorCode,
  UkiErrorCode,
} from './error_codes.js'
export { TOKEN_THROWN_CODES, AUTHENTICODE_ERROR_CODES, POLICY_ERROR_CODES } from './error_codes.js'

/** Where in the input an error applies. All fields optional: set what is known. */
export interface ErrorLocation {
  /** Absolute byte offset in the top-level input. */
  offset?: number
  /** Index of the event (record) in the log, 0-based, counting the Spec ID record. */
  eventIndex?: number
  /** Name of the structure field being read, e.g. `EventSize`. */
  field?: string
}

export interface BootproofErrorOptions extends ErrorLocation {
  cause?: unknown
}

/** Base class of every error this library throws on bad input. */
export class BootproofError extends Error {
  static code: BootproofErrorCode = 'ERR_BOOTPROOF_GENERIC'
  readonly code: BootproofErrorCode
  readonly offset: number | undefined
  readonly eventIndex: number | undefined
  readonly field: string | undefined

  constructor(code: BootproofErrorCode, message: string, options: BootproofErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.offset = options.offset
    this.eventIndex = options.eventIndex
    this.field = options.field
  }

  /** A JSON-safe description, used by the CLI (`{"error":{...}}`). */
  toJSON(): { code: BootproofErrorCode; message: string; offset?: number; eventIndex?: number; field?: string } {
    const out: { code: BootproofErrorCode; message: string; offset?: number; eventIndex?: number; field?: string } = {
      code: this.code,
      message: this.message,
    }
    if (this.offset !== undefined) out.offset = this.offset
    if (this.eventIndex !== undefined) out.eventIndex = this.eventIndex
    if (this.field !== undefined) out.field = this.field
    return out
  }
}

/** The input ended before a field could be read completely. */
export class TruncatedInputError extends BootproofError {
  /** Bytes the field needed. */
  readonly needed: number
  /** Bytes that were left. */
  readonly available: number
  constructor(
    code: 'ERR_EVENTLOG_TRUNCATED' | 'ERR_EVENTDATA_TRUNCATED' | 'ERR_TPM_TRUNCATED',
    needed: number,
    available: number,
    options: BootproofErrorOptions = {},
  ) {
    const what = options.field ? `${options.field}: ` : ''
    const at = options.offset !== undefined ? ` at offset ${options.offset}` : ''
    super(code, `${what}needs ${needed} bytes but only ${available} remain${at}`, options)
    this.needed = needed
    this.available = available
  }
}

/** A named hard limit (file-type style) was exceeded. */
export class LimitExceededError extends BootproofError {
  readonly limit: string
  readonly value: number | bigint
  readonly maximum: number
  constructor(
    code: 'ERR_EVENTLOG_LIMIT' | 'ERR_EVENTDATA_LIMIT' | 'ERR_TPM_LIMIT',
    limit: string,
    value: number | bigint,
    maximum: number,
    options: BootproofErrorOptions = {},
  ) {
    const at = options.offset !== undefined ? ` at offset ${options.offset}` : ''
    super(code, `${limit} exceeded: ${value} > ${maximum}${at}`, options)
    this.limit = limit
    this.value = value
    this.maximum = maximum
  }
}

/** Type guard usable across realms / bundles (checks the shape, not `instanceof`). */
export function isBootproofError(e: unknown): e is BootproofError {
  return e instanceof BootproofError || (typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' && (e as { code: string }).code.startsWith('ERR_') && e instanceof Error)
}
