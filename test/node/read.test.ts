/** `bootproof/node`: every fs failure is a BootproofError with a stable code and the path. */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isBootproofError } from '../../src/errors.js'
import { InputFileError, LINUX_EVENTLOG_PATH, readBytes, readEventLog } from '../../src/node/index.js'
import { fsError, readFileBounded, readFileBoundedSync } from '../../src/node/read_file.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const LOG = join(ROOT, 'test-vectors/ovmf/sb-esp/binary_bios_measurements')

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bootproof-node-'))
  execFileSync('mkfifo', [join(dir, 'fifo')])
  mkdirSync(join(dir, 'dir'))
  symlinkSync(join(dir, 'fifo'), join(dir, 'link-fifo'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function rejection(p: Promise<unknown>): Promise<InputFileError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  )
  expect(isBootproofError(e), String(e)).toBe(true)
  expect(e).toBeInstanceOf(InputFileError)
  return e as InputFileError
}

describe('readBytes / readEventLog', () => {
  it('read a real log', async () => {
    expect(await readBytes(LOG)).toEqual(new Uint8Array(readFileSync(LOG)))
    expect((await readEventLog(LOG)).events.length).toBeGreaterThan(10)
  })

  it('ENOENT → ERR_INPUT_INVALID with the path and the OS code (not a raw fs error)', async () => {
    const p = join(dir, 'missing')
    const e = await rejection(readBytes(p))
    expect(e).toMatchObject({ code: 'ERR_INPUT_INVALID', path: p, sysCode: 'ENOENT' })
    expect(e.message).toContain(p)
    expect(e.toJSON()).toMatchObject({ code: 'ERR_INPUT_INVALID', path: p, sysCode: 'ENOENT' })
  })

  it('a directory, a FIFO and a symlink to a FIFO → ERR_INPUT_NOT_FILE without blocking', async () => {
    for (const n of ['dir', 'fifo', 'link-fifo']) {
      const e = await rejection(readEventLog(join(dir, n)))
      expect(e).toMatchObject({ code: 'ERR_INPUT_NOT_FILE', path: join(dir, n) })
    }
    expect(() => readFileBoundedSync('/dev/zero', { maxBytes: 10 })).toThrowError(expect.objectContaining({ code: 'ERR_INPUT_NOT_FILE' }))
  })

  it('readEventLog stops at the parser limit the caller sets', async () => {
    const e = await rejection(readEventLog(LOG, { limits: { maxLogBytes: 1000 } }))
    expect(e).toMatchObject({ code: 'ERR_INPUT_TOO_LARGE', path: LOG })
    expect(e.message).toContain('1000')
  })

  it('readBytes honours maxBytes exactly', async () => {
    const p = join(dir, 'ten')
    writeFileSync(p, new Uint8Array(10))
    expect((await readBytes(p, { maxBytes: 10 })).length).toBe(10)
    expect((await rejection(readBytes(p, { maxBytes: 9 }))).code).toBe('ERR_INPUT_TOO_LARGE')
    expect((await readFileBounded(p, { maxBytes: 10 })).length).toBe(10)
  })

  it('a size-0 pseudo-file is read to EOF (securityfs files report size 0)', async () => {
    if (!existsSync('/proc/self/status')) return
    expect((await readBytes('/proc/self/status')).length).toBeGreaterThan(100)
  })

  it('the default securityfs path, when unreadable, says what access it needs', async () => {
    if (existsSync(LINUX_EVENTLOG_PATH)) return // a machine with a readable TPM log: nothing to map
    const e = await rejection(readEventLog())
    expect(e).toMatchObject({ code: 'ERR_INPUT_INVALID', path: LINUX_EVENTLOG_PATH, sysCode: 'ENOENT' })
    expect(e.message).toMatch(/root/)
    expect(e.message).toMatch(/securityfs mounted/)
  })
})

describe('fsError maps every fs error', () => {
  const sys = (code: string, message = code) => Object.assign(new Error(message), { code })
  it('EACCES / EPERM → ERR_INPUT_INVALID "permission denied", hint under /sys/kernel/security', () => {
    const e = fsError(sys('EACCES'), LINUX_EVENTLOG_PATH) as InputFileError
    expect(e).toMatchObject({ code: 'ERR_INPUT_INVALID', path: LINUX_EVENTLOG_PATH, sysCode: 'EACCES' })
    expect(e.message).toContain('permission denied')
    expect(e.message).toContain('securityfs')
    const e2 = fsError(sys('EPERM'), '/tmp/x') as InputFileError
    expect(e2).toMatchObject({ code: 'ERR_INPUT_INVALID', sysCode: 'EPERM' })
    expect(e2.message).not.toContain('securityfs')
  })
  it('EISDIR → ERR_INPUT_NOT_FILE; unknown errors keep their message; non-errno values too', () => {
    expect(fsError(sys('EISDIR'), '/x')).toMatchObject({ code: 'ERR_INPUT_NOT_FILE' })
    expect(fsError(sys('EIO', 'i/o error'), '/x')).toMatchObject({ code: 'ERR_INPUT_INVALID', sysCode: 'EIO', message: expect.stringContaining('i/o error') })
    expect(fsError('boom', '/x')).toMatchObject({ code: 'ERR_INPUT_INVALID', message: expect.stringContaining('boom') })
  })
})

describe('paths in read errors', () => {
  it('a path holding a newline is shown quoted and escaped: it cannot forge a line of the message', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bootproof-readpath-'))
    const path = join(dir, 'missing\nbootproof: ERR_FAKE: forged')
    let message = ''
    try {
      readFileBoundedSync(path, { maxBytes: 16, what: 'event log' })
    } catch (e) {
      message = (e as Error).message
    }
    expect(message).toContain('cannot read event log "')
    expect(message).toContain('missing\\nbootproof')
    expect(message).not.toContain('\n')
    // A plain path is shown as given.
    let plain = ''
    try {
      readFileBoundedSync(join(dir, 'plain.bin'), { maxBytes: 16, what: 'event log' })
    } catch (e) {
      plain = (e as Error).message
    }
    expect(plain).toContain(`cannot read event log ${join(dir, 'plain.bin')}:`)
  })
})
