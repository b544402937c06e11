import { z } from 'zod';
import { parseEnv, secretFromEnv, withHiddenSecret } from './env.ts';

/** HTTP basic credentials for the schema registry. The password is left out of logs and JSON. */
export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
}

/**
 * The variables of a schema registry client's credentials: `SCHEMA_REGISTRY_USERNAME` (default the
 * client's own name; on the local stack its OAuth 2.0 client id) and `SCHEMA_REGISTRY_PASSWORD` or
 * the file in `SCHEMA_REGISTRY_PASSWORD_FILE` (its client secret). Without a password, no credentials
 * are sent (a registry that asks for none).
 */
export function registryEnv(defaultUsername: string) {
  return {
    SCHEMA_REGISTRY_USERNAME: z.string().trim().min(1).default(defaultUsername),
    SCHEMA_REGISTRY_PASSWORD: z.string().optional(),
    SCHEMA_REGISTRY_PASSWORD_FILE: z.string().optional(),
  };
}

export function registryCredentialsOf(
  vars: z.output<z.ZodObject<ReturnType<typeof registryEnv>>>,
): RegistryCredentials | undefined {
  const password = secretFromEnv('SCHEMA_REGISTRY_PASSWORD', vars);
  if (password === undefined) return undefined;
  return withHiddenSecret({ username: vars.SCHEMA_REGISTRY_USERNAME }, 'password', password);
}

/** The HTTP `Authorization` header value of basic credentials. */
export function basicAuthorization({ username, password }: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** A tool's or a test's registry credentials from the environment, named `defaultUsername` unless told. */
export function registryCredentialsFromEnv(
  defaultUsername: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): RegistryCredentials | undefined {
  return registryCredentialsOf(parseEnv(z.object(registryEnv(defaultUsername)), env));
}
