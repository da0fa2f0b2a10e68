/**
 * JSON mutation: values, types, missing / unknown / duplicate keys, deep nesting, huge arrays and
 * strings, numbers at the edges (1e400, 2^53+1, -0), lone surrogates, plus a few textual cuts.
 * A `hook` lets a family mutate string members structure-aware (e.g. base64 blobs decoded,
 * mutated with the binary walker of their format, re-encoded).
 */
import type { Rng } from './prng.js'

/** Text emitted verbatim by `toJsonText` (numbers JSON.stringify cannot produce, escapes). */
export class Raw {
  constructor(readonly text: string) {}
}
/** Extra members emitted after an object's own ones: duplicate keys. */
export const DUPS = Symbol('dups')
type Obj = Record<string, unknown> & { [DUPS]?: [string, unknown][] }

export function toJsonText(v: unknown, space = false): string {
  const out: string[] = []
  const emit = (x: unknown): void => {
    if (x instanceof Raw) out.push(x.text)
    else if (Array.isArray(x)) {
      out.push('[')
      x.forEach((e, i) => {
        if (i) out.push(',')
        emit(e)
      })
      out.push(']')
    } else if (x && typeof x === 'object') {
      out.push('{')
      let first = true
      const entries: [string, unknown][] = [...Object.entries(x), ...((x as Obj)[DUPS] ?? [])]
      for (const [k, e] of entries) {
        if (!first) out.push(',')
        first = false
        out.push(JSON.stringify(k), space ? ': ' : ':')
        emit(e)
      }
      out.push('}')
    } else if (x === undefined) out.push('null')
    else out.push(JSON.stringify(x))
  }
  emit(v)
  return out.join('')
}

type Path = (string | number)[]

function collect(v: unknown, path: Path, acc: Path[], depth: number): void {
  acc.push(path)
  if (depth > 60 || acc.length > 5000) return
  if (Array.isArray(v)) v.forEach((e, i) => collect(e, [...path, i], acc, depth + 1))
  else if (v && typeof v === 'object' && !(v instanceof Raw)) for (const [k, e] of Object.entries(v)) collect(e, [...path, k], acc, depth + 1)
}

function get(root: unknown, p: Path): unknown {
  let v = root
  for (const k of p) v = (v as Record<string | number, unknown>)[k]
  return v
}

function interestingValue(rng: Rng, old: unknown): unknown {
  const s = typeof old === 'string' ? old : ''
  const choices: (() => unknown)[] = [
    () => null,
    () => true,
    () => false,
    () => 0,
    () => -1,
    () => 1.5,
    () => new Raw('-0'),
    () => new Raw('1e400'),
    () => new Raw('-1e400'),
    () => new Raw('9007199254740993'),
    () => 4294967296,
    () => 2147483648,
    () => 24,
    () => 255,
    () => '',
    () => 'x'.repeat(rng.bool(0.9) ? rng.range(1, 64) : rng.range(1000, 2_000_000)),
    () => new Raw('"\\ud800"'),
    () => '\u0000',
    () => 'sha256',
    () => 'sha1',
    () => 'deadbeef',
    () => '0'.repeat(64),
    () => 'A'.repeat(43),
    () => '=',
    () => '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----',
    () => '../../etc/passwd',
    () => '__proto__',
    () => ({}),
    () => [],
    () => [old],
    () => ({ value: old }),
    () => (typeof old === 'number' ? String(old) : Number(old)),
    () => s.slice(0, rng.int(s.length + 1)),
    () => s + rng.pick(['0', 'g', '=', ' ', '\n', 'é', 'A']),
    () => s.toUpperCase(),
    () => (typeof old === 'number' ? old + rng.pick([1, -1]) : old),
    () => (typeof old === 'number' ? -old : old),
    () => (typeof old === 'number' ? old * 1e6 : old),
  ]
  return rng.pick(choices)()
}

export interface JsonMutateOptions {
  /** Mutate a string member structure-aware; return undefined to decline. */
  hook?: (path: Path, value: string, rng: Rng) => string | undefined
  /** Probability of using the hook when the picked node is a string (default 0.5). */
  hookRate?: number
  donors?: readonly unknown[]
}

/** One or more mutations of a JSON document; returns text. */
export function mutateJson(doc: unknown, rng: Rng, opts: JsonMutateOptions = {}): string {
  let root = structuredClone(doc)
  const n = rng.bool(0.6) ? 1 : rng.range(2, 4)
  for (let i = 0; i < n; i++) root = mutateOnce(root, rng, opts)
  let text = toJsonText(root, rng.bool(0.2))
  if (rng.bool(0.08)) text = mutateText(text, rng)
  return text
}

function setAt(root: unknown, p: Path, v: unknown): unknown {
  if (!p.length) return v
  ;(get(root, p.slice(0, -1)) as Record<string | number, unknown>)[p[p.length - 1]!] = v
  return root
}

