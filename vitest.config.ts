import swc from 'unplugin-swc';
import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * Three projects: `unit` (pure logic, `*.spec.ts` beside the code), `integration`
 * (`*.int-spec.ts`, against real infrastructure that the global setup provides) and `chaos`
 * (`*.chaos-spec.ts`: the same infrastructure, after the other two, alone). SWC compiles the
 * TypeScript so NestJS's decorator metadata is emitted as `tsc` would; the `@switchboard/source`
 * condition makes workspace packages resolve to their sources, so tests need no build first.
 */
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: { conditions: ['@switchboard/source', ...defaultServerConditions] },
  ssr: { resolve: { conditions: ['@switchboard/source', ...defaultServerConditions] } },
  // Global setup files are loaded in Vitest's own `__vitest__` environment, which needs it too.
  environments: {
    __vitest__: { resolve: { conditions: ['@switchboard/source', ...defaultServerConditions] } },
  },
  test: {
    exclude: ['**/node_modules/**', '**/dist/**'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['**/*.spec.ts'],
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['**/*.int-spec.ts'],
          globalSetup: ['./packages/testing/src/global-setup.ts'],
          setupFiles: ['./packages/testing/src/worker-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        // The chaos run restarts the shared broker: it runs alone, once the others are done. (Not
        // group 0: with one worker, Vitest runs the files of group 0 last, as a group of their own.)
        extends: true,
        test: {
          name: 'chaos',
          include: ['**/*.chaos-spec.ts'],
          globalSetup: ['./packages/testing/src/global-setup.ts'],
          setupFiles: ['./packages/testing/src/worker-setup.ts'],
          testTimeout: 30 * 60_000,
          hookTimeout: 120_000,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
