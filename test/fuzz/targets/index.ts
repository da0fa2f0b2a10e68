import type { Family } from '../family.js'
import { eventlogFamilies } from './eventlog.js'
import { tpmFamilies } from './tpm.js'
import { x509Family } from './x509.js'
import { imaFamilies } from './ima.js'
import { earFamily, maaFamily } from './tokens.js'
import { policyFamily } from './policy.js'
import { bundleFamily } from './bundle.js'
import { celFamily } from './cel.js'
import { pcrsigFamily, ukiFamily } from './uki.js'
import { tdxFamily } from './tdx.js'
import { hclFamily, snpFamily } from './cvm.js'
import { fleetLineFamily } from './fleet.js'
import { fleetSummaryFamily } from './fleet_summary.js'

/** Every fuzz family, in run order. */
export const FAMILIES: Family<any>[] = [...eventlogFamilies, ...tpmFamilies, x509Family, ...imaFamilies, maaFamily, earFamily, policyFamily, bundleFamily, ukiFamily, pcrsigFamily, celFamily, tdxFamily, snpFamily, hclFamily, fleetLineFamily, fleetSummaryFamily]
