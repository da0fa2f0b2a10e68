/**
 * `bootproof/testing`: helpers for your own unit tests (docs/testing.md).
 *
 * - an event-log builder with real digests and independently computed PCR values;
 * - a software attestation key and TPM2 quote builder (WebCrypto);
 * - loaders for recorded fixtures (evidence bundles, tpm2-tools directories);
 * - matchers `toBeAffirming` / `toHaveFinding` for `expect.extend`, without importing a framework.
 *
 * Software AKs and synthetic logs prove nothing about a machine: they are for tests only.
 */
export {
  buildEventLog,
  expectedPcrs,
  eventDigest,
  standardBoot,
  events,
  EFI_ACTIONS,
  GUID,
  uefiVariableData,
  sha256SignatureList,
  guidBytes,
  concatBytes,
  ascii,
  utf16le,
  u32le,
  u64le,
  pseudoRandomBytes,
  type LogEvent,
  type BuildEventLogOptions,
  type BuiltEventLog,
  type RecordLayout,
  type StandardBootOptions,
} from './log_builder.js'
export {
  createSoftwareAk,
  buildQuote,
  attestEventLog,
  replayedPcrs,
  AK_ATTRIBUTES,
  type SoftwareAk,
  type SoftwareAkKind,
  type SoftwareAkOptions,
  type QuoteOptions,
  type BuiltQuote,
  type PcrMap,
  type AttestLogOptions,
} from './tpm.js'
export {
  readFixture,
  loadEvidenceBundleFixture,
  loadTpm2ToolsFixture,
  type FixtureOptions,
  type Tpm2ToolsFixtureOptions,
} from './fixtures.js'
export {
  bootproofMatchers,
  registerBootproofMatchers,
  type BootproofMatchers,
  type MatcherResult,
  type FindingFields,
  type MatcherContext,
} from './matchers.js'
