import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { LineWriter } from '../../src/cli/commands/batch.js'

describe('batch LineWriter', () => {
  it('writes every line, bytes or string, once and in order, each with LF, across chunk boundaries and for lines longer than a chunk', async () => {
    const out = new PassThrough()
    const got: Buffer[] = []
    out.on('data', (d: Buffer) => got.push(d))
    const w = new LineWriter(out)
    const want: string[] = []
    let seed = 3
    for (let i = 0; i < 400; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      // Mostly ~3.5 KB lines, some empty, some longer than the 256 KiB chunk, some multi-byte.
      const n = i % 97 === 0 ? 300_000 + (seed % 1000) : i % 13 === 0 ? 0 : 3000 + (seed % 1000)
      const line = (i % 5 === 0 ? '—' : 'x').repeat(i % 5 === 0 ? Math.ceil(n / 3) : n) + String(i)
      want.push(line)
      await w.writeLine(i % 2 === 0 ? line : new TextEncoder().encode(line))
    }
    await w.flush()
    out.end()
    expect(Buffer.concat(got).toString('utf8')).toBe(want.map((l) => l + '\n').join(''))
  })
})
