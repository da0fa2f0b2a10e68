import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    errors: 'src/errors.ts',
    'node/index': 'src/node/index.ts',
    'cli/main': 'src/cli/bin.ts',
  },
  format: ['esm'],
  // The core is type-checked without Node types (tsconfig.json); the ./node subpath needs them.
  dts: { entry: { index: 'src/index.ts', errors: 'src/errors.ts', 'node/index': 'src/node/index.ts' }, compilerOptions: { types: ['node'] } },
  target: 'es2022',
  platform: 'neutral',
  splitting: true,
  sourcemap: true,
  clean: true,
  external: [/^node:/],
})
