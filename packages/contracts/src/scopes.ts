import type { ServiceName } from './catalog.ts';

/** Who accepts Switchboard's tokens: the services' APIs, and the flow console. */
export type Audience = ServiceName | 'console';

/** One OAuth 2.0 scope of Switchboard's APIs: what it allows, and which services accept it. */
export interface ScopeSpec {
  readonly description: string;
  /** The services whose APIs accept it: a token carrying it is issued for their audience. */
  readonly audience: readonly Audience[];
  /** It reads personal data or secrets: never implied by another scope. */
  readonly sensitive?: boolean;
}

const ALL_SERVICES = ['orders', 'billing', 'conference-bridge', 'crm', 'mailing'] as const;

/**
 * Every scope a route may require. The identity provider's realm
 * (`infra/identity/switchboard-realm.json`) defines the same set, each with an audience mapper for
 * the services listed here (a test holds the two together).
 */
export const SCOPES = {
  'crm.customers:read': {
    description: 'Read customers with their contact details (personal data)',
    audience: ['crm'],
    sensitive: true,
  },
  'crm.customers:write': { description: 'Register customers and change their details', audience: ['crm'] },
  'crm.contracts:read': { description: "Read a customer's contract and rates", audience: ['crm'] },
  'crm.contracts:write': { description: "Set a customer's contract", audience: ['crm'] },
  'orders:read': { description: 'Read conference orders', audience: ['orders'] },
  'orders:write': { description: 'Place and cancel conference orders', audience: ['orders'] },
  'orders.access-codes:read': {
    description: "See the access codes of confirmed orders' conferences (secrets)",
    audience: ['orders'],
    sensitive: true,
  },
  'bridge.reservations:read': {
    description: 'Read bridges and reservations (without access codes)',
    audience: ['conference-bridge'],
  },
  'bridge.access-codes:read': {
    description: "Read reservations' access codes (secrets)",
    audience: ['conference-bridge'],
    sensitive: true,
  },
  'bridge.calls:write': {
    description: 'Report call activity and import call-detail records',
    audience: ['conference-bridge'],
  },
  'bridge.calls:read': {
    description: 'Read calls the sweeper closed or abandoned, for review',
    audience: ['conference-bridge'],
  },
  'billing.invoices:read': {
    description: 'Read invoices and their PDFs (names and addresses: personal data)',
    audience: ['billing'],
    sensitive: true,
  },
  'billing.rates:read': { description: "Read a customer's rates", audience: ['billing'] },
  'billing.calls:read': { description: 'Read calls that could not be rated', audience: ['billing'] },
  'billing.periods:close': {
    description: 'Close a billing period and follow the close',
    audience: ['billing'],
  },
  'mailing.campaigns:read': { description: 'Read mass mailings', audience: ['mailing'] },
  'mailing.campaigns:write': { description: 'Start mass mailings', audience: ['mailing'] },
  'mailing.contacts:read': {
    description: 'Read the mailing contacts of customers (personal data)',
    audience: ['mailing'],
    sensitive: true,
  },
  'switchboard.outbox:read': {
    description: "Read a service's parked outbox rows",
    audience: ALL_SERVICES,
  },
  'switchboard.outbox:replay': {
    description: "Replay a service's parked outbox rows",
    audience: ALL_SERVICES,
  },
  'switchboard.metrics:read': {
    description: "Scrape a service's metrics where they are closed to anonymous readers",
    audience: ALL_SERVICES,
  },
  'switchboard.console:read': {
    description: 'Use the flow console: flows, topics, dead letters (personal data masked), health',
    audience: ['console'],
  },
  'switchboard.dead-letters:replay': {
    description: 'Replay dead letters from the console (each replay audited)',
    audience: ['console'],
  },
  'switchboard.personal-data:read': {
    description: "See personal data unmasked in the console's dead letters",
    audience: ['console'],
    sensitive: true,
  },
} as const satisfies Record<string, ScopeSpec>;

export type ScopeName = keyof typeof SCOPES;

/** The scopes whose tokens a service accepts (it is in their audience). */
export function scopesOf(service: ServiceName): ScopeName[] {
  return (Object.keys(SCOPES) as ScopeName[]).filter((scope) =>
    (SCOPES[scope].audience as readonly Audience[]).includes(service),
  );
}
