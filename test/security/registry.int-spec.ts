import { randomUUID } from 'node:crypto';
import { schemaOf, subjectOf, TOPICS } from '@switchboard/contracts';
import type { RegistryCredentials } from '@switchboard/config';
import { SchemaRegistryClient } from '@switchboard/messaging';
import { knownClientSecret, stackEndpoints, testRegistryCredentials } from '@switchboard/testing';
import { afterAll, describe, expect, it } from 'vitest';

/** An OAuth 2.0 client's id and secret as HTTP basic credentials, as Confluent clients send them. */
function credentialsOf(clientId: string): RegistryCredentials {
  const password = knownClientSecret(clientId);
  if (password === undefined)
    throw new Error(
      `the run does not know the secret of client ${clientId}: these tests need the local stack`,
    );
  return { username: clientId, password };
}

const clientAs = (credentials?: RegistryCredentials): SchemaRegistryClient =>
  new SchemaRegistryClient({
    url: stackEndpoints().schemaRegistryUrl,
    credentials,
    unavailableTimeoutMs: 5_000,
  });

describe('the schema registry: every caller authenticated, services read, only the contracts tool registers', () => {
  const subject = subjectOf(`t${randomUUID().slice(0, 8)}.billing.call-charged.v1`);
  const schema = schemaOf(TOPICS['billing.call-charged.v1'].schema);

  afterAll(async () => {
    await clientAs(testRegistryCredentials()).deleteSubject(subject, { permanent: true });
  });

  it('refuses a caller without credentials, and one with a wrong secret, naming who but never the secret', async () => {
    await expect(clientAs().ping()).rejects.toThrow(/asks for credentials .*set SCHEMA_REGISTRY_USERNAME/);
    const wrong = clientAs({ username: 'billing', password: 'not-the-secret' });
    const refusal = wrong.ping();
    await expect(refusal).rejects.toThrow(/refused the credentials of billing/);
    await expect(refusal).rejects.not.toThrow(/not-the-secret/);
  });

  it('lets the contracts tool register a schema, and a service look it up but not register one', async () => {
    const id = await clientAs(credentialsOf('contracts')).register(subject, schema);
    expect(id).toBeGreaterThan(0);

    const billing = clientAs(credentialsOf('billing'));
    await expect(billing.lookup(subject, schema)).resolves.toBe(id);
    expect((await billing.writerType(id)).name).toBe('dev.switchboard.billing.CallCharged');
    const changed = { ...schema, doc: 'a schema billing tries to register itself' };
    await expect(billing.register(subject, changed)).rejects.toThrow(/does not let billing PUT \/config\//);
  });

  it('lets a producer system read the schemas it encodes with, and a client without a registry role nothing', async () => {
    const id = await clientAs(credentialsOf('contracts')).register(subject, schema);
    await expect(clientAs(credentialsOf('pbx-collector')).lookup(subject, schema)).resolves.toBe(id);
    // The web shop books through the orders API; it has no business with the registry.
    await expect(clientAs(credentialsOf('web-shop')).ping()).rejects.toThrow(
      /does not let web-shop GET \/subjects/,
    );
  });

  it('tells a service whose schema was never registered what to run', async () => {
    const unregistered = subjectOf(`t${randomUUID().slice(0, 8)}.billing.call-charged.v1`);
    await expect(clientAs(credentialsOf('billing')).lookup(unregistered, schema)).rejects.toThrow(
      /holds no such schema for subject .* the contracts tool registers every topic's schema \(\.\/switchboard contracts:register\)/,
    );
  });
});
