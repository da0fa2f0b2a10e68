/**
 * Error codes of confidential-VM hardware evidence (AMD SEV-SNP reports, Intel TDX quotes, Azure
 * HCL reports): ground floor like error_codes.ts, which builds `BootproofErrorCode` from these and
 * re-exports them. Imports nothing.
 */

// AMD SEV-SNP attestation reports (SEV Secure Nested Paging Firmware ABI Specification, doc 56860,
// ATTESTATION_REPORT), docs/cvm.md. Parse codes are thrown; check codes are returned in `errors[]`.
/** Thrown: the report cannot be parsed. */
export type SnpParseErrorCode =
  /** The report is not exactly 0x4A0 (1184) bytes (truncated or with trailing bytes). */
  | 'ERR_SNP_REPORT_SIZE'
  /** VERSION is not 2, 3, 4 or 5. */
  | 'ERR_SNP_REPORT_VERSION'
  /** SIGNATURE_ALGO is not 1 (ECDSA P-384 with SHA-384), the only algorithm defined. */
  | 'ERR_SNP_REPORT_UNSUPPORTED'
  /** A reserved field, reserved bit or reserved value is not zero (signature padding included). */
  | 'ERR_SNP_REPORT_RESERVED'
  /** A field violates its definition (POLICY bit 17, which must be one). */
  | 'ERR_SNP_REPORT_MALFORMED'

/** Returned in `errors[]`: the report parses but a check failed. */
export type SnpCheckErrorCode =
  /** The VCEK / VLEK is not an ECDSA P-384 certificate with well-formed AMD extensions. */
  | 'ERR_SNP_VCEK_INVALID'
  /** The report's SIGNING_KEY (VCEK, VLEK, none) does not match the certificate given. */
  | 'ERR_SNP_SIGNING_KEY'
  /** The product line is unknown, or CPUID, the certificate's productName and the caller disagree. */
  | 'ERR_SNP_PRODUCT'
  /** The certificate does not chain (ASK / ASVK) to the pinned ARK of the product at `now`. */
  | 'ERR_SNP_CHAIN'
  /** The report signature does not verify with the certificate's key (or r / s out of range). */
  | 'ERR_SNP_SIGNATURE'
  /** REPORTED_TCB differs from the certificate's TCB extensions. */
  | 'ERR_SNP_TCB_MISMATCH'
  /** REPORTED_TCB is above CURRENT_TCB in some component. */
  | 'ERR_SNP_TCB_INCONSISTENT'
  /** A TCB of the report is below the caller's minimum. */
  | 'ERR_SNP_TCB_MINIMUM'
  /** CHIP_ID differs from the VCEK's hwID extension. */
  | 'ERR_SNP_CHIP_ID'
  /** The guest policy allows debugging and `allowDebug` is not set. */
  | 'ERR_SNP_DEBUG'
  /** VMPL differs from the caller's expected VMPL. */
  | 'ERR_SNP_VMPL'
  /** REPORT_DATA differs from the caller's expected report data. */
  | 'ERR_SNP_REPORT_DATA'

export type SnpErrorCode = SnpParseErrorCode | SnpCheckErrorCode

/** The SNP codes that are thrown rather than returned. */
export const SNP_THROWN_CODES: readonly SnpParseErrorCode[] = ['ERR_SNP_REPORT_SIZE', 'ERR_SNP_REPORT_VERSION', 'ERR_SNP_REPORT_UNSUPPORTED', 'ERR_SNP_REPORT_RESERVED', 'ERR_SNP_REPORT_MALFORMED']

