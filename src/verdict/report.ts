/** Human report of a verdict, as plain text or Markdown. */
import { SUBMODS, type SubmodName } from './submods.js'
import type { Verdict, VerdictFinding } from './types.js'

function where(f: VerdictFinding): string {
  const parts: string[] = []
  if (f.bank && f.pcr !== undefined) parts.push(`${f.bank}:${f.pcr}`)
  else if (f.pcr !== undefined) parts.push(`PCR ${f.pcr}`)
  if (f.eventIndex !== undefined) parts.push(`event ${f.eventIndex}`)
  if (f.component) parts.push(f.component)
  return parts.join(', ')
}

export function renderReport(v: Verdict, format: 'text' | 'md' = 'text'): string {
  const md = format === 'md'
  const out: string[] = []
  const h = (s: string) => out.push(md ? `\n## ${s}\n` : `\n${s}\n${'-'.repeat(s.length)}`)
  out.push(md ? `# Attestation verdict: **${v.ear_status.toUpperCase()}**` : `Attestation verdict: ${v.ear_status.toUpperCase()}`)
  out.push(`${md ? '\n' : ''}policy: ${v.bootproof_policy_id}; verifier: ${v.ear_verifier_id.build}; issued ${new Date(v.iat * 1000).toISOString()}`)
  h('Steps')
  for (const [name, s] of Object.entries(v.bootproof_steps)) {
    out.push(`${md ? '- ' : '  '}${name.padEnd(10)} ${s.status}${s.findings ? ` (${s.findings} finding${s.findings > 1 ? 's' : ''})` : ''}${s.note ? ` — ${s.note}` : ''}`)
  }
  h('Submodules')
  if (md) out.push('| submodule | status | trustworthiness vector |', '|---|---|---|')
  for (const [name, s] of Object.entries(v.submods)) {
    const vec = Object.entries(s.ear_trustworthiness_vector).map(([k, x]) => `${k}=${x}`).join(', ')
    const title = SUBMODS[name as SubmodName]?.title ?? name
    out.push(md ? `| ${title} | ${s.ear_status} | ${vec} |` : `  ${s.ear_status.padEnd(15)} ${title}  [${vec}]`)
  }
  const shown = v.bootproof_findings.filter((f) => f.severity !== 'info')
  h(`Findings (${shown.length}${v.bootproof_findings.length > shown.length ? `, ${v.bootproof_findings.length - shown.length} informational not shown` : ''})`)
  if (!shown.length) out.push(md ? '_none_' : '  none')
  for (const f of shown) {
    const loc = where(f)
    out.push(`${md ? '- ' : '  '}[${f.severity}] ${md ? '`' + f.code + '`' : f.code}${loc ? ` (${loc})` : ''}: ${f.message}`)
    if (f.expected !== undefined || f.observed !== undefined) out.push(`${md ? '  ' : '      '}expected ${f.expected ?? '-'}${md ? '  \n  ' : '\n      '}observed ${f.observed ?? '-'}`)
  }
  return out.join('\n')
}
