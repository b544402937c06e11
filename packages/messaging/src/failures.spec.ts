import { describe, expect, it } from 'vitest';
import { DependencyUnavailableError, infrastructureFailure } from './failures.ts';

const withFields = (message: string, fields: Record<string, unknown>): Error =>
  Object.assign(new Error(message), fields);

describe('telling a failure of the infrastructure from a failure of the event', () => {
  it('names the dependency an error marks itself with, as @switchboard/database does', () => {
    const marked = Object.assign(new Error('database unavailable: Connection terminated'), {
      transient: true,
      dependency: 'database',
    });
    expect(infrastructureFailure(marked)).toEqual({
      dependency: 'database',
      reason: 'database unavailable: Connection terminated',
    });
    expect(infrastructureFailure(new DependencyUnavailableError('crm-api', 'crm answered 503'))).toEqual({
      dependency: 'crm-api',
      reason: 'crm answered 503',
    });
  });

  it('finds the cause of a wrapped failure, in cause chains and aggregate errors', () => {
    const refused = withFields('connect ECONNREFUSED 127.0.0.1:5432', {
      code: 'ECONNREFUSED',
      address: '127.0.0.1',
      port: 5432,
    });
    const wrapped = new Error('could not load the customer', { cause: new AggregateError([refused]) });
    expect(infrastructureFailure(wrapped)).toEqual({
      dependency: 'network (127.0.0.1:5432)',
      reason: 'could not load the customer',
    });
  });

  it('classes KafkaJS errors as the broker’s and a fetch timeout as the network’s', () => {
    expect(
      infrastructureFailure(withFields('This server is not the leader', { name: 'KafkaJSProtocolError' }))
        ?.dependency,
    ).toBe('kafka');
    expect(
      infrastructureFailure(withFields('The operation was aborted due to timeout', { name: 'TimeoutError' }))
        ?.dependency,
    ).toBe('network');
  });

  it('classes a mail server out of reach or answering 4xx as smtp, and a 5xx rejection as the event’s', () => {
    expect(
      infrastructureFailure(withFields('Connection timeout', { code: 'ETIMEDOUT', command: 'CONN' }))
        ?.dependency,
    ).toBe('smtp');
    expect(
      infrastructureFailure(
        withFields('421 Try again later', { code: 'EENVELOPE', responseCode: 421, command: 'RCPT TO' }),
      )?.dependency,
    ).toBe('smtp');
    expect(
      infrastructureFailure(
        withFields('550 No such user', { code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' }),
      ),
    ).toBeUndefined();
  });

  it('leaves anything it does not recognise to the event’s path, so a bug cannot hold a partition forever', () => {
    expect(
      infrastructureFailure(new TypeError("Cannot read properties of undefined (reading 'id')")),
    ).toBeUndefined();
    expect(
      infrastructureFailure(withFields('duplicate key value violates unique constraint', { code: '23505' })),
    ).toBeUndefined();
    expect(infrastructureFailure('a string thrown')).toBeUndefined();
    const loop: Error & { cause?: unknown } = new Error('loops');
    loop.cause = loop;
    expect(infrastructureFailure(loop)).toBeUndefined();
  });

  it('keeps the reason to one line', () => {
    const failure = infrastructureFailure(
      new DependencyUnavailableError('smtp', `first line\n${'x'.repeat(50)}`),
    );
    expect(failure?.reason).toBe('first line');
  });
});
