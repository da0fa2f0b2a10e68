/**
 * The pinned Intel SGX Root CA: the one trust anchor of TDX quote verification. It signs the
 * Intel SGX PCK Platform CA and PCK Processor CA (issuers of PCK certificates, whose keys sign
 * the QE report) and the Intel SGX TCB Signing certificate (which signs TCB Info and QE Identity
 * collateral). Intel "SGX PCK Certificate and CRL Profile"; Intel TDX DCAP Quote Verification
 * Library, certificate chain verification.
 *
 * CN=Intel SGX Root CA, O=Intel Corporation, L=Santa Clara, ST=CA, C=US; ECDSA P-256, signed with
 * ecdsa-with-SHA256; serial 22650CD65A9D3489F383B49552BF501B392706AC; valid 2018-05-21 10:45:10Z to
 * 2049-12-31 23:59:59Z; basicConstraints CA, pathLen 1. Published by Intel at
 * `https://certificates.trustedservices.intel.com/Intel_SGX_Provisioning_Certification_RootCA.pem`.
 * The bytes below are google/go-tdx-guest `verify/trusted_root.pem` (commit
 * 91f9a52f36c7a6ce140d5f13a2fb4ca03b61349c, Apache-2.0), and equal, byte for byte, the root that
 * ends the PCK chain inside every public TDX quote in test-vectors/cvm/tdx/.
 * SHA-256(DER) = 44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3
 * (test/cvm/tdx/roots.test.ts recomputes it). A certificate is public data, not code.
 *
 * A root that arrives inside a quote or with collateral is never an anchor: it is accepted only
 * when it is this certificate.
 */
import { bytesEqual } from '../../bytes/hex.js'

const INTEL_SGX_ROOT_CA_B64 =
  'MIICjzCCAjSgAwIBAgIUImUM1lqdNInzg7SVUr9QGzknBqwwCgYIKoZIzj0EAwIwaDEaMBgGA1UEAwwRSW50ZWwgU0dYIFJvb3QgQ0ExGjAYBgNVBAoMEUludGVsIENvcnBvcmF0aW9uMRQwEgYDVQQHDAtTYW50YSBDbGFyYTELMAkGA1UECAwCQ0ExCzAJBgNVBAYTAlVTMB4XDTE4MDUyMTEwNDUxMFoXDTQ5MTIzMTIzNTk1OVowaDEaMBgGA1UEAwwRSW50ZWwgU0dYIFJvb3QgQ0ExGjAYBgNVBAoMEUludGVsIENvcnBvcmF0aW9uMRQwEgYDVQQHDAtTYW50YSBDbGFyYTELMAkGA1UECAwCQ0ExCzAJBgNVBAYTAlVTMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEC6nEwMDIYZOj/iPWsCzaEKi71OiOSLRFhWGjbnBVJfVnkY4u3IjkDYYL0MxO4mqsyYjlBalTVYxFP2sJBK5zlKOBuzCBuDAfBgNVHSMEGDAWgBQiZQzWWp00ifODtJVSv1AbOScGrDBSBgNVHR8ESzBJMEegRaBDhkFodHRwczovL2NlcnRpZmljYXRlcy50cnVzdGVkc2VydmljZXMuaW50ZWwuY29tL0ludGVsU0dYUm9vdENBLmRlcjAdBgNVHQ4EFgQUImUM1lqdNInzg7SVUr9QGzknBqwwDgYDVR0PAQH/BAQDAgEGMBIGA1UdEwEB/wQIMAYBAf8CAQEwCgYIKoZIzj0EAwIDSQAwRgIhAOW/5QkR+S9CiSDcNoowLuPRLsWGf/Yi7GSX94BgwTwgAiEA4J0lrHoMs+Xo5o/sX6O9QWxHRAvZUGOdRQ7cvqRXaqI='

function der(b64: string): Uint8Array {
  const s = atob(b64)
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i)
  return out
}

/** DER of the Intel SGX Root CA. */
// Marked pure so that bundles which never verify TDX quotes drop it.
export const INTEL_SGX_ROOT_CA: Uint8Array = /* @__PURE__ */ der(INTEL_SGX_ROOT_CA_B64)

/** SHA-256 of the DER of the Intel SGX Root CA, lowercase hex. */
export const INTEL_SGX_ROOT_CA_SHA256 = '44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3'

/** True when `derBytes` is the pinned Intel SGX Root CA. */
export function isPinnedIntelRoot(derBytes: Uint8Array): boolean {
  return bytesEqual(derBytes, INTEL_SGX_ROOT_CA)
}
