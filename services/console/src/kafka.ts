import { kafkaClientConfig, SchemaRegistryClient, TopicNames } from '@switchboard/messaging';
import kafkajs, { type Admin, type Kafka } from 'kafkajs';
import type { ConsoleConfig } from './config.ts';

/** The console's connections to the bus: Kafka as its own principal, the registry as its own client. */
export class Bus {
  readonly kafka: Kafka;
  readonly names: TopicNames;
  readonly registry: SchemaRegistryClient;
  private admin: Promise<Admin> | undefined;

  constructor(config: ConsoleConfig) {
    this.kafka = new kafkajs.Kafka(kafkaClientConfig('console', config.kafkaBrokers, config.kafkaSecurity));
    this.names = new TopicNames(config.topicPrefix);
    this.registry = new SchemaRegistryClient({
      url: config.schemaRegistryUrl,
      unavailableTimeoutMs: 5_000,
      ...(config.schemaRegistryCredentials && { credentials: config.schemaRegistryCredentials }),
    });
  }

  /** One admin connection, made on first use and made again after a failure. */
  async withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    this.admin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })();
    try {
      return await work(await this.admin);
    } catch (error) {
      const failed = this.admin;
      this.admin = undefined;
      await (await failed.catch(() => undefined))?.disconnect().catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await (await admin?.catch(() => undefined))?.disconnect().catch(() => undefined);
  }
}
