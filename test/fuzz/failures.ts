/**
 * A fuzz failure (a non-library exception, a slow input, or memory over its bound) and how the
 * thrown value is described in it: the error's name, message and code, and the top of its stack
 * with machine-specific path prefixes cut (so that signatures match across machines).
 */

export interface Failure {
  kind: 'exception' | 'slow' | 'heap'
  family: string
  seed: string
  index: number
  runSeed: number
  inputSeed: number
  size: number
  error?: { name: string; message: string; code?: string }
  stackTop?: string[]
  timeMs?: number
  boundMs?: number
  heapBytes?: number
  heapBoundBytes?: number
  signature: string
  file?: string
}

export function stackTop(e: unknown, n = 8): string[] {
  const st = e instanceof Error && typeof e.stack === 'string' ? e.stack : String(e)
  return st
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter((l) => l.startsWith('at '))
    .slice(0, n)
    .map((l) => l.replace(/\(?(file:\/\/)?\/[^()]*?\/(src|test|node_modules)\//, '($2/').replace(/\?[^:]*:/, ':'))
}

export function describeError(e: unknown): { name: string; message: string; code?: string } {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code
    return { name: e.name, message: e.message.slice(0, 500), ...(typeof code === 'string' ? { code } : {}) }
  }
  return { name: typeof e, message: String(e).slice(0, 500) }
}
