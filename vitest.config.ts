import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30000,
    reporters: ['default'],
    // Test files share their worker's module graph instead of re-importing src/ (and pkijs,
    // asn1js, jose) for each of ~115 files: measured on the whole suite, CPU time 246 s -> 177 s
    // and import time 79 s -> 24 s. Files must therefore restore what they change globally
    // (vi.restoreAllMocks / vi.unstubAllGlobals in afterEach), which they do.
    isolate: false,
  },
})
