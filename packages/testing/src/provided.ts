import { inject } from 'vitest';
import type { StackEndpoints } from '@switchboard/stack';

import { STACK_KEY } from './stack-key.ts';

/** The endpoints of the real infrastructure this integration test run uses (see global-setup). */
export function stackEndpoints(): StackEndpoints {
  const endpoints = (inject as (key: string) => unknown)(STACK_KEY) as StackEndpoints | undefined;
  if (!endpoints) {
    throw new Error(
      'stackEndpoints() is only available in integration tests (*.int-spec.ts), whose global setup provides the stack',
    );
  }
  return endpoints;
}
