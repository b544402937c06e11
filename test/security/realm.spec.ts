import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCOPES, type ScopeName } from '@switchboard/contracts';
import { describe, expect, it } from 'vitest';

interface Realm {
  clientScopes: {
    name: string;
    protocolMappers?: { protocolMapper: string; config: Record<string, string> }[];
  }[];
  clients: {
    clientId: string;
    secret?: string;
    publicClient?: boolean;
    defaultClientScopes?: string[];
    optionalClientScopes?: string[];
  }[];
  users?: { serviceAccountClientId?: string; realmRoles?: string[] }[];
  scopeMappings?: { clientScope: string; roles: string[] }[];
}

/** Client scopes that carry no API scope: the token's subject, and the schema registry's roles. */
const NOT_API_SCOPES = ['basic', 'profile', 'schema-registry'];

const realm = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', '..', 'infra', 'identity', 'switchboard-realm.json'), 'utf8'),
) as Realm;

describe('the identity provider realm', () => {
  it('defines exactly the scopes routes may require, each issued for the audience of its services', () => {
    const defined = realm.clientScopes.filter((scope) => !NOT_API_SCOPES.includes(scope.name));
    expect(defined.map((scope) => scope.name).sort()).toEqual(Object.keys(SCOPES).sort());
    for (const scope of defined) {
      const audiences = (scope.protocolMappers ?? [])
        .filter((mapper) => mapper.protocolMapper === 'oidc-audience-mapper')
        .map((mapper) => mapper.config['included.custom.audience']);
      expect(audiences.sort(), scope.name).toEqual([...SCOPES[scope.name as ScopeName].audience].sort());
    }
  });

  it('gives its clients only scopes it defines, and holds no secret: each is a placeholder', () => {
    const names = new Set(realm.clientScopes.map((scope) => scope.name));
    for (const client of realm.clients) {
      for (const scope of [...(client.defaultClientScopes ?? []), ...(client.optionalClientScopes ?? [])])
        expect(names, `${client.clientId} → ${scope}`).toContain(scope);
      expect(client.secret).toBe(
        `\${SWITCHBOARD_SECRET_${client.clientId.toUpperCase().replaceAll('-', '_')}}`,
      );
    }
  });

  it('has a client per service and per producer system, the operator and the demo', () => {
    expect(realm.clients.map((client) => client.clientId)).toEqual(
      expect.arrayContaining([
        'orders',
        'billing',
        'conference-bridge',
        'crm',
        'mailing',
        'pbx-collector',
        'web-shop',
        'operator',
        'demo',
      ]),
    );
  });

  it('lets a producer system reach only what it produces: no personal data or secrets', () => {
    for (const id of ['pbx-collector', 'web-shop']) {
      const client = realm.clients.find((c) => c.clientId === id);
      const scopes = (client?.defaultClientScopes ?? []).filter(
        (s) => !NOT_API_SCOPES.includes(s),
      ) as ScopeName[];
      // The web shop tells its customers the access codes of the bookings it made: nothing else sensitive.
      const sensitive = scopes.filter((s) => 'sensitive' in SCOPES[s] && s !== 'orders.access-codes:read');
      expect(sensitive, id).toEqual([]);
    }
  });

  it("gives the console's scopes only to users whose roles allow them, and never to a client's own account", () => {
    const byScope = new Map((realm.scopeMappings ?? []).map((m) => [m.clientScope, m.roles]));
    expect(byScope.get('switchboard.console:read')).toEqual(['operator', 'observer']);
    expect(byScope.get('switchboard.dead-letters:replay')).toEqual(['operator']);
    expect(byScope.get('switchboard.personal-data:read')).toEqual(['personal-data-reader']);
    const accounts = (realm.users ?? []).filter((u) => u.serviceAccountClientId !== undefined);
    for (const account of accounts)
      expect(account.realmRoles ?? [], account.serviceAccountClientId).not.toContain('operator');
  });

  it('lets every service and producer system read schemas, only the contracts tool register them', () => {
    const roleOf = new Map(
      (realm.users ?? [])
        .filter((user) => user.serviceAccountClientId !== undefined)
        .map((user) => [user.serviceAccountClientId, user.realmRoles ?? []]),
    );
    for (const id of ['orders', 'billing', 'conference-bridge', 'crm', 'mailing', 'pbx-collector', 'console'])
      expect(roleOf.get(id), id).toEqual(['sr-readonly']);
    expect(roleOf.get('contracts')).toEqual(['sr-developer']);
    const writers = [...roleOf]
      .filter(([, roles]) => roles.some((r) => r !== 'sr-readonly'))
      .map(([id]) => id);
    expect(writers.sort()).toEqual(['contracts', 'operator', 'switchboard-tests']);
    // The registry's roles reach the token (realm_access.roles) only through the schema-registry scope.
    expect(realm.scopeMappings?.find((m) => m.clientScope === 'schema-registry')).toEqual({
      clientScope: 'schema-registry',
      roles: ['sr-readonly', 'sr-developer', 'sr-admin'],
    });
    for (const id of roleOf.keys())
      expect(realm.clients.find((c) => c.clientId === id)?.defaultClientScopes, id).toContain(
        'schema-registry',
      );
  });
});
