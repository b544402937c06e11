import { inject } from 'vitest';
import type { StackEndpoints } from '@switchboard/stack';

export { JaegerReader, type JaegerSpan, type JaegerTrace } from './jaeger.ts';
export { MailReader, type DeliveredMail } from './mail.ts';
export { waitFor, type WaitForOptions } from './wait-for.ts';

/** The endpoints of the real infrastructure this integration test run uses (see global-setup). */
export function stackEndpoints(): StackEndpoints {
  return inject('stack');
}
