/**
 * GRUB PCR 8 events: GRUB hashes only the text after its prefix ("grub_cmd: ", "kernel_cmdline: "),
 * so the prefix — which decides whether an event is "the kernel command line" — is not measured
 * (src/eventlog/integrity.ts:113-123 accepts the suffix form; src/eventlog/decode/strings.ts:116-121
 * and src/state/linux.ts:67-70 take the form from the prefix). An attacker who edits the log can
 * swap prefixes: the genuine kernel_cmdline becomes a "grub_cmd", another measured string becomes
 * the "kernel_cmdline", replay and integrity still pass, and the fact is reported trusted.
 */
import { describe, expect, it } from 'vitest'
import { parseEventLog, verifyAttestation } from '../../src/index.js'
import { demoInput, demoPolicy, replaceEventData } from './helpers.js'

const enc = new TextEncoder()

function relabel(log: Uint8Array): Uint8Array {
  const parsed = parseEventLog(log)
  // Rewrite from the end so earlier offsets stay valid.
  const edits: { at: number; len: number; data: Uint8Array }[] = []
  for (const e of parsed.events) {
    if (e.pcrIndex !== 8) continue
    const d = e.decoded as { form?: string; text?: string }
    if (d.form === 'grub-kernel-cmdline') edits.push({ at: e.dataOffset, len: e.data.length, data: enc.encode(`grub_cmd: ${d.text}\0`) })
    if (d.form === 'grub-command' && d.text === 'set timeout=0') edits.push({ at: e.dataOffset, len: e.data.length, data: enc.encode(`kernel_cmdline: ${d.text}\0`) })
  }
  expect(edits.length).toBe(2)
  let out = log
  for (const x of edits.sort((a, b) => b.at - a.at)) out = replaceEventData(out, x.at, x.len, x.data)
  return out
}

describe('kernel command line from GRUB PCR 8 events', () => {
  // A deny-list policy: the recorded boot has panic=-1 on its command line.
  const policy = () => ({ ...demoPolicy(), linux: { kernelCmdline: { forbiddenArgs: ['panic'] } } })

  it('baseline: the genuine command line (with panic=-1) is contraindicated', async () => {
    const r = await verifyAttestation({ ...demoInput(), policy: policy() })
    expect(r.state!.linux.kernelCmdline).toMatchObject({ value: '/vmlinuz console=ttyS0,115200 quiet panic=-1', trusted: true })
    expect(r.verdict.ear_status).toBe('contraindicated')
  })

  it('swapping the unmeasured GRUB prefixes does not yield a trusted, different kernel command line', async () => {
    const inp = demoInput()
    inp.eventLog = relabel(inp.eventLog!)
    inp.policy = policy()
    const r = await verifyAttestation(inp)
    expect(r.quote.valid).toBe(true) // the log still replays to the quote
    const f = r.state!.linux.kernelCmdline
    // Secure: either the real command line, or not trusted.
    expect(f.trusted && f.value !== '/vmlinuz console=ttyS0,115200 quiet panic=-1').toBe(false)
    expect(r.verdict.ear_status).not.toBe('affirming')
  })
})
