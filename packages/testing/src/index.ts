export { createTestDatabase, type TestDatabase } from './database.ts';
export { type DatabaseKind, describeOnEachDatabase, type EachDatabase } from './each-database.ts';
export { kafkaPrincipal, testKafka, testKafkaSecurity, type TestKafka } from './kafka.ts';
export { JaegerReader, type JaegerSpan, type JaegerTrace } from './jaeger.ts';
export { MailReader, type DeliveredMail } from './mail.ts';
export { stackEndpoints } from './provided.ts';
export { useLocalStackOutsideVitest } from './standalone.ts';
export { testSmtp, testSmtpEnv, type TestSmtp } from './smtp.ts';
export { testRegistryCredentials, testRegistryHeaders } from './registry.ts';
export { Balancer } from './balancer.ts';
export { FaultProxy } from './fault-proxy.ts';
export { waitFor, type WaitForOptions } from './wait-for.ts';
export {
  configureTopic,
  createTestTopics,
  startTestService,
  testMeta,
  type TestRequestInit,
  type TestService,
  type TestServiceOptions,
  type TestTopics,
} from './services.ts';
export { accessToken, freshAccessToken, knownClientSecret, testClient, type TestIdentity } from './tokens.ts';
