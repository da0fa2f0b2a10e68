import { describe, it, expect } from 'vitest'
import { EV } from '../../../src/eventlog/event_types.js'
import { decodeEventData, summarizeEventData } from '../../../src/eventlog/decode/index.js'
import { parseEventLog } from '../../../src/eventlog/parse.js'
import { DEFAULT_EVENTLOG_LIMITS, resolveLimits } from '../../../src/limits.js'
import { buildEventLog, events } from '../../../src/testing/log_builder.js'
import { ascii, cat, guid, hexBytes, input, u32, u64, utf16 } from './helpers.js'

const decode = (type: number, data: Uint8Array, pcr = 0) => decodeEventData(input(type, data, pcr))

describe('EV_EFI_ACTION / EV_ACTION', () => {
  it('well-known strings are exact', () => {
    const d = decode(EV.EV_EFI_ACTION, ascii('Calling EFI Application from Boot Option'), 4)
    expect(d).toEqual({ kind: 'action', text: 'Calling EFI Application from Boot Option', printable: true, wellKnown: true })
    expect(summarizeEventData(d)).toBe('"Calling EFI Application from Boot Option"')
  })

  it('one extra or missing byte is not the well-known string (L-09)', () => {
    expect(decode(EV.EV_EFI_ACTION, ascii('Exit Boot Services Invocation\0'), 5)).toEqual({
      kind: 'action',
      text: 'Exit Boot Services Invocation\\x00',
      printable: false,
      wellKnown: false,
    })
    expect(decode(EV.EV_EFI_ACTION, ascii('Exit Boot Services Invocatio'), 5)).toMatchObject({ printable: true, wellKnown: false })
  })

  it('non-printables are escaped and flagged', () => {
    expect(decode(EV.EV_ACTION, Uint8Array.of(0x41, 0x0a, 0xff))).toEqual({ kind: 'action', text: 'A\\x0a\\xff', printable: false, wellKnown: false })
  })
})

describe('EV_POST_CODE', () => {
  it('"ACPI DATA" (a 9-byte body) decodes as a descriptor', () => {
    expect(decode(EV.EV_POST_CODE, ascii('ACPI DATA'))).toEqual({ kind: 'text', text: 'ACPI DATA', encoding: 'ascii', nulTerminated: false, printable: true })
  })

  it('a 9-byte binary body (tpm2-tools #2017) is kept raw, never a failure', () => {
    const d = decode(EV.EV_POST_CODE, Uint8Array.of(0, 0, 0xa2, 0xff, 0, 0, 0, 0, 0x4e))
    expect(d).toEqual({ kind: 'raw', note: 'POST code data of 9 bytes is neither a descriptor string nor a blob' })
  })

  it('a 16-byte blob is {base, length}', () => {
    const d = decode(EV.EV_POST_CODE, cat(u64(0xffa20000), u64(0x4e0000)))
    expect(d).toEqual({ kind: 'firmware-blob', base: '0xffa20000', length: '0x4e0000' })
    expect(summarizeEventData(d)).toBe('base 0xffa20000, length 0x4e0000')
  })
})

describe('S-CRTM events', () => {
  it('version: UCS-2 NUL-terminated string', () => {
    expect(decode(EV.EV_S_CRTM_VERSION, utf16('N1FET43W \0'))).toMatchObject({ kind: 'text', text: 'N1FET43W ', encoding: 'utf-16le', nulTerminated: true, printable: true })
  })

  it('version: GCE writes just the UTF-16 NUL', () => {
    expect(decode(EV.EV_S_CRTM_VERSION, Uint8Array.of(0, 0))).toMatchObject({ kind: 'text', text: '', encoding: 'utf-16le', nulTerminated: true })
  })

  it('version: a 16-byte GUID', () => {
    const g = '546bfb1e-1d0c-4055-a4ad-4ef4bf17b83a'
    expect(decode(EV.EV_S_CRTM_VERSION, guid(g))).toEqual({ kind: 'guid', guid: g })
  })

  it('version: anything else is raw', () => {
    expect(decode(EV.EV_S_CRTM_VERSION, Uint8Array.of(0x4d, 0x36, 0x30, 0, 0xbe, 0x80, 7))).toMatchObject({ kind: 'raw' })
  })

  it('contents: NUL-terminated ASCII', () => {
    expect(decode(EV.EV_S_CRTM_CONTENTS, ascii('Boot Guard Measured S-CRTM\0'))).toMatchObject({ kind: 'text', text: 'Boot Guard Measured S-CRTM', nulTerminated: true })
  })
})

