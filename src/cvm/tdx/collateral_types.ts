/**
 * The TDX TCB Info (version 3, id "TDX") and TD QE Identity (version 2, id "TD_QE") documents of
 * Intel PCS API v4 ("Get TDX TCB Info", "Get TD QE Identity"), read into typed values. Every
 * member this library uses is checked for type and form; a document that does not have them is
 * malformed (thrown), while a well-formed document for another platform is a check failure.
 */
import { fromHexOrUndefined } from '../../bytes/hex.js'
import { malformed } from './collateral_json.js'

/** TCB statuses, best first (the order used by `minimumTcbStatus` and to combine statuses). */
export const TDX_TCB_STATUSES = ['UpToDate', 'SWHardeningNeeded', 'ConfigurationNeeded', 'ConfigurationAndSWHardeningNeeded', 'OutOfDate', 'OutOfDateConfigurationNeeded', 'Revoked'] as const
export type TdxTcbStatus = (typeof TDX_TCB_STATUSES)[number]

/** Most TCB levels read from one document (Intel's have a few dozen). */
export const MAX_TCB_LEVELS = 1024

export interface TdxTcbLevel {
  sgxComponents: number[]
  pceSvn: number
  tdxComponents: number[]
  tcbDate: string
  status: TdxTcbStatus
  advisoryIds: string[]
}

export interface TdxIsvLevel {
  isvSvn: number
  tcbDate: string
  status: TdxTcbStatus
  advisoryIds: string[]
}

export interface TdxModuleIdentity {
  id: string
  mrSigner: Uint8Array
  attributes: Uint8Array
  attributesMask: Uint8Array
  levels: TdxIsvLevel[]
}

export interface TdxTcbInfo {
  id: string
  version: number
  issueDate: Date
  nextUpdate: Date
  fmspc: string
  pceId: string
  tcbEvaluationDataNumber: number
  tdxModule: Omit<TdxModuleIdentity, 'id' | 'levels'>
  moduleIdentities: TdxModuleIdentity[]
  levels: TdxTcbLevel[]
}

export interface TdxQeIdentity {
  id: string
  version: number
  issueDate: Date
  nextUpdate: Date
  tcbEvaluationDataNumber: number
  miscSelect: Uint8Array
  miscSelectMask: Uint8Array
  attributes: Uint8Array
  attributesMask: Uint8Array
  mrSigner: Uint8Array
  isvProdId: number
  levels: TdxIsvLevel[]
}

type Obj = Record<string, unknown>

class Reader {
  constructor(
    readonly what: string,
    readonly path: string,
    readonly o: Obj,
  ) {}
  private at(k: string): string {
    return `${this.path}.${k}`
  }
  private fail(k: string, m: string): never {
    return malformed(this.what, `${this.at(k)} ${m}`)
  }
  str(k: string): string {
    const v = this.o[k]
    return typeof v === 'string' ? v : this.fail(k, 'is not a string')
  }
  int(k: string, max = 0xffffffff): number {
    const v = this.o[k]
    return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max ? v : this.fail(k, `is not an integer 0..${max}`)
  }
  hex(k: string, size: number): Uint8Array {
    const s = this.str(k)
    const b = s.length === 2 * size ? fromHexOrUndefined(s) : undefined
    return b ?? this.fail(k, `is not ${2 * size} hex digits`)
  }
  /** RFC 3339 UTC time as PCS writes it (`2025-06-19T10:16:03Z`, optional fraction). */
  date(k: string): Date {
    const s = this.str(k)
    const d = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(s) ? new Date(s) : undefined
    return d && !Number.isNaN(d.getTime()) ? d : this.fail(k, `is not an RFC 3339 UTC time: ${JSON.stringify(s.slice(0, 40))}`)
  }
  obj(k: string): Reader {
    const v = this.o[k]
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? new Reader(this.what, this.at(k), v as Obj) : this.fail(k, 'is not an object')
  }
  has(k: string): boolean {
    return this.o[k] !== undefined
  }
  list(k: string, max = MAX_TCB_LEVELS): Reader[] {
    const v = this.o[k]
    if (!Array.isArray(v)) return this.fail(k, 'is not an array')
    if (v.length > max) return this.fail(k, `has ${v.length} entries, more than ${max}`)
    return v.map((x, i) => (typeof x === 'object' && x !== null && !Array.isArray(x) ? new Reader(this.what, `${this.at(k)}[${i}]`, x as Obj) : this.fail(`${k}[${i}]`, 'is not an object')))
  }
  status(k: string): TdxTcbStatus {
    const s = this.str(k)
    return (TDX_TCB_STATUSES as readonly string[]).includes(s) ? (s as TdxTcbStatus) : this.fail(k, `is not a known TCB status: ${JSON.stringify(s.slice(0, 40))}`)
  }
  advisories(): string[] {
    if (!this.has('advisoryIDs')) return []
    const v = this.o.advisoryIDs
    if (!Array.isArray(v) || v.length > 256 || !v.every((x) => typeof x === 'string')) return this.fail('advisoryIDs', 'is not an array of strings')
    return v as string[]
  }
}