// Intel TDX quotes (Intel TDX DCAP Quote Generation Library and Quote Verification Library API,
// quote format v4 / v5), docs/cvm.md. Parse codes are thrown; check codes are returned in `errors[]`.
/** Thrown: the quote, a certificate list inside it, or caller collateral cannot be parsed. */
export type TdxParseErrorCode =
  /** The PCK chain (certification data type 5) is empty, holds anything but CERTIFICATE PEM blocks, or more than maxPckChainCertificates. */
  | 'ERR_TDX_QUOTE_MALFORMED'
  /** The quote ends inside a field (truncated input). */
  | 'ERR_TDX_QUOTE_TRUNCATED'
  /** A declared length disagrees with the structure (v5 body size, signature data length, certification data size), or the quote exceeds maxQuoteBytes. */
  | 'ERR_TDX_QUOTE_LENGTH'
  /** Bytes follow the signature data (non-zero ones always; zero padding only under `trailing: 'reject'`). */
  | 'ERR_TDX_QUOTE_TRAILING'
  /** The quote version is not 4 or 5. */
  | 'ERR_TDX_QUOTE_VERSION'
  /** Attestation key type, TEE type, v5 body type or certification data type is not one this library verifies. */
  | 'ERR_TDX_QUOTE_UNSUPPORTED'
  /** TCB Info / QE Identity collateral is not the JSON shape Intel PCS serves (missing or mistyped member, bad hex). */
  | 'ERR_TDX_COLLATERAL_MALFORMED'
  /** A CRL does not decode (DER or PEM X509 CRL). */
  | 'ERR_TDX_CRL_MALFORMED'

/** Returned in `errors[]`: the quote parses but a check failed. */
export type TdxCheckErrorCode =
  /** The quote signature (ECDSA P-256 over header and TD quote body) does not verify with the attestation key. */
  | 'ERR_TDX_SIGNATURE'
  /** The QE report signature does not verify with the PCK leaf key. */
  | 'ERR_TDX_QE_REPORT_SIGNATURE'
  /** QE report REPORTDATA is not SHA-256(attestation key || QE authentication data) followed by 32 zero bytes. */
  | 'ERR_TDX_QE_BINDING'
  /** The PCK chain does not validate to the pinned Intel SGX Root CA at `now`, or has the wrong shape. */
  | 'ERR_TDX_CHAIN'
  /** The PCK leaf lacks a well-formed SGX extension (FMSPC, PCE-ID, TCB components), needed for the TCB evaluation. */
  | 'ERR_TDX_PCK_EXTENSIONS'
  /** The QE vendor ID is not Intel's. */
  | 'ERR_TDX_QE_VENDOR'
  /** TDATTRIBUTES.DEBUG is set and `allowDebug` is not. */
  | 'ERR_TDX_DEBUG'
  /** REPORTDATA differs from the caller's expected value. */
  | 'ERR_TDX_REPORT_DATA'
  /** MRTD differs from the caller's expected value. */
  | 'ERR_TDX_MRTD'
  /** An RTMR differs from the caller's expected value. */
  | 'ERR_TDX_RTMR'
  /** A collateral document's signature or its signing chain (to the pinned root) does not verify. */
  | 'ERR_TDX_COLLATERAL'
  /** A collateral document is not valid at `now` (before issueDate or after nextUpdate). */
  | 'ERR_TDX_COLLATERAL_EXPIRED'
  /** TCB Info is for another platform: FMSPC or PCE-ID differs from the PCK certificate, or the id / version is not TDX's. */
  | 'ERR_TDX_COLLATERAL_MISMATCH'
  /** MRSIGNERSEAM / SEAMATTRIBUTES do not match the TDX module identity of the TCB Info. */
  | 'ERR_TDX_MODULE_IDENTITY'
  /** The QE report does not match the QE Identity (MRSIGNER, ISVPRODID, MISCSELECT or ATTRIBUTES under their masks). */
  | 'ERR_TDX_QE_IDENTITY'
  /** No TCB level matches, or the TCB status is not allowed by the policy (default: OutOfDate and Revoked fail). */
  | 'ERR_TDX_TCB_STATUS'
  /** A certificate of the PCK or collateral chains is listed in a CRL given by the caller. */
  | 'ERR_TDX_REVOKED'
  /** A CRL is not signed by its issuer in the chain, is outside thisUpdate..nextUpdate, or a required CRL is missing. */
  | 'ERR_TDX_CRL'
  /** A CCEL log does not replay to the quote's RTMR. */
  | 'ERR_TDX_RTMR_MISMATCH'
  /** A CCEL log extends a measurement register that is not an RTMR (MR index 0 = MRTD, or above 4). */
  | 'ERR_TDX_CCEL_MR_INDEX'

