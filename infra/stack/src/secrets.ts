import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { StackError } from './errors.ts';
import { type StackPaths, stackPaths } from './paths.ts';

/**
 * Secrets the local stack generates for itself (Keycloak's admin and database passwords, every
 * OIDC client's secret): one file each under `<run>/secrets`, holding the secret alone, kept across
 * restarts and never in the repository. Other code (tests, the demo, the services) reads the
 * clients' secrets from `oidc-clients/<clientId>`, so that layout is fixed.
 */

/** The folder of the stack's generated secrets (mode 700). */
export function secretsDir(paths: StackPaths = stackPaths()): string {
  return join(paths.run, 'secrets');
}

/** The Keycloak bootstrap admin's password. */
export const KEYCLOAK_ADMIN_SECRET = 'keycloak-admin';
/** The password of Keycloak's own PostgreSQL role. */
export const KEYCLOAK_DB_SECRET = 'keycloak-db';

/** A client id becomes a file name, so it may not name a path. */
const SAFE_CLIENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Throws unless the client id is usable as a file name (no `/`, no leading dot). */
export function checkClientId(clientId: string): void {
  if (!SAFE_CLIENT_ID.test(clientId)) {
    throw new StackError(
      `OIDC client id ${JSON.stringify(clientId)} cannot name a secret file: use letters, digits, ".", "_" and "-" only`,
    );
  }
}

/** The secret's name relative to the secrets folder, e.g. `oidc-clients/web-shop`. */
export function clientSecretName(clientId: string): string {
  checkClientId(clientId);
  return join('oidc-clients', clientId);
}

/** The secret's name of a local user's password (the console's users), e.g. `console-users/operator`. */
export function userPasswordName(username: string): string {
  checkClientId(username);
  return join('console-users', username);
}

/** The file holding a local user's password (its content alone). */
export function userPasswordFile(username: string, paths: StackPaths = stackPaths()): string {
  return join(secretsDir(paths), userPasswordName(username));
}

/** The file holding an OIDC client's secret (its content is the secret alone, no newline). */
export function clientSecretFile(clientId: string, paths: StackPaths = stackPaths()): string {
  return join(secretsDir(paths), clientSecretName(clientId));
}

async function readSecretFile(file: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const value = text.trim();
  if (value === '') throw new StackError(`${file} is empty: delete it and the stack generates a new secret`);
  return value;
}

/** A stored secret of the stack, by name; undefined when it was never generated. */
export async function readSecret(
  name: string,
  paths: StackPaths = stackPaths(),
): Promise<string | undefined> {
  return readSecretFile(join(secretsDir(paths), name));
}

/** Reads the secret the local stack generated for an OIDC client of its realm. */
export async function readClientSecret(clientId: string, paths: StackPaths = stackPaths()): Promise<string> {
  const file = clientSecretFile(clientId, paths);
  const value = await readSecretFile(file);
  if (value === undefined) {
    throw new StackError(
      `no secret for OIDC client ${clientId} at ${file}: the stack generates one for every client of infra/identity/switchboard-realm.json when it starts identity (./switchboard stack up identity)`,
    );
  }
  return value;
}

/** A folder only its owner can enter, also when it existed with looser permissions. */
async function privateFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

/**
 * Returns the named secret, generating it (32 random bytes, base64url) when there is none yet;
 * `created` tells which. The file appears complete or not at all: it is written aside and linked
 * into place, so a concurrent `up` either wins or reads the winner's secret.
 */
export async function ensureSecret(
  name: string,
  paths: StackPaths = stackPaths(),
): Promise<{ value: string; created: boolean }> {
  const file = join(secretsDir(paths), name);
  const existing = await readSecretFile(file);
  if (existing !== undefined) return { value: existing, created: false };
  const value = randomBytes(32).toString('base64url');
  try {
    await placeSecret(paths, file, value, link);
    return { value, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const winner = await readSecretFile(file);
    if (winner === undefined) throw new StackError(`${file} vanished while it was being created`);
    return { value: winner, created: false };
  }
}

/**
 * Writes a secret aside (mode 600, in private folders) and moves it to `file` with `place`:
 * `link` when a file already there must win, `rename` when it is to be replaced.
 */
async function placeSecret(
  paths: StackPaths,
  file: string,
  value: string,
  place: (scratch: string, file: string) => Promise<void>,
): Promise<void> {
  const root = secretsDir(paths);
  await privateFolder(root);
  if (dirname(file) !== root) await privateFolder(dirname(file));
  const scratch = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.partial`;
  try {
    await writeFile(scratch, value, { mode: 0o600, flag: 'wx' });
    await place(scratch, file);
  } finally {
    await rm(scratch, { force: true });
  }
}

/**
 * Stores a secret the stack derives (a database URL with its role's password) under `name`, mode
 * 600 in the private secrets folder; written aside and renamed into place, so a reader never sees
 * half of it.
 */
export async function writeSecret(
  name: string,
  value: string,
  paths: StackPaths = stackPaths(),
): Promise<string> {
  const file = join(secretsDir(paths), name);
  await placeSecret(paths, file, value, rename);
  return file;
}
