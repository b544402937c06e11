import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StackError } from './errors.ts';
import { stackPaths } from './paths.ts';
import {
  REALM_HASH_ATTRIBUTE,
  realmClients,
  realmFile,
  realmHashes,
  realmRepresentation,
  realmUpToDate,
  SECRETS_HASH_ATTRIBUTE,
  secretVariable,
  substituteSecrets,
  realmUsers,
  userSecretKey,
} from './realm.ts';

const REALM_TEXT = readFileSync(realmFile(stackPaths({})), 'utf8');

/** A realm of one client with a literal around its placeholder, for small cases. */
const oneClient = (secret: string, clientId = 'web-shop'): string =>
  JSON.stringify({ realm: 'switchboard', clients: [{ clientId, secret }] });

describe('secretVariable', () => {
  it('names the variable Keycloak substitutes, as the realm file writes it', () => {
    expect(secretVariable('web-shop')).toBe('SWITCHBOARD_SECRET_WEB_SHOP');
    expect(secretVariable('switchboard-tests-short-lived')).toBe(
      'SWITCHBOARD_SECRET_SWITCHBOARD_TESTS_SHORT_LIVED',
    );
  });
});

describe('realmClients', () => {
  it('lists every client of the realm file, each with its own placeholder', () => {
    const ids = realmClients(REALM_TEXT);
    expect(ids).toContain('web-shop');
    expect(ids).toContain('switchboard-tests');
    expect(ids).toContain('contracts');
    expect(ids).toContain('prometheus');
    expect(ids).toContain('console');
    expect(ids).toHaveLength(14);
    for (const id of ids) expect(REALM_TEXT).toContain(`"\${${secretVariable(id)}}"`);
  });

  it('refuses a secret written into the file', () => {
    expect(() => realmClients(oneClient('hunter2'))).toThrow(/placeholder \$\{SWITCHBOARD_SECRET_WEB_SHOP\}/);
  });

  it('refuses a client id that would not make a file name, and two ids sharing a placeholder', () => {
    expect(() => realmClients(oneClient('${SWITCHBOARD_SECRET____X}', '../x'))).toThrow(StackError);
    const clash = JSON.stringify({
      realm: 'switchboard',
      clients: [
        { clientId: 'web-shop', secret: '${SWITCHBOARD_SECRET_WEB_SHOP}' },
        { clientId: 'web_shop', secret: '${SWITCHBOARD_SECRET_WEB_SHOP}' },
      ],
    });
    expect(() => realmClients(clash)).toThrow(/web-shop and web_shop/);
  });

  it('needs no secret for a public client', () => {
    const text = JSON.stringify({ realm: 'switchboard', clients: [{ clientId: 'spa', publicClient: true }] });
    expect(realmClients(text)).toEqual(['spa']);
  });

  it('says so when the file is not JSON or not the switchboard realm', () => {
    expect(() => realmClients('{', 'realm.json')).toThrow(/realm.json is not valid JSON/);
    expect(() => realmClients('{"realm":"other","clients":[]}')).toThrow(/realm "switchboard"/);
  });
});

describe('substituteSecrets', () => {
  const secrets: Record<string, string> = Object.fromEntries([
    ...realmClients(REALM_TEXT).map((id) => [id, `secret-of-${id}`] as const),
    ...realmUsers(REALM_TEXT).map((user) => [userSecretKey(user), `password-of-${user}`] as const),
  ]);

  it('fills every placeholder of the realm file with its client secret or user password', () => {
    const values = Object.fromEntries(Object.entries(secrets).map(([id, s]) => [secretVariable(id), s]));
    const filled = substituteSecrets(REALM_TEXT, values);
    expect(filled).not.toMatch(/\$\{[A-Z_]/);
    const realm = JSON.parse(filled) as { clients: { clientId: string; secret: string }[] };
    for (const client of realm.clients) expect(client.secret).toBe(`secret-of-${client.clientId}`);
    const users = (JSON.parse(filled) as { users: { username: string; credentials?: { value: string }[] }[] })
      .users;
    const people = users.filter((u) => u.credentials !== undefined);
    expect(people.map((u) => u.username).sort()).toEqual(['auditor', 'observer', 'operator']);
    for (const user of people) expect(user.credentials?.[0]?.value).toBe(`password-of-${user.username}`);
  });

  it('refuses a password written into the file', () => {
    const text = JSON.stringify({
      users: [{ username: 'operator', credentials: [{ type: 'password', value: 'hunter2' }] }],
    });
    expect(() => realmUsers(text)).toThrow(/placeholder \$\{SWITCHBOARD_SECRET_USER_OPERATOR\}/);
  });

  it('fails on an unknown placeholder, naming it and no secret', () => {
    const text = '{"a":"${SWITCHBOARD_SECRET_WEB_SHOP}","b":"${SMTP_PASSWORD}","c":"${OTHER:fallback}"}';
    let failure: unknown;
    try {
      substituteSecrets(text, { SWITCHBOARD_SECRET_WEB_SHOP: 'do-not-print-me' });
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(StackError);
    const message = (failure as Error).message;
    expect(message).toContain('${SMTP_PASSWORD}');
    expect(message).toContain('${OTHER}');
    expect(message).not.toContain('do-not-print-me');
    expect(message).not.toContain('\n');
  });

  it("leaves Keycloak's lower-case message keys alone and escapes values for JSON", () => {
    const text = '{"name":"${role_default-roles}","secret":"${S}"}';
    expect(JSON.parse(substituteSecrets(text, { S: 'a"b\\c' }))).toEqual({
      name: '${role_default-roles}',
      secret: 'a"b\\c',
    });
  });
});

describe('realm hashes', () => {
  const secrets = { 'web-shop': 'one', operator: 'two' };
  const text = JSON.stringify({
    realm: 'switchboard',
    attributes: { kept: 'yes' },
    clients: [
      { clientId: 'web-shop', secret: '${SWITCHBOARD_SECRET_WEB_SHOP}' },
      { clientId: 'operator', secret: '${SWITCHBOARD_SECRET_OPERATOR}' },
    ],
  });
  const created = realmRepresentation(text, secrets);

  it('records the hashes in the realm it creates, keeping the attributes of the file', () => {
    expect(created.attributes).toEqual({
      kept: 'yes',
      [REALM_HASH_ATTRIBUTE]: realmHashes(text, secrets).realm,
      [SECRETS_HASH_ATTRIBUTE]: realmHashes(text, secrets).secrets,
    });
    expect(realmHashes(text, secrets).realm).toMatch(/^[0-9a-f]{64}$/);
  });

  it('finds a realm made from the same file and secrets up to date, whatever the order of the secrets', () => {
    expect(realmUpToDate(created, realmHashes(text, { operator: 'two', 'web-shop': 'one' }))).toBe(true);
  });

  it('finds it out of date when the file or a secret changed, or when it carries no hash', () => {
    expect(realmUpToDate(created, realmHashes(text.replace('yes', 'no'), secrets))).toBe(false);
    expect(realmUpToDate(created, realmHashes(text, { ...secrets, operator: 'three' }))).toBe(false);
    expect(realmUpToDate({ attributes: {} }, realmHashes(text, secrets))).toBe(false);
    expect(realmUpToDate({}, realmHashes(text, secrets))).toBe(false);
  });

  it('hashes the file as written, placeholders unfilled', () => {
    expect(realmHashes(text, secrets).realm).toBe(realmHashes(text, { other: 'x' }).realm);
  });
});
