/**
 * Boot phase paths for PCR 11, as `systemd-measure` handles them (systemd `src/measure/measure-tool.c`,
 * `--phase=`; systemd-pcrphase(8)).
 *
 * After the stub's section measurements, userspace extends PCR 11 with one word per boot phase
 * (`enter-initrd`, `leave-initrd`, `sysinit`, `ready`, then `shutdown`, `final`). A phase path is
 * the colon-separated list of words measured so far; each word is extended as H(word) — UTF-8,
 * no NUL. Paths are normalised (empty words dropped: `a::b` is `a:b`, `:` is the empty path,
 * "kernel only"); an explicit list is sorted by bytes and de-duplicated, the default list is not.
 * Words are not validated, as systemd-measure does not validate them either.
 */
import { BootproofError } from '../errors.js'
import type { UkiLimits } from './limits.js'

/** The phase words systemd extends into PCR 11 during a boot, in order. */
export const PHASE_WORDS = Object.freeze(['enter-initrd', 'leave-initrd', 'sysinit', 'ready', 'shutdown', 'final'])

/** systemd-measure's default phase paths (`calculate` / `sign` without `--phase`). */
export const DEFAULT_PHASE_PATHS: readonly string[] = Object.freeze([1, 2, 3, 4].map((n) => PHASE_WORDS.slice(0, n).join(':')))

/** Every prefix of the full boot path, the empty path (kernel only) first: the phases a signature may be for. */
export const ALL_PHASE_PATHS: readonly string[] = Object.freeze([0, 1, 2, 3, 4, 5, 6].map((n) => PHASE_WORDS.slice(0, n).join(':')))

const utf8 = new TextEncoder()
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** The words of a phase path, empty words dropped. */
export function phaseWords(path: string): string[] {
  return path.split(':').filter((w) => w !== '')
}

/** `a::b:` → `a:b`; `:` → `` (the empty path). */
export function normalizePhasePath(path: string): string {
  return phaseWords(path).join(':')
}

function compareBytes(a: string, b: string): number {
  const x = utf8.encode(a)
  const y = utf8.encode(b)
  const n = Math.min(x.length, y.length)
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!
  return x.length - y.length
}

/**
 * The phase paths to compute: the defaults when `phases` is undefined, else the given paths
 * normalised, sorted by bytes (strcmp) and de-duplicated — exactly systemd-measure's list.
 * @throws BootproofError ERR_UKI_PHASE_INVALID (a NUL, a lone surrogate, too many or too long paths)
 */
export function resolvePhasePaths(phases: readonly string[] | undefined, limits: Pick<UkiLimits, 'maxPhases' | 'maxPhaseBytes'>): string[] {
  if (phases === undefined) return [...DEFAULT_PHASE_PATHS]
  if (phases.length > limits.maxPhases) throw new BootproofError('ERR_UKI_PHASE_INVALID', `${phases.length} phase paths exceed the limit of ${limits.maxPhases} (maxPhases)`)
  const out = new Set<string>()
  for (const p of phases) {
    if (typeof p !== 'string') throw new TypeError('phases must be strings')
    checkPhasePath(p, limits)
    out.add(normalizePhasePath(p))
  }
  return [...out].sort(compareBytes)
}

/** @throws BootproofError ERR_UKI_PHASE_INVALID */
export function checkPhasePath(p: string, limits: Pick<UkiLimits, 'maxPhaseBytes'>): void {
  // A NUL cannot reach systemd (C strings); a lone surrogate has no UTF-8 form to hash.
  if (p.includes('\0')) throw new BootproofError('ERR_UKI_PHASE_INVALID', 'a phase path contains NUL')
  if (LONE_SURROGATE.test(p)) throw new BootproofError('ERR_UKI_PHASE_INVALID', 'a phase path is not well-formed Unicode (lone surrogate)')
  const n = utf8.encode(p).length
  if (n > limits.maxPhaseBytes) throw new BootproofError('ERR_UKI_PHASE_INVALID', `a phase path of ${n} bytes exceeds ${limits.maxPhaseBytes} (maxPhaseBytes)`)
}
