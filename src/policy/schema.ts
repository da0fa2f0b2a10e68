/**
 * JSON Schema (draft 2020-12) of Policy v1. `validatePolicy` interprets this very object, so the
 * published schema (schema/policy.schema.json, written by scripts/write-schemas.ts) and the
 * validator cannot drift apart. Rules a schema cannot express are in validate.ts.
 */
import { COMPONENT_KINDS, POLICY_BANKS, WINDOWS_CLAIM_NAMES } from './types.js'

export const POLICY_SCHEMA_ID = 'https://bootproof.dev/schema/policy-v1.json'

const hex = (bytes: number) => ({ type: 'string', pattern: `^[0-9a-f]{${bytes * 2}}$` })

const pcrIndex = { type: 'integer', minimum: 0, maximum: 23 }

const digestProps = {
  sha1: { ...hex(20), description: 'SHA-1 digest, lowercase hex' },
  sha256: { ...hex(32), description: 'SHA-256 digest, lowercase hex' },
  sha384: { ...hex(48), description: 'SHA-384 digest, lowercase hex' },
  sha512: { ...hex(64), description: 'SHA-512 digest, lowercase hex' },
  sm3_256: { ...hex(32), description: 'SM3-256 digest, lowercase hex' },
}

export const POLICY_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: POLICY_SCHEMA_ID,
  title: 'bootproof policy v1',
  description: 'Reference values and appraisal rules for TPM boot evidence (docs/policy.md).',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'version'],
  properties: {
    $schema: { type: 'string', maxLength: 512 },
    id: { type: 'string', minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$', description: 'Stable policy identifier' },
    version: { const: 1, description: 'Policy format version' },
    description: { type: 'string', maxLength: 4096 },
    pcrs: {
      type: 'object',
      additionalProperties: false,
      properties: {
        banks: { type: 'array', items: { $ref: '#/$defs/bank' }, minItems: 1, uniqueItems: true },
        required: { type: 'array', items: pcrIndex, uniqueItems: true, maxItems: 24 },
      },
    },
    pcrValues: { type: 'array', items: { $ref: '#/$defs/pcrValueRule' }, maxItems: 256 },
    eventRules: { type: 'array', items: { $ref: '#/$defs/eventRule' }, maxItems: 1024 },
    digests: {
      type: 'object',
      additionalProperties: false,
      properties: {
        required: { type: 'array', items: { $ref: '#/$defs/digestReference' }, maxItems: 4096 },
        forbidden: { type: 'array', items: { $ref: '#/$defs/digestReference' }, maxItems: 65536 },
      },
    },
    secureBoot: {
      type: 'object',
      additionalProperties: false,
      properties: {
        required: { type: 'boolean' },
        dbx: { type: 'object', additionalProperties: false, required: ['mustContain'], properties: { mustContain: { $ref: '#/$defs/signatureRefs' } } },
        db: { $ref: '#/$defs/allowedKeys' },
        kek: { $ref: '#/$defs/allowedKeys' },
        pk: { $ref: '#/$defs/allowedKeys' },
        debugModeAllowed: { type: 'boolean' },
        sbatMinimum: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          description: 'Minimum SbatLevel measured by shim in PCR 7 (attack P-01)',
          properties: {
            components: {
              type: 'object',
              minProperties: 1,
              maxProperties: 256,
              propertyNames: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' },
              additionalProperties: { type: 'integer', minimum: 0, maximum: 4294967295 },
              description: 'SBAT component name -> minimum generation, e.g. {"sbat": 1, "shim": 4, "grub": 5}',
            },
            date: { type: 'string', pattern: '^[0-9]{10}$', description: 'Minimum SbatLevel date (YYYYMMDDNN), the third field of the "sbat" line' },
          },
        },
        requiredAuthorities: { type: 'array', items: { $ref: '#/$defs/authorityRequirement' }, minItems: 1, maxItems: 64 },
        forbiddenAuthorities: { type: 'array', items: { $ref: '#/$defs/authorityMatch' }, minItems: 1, maxItems: 1024 },
      },
    },
    linux: {
      type: 'object',
      additionalProperties: false,
      properties: {
        kernelCmdline: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            exact: { type: 'array', items: { type: 'string', maxLength: 4096 }, minItems: 1, maxItems: 256 },
            patterns: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 512 }, minItems: 1, maxItems: 64 },
            forbiddenArgs: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 256, pattern: '^\\S+$' }, minItems: 1, maxItems: 256 },
          },
        },
      },
    },
    windows: {
      type: 'object',
      additionalProperties: false,
      required: ['claims'],
      properties: {
        claims: {
          type: 'object',
          minProperties: 1,
          propertyNames: { enum: [...WINDOWS_CLAIM_NAMES] },
          additionalProperties: { type: ['boolean', 'integer', 'string', 'null'] },
          description: 'MAA claim names and required values',
        },
      },
    },
    freshness: {
      type: 'object',
      additionalProperties: false,
      properties: {
        nonceRequired: { type: 'boolean' },
        previousRequired: { type: 'boolean' },
        resetCount: { enum: ['nondecreasing', 'equal', 'any'] },
        restartCount: { enum: ['nondecreasing', 'equal', 'any'] },
        clockMustAdvance: { type: 'boolean' },
      },
    },
    platform: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        startupLocality: { enum: [0, 3, 4], description: 'Locality of TPM2_Startup on this platform: 0, 3 (TXT / Boot Guard) or 4 (H-CRTM); attacks L-07, P-03' },
        tpmManufacturers: {
          type: 'array',
          minItems: 1,
          maxItems: 64,
          uniqueItems: true,
          items: { type: 'string', pattern: '^id:[0-9A-F]{8}$' },
          description: 'Allowed TPM manufacturers (TCG vendor IDs, e.g. id:494E5443 Intel PTT, id:414D4400 AMD fTPM), read from the certified AK certificate SAN; attack P-04',
        },
      },
    },
    tpm: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        allowRocaKeys: { type: 'boolean', description: 'Downgrade a ROCA-fingerprint AK modulus (CVE-2017-15361) from an error to a warning; attack P-07' },
      },
    },
    cvm: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      description: 'Confidential-VM hardware evidence (SEV-SNP report, TDX quote, Azure HCL report): the cvm submodule (docs/cvm.md)',
      properties: {
        required: { type: 'boolean', description: 'The attestation must carry confidential-VM evidence' },
        platforms: { type: 'array', items: { enum: ['sev-snp', 'tdx'] }, minItems: 1, uniqueItems: true },
        measurements: { type: 'array', items: { ...hex(48), description: 'SEV-SNP MEASUREMENT or TDX MRTD, lowercase hex' }, minItems: 1, maxItems: 1024, uniqueItems: true },
        minimumTcb: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          description: 'SEV-SNP minimum TCB per component (REPORTED, COMMITTED and LAUNCH TCB)',
          properties: Object.fromEntries(['fmc', 'bootloader', 'tee', 'snp', 'microcode'].map((k) => [k, { type: 'integer', minimum: 0, maximum: 255 }])),
        },
        hostData: { type: 'array', items: { ...hex(32), description: 'SEV-SNP HOST_DATA, lowercase hex' }, minItems: 1, maxItems: 1024, uniqueItems: true },
        allowDebug: { type: 'boolean', description: 'Accept a guest that allows debugging (SEV-SNP POLICY bit 19, TDX TDATTRIBUTES bit 0)' },
      },
    },
    pcr11Signed: {
      type: 'object',
      additionalProperties: false,
      required: ['keys'],
      description: 'PCR 11 is authorised by one of these keys: a .pcrsig entry (evidence pcrSignature) signs the TPM2_PolicyPCR digest of the quoted PCR 11 value (systemd signed PCR policies)',
      properties: {
        keys: {
          type: 'array',
          minItems: 1,
          maxItems: 64,
          uniqueItems: true,
          items: { type: 'string', maxLength: 16384, pattern: '^\\s*-----BEGIN PUBLIC KEY-----' },
          description: 'RSA public keys, PEM SubjectPublicKeyInfo (what .pcrpkey holds)',
        },
        banks: { type: 'array', items: { enum: ['sha1', 'sha256', 'sha384', 'sha512'] }, minItems: 1, uniqueItems: true, description: 'Banks whose quoted PCR 11 must each be signed (default ["sha256"])' },
      },
    },
    trustedAkRoots: {
      type: 'array',
      minItems: 1,
      maxItems: 64,
      items: { type: 'string', maxLength: 65536, pattern: '^\\s*-----BEGIN CERTIFICATE-----' },
    },
  },
  $defs: {
    bank: { enum: [...POLICY_BANKS] },
    component: { enum: [...COMPONENT_KINDS] },
    eventType: { type: 'string', pattern: '^(EV_[A-Z0-9_]+|0x[0-9a-fA-F]{1,8})$' },
    digestSpec: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: digestProps,
    },
    eventEntry: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: { ...digestProps, any: { const: true }, description: { type: 'string', maxLength: 1024 } },
    },
    alternative: {
      type: 'object',
      additionalProperties: false,
      required: ['events'],
      properties: {
        name: { type: 'string', maxLength: 256 },
        events: { type: 'array', items: { $ref: '#/$defs/eventEntry' }, maxItems: 1024 },
      },
    },
    eventRule: {
      type: 'object',
      additionalProperties: false,
      required: ['component', 'pcr'],
      properties: {
        id: { type: 'string', minLength: 1, maxLength: 128 },
        component: { $ref: '#/$defs/component' },
        name: { type: 'string', maxLength: 256 },
        pcr: pcrIndex,
        eventTypes: { type: 'array', items: { $ref: '#/$defs/eventType' }, minItems: 1, uniqueItems: true },
        match: { enum: ['sequence', 'set', 'any'] },
        alternatives: { type: 'array', items: { $ref: '#/$defs/alternative' }, minItems: 1, maxItems: 256 },
      },
    },
    pcrValueRule: {
      type: 'object',
      additionalProperties: false,
      required: ['pcr', 'bank', 'alternatives'],
      properties: {
        pcr: pcrIndex,
        bank: { $ref: '#/$defs/bank' },
        alternatives: { type: 'array', items: { type: 'string', pattern: '^[0-9a-f]+$' }, minItems: 1, maxItems: 256, uniqueItems: true },
        component: { $ref: '#/$defs/component' },
        name: { type: 'string', maxLength: 256 },
      },
    },
    digestReference: {
      type: 'object',
      additionalProperties: false,
      required: ['anyOf'],
      properties: {
        anyOf: { type: 'array', items: { $ref: '#/$defs/digestSpec' }, minItems: 1, maxItems: 256 },
        pcr: pcrIndex,
        component: { $ref: '#/$defs/component' },
        description: { type: 'string', maxLength: 1024 },
      },
    },
    signatureRef: {
      type: 'object',
      additionalProperties: false,
      required: ['sha256'],
      properties: {
        sha256: hex(32),
        type: { enum: ['x509', 'sha256'] },
        description: { type: 'string', maxLength: 1024 },
      },
    },
    authorityMatch: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        sha256: { ...hex(32), description: 'SHA-256 of the certificate DER' },
        subject: { type: 'string', minLength: 1, maxLength: 1024, description: 'The whole subject as bootproof renders it ("C=US, O=..., CN=...")' },
        commonName: { type: 'string', minLength: 1, maxLength: 256, description: 'One CN attribute of the subject, exactly' },
        description: { type: 'string', maxLength: 1024 },
      },
    },
    authorityRequirement: {
      type: 'object',
      additionalProperties: false,
      required: ['anyOf'],
      properties: {
        anyOf: { type: 'array', items: { $ref: '#/$defs/authorityMatch' }, minItems: 1, maxItems: 64 },
        description: { type: 'string', maxLength: 1024 },
      },
    },
    signatureRefs: { type: 'array', items: { $ref: '#/$defs/signatureRef' }, maxItems: 65536 },
    allowedKeys: {
      type: 'object',
      additionalProperties: false,
      required: ['allowed'],
      properties: { allowed: { $ref: '#/$defs/signatureRefs' } },
    },
  },
} as const