describe('fixed-string events', () => {
  it.each([
    ['HCRTM', true],
    ['HCRT', false],
    ['HCRTMX', false],
    ['HCRTM\0', false],
  ])('EV_EFI_HCRTM_EVENT %j matches: %s', (s, ok) => {
    const d = decode(EV.EV_EFI_HCRTM_EVENT, ascii(s))
    expect(d).toMatchObject({ kind: 'text', expected: 'HCRTM', matchesExpected: ok })
    if (!ok) expect(summarizeEventData(d)).toContain('(expected "HCRTM")')
  })

  it('EV_OMIT_BOOT_DEVICE_EVENTS', () => {
    expect(decode(EV.EV_OMIT_BOOT_DEVICE_EVENTS, ascii('BOOT ATTEMPTS OMITTED'), 4)).toMatchObject({ matchesExpected: true })
    expect(decode(EV.EV_OMIT_BOOT_DEVICE_EVENTS, ascii('BOOT ATTEMPTS'), 4)).toMatchObject({ matchesExpected: false })
  })
})

describe('EV_IPL', () => {
  it.each([
    ['grub_cmd: linux /vmlinuz root=/dev/sda1\0', 'grub-command', 'grub_cmd: ', 'linux /vmlinuz root=/dev/sda1'],
    ['kernel_cmdline: /vmlinuz ro quiet\0', 'grub-kernel-cmdline', 'kernel_cmdline: ', '/vmlinuz ro quiet'],
    ['module_cmdline: /initrd.img\0', 'grub-module-cmdline', 'module_cmdline: ', '/initrd.img'],
    ['grub_kernel_cmdline /vmlinuz ro', 'grub-kernel-cmdline', 'grub_kernel_cmdline ', '/vmlinuz ro'],
    ['grub_cmd set root=hd0', 'grub-command', 'grub_cmd ', 'set root=hd0'],
  ])('GRUB %j', (raw, form, prefix, text) => {
    const d = decode(EV.EV_IPL, ascii(raw), 8)
    expect(d).toMatchObject({ kind: 'ipl', form, prefix, text, nulTerminated: raw.endsWith('\0') })
    expect(summarizeEventData(d)).toBe(`${prefix}${text}`)
  })

  it('GRUB file paths and shim variable names are plain text', () => {
    expect(decode(EV.EV_IPL, ascii('(hd0,gpt1)/boot/grub/grub.cfg\0'), 9)).toMatchObject({ kind: 'ipl', form: 'text', text: '(hd0,gpt1)/boot/grub/grub.cfg' })
    expect(decode(EV.EV_IPL, ascii('MokList\0'), 14)).toMatchObject({ form: 'text', text: 'MokList' })
  })

  it('systemd-stub UTF-16LE strings', () => {
    expect(decode(EV.EV_IPL, utf16('.linux\0'), 11)).toMatchObject({ kind: 'ipl', form: 'utf-16le', text: '.linux', nulTerminated: true })
    expect(decode(EV.EV_IPL, utf16('console=ttyS0 quiet\0'), 12)).toMatchObject({ form: 'utf-16le', text: 'console=ttyS0 quiet' })
  })
})

describe('other string-like events', () => {
  it('GCE NonHostInfo with its technology byte', () => {
    const data = cat(ascii('GCE NonHostInfo\0'), [4], new Uint8Array(15))
    const d = decode(EV.EV_NONHOST_INFO, data)
    expect(d).toEqual({ kind: 'gce-nonhost-info', technology: 4, technologyName: 'AMD_SEV_SNP' })
    expect(summarizeEventData(d)).toBe('GCE NonHostInfo: AMD_SEV_SNP')
    expect(decode(EV.EV_NONHOST_INFO, ascii('GCE NonHostInfo\0'))).toMatchObject({ kind: 'raw' })
  })

  it('EV_PLATFORM_CONFIG_FLAGS text with NUL padding, else raw', () => {
    expect(decode(EV.EV_PLATFORM_CONFIG_FLAGS, cat(ascii('etc/acpi/rsdp'), new Uint8Array(43)), 1)).toMatchObject({ kind: 'text', text: 'etc/acpi/rsdp', nulTerminated: true })
    expect(decode(EV.EV_PLATFORM_CONFIG_FLAGS, hexBytes('8b040000011c0400'), 1)).toMatchObject({ kind: 'raw' })
  })

  it('EV_COMPACT_HASH: Windows 4-byte values are raw', () => {
    expect(decode(EV.EV_COMPACT_HASH, u32(0x10), 11)).toEqual({ kind: 'raw', note: 'compact hash: 4 bytes of binary data' })
  })
})

