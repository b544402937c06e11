export { asyncApiDocument, LOCAL_KAFKA, LOCAL_SCHEMA_REGISTRY, LOCAL_TOKEN_URL } from './asyncapi.ts';
export {
  OBJECTIVE_RECORD,
  prometheusRules,
  RATE_RECORD,
  SLI_RECORD,
  SLO_TARGET,
} from './prometheus-rules.ts';
export { BUSINESS_KEYS, type BusinessKey, businessAttributes } from './business-keys.ts';
export {
  type AnyTopicSpec,
  deadLetterTopicOf,
  type EventOf,
  isTopicName,
  MAX_EVENT_BYTES,
  type ProducerSystem,
  type Retention,
  retryTopicOf,
  type ServiceName,
  subjectOf,
  type TopicName,
  type TopicSpec,
  TOPICS,
} from './catalog.ts';
export { avroTypeOf, schemaOf } from './codecs.ts';
export { EVENT_SCHEMAS } from './generated/schemas.ts';
export type * from './generated/types.ts';
export { type Audience, SCOPES, type ScopeName, type ScopeSpec, scopesOf } from './scopes.ts';
