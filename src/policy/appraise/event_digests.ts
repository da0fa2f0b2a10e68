/** Lazy bank → hex view of an event's digests, shared by the event-rule and digest checks. */
import { toHex } from '../../bytes/hex.js'
import type { TcgEvent } from '../../eventlog/types.js'

/**
 * An event's digests as bank → lowercase hex, encoded on first read of each bank: rules compare
 * one or two banks, so most events never need the others' hex. Reads only (the policy banks).
 */
class EventDigestHex {
  private readonly ev: TcgEvent
  private h1: string | undefined | null = null
  private h256: string | undefined | null = null
  private h384: string | undefined | null = null
  private h512: string | undefined | null = null
  private hsm3: string | undefined | null = null
  constructor(ev: TcgEvent) {
    this.ev = ev
  }
  private hex(bank: string): string | undefined {
    let v: string | undefined
    for (const d of this.ev.digests) if (d.bank === bank) v = toHex(d.digest)
    return v
  }
  get sha1(): string | undefined {
    return this.h1 === null ? (this.h1 = this.hex('sha1')) : this.h1
  }
  get sha256(): string | undefined {
    return this.h256 === null ? (this.h256 = this.hex('sha256')) : this.h256
  }
  get sha384(): string | undefined {
    return this.h384 === null ? (this.h384 = this.hex('sha384')) : this.h384
  }
  get sha512(): string | undefined {
    return this.h512 === null ? (this.h512 = this.hex('sha512')) : this.h512
  }
  get sm3_256(): string | undefined {
    return this.hsm3 === null ? (this.hsm3 = this.hex('sm3_256')) : this.hsm3
  }
}

/** bank → hex of an event's digests, for the policy banks (the only ones rules and messages read). */
export function eventDigests(ev: TcgEvent): Record<string, string> {
  return new EventDigestHex(ev) as unknown as Record<string, string>
}
