/**
 * TCB status of a TD from TDX TCB Info and QE Identity (Intel PCS API v4, "TDX TCB Info" and
 * "Enclave Identity": TCB level selection; Intel TDX DCAP Quote Verification Library, TD quote
 * TCB status evaluation).
 *
 * Platform level: the first level, in document order (newest first), where every one of the 16
 * SGX TCB component SVNs of the PCK certificate is >= the level's, the PCK's PCESVN >= its
 * pcesvn, and every TEE_TCB_SVN byte of the TD >= the level's tdxtcbcomponents. When
 * TEE_TCB_SVN[1] (the TDX module major version) is non-zero and the TCB Info carries TDX module
 * identities, bytes 0 and 1 are left to the module identity "TDX_<byte 1, 2 hex digits>": its
 * first level with isvsvn <= TEE_TCB_SVN[0] gives the module status.
 * QE: the first QE Identity level with isvsvn <= the QE report's ISVSVN.
 *
 * The overall status is the worst of the statuses found (in `TDX_TCB_STATUSES` order): a TD is
 * only as current as its oldest component.
 */
import type { PckExtensions } from './pck.js'
import { TDX_TCB_STATUSES, type TdxIsvLevel, type TdxQeIdentity, type TdxTcbInfo, type TdxTcbLevel, type TdxTcbStatus } from './collateral_types.js'

export interface TdxTcbEvaluation {
  /** The worst of platform, module and QE statuses; undefined when some part matched no level. */
  status?: TdxTcbStatus
  platform?: { status: TdxTcbStatus; tcbDate: string; advisoryIds: string[] }
  /** The TDX module identity level, when TEE_TCB_SVN[1] > 0. */
  module?: { id: string; status: TdxTcbStatus; tcbDate: string; advisoryIds: string[] }
  qe?: { status: TdxTcbStatus; tcbDate: string; advisoryIds: string[] }
  /** Why a part has no status (no matching level, no module identity). */
  problems: string[]
  /** Advisory IDs of every matched level, deduplicated. */
  advisoryIds: string[]
}

export function statusRank(s: TdxTcbStatus): number {
  return TDX_TCB_STATUSES.indexOf(s)
}

/** The worse of two statuses. */
export function worseStatus(a: TdxTcbStatus, b: TdxTcbStatus): TdxTcbStatus {
  return statusRank(a) >= statusRank(b) ? a : b
}

function usesModuleIdentity(info: TdxTcbInfo, teeTcbSvn: Uint8Array): boolean {
  return teeTcbSvn[1]! > 0 && info.moduleIdentities.length > 0
}

/** The matching platform TCB level, or undefined. */
export function matchTcbLevel(info: TdxTcbInfo, pck: PckExtensions, teeTcbSvn: Uint8Array): TdxTcbLevel | undefined {
  const from = usesModuleIdentity(info, teeTcbSvn) ? 2 : 0
  return info.levels.find(
    (l) =>
      l.sgxComponents.every((svn, i) => pck.tcbComponents[i]! >= svn) &&
      pck.pceSvn >= l.pceSvn &&
      l.tdxComponents.every((svn, i) => i < from || teeTcbSvn[i]! >= svn),
  )
}

/** The first level (newest first) whose ISVSVN is <= `isvSvn`. */
export function matchIsvLevel(levels: readonly TdxIsvLevel[], isvSvn: number): TdxIsvLevel | undefined {
  return levels.find((l) => l.isvSvn <= isvSvn)
}

/** Evaluate what is given: TCB Info (with the PCK extensions and TEE_TCB_SVN) and / or QE Identity (with the QE ISVSVN). */
export function evaluateTdxTcb(input: { tcbInfo?: TdxTcbInfo; pck?: PckExtensions; teeTcbSvn: Uint8Array; qeIdentity?: TdxQeIdentity; qeIsvSvn: number }): TdxTcbEvaluation {
  const out: TdxTcbEvaluation = { problems: [], advisoryIds: [] }
  const found: TdxTcbStatus[] = []
  const note = (l: { status: TdxTcbStatus; advisoryIds: string[] }): void => {
    found.push(l.status)
    for (const a of l.advisoryIds) if (!out.advisoryIds.includes(a)) out.advisoryIds.push(a)
  }
  const { tcbInfo, pck, teeTcbSvn } = input
  if (tcbInfo && pck) {
    const level = matchTcbLevel(tcbInfo, pck, teeTcbSvn)
    if (level) {
      out.platform = { status: level.status, tcbDate: level.tcbDate, advisoryIds: level.advisoryIds }
      note(level)
    } else {
      out.problems.push(`no TCB level of TCB Info matches the PCK TCB (components ${pck.tcbComponents.join(',')}, PCESVN ${pck.pceSvn}) and TEE_TCB_SVN ${Array.from(teeTcbSvn).join(',')}`)
    }
    if (usesModuleIdentity(tcbInfo, teeTcbSvn)) {
      const id = `TDX_${teeTcbSvn[1]!.toString(16).padStart(2, '0').toUpperCase()}`
      const identity = tcbInfo.moduleIdentities.find((m) => m.id.toUpperCase() === id)
      const ml = identity ? matchIsvLevel(identity.levels, teeTcbSvn[0]!) : undefined
      if (!identity) out.problems.push(`TCB Info has no TDX module identity ${id} (TEE_TCB_SVN[1] = ${teeTcbSvn[1]})`)
      else if (!ml) out.problems.push(`no level of TDX module identity ${id} has isvsvn <= ${teeTcbSvn[0]} (TEE_TCB_SVN[0])`)
      else {
        out.module = { id, status: ml.status, tcbDate: ml.tcbDate, advisoryIds: ml.advisoryIds }
        note(ml)
      }
    }
  }
  if (input.qeIdentity) {
    const ql = matchIsvLevel(input.qeIdentity.levels, input.qeIsvSvn)
    if (ql) {
      out.qe = { status: ql.status, tcbDate: ql.tcbDate, advisoryIds: ql.advisoryIds }
      note(ql)
    } else {
      out.problems.push(`no QE Identity level has isvsvn <= the QE's ISVSVN ${input.qeIsvSvn}`)
    }
  }
  if (found.length && !out.problems.length) out.status = found.reduce(worseStatus)
  return out
}

/** The statuses a policy accepts: `allowed` as given, or every status at least as good as `minimum`, or by default everything better than OutOfDate. */
export function acceptedStatuses(policy: { allowedTcbStatuses?: readonly TdxTcbStatus[]; minimumTcbStatus?: TdxTcbStatus }): TdxTcbStatus[] {
  if (policy.allowedTcbStatuses && policy.minimumTcbStatus) throw new TypeError('give allowedTcbStatuses or minimumTcbStatus, not both')
  for (const s of [...(policy.allowedTcbStatuses ?? []), ...(policy.minimumTcbStatus ? [policy.minimumTcbStatus] : [])]) {
    if (!(TDX_TCB_STATUSES as readonly string[]).includes(s)) throw new TypeError(`unknown TCB status ${JSON.stringify(s)}`)
  }
  if (policy.allowedTcbStatuses) return [...policy.allowedTcbStatuses]
  const min = policy.minimumTcbStatus ?? 'ConfigurationAndSWHardeningNeeded'
  return TDX_TCB_STATUSES.filter((s) => statusRank(s) <= statusRank(min))
}
