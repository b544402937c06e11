export {
  type BatchItem,
  type ConsumerOptions,
  DEFAULT_RETRY_POLICY,
  EventConsumer,
  type EventHandler,
  type HandlerContext,
  HEADERS,
  type PartitionPause,
  type RetryPolicy,
} from './consumer.ts';
export {
  type DependencyFailure,
  DependencyUnavailableError,
  type InfrastructureFailure,
  infrastructureFailure,
} from './failures.ts';
export {
  type DeadLetter,
  listDeadLetters,
  markReplayed,
  replayDeadLetters,
  sendBack,
} from './dead-letters.ts';
export {
  EventTooLargeError,
  ImplausibleEventError,
  MessagingError,
  UndecodableMessageError,
} from './errors.ts';
export { DEFAULT_PLAUSIBILITY, implausibility, type PlausibilityLimits } from './plausibility.ts';
export { eventHandler, type EventHandlerClass, type EventHandlerOptions } from './event-handler.ts';
export { Inbox } from './inbox.ts';
export { inboxRetention, inboxRetentionDays } from './inbox-retention.ts';
export { createMessaging, kafkaClientConfig, type Messaging, type MessagingOptions } from './messaging.ts';
export { type MessagingMetrics, NO_METRICS } from './metrics.ts';
export {
  MESSAGING,
  MESSAGING_OPTIONS,
  MessagingModule,
  type MessagingModuleOptions,
} from './messaging.module.ts';
export {
  consumerPauseProblem,
  type MessagingCheck,
  messagingChecks,
  MessagingStatus,
  relayStall,
} from './readiness.ts';
export {
  Outbox,
  type OutboxEntry,
  OutboxRelay,
  type ParkedRow,
  type RelayOptions,
  type RelayStatus,
} from './outbox.ts';
export { type OutboxDeadLetter, OutboxDeadLetters } from './outbox-dead-letters.ts';
export { EventPublisher, type RawRecord } from './publisher.ts';
export {
  RegistryAccessError,
  type RegistryOptions,
  RegistryUnavailableError,
  SchemaIncompatibleError,
  SchemaNotRegisteredError,
  SchemaRegistryClient,
  UnknownSchemaIdError,
} from './registry.ts';
export { AvroSerde, frame, InvalidEventError } from './serde.ts';
export { consumerLag, type PartitionLag } from './lag.ts';
export { TopicNames } from './topic-names.ts';
export {
  type AclChange,
  type AclPlan,
  applyAcls,
  describeAcl,
  kafkaPrincipals,
  CONSOLE_PRINCIPAL,
  OPERATOR_PRINCIPAL,
  plannedAcls,
  removeAcls,
  replayGroupOf,
} from './acls.ts';
export {
  type AlterTopicConfigs,
  applyTopics,
  applyTopicsPlan,
  durability,
  plannedTopics,
  planTopics,
  type TopicChange,
  type TopicPlan,
  type TopicsPlan,
} from './topics.ts';
export { incrementalConfigs } from './topic-configs.ts';
export { extractTraceContext, injectTraceContext, withProcessSpan, withPublishSpan } from './tracing.ts';
export { MESSAGING_TABLES_SQL, migrateMessagingTables } from './schema.ts';
export { silenceKafkajsTimerWarning } from './warnings.ts';