describe('EV_SEPARATOR (TCG PFP)', () => {
  const sep = (data: Uint8Array, pcr = 0) => decode(EV.EV_SEPARATOR, data, pcr)
  it('value 0 is normal', () => {
    const d = sep(u32(0))
    expect(d).toEqual({ kind: 'separator', meaning: 'normal', value: 0 })
    expect(summarizeEventData(d)).toBe('separator 0x00000000')
  })
  it('0xFFFFFFFF is recorded as such', () => expect(sep(u32(0xffffffff))).toEqual({ kind: 'separator', meaning: 'ffffffff', value: 0xffffffff }))
  it('1 is an error separator', () => {
    const d = sep(u32(1))
    expect(d).toMatchObject({ kind: 'separator', meaning: 'error', value: 1 })
    expect(summarizeEventData(d)).toBe('separator 0x00000001 (error)')
  })
  it('"WBCL" closes Windows PCR 12-14', () => expect(sep(ascii('WBCL'), 12)).toEqual({ kind: 'separator', meaning: 'wbcl' }))
  it('other 4-byte values are nonstandard', () => expect(sep(u32(2))).toMatchObject({ meaning: 'nonstandard', value: 2 }))
  it.each([3, 5, 0])('%i bytes is nonstandard (L-09)', (n) => {
    const d = sep(new Uint8Array(n))
    expect(d).toEqual({ kind: 'separator', meaning: 'nonstandard', note: `separator data is ${n} bytes, not 4` })
  })
})

