import { inject } from 'vitest';
import type { StackEndpoints } from '@switchboard/stack';

import { STACK_KEY } from './stack-key.ts';

/** Where `provideOutsideVitest` keeps the values a tool outside Vitest provides (see standalone.ts). */
const OUTSIDE_VITEST = Symbol.for('switchboard.testing.provided');

type Provided = Map<string, unknown>;

/**
 * A value the global setup provides to test workers, or that a tool run outside Vitest (the chaos
 * run) provided itself; undefined where neither did.
 */
export function providedValue<T>(key: string): T | undefined {
  const outside = (globalThis as { [OUTSIDE_VITEST]?: Provided })[OUTSIDE_VITEST];
  if (outside) return outside.get(key) as T | undefined;
  return (inject as (key: string) => unknown)(key) as T | undefined;
}

/** Provides the values `providedValue` returns, in a process that Vitest does not run. */
export function provideOutsideVitest(values: Readonly<Record<string, unknown>>): void {
  (globalThis as { [OUTSIDE_VITEST]?: Provided })[OUTSIDE_VITEST] = new Map(Object.entries(values));
}

/** The endpoints of the real infrastructure this integration test run uses (see global-setup). */
export function stackEndpoints(): StackEndpoints {
  const endpoints = providedValue<StackEndpoints>(STACK_KEY);
  if (!endpoints) {
    throw new Error(
      'stackEndpoints() is only available in integration tests (*.int-spec.ts), whose global setup provides the stack',
    );
  }
  return endpoints;
}
