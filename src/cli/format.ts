/** Human rendering shared by the commands. */
import type { Finding } from '../findings.js'

export function formatFinding(f: Finding): string {
  const where = [f.bank && f.pcr !== undefined ? `${f.bank}:${f.pcr}` : f.pcr !== undefined ? `PCR ${f.pcr}` : '', f.eventIndex !== undefined ? `event ${f.eventIndex}` : '']
    .filter(Boolean)
    .join(', ')
  const exp = f.expected !== undefined ? `\n      expected ${f.expected}\n      observed ${f.observed ?? '-'}` : ''
  return `[${f.severity}] ${f.code}${where ? ` (${where})` : ''}: ${f.message}${exp}`
}
