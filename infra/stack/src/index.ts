export type { Component, ComponentName } from './component.ts';
export {
  ENDPOINT_ENV,
  LOCAL_ENDPOINTS,
  endpointsToEnv,
  resolveEndpoints,
  withoutPassword,
  type StackEndpoints,
} from './endpoints.ts';
export { StackError } from './errors.ts';
export { stackPaths, type StackPaths } from './paths.ts';
export { realmClientIds, realmFile, secretVariable } from './realm.ts';
export { clientSecretFile, readClientSecret, secretsDir, userPasswordFile } from './secrets.ts';
export {
  COMPONENTS,
  componentState,
  down,
  fetchArtifacts,
  up,
  type ComponentState,
  type UpResult,
} from './stack.ts';
export {
  KAFKA_ADMIN_PRINCIPAL,
  KAFKA_TEST_PRINCIPAL,
  kafkaCaFile,
  kafkaPasswordFile,
  LOCAL_KAFKA_TLS_BROKER,
  stackKafkaPrincipals,
} from './components/kafka.ts';
export { SMTP_USER, smtpCaFile, smtpPasswordFile } from './components/mail.ts';
export { serviceDatabaseUrl } from './components/postgres.ts';
export {
  promtool,
  rulesFile,
  SCRAPE_JOB,
  type ScrapeTarget,
  writeScrapeTargets,
} from './components/prometheus.ts';
export { ensureOwnedDatabase, onDatabase, roleUrl, withPostgresClient } from './postgres-admin.ts';
export { ensureChromium, launchBrowser, signInToConsole } from './chromium.ts';
export { ensureSchemathesis, SCHEMATHESIS_VERSION } from './schemathesis.ts';
export { pidsListeningOn } from './processes.ts';
