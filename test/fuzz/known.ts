/**
 * Open fuzz findings: non-library exceptions already reported, whose fix is pending in src/.
 * The smoke test prints them instead of failing on them; each has an `it.todo` in
 * regressions.test.ts naming its saved input. When the fix lands: turn the todo into a test,
 * delete the entry here (the smoke test then guards it too).
 */
import type { Failure } from './failures.js'

export interface KnownFinding {
  family: string
  /** Saved input under test/fuzz/findings/<family>/. */
  file: string
  what: string
  match(f: Failure): boolean
}

export const KNOWN_OPEN: KnownFinding[] = []