function components(r: Reader, k: string): number[] {
  const list = r.list(k, 16)
  if (list.length !== 16) malformed(r.what, `${r.path}.${k} has ${list.length} entries, not 16`)
  return list.map((c) => c.int('svn', 255))
}

function isvLevels(r: Reader): TdxIsvLevel[] {
  return r.list('tcbLevels').map((l) => ({ isvSvn: l.obj('tcb').int('isvsvn', 0xffff), tcbDate: l.str('tcbDate'), status: l.status('tcbStatus'), advisoryIds: l.advisories() }))
}

function moduleIdentity(r: Reader): Omit<TdxModuleIdentity, 'id' | 'levels'> {
  return { mrSigner: r.hex('mrsigner', 48), attributes: r.hex('attributes', 8), attributesMask: r.hex('attributesMask', 8) }
}

/** @throws BootproofError ERR_TDX_COLLATERAL_MALFORMED */
export function readTcbInfo(value: Obj): TdxTcbInfo {
  const r = new Reader('TCB Info', 'tcbInfo', value)
  const fmspc = r.hex('fmspc', 6)
  const pceId = r.hex('pceId', 2)
  return {
    id: r.str('id'),
    version: r.int('version'),
    issueDate: r.date('issueDate'),
    nextUpdate: r.date('nextUpdate'),
    fmspc: Array.from(fmspc, (b) => b.toString(16).padStart(2, '0')).join(''),
    pceId: Array.from(pceId, (b) => b.toString(16).padStart(2, '0')).join(''),
    tcbEvaluationDataNumber: r.int('tcbEvaluationDataNumber'),
    tdxModule: moduleIdentity(r.obj('tdxModule')),
    moduleIdentities: r.has('tdxModuleIdentities') ? r.list('tdxModuleIdentities').map((m) => ({ id: m.str('id'), ...moduleIdentity(m), levels: isvLevels(m) })) : [],
    levels: r.list('tcbLevels').map((l) => {
      const tcb = l.obj('tcb')
      return { sgxComponents: components(tcb, 'sgxtcbcomponents'), pceSvn: tcb.int('pcesvn', 0xffff), tdxComponents: components(tcb, 'tdxtcbcomponents'), tcbDate: l.str('tcbDate'), status: l.status('tcbStatus'), advisoryIds: l.advisories() }
    }),
  }
}

/** @throws BootproofError ERR_TDX_COLLATERAL_MALFORMED */
export function readQeIdentity(value: Obj): TdxQeIdentity {
  const r = new Reader('QE Identity', 'enclaveIdentity', value)
  return {
    id: r.str('id'),
    version: r.int('version'),
    issueDate: r.date('issueDate'),
    nextUpdate: r.date('nextUpdate'),
    tcbEvaluationDataNumber: r.int('tcbEvaluationDataNumber'),
    miscSelect: r.hex('miscselect', 4),
    miscSelectMask: r.hex('miscselectMask', 4),
    attributes: r.hex('attributes', 16),
    attributesMask: r.hex('attributesMask', 16),
    mrSigner: r.hex('mrsigner', 32),
    isvProdId: r.int('isvprodid', 0xffff),
    levels: isvLevels(r),
  }
}
