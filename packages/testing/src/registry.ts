import {
  basicAuthorization,
  type RegistryCredentials,
  registryCredentialsFromEnv,
} from '@switchboard/config';

/** The tests' credentials for the schema registry (the worker's SCHEMA_REGISTRY_* variables). */
export function testRegistryCredentials(): RegistryCredentials | undefined {
  return registryCredentialsFromEnv('switchboard-tests');
}

/** The Authorization header a test's own call to the registry sends, if the registry asks for one. */
export function testRegistryHeaders(): Record<string, string> {
  const credentials = testRegistryCredentials();
  return credentials ? { Authorization: basicAuthorization(credentials) } : {};
}
