import { type AnyTopicSpec, TOPICS } from '@switchboard/contracts';
import kafkajs, { type Admin, type AclEntry, type DescribeAclResource } from 'kafkajs';
import { TopicNames } from './topic-names.ts';

// kafkajs is CommonJS and Node's ESM loader cannot see these exports by name.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

/** The principal of the operator's tools (`./switchboard dlq`): reads dead letters, replays them. */
export const OPERATOR_PRINCIPAL = 'operator';
/**
 * The flow console's principal: what the operator's tools may do with dead letters, and it reads
 * (DESCRIBE) the consumer groups' offsets, to show their lag; it never joins them.
 */
export const CONSOLE_PRINCIPAL = 'console';
const DEAD_LETTER_TOOLS = [OPERATOR_PRINCIPAL, CONSOLE_PRINCIPAL] as const;

/** One permission a principal is given. READ and WRITE imply DESCRIBE, which is listed only alone. */
export interface AclPlan {
  /** The principal's name (`User:<principal>` on the broker). */
  readonly principal: string;
  readonly operation: 'READ' | 'WRITE' | 'DESCRIBE';
  readonly resource: 'topic' | 'group';
  readonly name: string;
  /** `prefixed`: every resource whose name starts with `name`. */
  readonly pattern: 'literal' | 'prefixed';
}

export type AclChange =
  | { readonly action: 'created' | 'deleted'; readonly acl: AclPlan }
  | { readonly action: 'unchanged'; readonly count: number };

/** One line of a plan: `billing  WRITE  topic billing.call-charged.v1`. */
export function describeAcl(acl: AclPlan): string {
  const pattern = acl.pattern === 'prefixed' ? '*' : '';
  return `${acl.principal.padEnd(18)} ${acl.operation.padEnd(8)} ${acl.resource} ${acl.name}${pattern}`;
}

/**
 * Every principal that the catalog gives a permission: each service that owns or consumes a
 * topic, each producer system that may write one, and the operator.
 */
export function kafkaPrincipals(catalog: Readonly<Record<string, AnyTopicSpec>> = TOPICS): string[] {
  const names = Object.values(catalog).flatMap((spec) => [
    spec.owner,
    ...spec.consumers,
    ...(spec.externalProducers ?? []),
  ]);
  return [...new Set([...names, ...DEAD_LETTER_TOOLS])].sort();
}

/**
 * The least privilege the catalog implies, under the given naming (prefix): a service writes the
 * topics it owns and reads the topics it consumes, in its own group, with its own retry topic
 * (read and written) and dead-letter topic (written) for each; a producer system writes the
 * topics that name it; the operator and the console read every dead-letter topic (in their own
 * groups) and may send a dead letter back to its topic; the console reads the consumer groups' offsets.
 */
export function plannedAcls(
  catalog: Readonly<Record<string, AnyTopicSpec>> = TOPICS,
  names: TopicNames = new TopicNames(),
): AclPlan[] {
  const acls: AclPlan[] = [];
  const grant = (
    principal: string,
    operation: AclPlan['operation'],
    resource: AclPlan['resource'],
    name: string,
  ) => acls.push({ principal, operation, resource, name, pattern: 'literal' });
  for (const [topic, spec] of Object.entries(catalog)) {
    const physical = names.physical(topic);
    for (const writer of [spec.owner, ...(spec.externalProducers ?? [])])
      grant(writer, 'WRITE', 'topic', physical);
    for (const consumer of spec.consumers) {
      grant(consumer, 'READ', 'topic', physical);
      grant(consumer, 'READ', 'topic', names.retry(topic, consumer));
      grant(consumer, 'WRITE', 'topic', names.retry(topic, consumer));
      grant(consumer, 'WRITE', 'topic', names.deadLetter(topic, consumer));
      for (const tool of DEAD_LETTER_TOOLS) grant(tool, 'READ', 'topic', names.deadLetter(topic, consumer));
    }
    if (spec.consumers.length > 0)
      for (const tool of DEAD_LETTER_TOOLS) grant(tool, 'WRITE', 'topic', physical);
  }
  const consumers = new Set(Object.values(catalog).flatMap((spec) => spec.consumers));
  for (const consumer of [...consumers].sort()) {
    grant(consumer, 'READ', 'group', names.group(consumer));
    grant(CONSOLE_PRINCIPAL, 'DESCRIBE', 'group', names.group(consumer));
    for (const tool of DEAD_LETTER_TOOLS) grant(tool, 'READ', 'group', names.group(replayGroupOf(consumer)));
  }
  for (const tool of DEAD_LETTER_TOOLS)
    acls.push({
      principal: tool,
      operation: 'READ',
      resource: 'group',
      name: names.group(DLQ_READER_GROUP_PREFIX),
      pattern: 'prefixed',
    });
  return acls;
}

/** The group that remembers which dead letters of a consumer were replayed (before the naming's prefix). */
export const replayGroupOf = (consumer: string): string => `${consumer}.dlq-replay`;

/** The start of the throw-away groups that read a dead-letter topic whole (before the naming's prefix). */
export const DLQ_READER_GROUP_PREFIX = 'dlq-reader-';

const RESOURCE = { topic: AclResourceTypes.TOPIC, group: AclResourceTypes.GROUP } as const;
const PATTERN = { literal: ResourcePatternTypes.LITERAL, prefixed: ResourcePatternTypes.PREFIXED } as const;
const OPERATION = {
  READ: AclOperationTypes.READ,
  WRITE: AclOperationTypes.WRITE,
  DESCRIBE: AclOperationTypes.DESCRIBE,
} as const;