describe('text cost bounds: limits.maxDecodedTextBytes and binary bodies (attack L-01)', () => {
  const limits = (max: number) => ({ ...DEFAULT_EVENTLOG_LIMITS, maxDecodedTextBytes: max })
  const decodeWith = (type: number, data: Uint8Array, max: number, pcr = 8) => decodeEventData(input(type, data, pcr, limits(max)))
  const fill = (n: number, b: number) => new Uint8Array(n).fill(b)

  it('the default cap is 64 KiB, above the longest string of a real log (a 10 200-byte GRUB submenu block)', () => {
    expect(DEFAULT_EVENTLOG_LIMITS.maxDecodedTextBytes).toBe(64 * 1024)
  })

  it('a GRUB string within the cap is decoded whole, newlines and tabs escaped, not truncated', () => {
    const body = `submenu 'Advanced options' {\n${'\tmenuentry x {\n\t\tlinux /vmlinuz ro quiet\n\t}\n'.repeat(300)}}`
    expect(body.length).toBeGreaterThan(10_000)
    const d = decode(EV.EV_IPL, ascii(`grub_cmd: ${body}\0`), 8)
    expect(d).toMatchObject({ kind: 'ipl', form: 'grub-command', printable: false, nulTerminated: true })
    expect(d).not.toHaveProperty('truncated')
    expect((d as { text: string }).text).toBe(body.replace(/\n/g, '\\x0a').replace(/\t/g, '\\x09'))
  })

  it('a kernel command line longer than the cap is marked truncated, its text the first maxDecodedTextBytes bytes', () => {
    const args = 'ro quiet ' + 'x'.repeat(200) + ' init=/bin/sh'
    const d = decodeWith(EV.EV_IPL, ascii(`kernel_cmdline: ${args}\0`), 100)
    expect(d).toEqual({ kind: 'ipl', form: 'grub-kernel-cmdline', prefix: 'kernel_cmdline: ', text: args.slice(0, 100), nulTerminated: true, printable: true, truncated: true })
    // exactly at the cap: whole
    expect(decodeWith(EV.EV_IPL, ascii(`kernel_cmdline: ${args}\0`), args.length)).not.toHaveProperty('truncated')
  })

  it('printable describes the whole string, also past the cap', () => {
    const data = cat(fill(200, 0x41), [0x0a])
    expect(decodeWith(EV.EV_IPL, data, 100, 9)).toMatchObject({ kind: 'ipl', text: 'A'.repeat(100), printable: false, truncated: true })
  })

  it('an EV_IPL that is mostly binary (0xFF padding swallowed by a grown EventSize) stays raw', () => {
    expect(decode(EV.EV_IPL, cat(ascii('(hd0)/x'), fill(240_000, 0xff)), 3)).toEqual({ kind: 'raw', note: 'EV_IPL data of 240007 bytes is binary data, not text' })
  })

  it('after a GRUB prefix a binary body keeps the prefix (the digest binds the suffix) and shows its first 64 bytes', () => {
    const d = decode(EV.EV_IPL, cat(ascii('grub_cmd: '), fill(5000, 0)), 8)
    expect(d).toEqual({ kind: 'ipl', form: 'grub-command', prefix: 'grub_cmd: ', text: '\\x00'.repeat(64), nulTerminated: true, printable: false, truncated: true })
  })

  it('a short binary value (64 bytes or less) is still shown escaped, not hidden', () => {
    expect(decode(EV.EV_IPL, fill(64, 0xff), 8)).toMatchObject({ kind: 'ipl', form: 'text', text: '\\xff'.repeat(64), printable: false })
    expect(decode(EV.EV_IPL, fill(65, 0xff), 8)).toMatchObject({ kind: 'raw' })
  })

  it('half escaped is still text (UTF-8 titles): binary needs more non-text bytes than text bytes', () => {
    const half = Uint8Array.from({ length: 1000 }, (_, i) => (i % 2 ? 0xe4 : 0x41))
    expect(decode(EV.EV_IPL, half, 8)).toMatchObject({ kind: 'ipl', text: 'A\\xe4'.repeat(500) })
    expect(decode(EV.EV_IPL, cat(half, [0xe4, 0xe4]), 8)).toMatchObject({ kind: 'raw' })
  })

  it('EV_EFI_ACTION: binary is raw; a long string is truncated and never well-known', () => {
    expect(decode(EV.EV_EFI_ACTION, fill(100, 0), 4)).toEqual({ kind: 'raw', note: 'action data of 100 bytes is binary data, not text' })
    const d = decodeWith(EV.EV_EFI_ACTION, ascii('Exit Boot Services Invocation and more'), 29, 5)
    expect(d).toEqual({ kind: 'action', text: 'Exit Boot Services Invocation', printable: true, wellKnown: false, truncated: true })
  })

  it('systemd-stub UTF-16 strings are capped in bytes, on a code-unit boundary', () => {
    const d = decodeWith(EV.EV_IPL, utf16('console=ttyS0 quiet splash\0'), 15, 12)
    expect(d).toEqual({ kind: 'ipl', form: 'utf-16le', text: 'console', nulTerminated: true, printable: true, truncated: true })
  })

  it('fixed strings and descriptors: binary bodies are raw, text is capped', () => {
    expect(decode(EV.EV_EFI_HCRTM_EVENT, fill(100, 0xff), 0)).toEqual({ kind: 'raw', note: 'data expected to be "HCRTM" of 100 bytes is binary data, not text' })
    expect(decodeWith(EV.EV_S_CRTM_CONTENTS, ascii('Boot Guard Measured S-CRTM\0'), 4, 0)).toMatchObject({ kind: 'text', text: 'Boot', truncated: true })
    expect(decodeWith(EV.EV_PLATFORM_CONFIG_FLAGS, cat(ascii('etc/acpi/rsdp'), new Uint8Array(43)), 3, 1)).toMatchObject({ kind: 'text', text: 'etc', truncated: true })
  })

  it('parseEventLog passes limits.maxDecodedTextBytes to the decoders; resolveLimits rejects a bad value', () => {
    const bytes = buildEventLog({ events: [events.ipl(8, 'grub_cmd: linux /vmlinuz ro quiet')] }).bytes
    const ipl = (max?: number) => parseEventLog(bytes, max === undefined ? {} : { limits: { maxDecodedTextBytes: max } }).events[1]!.decoded
    expect(ipl()).toMatchObject({ text: 'linux /vmlinuz ro quiet' })
    expect(ipl()).not.toHaveProperty('truncated')
    expect(ipl(5)).toMatchObject({ text: 'linux', truncated: true })
    expect(() => resolveLimits({ maxDecodedTextBytes: -1 })).toThrow(TypeError)
  })
})
