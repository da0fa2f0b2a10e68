/**
 * The lazily decoded IMA entry shared by binary and ASCII lists.
 *
 * Both parsers decode and check every entry once while parsing (every finding is raised then)
 * and keep only a compact object per entry: the list context, the entry's index and offset,
 * and its template-hash status. Every other `ImaEntry` property is a getter that decodes the
 * entry again from the list's private copy of the input (which the caller cannot change), so
 * it always returns what was checked at parse time. Only how an entry is found and decoded
 * differs between the formats: a subclass supplies `decodeAgain` and may read single
 * properties directly at their offsets instead of decoding the whole entry.
 *
 * Objects returned by the getters may be fresh on each read: do not rely on identity
 * (`e.fields !== e.fields` may hold).
 */
import type { ImaDigest, ImaEntry, ImaFields, ImaRawField, ImaTemplateHashStatus } from './types.js'

/** An entry decoded in full; kept only transiently (in the list's one-entry cache). */
export type DecodedImaEntry = Omit<ImaEntry, 'index' | 'offset' | 'line' | 'templateHashStatus'>

/**
 * What every entry of one list shares. The cache holds the last entry decoded in full, so that
 * reading several properties of one entry in a row (filename, fields, rawFields) decodes it
 * once; what every pass reads (pcr, violation, templateHash) subclasses read without a full
 * decode, and the template hash is checked during the parse. It is kept per list, not
 * module-wide: its views point into this list's copy of the input, so a module-wide cache would
 * pin that copy. (A WeakRef does not do: every target created in a synchronous job is kept alive
 * until the job ends, so a caller parsing many lists in one loop retained them all.)
 */
export interface LazyImaListContext {
  readonly bytes: Uint8Array
  cachedIndex: number
  cached: DecodedImaEntry | undefined
}

export abstract class LazyImaEntry<C extends LazyImaListContext> implements ImaEntry {
  // The one per-entry reference to the list: subclasses reach it through `list` (a prototype
  // getter), so an entry carries no second field for it.
  readonly #ctx: C
  readonly index: number
  readonly offset: number
  templateHashStatus: ImaTemplateHashStatus = 'not-applicable'

  constructor(ctx: C, index: number, offset: number) {
    this.#ctx = ctx
    this.index = index
    this.offset = offset
  }

  /** The list this entry belongs to. */
  protected get list(): C {
    return this.#ctx
  }

  /** Decodes this entry again from the list's copy of the input (validated at parse time). */
  protected abstract decodeAgain(): DecodedImaEntry

  /** This entry decoded in full, through the list's one-entry cache. */
  protected decoded(): DecodedImaEntry {
    const ctx = this.#ctx
    if (ctx.cached && ctx.cachedIndex === this.index) return ctx.cached
    const d = this.decodeAgain()
    ctx.cachedIndex = this.index
    ctx.cached = d
    return d
  }

  /** The position properties that lead the plain object (the ASCII list adds `line`). */
  protected position(): Pick<ImaEntry, 'index' | 'offset' | 'line'> {
    return { index: this.index, offset: this.offset }
  }

  get pcr(): number {
    return this.decoded().pcr
  }
  get templateHash(): Uint8Array {
    return this.decoded().templateHash
  }
  get templateName(): string {
    return this.decoded().templateName
  }
  get templateData(): Uint8Array | undefined {
    return this.decoded().templateData
  }
  get fields(): ImaFields {
    return this.decoded().fields
  }
  get rawFields(): ImaRawField[] {
    return this.decoded().rawFields
  }
  get filename(): string | undefined {
    return this.decoded().filename
  }
  get fileDigest(): ImaDigest | undefined {
    return this.decoded().fileDigest
  }
  get violation(): boolean {
    return this.decoded().violation
  }

  /** The plain object (getters are not own properties, so `JSON.stringify` needs this). */
  toJSON(): ImaEntry {
    return { ...this.position(), ...this.decoded(), templateHashStatus: this.templateHashStatus }
  }
}
