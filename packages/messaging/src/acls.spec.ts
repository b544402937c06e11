import { describe, expect, it } from 'vitest';
import { TOPICS, type TopicName } from '@switchboard/contracts';
import { describeAcl, kafkaPrincipals, plannedAcls } from './acls.ts';
import { TopicNames } from './topic-names.ts';

const of = (principal: string, prefix = ''): string[] =>
  plannedAcls(undefined, new TopicNames(prefix))
    .filter((acl) => acl.principal === principal)
    .map(describeAcl)
    .map((line) => line.replace(/ +/g, ' '))
    .sort();

describe('the ACLs the catalog implies', () => {
  it('let billing write what it owns and read what it consumes, in its own group, with its own retry and dead-letter topics', () => {
    const consumed = [
      'conference.call-completed.v1',
      'crm.contract-rates-changed.v1',
      'crm.customer-registered.v1',
      'crm.customer-updated.v1',
    ];
    expect(of('billing')).toEqual(
      [
        'billing WRITE topic billing.call-charged.v1',
        'billing WRITE topic billing.invoice-issued.v1',
        'billing READ group billing',
        ...consumed.flatMap((t) => [
          `billing READ topic ${t}`,
          `billing READ topic ${t}.billing.retry`,
          `billing WRITE topic ${t}.billing.retry`,
          `billing WRITE topic ${t}.billing.dlq`,
        ]),
      ].sort(),
    );
  });

  it('let a producer system write only the topics that name it', () => {
    expect(of('pbx-collector')).toEqual(['pbx-collector WRITE topic conference.call-completed.v1']);
    // The web shop books through the orders API; no topic names it, so it gets nothing on Kafka.
    expect(kafkaPrincipals()).not.toContain('web-shop');
  });

  it('let the operator read dead letters, in its own groups, and send them back to their topics', () => {
    const operator = of('operator');
    expect(operator).toContain('operator READ topic crm.customer-updated.v1.mailing.dlq');
    expect(operator).toContain('operator WRITE topic crm.customer-updated.v1');
    expect(operator).toContain('operator READ group mailing.dlq-replay');
    expect(operator).toContain('operator READ group dlq-reader-*');
    expect(operator.filter((line) => / READ topic /.test(line)).every((line) => line.endsWith('.dlq'))).toBe(
      true,
    );
    // A topic nobody consumes has no dead letters to send back.
    expect(operator).not.toContain('operator WRITE topic orders.order-confirmed.v1');
  });

  it('give a service nothing on a topic unless the catalog makes it its owner, consumer or producer system', () => {
    for (const acl of plannedAcls()) {
      if (acl.resource !== 'topic' || acl.principal === 'operator' || acl.principal === 'console') continue;
      const own = /^(.+)\.([a-z-]+)\.(retry|dlq)$/.exec(acl.name);
      const spec = TOPICS[(own?.[1] ?? acl.name) as TopicName];
      if (own) {
        expect(own[2], acl.name).toBe(acl.principal);
        expect(spec.consumers, acl.name).toContain(acl.principal);
      } else if (acl.operation === 'READ') {
        expect(spec.consumers, acl.name).toContain(acl.principal);
      } else {
        expect([spec.owner, ...(spec.externalProducers ?? [])], acl.name).toContain(acl.principal);
      }
    }
  });

  it('let the console do with dead letters what the operator may, and read the consumer groups without joining them', () => {
    const console = of('console');
    const operator = of('operator');
    expect(console.filter((line) => !line.includes(' DESCRIBE '))).toEqual(
      operator.map((line) => line.replace(/^operator /, 'console ')),
    );
    expect(console).toContain('console DESCRIBE group billing');
    expect(console).not.toContain('console READ group billing');
    expect(kafkaPrincipals()).toContain('console');
  });

  it("carry the naming's prefix, so one environment's grants reach only its own topics and groups", () => {
    expect(of('crm', 'staging.')).toContain('crm WRITE topic staging.crm.customer-registered.v1');
    expect(of('crm', 'staging.')).toContain('crm READ group staging.crm');
    expect(of('operator', 'staging.')).toContain('operator READ group staging.dlq-reader-*');
    expect(of('crm', 'staging.').every((line) => / staging\./.test(line))).toBe(true);
  });
});
