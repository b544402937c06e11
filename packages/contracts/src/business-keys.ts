/**
 * The business keys a flow can be found by: the ids people quote when they ask about one (an order,
 * a customer, a call, an invoice, a campaign). The services tag their spans with them, under these
 * attribute names, so that a flow's traces can be searched by key across every service. None of
 * them is personal data: each is an id Switchboard made, or an invoice's number.
 */
export const BUSINESS_KEYS = {
  order: { field: 'orderId', attribute: 'switchboard.order.id', label: 'Order id' },
  customer: { field: 'customerId', attribute: 'switchboard.customer.id', label: 'Customer id' },
  call: { field: 'callId', attribute: 'switchboard.call.id', label: 'Call id' },
  invoice: { field: 'invoiceId', attribute: 'switchboard.invoice.id', label: 'Invoice id' },
  invoiceNumber: {
    field: 'invoiceNumber',
    attribute: 'switchboard.invoice.number',
    label: 'Invoice number',
  },
  campaign: { field: 'campaignId', attribute: 'switchboard.campaign.id', label: 'Campaign id' },
} as const satisfies Record<string, { field: string; attribute: string; label: string }>;

export type BusinessKey = keyof typeof BUSINESS_KEYS;

const FIELDS: readonly { readonly field: string; readonly attribute: string }[] =
  Object.values(BUSINESS_KEYS);

/**
 * The span attributes of an event's business keys: each top-level field named in `BUSINESS_KEYS`
 * that holds a non-empty string, e.g. `{ 'switchboard.order.id': '…' }` for an OrderPlaced.
 */
export function businessAttributes(event: object): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const { field, attribute } of FIELDS) {
    const value: unknown = (event as Record<string, unknown>)[field];
    if (typeof value === 'string' && value !== '') attributes[attribute] = value;
  }
  return attributes;
}
