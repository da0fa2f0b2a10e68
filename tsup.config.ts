import { defineConfig } from 'tsup'

/**
 * The `token` namespace (`export * as token from './token/index.js'` in src/index.ts) stays a
 * real ESM re-export of dist/token/index.js, in the JavaScript and in the declarations:
 * - bundled into the shared chunk it becomes a runtime `__export(...)` call naming every token
 *   function, which no consumer bundler can drop, so importing only `parseEventLog` pulled jose,
 *   pkijs and asn1js (~550 KB minified; test/package/bundle_size.test.ts);
 * - bundled into index.d.ts it becomes a `declare namespace` whose types from other d.ts chunks
 *   are written as values (`declare const X: typeof X`, TS2693 without skipLibCheck;
 *   test/package/consumer.test.ts).
 * Only src/index.ts imports that specifier; chunks sit beside index.js, so the path holds.
 */
const TOKEN_NAMESPACE = /^\.\/token\/index\.js$/

/**
 * The same for the `errors` namespace (`export * as errors from './errors.js'`), in the
 * declarations only: `external` reaches the d.ts build, `noExternal` (read by the JavaScript
 * build alone) keeps src/errors.ts bundled there, so BootproofError stays one class in one
 * chunk. Root-level importers of './errors.js' (src/index.ts, src/pcr_values.ts) end up in
 * d.ts files beside dist/errors.d.ts.
 */
const ERRORS_NAMESPACE = /^\.\/errors\.js$/

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    errors: 'src/errors.ts',
    'token/index': 'src/token/index.ts',
    'node/index': 'src/node/index.ts',
    'testing/index': 'src/testing/index.ts',
    'cli/main': 'src/cli/bin.ts',
  },
  format: ['esm'],
  // The core is type-checked without Node types (tsconfig.json); the ./node subpath needs them.
  dts: {
    entry: { index: 'src/index.ts', errors: 'src/errors.ts', 'token/index': 'src/token/index.ts', 'node/index': 'src/node/index.ts', 'testing/index': 'src/testing/index.ts' },
    compilerOptions: { types: ['node'] },
  },
  target: 'es2022',
  platform: 'neutral',
  splitting: true,
  // No source maps in the package: they were 1.3 MB of the 2.2 MB unpacked tarball.
  sourcemap: false,
  clean: true,
  external: [/^node:/, TOKEN_NAMESPACE, ERRORS_NAMESPACE],
  noExternal: [ERRORS_NAMESPACE],
})
