import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StackError } from './errors.ts';
import { type StackPaths, stackPaths } from './paths.ts';
import { checkClientId } from './secrets.ts';

/**
 * The Keycloak realm of the local stack, `infra/identity/switchboard-realm.json`: the one file
 * docker compose imports too. Its client secrets are placeholders `${SWITCHBOARD_SECRET_<ID>}`,
 * which Keycloak's `--import-realm` fills from the environment and the stack fills from its
 * generated secrets.
 */

/** The realm's name; the issuer is `<server>/realms/switchboard`. */
export const REALM_NAME = 'switchboard';

/**
 * Realm attributes the stack sets when it creates the realm, so that a later `up` can tell whether
 * the file or the secrets changed since: sha256 of the file as written (placeholders unfilled),
 * and of the client secrets it was filled with (an unsalted hash is safe: each secret is 256
 * random bits).
 */
export const REALM_HASH_ATTRIBUTE = 'switchboardRealmSha256';
export const SECRETS_HASH_ATTRIBUTE = 'switchboardSecretsSha256';

/** The realm file, found from this package's folder. */
export function realmFile(paths: StackPaths = stackPaths()): string {
  return join(paths.packageDir, '..', 'identity', 'switchboard-realm.json');
}

/** The environment variable the realm names for a client's secret: `web-shop` → `SWITCHBOARD_SECRET_WEB_SHOP`. */
export function secretVariable(clientId: string): string {
  return `SWITCHBOARD_SECRET_${clientId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

interface ClientShape {
  readonly clientId?: unknown;
  readonly publicClient?: unknown;
  readonly bearerOnly?: unknown;
  readonly secret?: unknown;
}

/**
 * The client ids of a realm file's text, checked: each one usable as a secret file name, no two
 * sharing a placeholder, and every confidential client's secret its placeholder (so no secret is
 * ever written into the repository).
 */
export function realmClients(text: string, source = 'the realm file'): string[] {
  let realm: { realm?: unknown; clients?: unknown };
  try {
    realm = JSON.parse(text) as typeof realm;
  } catch (error) {
    throw new StackError(
      `${source} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (realm.realm !== REALM_NAME) throw new StackError(`${source} must define realm "${REALM_NAME}"`);
  if (!Array.isArray(realm.clients)) throw new StackError(`${source} has no "clients" list`);
  const variables = new Map<string, string>();
  return (realm.clients as ClientShape[]).map((client) => {
    const { clientId } = client;
    if (typeof clientId !== 'string') throw new StackError(`${source} has a client without a clientId`);
    checkClientId(clientId);
    const variable = secretVariable(clientId);
    const clash = variables.get(variable);
    if (clash !== undefined)
      throw new StackError(`${source}: clients ${clash} and ${clientId} would share the secret ${variable}`);
    variables.set(variable, clientId);
    const confidential = client.publicClient !== true && client.bearerOnly !== true;
    if (confidential && client.secret !== `\${${variable}}`) {
      throw new StackError(
        `${source}: the secret of client ${clientId} must be the placeholder \${${variable}}, so that no secret is kept in the repository`,
      );
    }
    return clientId;
  });
}

interface UserShape {
  readonly username?: unknown;
  readonly credentials?: readonly { readonly type?: unknown; readonly value?: unknown }[];
}

/** The key of a user's password among the realm's secrets: its placeholder is `secretVariable` of it. */
export const userSecretKey = (username: string): string => `user-${username}`;

/**
 * The people of a realm file's text who sign in with a password (the console's local users), each
 * password checked to be its placeholder `${SWITCHBOARD_SECRET_USER_<NAME>}`, never written in.
 */
export function realmUsers(text: string, source = 'the realm file'): string[] {
  const realm = JSON.parse(text) as { users?: UserShape[] };
  return (realm.users ?? []).flatMap((user) => {
    const passwords = (user.credentials ?? []).filter((c) => c.type === 'password');
    if (passwords.length === 0) return [];
    const { username } = user;
    if (typeof username !== 'string') throw new StackError(`${source} has a user without a username`);
    checkClientId(username);
    const placeholder = `\${${secretVariable(userSecretKey(username))}}`;
    if (passwords.some((c) => c.value !== placeholder))
      throw new StackError(
        `${source}: the password of user ${username} must be the placeholder ${placeholder}, so that no password is kept in the repository`,
      );
    return [username];
  });
}

/** The client ids of the stack's realm, in the file's order. */
export async function realmClientIds(paths: StackPaths = stackPaths()): Promise<string[]> {
  const file = realmFile(paths);
  return realmClients(await readFile(file, 'utf8'), file);
}

/**
 * Environment-style placeholders, `${NAME}` or `${NAME:default}`, as Keycloak substitutes them.
 * Lower-case ones such as `${role_default-roles}` are Keycloak's message keys and stay as they are.
 */
const PLACEHOLDER = /\$\{([A-Z_][A-Z0-9_]*)(?::[^}]*)?\}/g;

/**
 * Fills every placeholder of the realm's text from `values` (by variable name). An unknown
 * placeholder is an error naming it, never a literal `${…}` left as a client's secret. Values are
 * escaped for a JSON string. Error messages name variables only, never a value.
 */
export function substituteSecrets(text: string, values: Readonly<Record<string, string>>): string {
  const unknown = new Set<string>();
  const filled = text.replace(PLACEHOLDER, (placeholder, name: string) => {
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (value === undefined) {
      unknown.add(name);
      return placeholder;
    }
    return JSON.stringify(value).slice(1, -1);
  });
  if (unknown.size > 0) {
    throw new StackError(
      `the realm names \${${[...unknown].join('}, ${')}}, which the stack does not provide (it fills only SWITCHBOARD_SECRET_<CLIENT_ID> of the realm's own clients)`,
    );
  }
  return filled;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** What the realm was made from: the file's hash and its secrets' hash. */
export interface RealmHashes {
  readonly realm: string;
  readonly secrets: string;
}

/** Hashes of the file as written and of the client secrets (by client id, order-independent). */
export function realmHashes(text: string, secrets: Readonly<Record<string, string>>): RealmHashes {
  const pairs = Object.entries(secrets)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, secret]) => `${id}\0${secret}\n`)
    .join('');
  return { realm: sha256(text), secrets: sha256(pairs) };
}

/**
 * The realm as the admin API takes it: the file with every client's secret filled in and the
 * hashes recorded in its attributes.
 */
export function realmRepresentation(
  text: string,
  secrets: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const values = Object.fromEntries(Object.entries(secrets).map(([id, s]) => [secretVariable(id), s]));
  const realm = JSON.parse(substituteSecrets(text, values)) as Record<string, unknown>;
  const hashes = realmHashes(text, secrets);
  const attributes = (realm.attributes ?? {}) as Record<string, unknown>;
  realm.attributes = {
    ...attributes,
    [REALM_HASH_ATTRIBUTE]: hashes.realm,
    [SECRETS_HASH_ATTRIBUTE]: hashes.secrets,
  };
  return realm;
}

/** True when a realm read from Keycloak was made from this file with these secrets. */
export function realmUpToDate(existing: { attributes?: unknown }, wanted: RealmHashes): boolean {
  const attributes = (existing.attributes ?? {}) as Record<string, unknown>;
  return (
    attributes[REALM_HASH_ATTRIBUTE] === wanted.realm && attributes[SECRETS_HASH_ATTRIBUTE] === wanted.secrets
  );
}
