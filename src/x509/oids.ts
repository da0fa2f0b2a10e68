/** Object identifiers used by the certificate checks (RFC 5280 §4.2; TCG EK Credential Profile §3). */
export const OID = {
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  certificatePolicies: '2.5.29.32',
  nameConstraints: '2.5.29.30',
  policyConstraints: '2.5.29.36',
  inhibitAnyPolicy: '2.5.29.54',
  policyMappings: '2.5.29.33',
  subjectDirectoryAttributes: '2.5.29.9',
  crlDistributionPoints: '2.5.29.31',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  /** tcg-kp-EKCertificate */
  tcgKpEkCertificate: '2.23.133.8.1',
  /** tcg-kp-PlatformAttributeCertificate */
  tcgKpPlatformCertificate: '2.23.133.8.2',
  /** tcg-kp-AIKCertificate: the AK certificate EKU (WebAuthn §8.3.1, TCG). */
  tcgKpAikCertificate: '2.23.133.8.3',
  tcgAtTpmManufacturer: '2.23.133.2.1',
  tcgAtTpmModel: '2.23.133.2.2',
  tcgAtTpmVersion: '2.23.133.2.3',
  tcgAtTpmSpecification: '2.23.133.2.16',
} as const

/** Extensions this library understands; an unknown *critical* extension fails validation (RFC 5280 §4.2). */
export const UNDERSTOOD_EXTENSIONS: ReadonlySet<string> = new Set([
  OID.basicConstraints,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.subjectAltName,
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
  OID.certificatePolicies,
  OID.nameConstraints,
  OID.policyConstraints,
  OID.inhibitAnyPolicy,
  OID.policyMappings,
  OID.subjectDirectoryAttributes,
])

/** Signature algorithms refused in any certificate of a path (MD2/MD5/SHA-1; attack X-03). */
export const WEAK_SIGNATURE_ALGORITHMS: ReadonlyMap<string, string> = new Map([
  ['1.2.840.113549.1.1.2', 'md2WithRSAEncryption'],
  ['1.2.840.113549.1.1.4', 'md5WithRSAEncryption'],
  ['1.2.840.113549.1.1.5', 'sha1WithRSAEncryption'],
  ['1.2.840.10045.4.1', 'ecdsa-with-SHA1'],
  ['1.2.840.10040.4.3', 'dsa-with-sha1'],
])

export const ATTRIBUTE_SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  [OID.tcgAtTpmManufacturer]: 'tpmManufacturer',
  [OID.tcgAtTpmModel]: 'tpmModel',
  [OID.tcgAtTpmVersion]: 'tpmVersion',
}
