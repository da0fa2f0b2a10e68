/**
 * TPM structures are big-endian "canonical form" (TPM 2.0 Part 1 §18). These helpers wrap the
 * library's single `ByteReader` with the TPM error codes and the "no trailing bytes" rule.
 */
import { ByteReader } from '../bytes/reader.js'
import { BootproofError } from '../errors.js'

/** A cursor that throws ERR_TPM_TRUNCATED / ERR_TPM_LIMIT. */
export function tpmReader(bytes: Uint8Array, base = 0): ByteReader {
  return new ByteReader(bytes, { truncated: 'ERR_TPM_TRUNCATED', limit: 'ERR_TPM_LIMIT', base })
}

/** Throw ERR_TPM_TRAILING_BYTES unless the cursor consumed everything. */
export function expectEnd(r: ByteReader, structure: string): void {
  if (r.remaining !== 0) {
    throw new BootproofError('ERR_TPM_TRAILING_BYTES', `${structure}: ${r.remaining} trailing byte(s) after the structure`, {
      offset: r.offset,
      field: structure,
    })
  }
}

export function malformed(message: string, r: ByteReader | undefined, field: string): never {
  throw new BootproofError('ERR_TPM_MALFORMED', message, { offset: r?.offset, field })
}

export function unsupported(message: string, r: ByteReader | undefined, field: string): never {
  throw new BootproofError('ERR_TPM_UNSUPPORTED', message, { offset: r?.offset, field })
}

/** A byte copy that owns its ArrayBuffer (safe to hand to WebCrypto and to keep). */
export function copyBytes(b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(b.length)
  out.set(b)
  return out
}
