/**
 * The shape of a fleet summary read back from a file (`--baseline`, `fleet query`): the file is
 * input, possibly edited or truncated by hand, so every member the readers use is checked before
 * one is used (a summary that claims the kind but lacks `components` must be refused with a
 * library error, not crash a reader). The full format is schema/fleet-summary.schema.json.
 */
import { BootproofError } from '../errors.js'
import { FLEET_GROUPS, type FleetSummary } from './types.js'

const GROUP_STATUSES = new Set(['authenticated', 'tainted', 'unknown', 'absent'])

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0

function componentProblem(c: unknown, at: string): string | undefined {
  if (!isObject(c)) return `${at} is not an object`
  if (typeof c.group !== 'string' || !(FLEET_GROUPS as readonly string[]).includes(c.group)) return `${at}/group is not a fleet group`
  if (!isCount(c.pcr)) return `${at}/pcr is not a PCR index`
  for (const k of ['digest', 'event', 'label'] as const) if (typeof c[k] !== 'string') return `${at}/${k} is not a string`
  if (typeof c.labelVerified !== 'boolean') return `${at}/labelVerified is not a boolean`
  for (const k of ['otherEvents', 'otherLabels'] as const) if (c[k] !== undefined && (!Array.isArray(c[k]) || (c[k] as unknown[]).some((x) => typeof x !== 'string'))) return `${at}/${k} is not an array of strings`
  for (const k of ['otherEventsTruncated', 'otherLabelsTruncated'] as const) if (c[k] !== undefined && c[k] !== true) return `${at}/${k} is not true`
  return undefined
}

function clusterProblem(c: unknown, at: string): string | undefined {
  if (!isObject(c)) return `${at} is not an object`
  if (typeof c.id !== 'string') return `${at}/id is not a string`
  if (!isCount(c.machines)) return `${at}/machines is not a count`
  if (!Array.isArray(c.machineIds) || c.machineIds.some((x) => typeof x !== 'string')) return `${at}/machineIds is not an array of strings`
  if (!isObject(c.groups)) return `${at}/groups is not an object`
  for (const g of FLEET_GROUPS) {
    const s = c.groups[g]
    if (!isObject(s) || typeof s.status !== 'string' || !GROUP_STATUSES.has(s.status) || typeof s.fingerprint !== 'string') return `${at}/groups/${g} is not a group state`
  }
  if (!Array.isArray(c.components)) return `${at}/components is not an array`
  for (let i = 0; i < c.components.length; i++) {
    const p = componentProblem(c.components[i], `${at}/components/${i}`)
    if (p) return p
  }
  return undefined
}

/** The first reason `x` is not a fleet summary (a JSON pointer and what is wrong), or undefined. */
export function fleetSummaryProblem(x: unknown): string | undefined {
  if (!isObject(x)) return 'not a JSON object'
  if (x.kind !== 'bootproof-fleet-summary') return '/kind is not "bootproof-fleet-summary"'
  if (x.version !== 1) return '/version is not 1'
  for (const k of ['lines', 'verified', 'errors'] as const) if (!isCount(x[k])) return `/${k} is not a count`
  if (x.policyId !== undefined && typeof x.policyId !== 'string') return '/policyId is not a string'
  if (!Array.isArray(x.clusters)) return '/clusters is not an array'
  for (let i = 0; i < x.clusters.length; i++) {
    const p = clusterProblem(x.clusters[i], `/clusters/${i}`)
    if (p) return p
  }
  return undefined
}

/** Whether `x` is a fleet summary every reader here can use (each member they read is checked). */
export function isFleetSummary(x: unknown): x is FleetSummary {
  return fleetSummaryProblem(x) === undefined
}

/** Whether `x` says it is a fleet summary (its `kind`), valid or not: then it must be read as one. */
export function claimsFleetSummary(x: unknown): boolean {
  return isObject(x) && x.kind === 'bootproof-fleet-summary'
}

/**
 * `x` as a fleet summary.
 * @throws BootproofError ERR_JSON_INVALID naming the first member that is wrong.
 */
export function assertFleetSummary(x: unknown, what = 'fleet summary'): FleetSummary {
  const problem = fleetSummaryProblem(x)
  if (problem) throw new BootproofError('ERR_JSON_INVALID', `${what}: not a usable bootproof fleet summary: ${problem}`, { field: problem.split(' ')[0]! })
  return x as FleetSummary
}
