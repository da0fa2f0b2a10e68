/**
 * EAR status tiers and AR4SI trustworthiness claims for the verdict (draft-ietf-rats-ear;
 * draft-ietf-rats-ar4si "Specific Claims"). The model is defined once in
 * src/ear/model.ts (shared with the token module); this module keeps the verdict's names.
 */
import { statusFromVector, type Ar4siVector } from '../ear/model.js'

export { AR4SI, AR4SI_CLAIMS, tierOf, worse, lower, type EarStatus, type Ar4siClaim } from '../ear/model.js'

/** The verdict's vectors carry the known claims only. */
export type TrustVector = Ar4siVector

/** Status of a vector: the worst tier among its claims (veraison UpdateStatusFromTrustVector). */
export const statusOfVector: (v: TrustVector) => ReturnType<typeof statusFromVector> = statusFromVector