function mutateOnce(root: unknown, rng: Rng, opts: JsonMutateOptions): unknown {
  const paths: Path[] = []
  collect(root, [], paths, 0)
  const p = rng.pick(paths)
  const v = get(root, p)
  if (typeof v === 'string' && opts.hook && rng.bool(opts.hookRate ?? 0.5)) {
    const m = opts.hook(p, v, rng)
    if (m !== undefined) return setAt(root, p, m)
  }
  const parent = p.length ? get(root, p.slice(0, -1)) : undefined
  const key = p[p.length - 1]
  switch (rng.int(9)) {
    case 0:
    case 1:
    case 2:
      return setAt(root, p, interestingValue(rng, v))
    case 3: // delete
      if (Array.isArray(parent)) parent.splice(key as number, 1)
      else if (parent && typeof parent === 'object') delete (parent as Record<string, unknown>)[key as string]
      return root
    case 4: {
      // unknown member or duplicate member
      const target = v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Raw) ? (v as Obj) : parent && typeof parent === 'object' && !Array.isArray(parent) ? (parent as Obj) : undefined
      if (!target) return setAt(root, p, interestingValue(rng, v))
      const keys = Object.keys(target)
      if (keys.length && rng.bool(0.6)) {
        const k = rng.pick(keys)
        ;(target[DUPS] ??= []).push([k, rng.bool(0.5) ? target[k] : interestingValue(rng, target[k])])
      } else target[rng.pick(['bogus', 'extra', '__proto__', 'constructor', '', 'version', 'Version'])] = interestingValue(rng, undefined)
      return root
    }
    case 5: {
      // deep nesting, emitted as raw text (no deep JS structure in the harness itself)
      const depth = rng.bool(0.85) ? rng.range(2, 100) : rng.range(1000, 20000)
      const inner = toJsonText(v === undefined ? null : v)
      const arr = rng.bool(0.5)
      return setAt(root, p, new Raw(arr ? '['.repeat(depth) + inner + ']'.repeat(depth) : '{"a":'.repeat(depth) + inner + '}'.repeat(depth)))
    }
    case 6: {
      // swap in a value from elsewhere (this document or a donor)
      const src = opts.donors?.length && rng.bool(0.5) ? rng.pick(opts.donors) : root
      const sp: Path[] = []
      collect(src, [], sp, 0)
      return setAt(root, p, structuredClone(get(src, rng.pick(sp))))
    }
    case 7:
      if (Array.isArray(v)) {
        if (rng.bool(0.3)) return setAt(root, p, [])
        const k = rng.bool(0.8) ? rng.range(1, 4) : rng.range(100, 5000)
        const e = v.length ? v[rng.int(v.length)] : null
        for (let j = 0; j < k; j++) v.splice(rng.int(v.length + 1), 0, structuredClone(e))
        return root
      }
      return setAt(root, p, interestingValue(rng, v))
    default:
      if (Array.isArray(parent) && parent.length > 1) {
        const j = rng.int(parent.length)
        const t = parent[j]
        parent[j] = parent[key as number]
        parent[key as number] = t
        return root
      }
      return setAt(root, p, interestingValue(rng, v))
  }
}

/** Textual damage to a (JSON or line-based) text. */
export function mutateText(text: string, rng: Rng): string {
  if (!text.length) return rng.pick(['{', '[', '"', '\n', ' '])
  const at = rng.int(text.length)
  switch (rng.int(7)) {
    case 0:
      return text.slice(0, at)
    case 1:
      return text.slice(0, at) + rng.pick(['{', '}', '[', ']', '"', ',', ':', '\\', '\u0000', '\n', '\r', '\ufeff', 'é', '\ud800']) + text.slice(at)
    case 2:
      return text.slice(0, at) + text.slice(at + rng.range(1, 16))
    case 3:
      return '\ufeff' + text
    case 4:
      return text + rng.pick([' ', 'x', '}', '\n{}', '\u0000'])
    case 5: {
      const n = rng.range(1, Math.min(256, text.length - at))
      return text.slice(0, at) + text.slice(at, at + n).repeat(rng.range(2, 8)) + text.slice(at + n)
    }
    default:
      return text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ (1 << rng.int(7))) + text.slice(at + 1)
  }
}

// ------------------------------------------------------------------ base64 helpers for hooks

export function b64decode(s: string): Uint8Array | undefined {
  try {
    const std = s.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '')
    const bin = atob(std + '='.repeat((4 - (std.length % 4)) % 4))
    return Uint8Array.from(bin, (c) => c.charCodeAt(0))
  } catch {
    return undefined
  }
}

export function b64encode(b: Uint8Array, url = false): string {
  let bin = ''
  for (let i = 0; i < b.length; i += 0x8000) bin += String.fromCharCode(...b.subarray(i, i + 0x8000))
  const s = btoa(bin)
  return url ? s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') : s
}
