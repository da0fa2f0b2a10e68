/** Windows logs: SIPA events of PCR 12-14 compared by boot module, ELAM driver and claim (MAA names). */
import type { WindowsState } from '../state/windows/windows_state.js'
import type { ElamLike, Side, WindowsModuleLike, WindowsStateLike } from './side.js'
import { short } from './text.js'
import type { ComponentChange, ComponentSide } from './types.js'

function pcrOf(s: Side, events: number[], fallback: number): number {
  const i = events[0]
  return i !== undefined ? (s.log.events[i]?.pcrIndex ?? fallback) : fallback
}

export function diffWindows(sa: Side, sb: Side): ComponentChange[] {
  const out: ComponentChange[] = []
  const wa = sa.windows
  const wb = sb.windows
  // Boot modules by path (case-insensitive), compared as sets of Authenticode hashes.
  const group = (w: WindowsStateLike | undefined) => {
    const m = new Map<string, WindowsModuleLike[]>()
    for (const mod of w?.bootModules ?? []) {
      const k = (mod.filePath ?? `hash:${mod.authenticodeHash ?? '?'}`).toLowerCase()
      m.set(k, [...(m.get(k) ?? []), mod])
    }
    return m
  }
  const ma = group(wa)
  const mb = group(wb)
  const hashes = (l: WindowsModuleLike[] | undefined) => [...new Set((l ?? []).map((x) => x.authenticodeHash ?? '?'))].sort()
  for (const k of [...new Set([...ma.keys(), ...mb.keys()])]) {
    const la = ma.get(k)
    const lb = mb.get(k)
    const ha = hashes(la)
    const hb = hashes(lb)
    if (la && lb && ha.join() === hb.join()) continue
    const eventsA = [...new Set((la ?? []).flatMap((x) => x.events))].sort((p, q) => p - q)
    const eventsB = [...new Set((lb ?? []).flatMap((x) => x.events))].sort((p, q) => p - q)
    const name = (lb ?? la)![0]!.filePath ?? k
    const change: ComponentChange['change'] = la && lb ? 'changed' : la ? 'removed' : 'added'
    const sideOf = (l: WindowsModuleLike[], events: number[]): ComponentSide => ({
      ...(events[0] !== undefined ? { eventIndex: events[0] } : {}),
      digest: hashes(l).join(','),
      value: l.map((x) => [x.signer?.publisher, x.svn !== undefined ? `SVN ${x.svn}` : ''].filter(Boolean).join(', ')).filter(Boolean).join('; ') || (l[0]!.filePath ?? ''),
      ...(l[0]!.filePath ? { path: l[0]!.filePath } : {}),
    })
    const detail = change === 'changed' ? `Authenticode ${ha.map(short).join(',')} → ${hb.map(short).join(',')}` : `Authenticode ${(lb ? hb : ha).map(short).join(',')}`
    out.push({
      component: 'windows-boot-driver',
      name,
      change,
      pcr: lb ? pcrOf(sb, eventsB, 13) : pcrOf(sa, eventsA, 13),
      ...(la ? { before: sideOf(la, eventsA) } : {}),
      ...(lb ? { after: sideOf(lb, eventsB) } : {}),
      eventsA,
      eventsB,
      summary: `Windows boot driver ${name} ${change}: ${detail}`,
    })
  }
  // ELAM drivers by name.
  const ea = new Map((wa?.elamDrivers ?? []).map((e) => [e.name, e]))
  const eb = new Map((wb?.elamDrivers ?? []).map((e) => [e.name, e]))
  const elamValue = (e: ElamLike) => [e.measured !== undefined ? `measured ${e.measured}` : '', e.configuration !== undefined ? `configuration ${e.configuration}` : '', e.policy !== undefined ? `policy ${e.policy}` : ''].filter(Boolean).join(', ')
  for (const name of [...new Set([...ea.keys(), ...eb.keys()])]) {
    const x = ea.get(name)
    const y = eb.get(name)
    if (x && y && elamValue(x) === elamValue(y)) continue
    const change: ComponentChange['change'] = x && y ? 'changed' : x ? 'removed' : 'added'
    out.push({
      component: 'windows-elam',
      name,
      change,
      pcr: (y ?? x)!.pcr,
      ...(x ? { before: { eventIndex: x.eventIndex, value: elamValue(x) } } : {}),
      ...(y ? { after: { eventIndex: y.eventIndex, value: elamValue(y) } } : {}),
      eventsA: x ? [x.eventIndex] : [],
      eventsB: y ? [y.eventIndex] : [],
      summary: `Windows ELAM driver ${name} ${change}${change === 'changed' ? `: ${elamValue(x!)} → ${elamValue(y!)}` : ''}`,
    })
  }
  // Claims (MAA names).
  const ca: Partial<WindowsState['claims']> = wa?.claims ?? {}
  const cb: Partial<WindowsState['claims']> = wb?.claims ?? {}
  for (const k of [...new Set([...Object.keys(ca), ...Object.keys(cb)])] as (keyof WindowsState['claims'])[]) {
    const x = ca[k]
    const y = cb[k]
    const vx = x ? JSON.stringify(x.value) : undefined
    const vy = y ? JSON.stringify(y.value) : undefined
    if (vx === vy) continue
    out.push({
      component: 'windows-boot-configuration',
      name: k,
      change: x && y ? 'changed' : x ? 'removed' : 'added',
      pcr: y ? pcrOf(sb, y.events, 12) : pcrOf(sa, x!.events, 12),
      ...(x ? { before: { ...(x.events[0] !== undefined ? { eventIndex: x.events[0] } : {}), value: vx! } } : {}),
      ...(y ? { after: { ...(y.events[0] !== undefined ? { eventIndex: y.events[0] } : {}), value: vy! } } : {}),
      eventsA: x?.events ?? [],
      eventsB: y?.events ?? [],
      summary: `Windows ${k}: ${vx ?? '(absent)'} → ${vy ?? '(absent)'}`,
    })
  }
  return out
}
