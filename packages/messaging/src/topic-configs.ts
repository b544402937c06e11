import { readFileSync } from 'node:fs';
import type { Admin } from '@platformatic/kafka';
import type { KafkaSecurity } from '@switchboard/config';
import type { AlterTopicConfigs } from './topics.ts';

/**
 * Topic configs changed the way KIP-339 asks: IncrementalAlterConfigs sets the configs named and
 * leaves every other, where kafkajs has only AlterConfigs, which replaces a topic's whole set of
 * overrides (and so drops what an operator set by hand). kafkajs has no such request; Platformatic's
 * client has, and is used here for this one call, as the same principal. It is imported only when
 * a config is to change: loaded with the bus, it would add some 50 MB to every service's memory.
 */
export function incrementalConfigs(
  clientId: string,
  brokers: readonly string[],
  security: KafkaSecurity,
): { readonly alter: AlterTopicConfigs; close(): Promise<void> } {
  let admin: Admin | undefined;
  return {
    async alter(alterations) {
      if (alterations.length === 0) return;
      const kafka = await import('@platformatic/kafka');
      admin ??= new kafka.Admin({
        clientId,
        bootstrapBrokers: [...brokers],
        ...(security.sasl && {
          sasl: {
            mechanism: security.sasl.mechanism,
            username: security.sasl.username,
            password: security.sasl.password,
          },
        }),
        ...(security.tls && {
          tls: security.tls.caFile ? { ca: readFileSync(security.tls.caFile, 'utf8') } : {},
        }),
      });
      await admin.incrementalAlterConfigs({
        resources: alterations.map((a) => ({
          resourceType: kafka.ConfigResourceTypes.TOPIC,
          resourceName: a.topic,
          configs: Object.entries(a.set).map(([name, value]) => ({
            name,
            configOperation: kafka.IncrementalAlterConfigOperationTypes.SET,
            value,
          })),
        })),
      });
    },
    async close() {
      await admin?.close();
    },
  };
}