const keyOf = (acl: AclPlan): string =>
  `${acl.principal}|${acl.operation}|${acl.resource}|${acl.name}|${acl.pattern}`;

function entryOf(acl: AclPlan): AclEntry {
  return {
    principal: `User:${acl.principal}`,
    host: '*',
    operation: OPERATION[acl.operation],
    permissionType: AclPermissionTypes.ALLOW,
    resourceType: RESOURCE[acl.resource],
    resourceName: acl.name,
    resourcePatternType: PATTERN[acl.pattern],
  };
}

/** The broker's ALLOW entries of READ, WRITE or DESCRIBE on topics and groups, as plans. */
function existingAcls(resources: readonly DescribeAclResource[]): AclPlan[] {
  const resourceOf = new Map<number, AclPlan['resource']>([
    [AclResourceTypes.TOPIC, 'topic'],
    [AclResourceTypes.GROUP, 'group'],
  ]);
  const patternOf = new Map<number, AclPlan['pattern']>([
    [ResourcePatternTypes.LITERAL, 'literal'],
    [ResourcePatternTypes.PREFIXED, 'prefixed'],
  ]);
  const operationOf = new Map<number, AclPlan['operation']>([
    [AclOperationTypes.READ, 'READ'],
    [AclOperationTypes.WRITE, 'WRITE'],
    [AclOperationTypes.DESCRIBE, 'DESCRIBE'],
  ]);
  return resources.flatMap((r) =>
    r.acls.flatMap((acl) => {
      const resource = resourceOf.get(r.resourceType);
      const pattern = patternOf.get(r.resourcePatternType);
      const operation = operationOf.get(acl.operation);
      if (!resource || !pattern || !operation || acl.permissionType !== AclPermissionTypes.ALLOW) return [];
      if (!acl.principal.startsWith('User:') || acl.host !== '*') return [];
      return [
        {
          principal: acl.principal.slice('User:'.length),
          operation,
          resource,
          name: r.resourceName,
          pattern,
        },
      ];
    }),
  );
}

/**
 * Whether an ACL on the broker is one this naming manages: a principal of the plan on a topic of the
 * catalog (or one of its retry and dead-letter topics) or one of the plan's groups, under the
 * naming's prefix. Another environment's prefix, and whatever else an administrator granted, is left alone.
 */
function managedBy(
  plans: readonly AclPlan[],
  catalog: Readonly<Record<string, AnyTopicSpec>>,
  names: TopicNames,
): (acl: AclPlan) => boolean {
  const principals = new Set(plans.map((p) => p.principal));
  const groups = new Set(plans.filter((p) => p.resource === 'group').map((p) => `${p.pattern}|${p.name}`));
  const topics = Object.keys(catalog);
  return (acl) => {
    if (!principals.has(acl.principal)) return false;
    if (acl.resource === 'group') return groups.has(`${acl.pattern}|${acl.name}`);
    const logical = names.logical(acl.name);
    return logical !== undefined && topics.some((t) => logical === t || logical.startsWith(`${t}.`));
  };
}

/**
 * Brings the broker's ACLs in line with the plan, idempotently: missing ones are created, and
 * managed ones the plan no longer holds (a consumer removed from the catalog) are deleted; a
 * second run changes nothing. Undefined when the cluster has no authorizer (nothing to apply).
 * With `dryRun` it changes nothing and tells what it would change.
 */
export async function applyAcls(
  admin: Admin,
  plans: readonly AclPlan[],
  options: {
    catalog?: Readonly<Record<string, AnyTopicSpec>>;
    names?: TopicNames;
    /** Only say what would change (`topics plan`). */
    dryRun?: boolean;
  } = {},
): Promise<AclChange[] | undefined> {
  let described: DescribeAclResource[];
  try {
    described = (
      await admin.describeAcls({
        resourceType: AclResourceTypes.ANY,
        resourcePatternType: ResourcePatternTypes.ANY,
        operation: AclOperationTypes.ANY,
        permissionType: AclPermissionTypes.ANY,
      })
    ).resources;
  } catch (error) {
    if ((error as { type?: string }).type === 'SECURITY_DISABLED') return undefined;
    throw error;
  }
  const managed = managedBy(plans, options.catalog ?? TOPICS, options.names ?? new TopicNames());
  const present = existingAcls(described).filter(managed);
  const presentKeys = new Set(present.map(keyOf));
  const plannedKeys = new Set(plans.map(keyOf));
  const missing = [
    ...new Map(plans.filter((p) => !presentKeys.has(keyOf(p))).map((p) => [keyOf(p), p])).values(),
  ];
  const extra = present.filter((p) => !plannedKeys.has(keyOf(p)));
  if (missing.length > 0 && !options.dryRun) await admin.createAcls({ acl: missing.map(entryOf) });
  if (extra.length > 0 && !options.dryRun) await admin.deleteAcls({ filters: extra.map(entryOf) });
  return [
    ...missing.map((acl) => ({ action: 'created' as const, acl })),
    ...extra.map((acl) => ({ action: 'deleted' as const, acl })),
    { action: 'unchanged', count: plannedKeys.size - missing.length },
  ];
}

/** Deletes exactly the given grants (a finished test run's, say). */
export async function removeAcls(admin: Admin, plans: readonly AclPlan[]): Promise<void> {
  if (plans.length > 0) await admin.deleteAcls({ filters: plans.map(entryOf) });
}
