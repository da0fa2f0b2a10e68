import { PassThrough, Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { LineWriter } from '../../src/cli/commands/batch.js'
import { OutputWriteError } from '../../src/cli/batch_output.js'

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

describe('batch LineWriter write errors', () => {
  const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })

  it('turns a failed write into one OutputWriteError naming the output, with no unheard error event', async () => {
    const out = new Writable({ write: (_c, _e, cb) => cb(enospc()) })
    const w = new LineWriter(out, '-o out.ndjson')
    await w.writeLine('{"id":"a"}')
    const err = await w.close(true).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OutputWriteError)
    expect((err as OutputWriteError).message).toBe('cannot write -o out.ndjson: no space left on device (ENOSPC)')
    // Later lines fail at once instead of writing to a failed stream.
    await expect(w.writeLine('x'.repeat(300_000))).rejects.toBeInstanceOf(OutputWriteError)
    w.dispose()
  })

  it('does not wait for drain on a stream destroyed while it waited', async () => {
    const out = new Writable({ highWaterMark: 1, write: () => {} })
    const w = new LineWriter(out, 'standard output')
    const pending = w.writeLine('y'.repeat(300_000))
    out.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))
    const err = await pending.catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OutputWriteError)
    expect((err as OutputWriteError).readerGone).toBe(true)
    w.dispose()
  })
})
