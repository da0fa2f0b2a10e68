/**
 * What a fuzz family provides to the harness (targets/*.ts implement it): its seeds, a mutator,
 * the entry points an input is fed to, and the input's size and bytes.
 */
import type { Rng } from './lib/prng.js'

export interface Seed<T> {
  name: string
  value: T
  /** Free-form per-seed data for the family (e.g. which sub-target applies). */
  meta?: Record<string, unknown>
}

export interface SeedSet<T> {
  seeds: Seed<T>[]
  /** Printed: e.g. "corpus absent: 0 corpus seeds". */
  notes: string[]
}

export interface Family<T> {
  name: string
  description: string
  seeds(): Promise<SeedSet<T>>
  /** A mutated input derived from `seed` (deterministic given `rng`). */
  mutate(seed: Seed<T>, rng: Rng, all: readonly Seed<T>[]): T
  /** Feed the input to the library. May return a promise. */
  run(input: T, seed: Seed<T>): unknown
  size(input: T): number
  toBytes(input: T): Uint8Array
  /**
   * Unmutated inputs representative of what `mutate` derives from this seed when that differs
   * from the seed itself (tokens re-signed with the harness key go down the full verification
   * path, the recorded token stops at key selection): the time and heap baselines take the max.
   */
  baselineInputs?(seed: Seed<T>): T[]
}
