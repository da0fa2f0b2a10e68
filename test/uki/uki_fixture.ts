/** Committed UKI vectors (test-vectors/uki: built ones recorded with systemd-measure 252, recorded OVMF boots), byte-level edits of their PE section headers, and the boots' quote files. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parsePe } from '../../src/authenticode/pe.js'
import { parseTpm2ToolsPcrFile } from '../../src/index.js'
import { REPO_ROOT } from '../helpers/corpus.js'

export const UKI_DIR = join(REPO_ROOT, 'test-vectors/uki')
export const BANKS = ['sha1', 'sha256', 'sha384', 'sha512'] as const
/** The built vectors with recorded systemd-measure output. */
export const PREDICTED = ['basic', 'full', 'linux-only', 'signed'] as const
/** The seven phase paths the recorder passed explicitly (its ALL_PHASES). */
export const RECORDED_PHASES = ['', 'enter-initrd', 'enter-initrd:leave-initrd', 'enter-initrd:leave-initrd:sysinit', 'enter-initrd:leave-initrd:sysinit:ready', 'enter-initrd:leave-initrd:sysinit:ready:shutdown', 'enter-initrd:leave-initrd:sysinit:ready:shutdown:final']

export function vector(rel: string): Uint8Array {
  const b = readFileSync(join(UKI_DIR, rel))
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}

export function vectorText(rel: string): string {
  return readFileSync(join(UKI_DIR, rel), 'utf8')
}

/** A copy of `uki` with `edit` applied to the 40-byte header of section `name` (DataView at the header). */
export function editSection(uki: Uint8Array, name: string, edit: (h: DataView, bytes: Uint8Array, headerOffset: number) => void): Uint8Array {
  const out = uki.slice()
  const s = parsePe(out).sections.find((x) => x.name === name)
  if (!s) throw new Error(`no section ${name}`)
  edit(new DataView(out.buffer, out.byteOffset + s.headerOffset, 40), out, s.headerOffset)
  return out
}

/** Rename a section (names of at most 8 bytes). */
export function renameSection(uki: Uint8Array, from: string, to: string): Uint8Array {
  return editSection(uki, from, (_h, bytes, off) => {
    bytes.fill(0, off, off + 8)
    bytes.set(new TextEncoder().encode(to), off)
  })
}

/** The section's file bytes (raw data, trimmed to VirtualSize). */
export function sectionBytes(uki: Uint8Array, name: string): Uint8Array {
  const s = parsePe(uki).sections.find((x) => x.name === name)!
  return uki.subarray(s.pointerToRawData, s.pointerToRawData + Math.min(s.virtualSize, s.sizeOfRawData))
}

/** A copy of `uki` with byte `i` of section `name`'s content XORed with `mask`. */
export function flipSectionByte(uki: Uint8Array, name: string, i: number, mask = 0x01): Uint8Array {
  const out = uki.slice()
  const s = parsePe(out).sections.find((x) => x.name === name)!
  out[s.pointerToRawData + i]! ^= mask
  return out
}

/**
 * The in-guest quote files of a recorded UKI boot (`<dir>/quote/`, written by lib.sh build_initramfs):
 * `quote` is the RSA AK's quote, `quote2` the ECDSA AK's; both over the recorder's fixed nonce.
 */
export function bootQuoteFiles(dir: string, name: 'quote' | 'quote2') {
  const ak = name === 'quote' ? 'ak' : 'ak2'
  return {
    quotes: [{ attest: vector(`${dir}/quote/${name}.msg`), signature: vector(`${dir}/quote/${name}.sig`) }],
    ak: vector(`${dir}/quote/${ak}.pub`),
    nonce: Uint8Array.from(Buffer.from(vectorText(`${dir}/quote/nonce.hex`).trim(), 'hex')),
    pcrs: parseTpm2ToolsPcrFile(vector(`${dir}/quote/${name}.pcrs`)).pcrs,
  }
}

/** The values of `pcrs` in `banks` (hex) from a recorded pcrs.json (bank → index → hex). */
export function pcrSubset(guest: Record<string, Record<string, string>>, banks: readonly string[], pcrs: readonly number[]): Record<string, Record<string, string>> {
  return Object.fromEntries(banks.map((b) => [b, Object.fromEntries(pcrs.map((i) => [String(i), guest[b]![String(i)]!]))]))
}