export type TdxErrorCode = TdxParseErrorCode | TdxCheckErrorCode

/** The TDX codes that are thrown rather than returned. */
export const TDX_THROWN_CODES: readonly TdxParseErrorCode[] = ['ERR_TDX_QUOTE_MALFORMED', 'ERR_TDX_QUOTE_TRUNCATED', 'ERR_TDX_QUOTE_LENGTH', 'ERR_TDX_QUOTE_TRAILING', 'ERR_TDX_QUOTE_VERSION', 'ERR_TDX_QUOTE_UNSUPPORTED', 'ERR_TDX_COLLATERAL_MALFORMED', 'ERR_TDX_CRL_MALFORMED']

// Confidential-VM evidence binding the vTPM to the hardware report (Azure HCL report), docs/cvm.md.
export type CvmErrorCode = CvmParseErrorCode | CvmCheckErrorCode

/** Thrown: the HCL report (or its runtime data) cannot be parsed. */
export type CvmParseErrorCode =
  /** The HCL report cannot be parsed: no `HCLA` signature, a size field that disagrees with another or runs past the buffer, non-zero padding. */
  | 'ERR_HCL_REPORT_MALFORMED'
  /** The HCL report names a hardware report type (not 2 = SEV-SNP, 4 = TDX) or a runtime-data hash type (not 1-3) this library does not know. */
  | 'ERR_HCL_REPORT_UNSUPPORTED'
  /** The runtime data is not strict UTF-8 JSON of the expected shape (duplicate member, a key that is not an RSA JWK, an oversized document). */
  | 'ERR_HCL_RUNTIME_DATA_INVALID'

/** Returned in `errors[]`: the evidence parses but a binding or CVM check failed. */
export type CvmCheckErrorCode =
  /** The hash of the HCL runtime data (hash type of the IGVM header) is not the hardware report's REPORT_DATA (rest zero): the runtime data, and the AK in it, are not bound to the hardware. */
  | 'ERR_HCL_REPORT_DATA'
  /** The AK in the runtime data (`HCLAkPub`) is not the AK that signed the TPM quote (or the one the caller gave). */
  | 'ERR_HCL_AK_MISMATCH'
  /** The runtime data carries no `HCLAkPub` key: no AK is bound to the hardware report. */
  | 'ERR_HCL_AK_MISSING'
  /** The SEV-SNP report inside the HCL report was not requested at VMPL 0 (the paravisor): a guest at a lower privilege can choose its REPORT_DATA. */
  | 'ERR_HCL_VMPL'
  /** TDX: the TD report inside the HCL report differs from the TD quote's body (MRTD, RTMRs, REPORTDATA, attributes, XFAM, TEE_TCB_SVN). */
  | 'ERR_HCL_TD_REPORT_MISMATCH'
  /** The hardware report's endorsement was not given: the VCEK / VLEK of a SEV-SNP report, or the TD quote of a TDX HCL report (its TD report is MAC'd by the CPU, not signed). */
  | 'ERR_CVM_ENDORSEMENT_MISSING'
  /** TDX: the TD attributes allow debugging (TDATTRIBUTES bit 0) and debugging was not allowed. */
  | 'ERR_CVM_DEBUG'
  /** The launch measurement (SEV-SNP MEASUREMENT / TDX MRTD) is not one of the allowed values. */
  | 'ERR_CVM_MEASUREMENT'
  /** SEV-SNP HOST_DATA is not one of the expected values. */
  | 'ERR_CVM_HOST_DATA'

/** The CVM codes that are thrown rather than returned. */
export const CVM_THROWN_CODES: readonly CvmParseErrorCode[] = ['ERR_HCL_REPORT_MALFORMED', 'ERR_HCL_REPORT_UNSUPPORTED', 'ERR_HCL_RUNTIME_DATA_INVALID']
