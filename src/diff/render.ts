/** Human rendering of a boot-chain diff (`bootproof diff` without --json). */
import type { BootChainDiff } from './diff_boot_chains.js'
import { escapeText } from '../text/escape.js'
import { clipPair, pcrText } from './text.js'

const SIGN = { added: '+', removed: '-', changed: '~' } as const

export function renderBootChainDiff(d: BootChainDiff, labels: { a?: string; b?: string } = {}): string {
  const lines: string[] = []
  const a = labels.a ?? 'A'
  const b = labels.b ?? 'B'
  lines.push(`${a} → ${b}: ${d.identical ? 'identical boot chains' : `${d.components.length} component change(s)`}${d.bank ? ` (compared in ${d.bank})` : ''}`)
  for (const n of d.notes) lines.push(`note: ${n}`)
  const changedPcrs = Object.entries(d.pcrs).filter(([, p]) => !p.identical)
  if (changedPcrs.length) {
    lines.push('', 'PCRs:')
    for (const [i, p] of Object.entries(d.pcrs)) {
      const counts = p.identical ? 'identical' : `+${p.added.length} -${p.removed.length} ~${p.changed.length}`
      const [va, vb] = clipPair(p.valueA ?? '-', p.valueB ?? '-', 17)
      const vals = p.valueA !== undefined || p.valueB !== undefined ? `  ${va} → ${vb}` : ''
      lines.push(`  ${pcrText(i).padStart(2)}: ${counts}${p.identical ? '' : vals}`)
    }
  }
  if (d.components.length) {
    lines.push('', 'components:')
    for (const c of d.components) {
      const ev = `[A ${c.eventsA.length ? c.eventsA.slice(0, 4).join(',') + (c.eventsA.length > 4 ? ',…' : '') : '-'} | B ${c.eventsB.length ? c.eventsB.slice(0, 4).join(',') + (c.eventsB.length > 4 ? ',…' : '') : '-'}]`
      lines.push(`  ${SIGN[c.change]} ${c.summary} ${ev}`)
      if (c.entries) {
        for (const e of c.entries.added.slice(0, 20)) lines.push(`      + ${e.type} ${e.subject ?? ''}${e.subject ? ' ' : ''}sha256:${e.sha256}`)
        for (const e of c.entries.removed.slice(0, 20)) lines.push(`      - ${e.type} ${e.subject ?? ''}${e.subject ? ' ' : ''}sha256:${e.sha256}`)
        const more = Math.max(0, c.entries.added.length - 20) + Math.max(0, c.entries.removed.length - 20)
        if (more) lines.push(`      … ${more} more entries (see --json)`)
      }
    }
  }
  const hints = Object.entries(d.pcrs).flatMap(([i, p]) => p.hintsDiffer.map((h) => ({ i, h })))
  if (hints.length) {
    lines.push('', 'same measurement, different description (unmeasured hint):')
    for (const { i, h } of hints.slice(0, 20)) {
      // Summaries are clipped where they are made; when that hides the difference, say so.
      const [sa, sb] = h.a.summary === h.b.summary ? [h.a.summary, '(differs past the summary; see --json)'] : clipPair(h.a.summary, h.b.summary, 100)
      lines.push(`  PCR ${pcrText(i)}: ${sa} → ${sb} [A ${h.a.index} | B ${h.b.index}]`)
    }
  }
  return escapeText(lines.join('\n'), { keepNewlines: true })
}
