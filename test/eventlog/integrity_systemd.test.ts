/**
 * Event-content integrity for systemd's firmware-log measurements: tagged events whose digest is
 * of the file they name (no false EVENT_DIGEST_MISMATCH on a real systemd-boot machine), the
 * PCR 8 UTF-16 command line logged one byte short of what was hashed, and systemd-stub's UTF-16
 * section names hashed as ASCII. Each form binds the logged bytes; anything else stays unbound.
 */
import { describe, expect, it } from 'vitest'
import { parseEventLog } from '../../src/eventlog/parse.js'
import { verifyEventIntegrity } from '../../src/eventlog/integrity.js'
import { EV } from '../../src/eventlog/event_types.js'
import { buildEventLog, concatBytes, standardBoot, u32le, utf16le, type LogEvent } from '../../src/testing/log_builder.js'

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s)

function check(events: LogEvent[]) {
  const log = parseEventLog(buildEventLog({ events: [...standardBoot(), ...events] }).bytes)
  const report = verifyEventIntegrity(log)
  const extra = report.events.slice(-events.length)
  return { report, extra, mismatches: report.findings.filter((f) => f.code === 'EVENT_DIGEST_MISMATCH') }
}

const tag = (id: number, text: string, hashed: Uint8Array): LogEvent => {
  const desc = utf16le(text)
  return { pcr: 5, type: EV.EV_EVENT_TAG, data: concatBytes(u32le(id), u32le(desc.length), desc), hashed }
}

describe('systemd tagged events', () => {
  it('loader.conf, SMBIOS and addon tags hash the content they name: no mismatch finding, content unverified', () => {
    const { extra, mismatches } = check([tag(0xf5bc582a, 'loader.conf\0', ascii('timeout 3\n')), tag(0xd5cb7cbc, 'smbios\0', ascii('table')), { ...tag(0x49dffe0f, 'a.addon.efi\0', ascii('cpio')), pcr: 12 }])
    expect(mismatches).toEqual([])
    expect(extra).toHaveLength(3)
    for (const e of extra) expect(e.status).not.toBe('verified')
  })

  it('an unknown tag id still binds its data strictly: the same edit is a mismatch', () => {
    const { mismatches } = check([tag(0x12345678, 'loader.conf\0', ascii('timeout 3\n'))])
    expect(mismatches).toHaveLength(1)
  })
})

describe('PCR 8 UTF-16 command line one byte short (systemd-boot <= 250)', () => {
  const full = utf16le('root=/dev/sda1 quiet\0')
  it('the digest over the data plus its missing zero byte verifies the logged data', () => {
    const { extra, mismatches } = check([{ pcr: 8, type: EV.EV_IPL, data: full.subarray(0, full.length - 1), hashed: full }])
    expect(mismatches).toEqual([])
    expect(extra[0]!.status).toBe('verified')
  })

  it('an edited logged line does not verify', () => {
    const edited = utf16le('root=/dev/sdb1 quiet\0')
    const { extra } = check([{ pcr: 8, type: EV.EV_IPL, data: edited.subarray(0, edited.length - 1), hashed: full }])
    expect(extra[0]!.status).not.toBe('verified')
  })
})

describe('systemd-stub section names (PCR 11)', () => {
  it('a UTF-16 name hashed as ASCII with its NUL verifies', () => {
    const { extra } = check([{ pcr: 11, type: EV.EV_IPL, data: utf16le('.linux\0'), hashed: ascii('.linux\0') }])
    expect(extra[0]!.status).toBe('verified')
  })

  it('a relabelled name (.initrd shown, .linux hashed) does not verify, and in another PCR the form is not tried', () => {
    expect(check([{ pcr: 11, type: EV.EV_IPL, data: utf16le('.initrd\0'), hashed: ascii('.linux\0') }]).extra[0]!.status).not.toBe('verified')
    expect(check([{ pcr: 12, type: EV.EV_IPL, data: utf16le('.linux\0'), hashed: ascii('.linux\0') }]).extra[0]!.status).not.toBe('verified')
  })

  it('non-ASCII UTF-16 is never mapped to ASCII', () => {
    const data = concatBytes(utf16le('.linux'), new Uint8Array([0xe9, 0x00, 0, 0]))
    expect(check([{ pcr: 11, type: EV.EV_IPL, data, hashed: ascii('.linux\xe9\0') }]).extra[0]!.status).not.toBe('verified')
  })
})
