import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    errors: 'src/errors.ts',
    'node/index': 'src/node/index.ts',
    'cli/main': 'src/cli/main.ts',
  },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts', errors: 'src/errors.ts', 'node/index': 'src/node/index.ts' } },
  target: 'es2022',
  platform: 'neutral',
  splitting: true,
  sourcemap: true,
  clean: true,
  external: [/^node:/],
})
