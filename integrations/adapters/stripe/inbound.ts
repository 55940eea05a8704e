import Stripe from 'stripe';
import type { InboundChange } from '../../../core/events/inbound-change.js';
import type { VerifiedWebhook, WebhookRequest } from '../../registry/adapter.js';
import { WebhookRejectedError } from '../../registry/errors.js';
import { classifyStripeError, isMissing } from './errors.js';
import type { CustomerFields } from './mappers/customer-fields.js';
import { fromStripeCustomer, localIdOf } from './mappers/from-stripe-customer.js';
import { DELETED_HASH, hashCustomerFields } from './mappers/hash.js';

const CUSTOMER_EVENTS: Record<string, InboundChange['kind']> = {
  'customer.created': 'created',
  'customer.updated': 'updated',
  'customer.deleted': 'deleted',
};

/** Verifies a Stripe webhook's signature over the raw body and translates customer events. */
export function verifyStripeWebhook(stripe: Stripe, webhookSecret: string, request: WebhookRequest): VerifiedWebhook {
  const signature = request.headers['stripe-signature'];
  if (typeof signature !== 'string' || signature.length === 0) throw new WebhookRejectedError('missing Stripe-Signature header');
  let event: Stripe.Event;
  try {
    event = stripe.webhooks.constructEvent(request.rawBody, signature, webhookSecret);
  } catch (error) {
    throw new WebhookRejectedError(`bad webhook: ${(error as Error).message}`);
  }
  const occurredAt = new Date(event.created * 1000);
  const kind = CUSTOMER_EVENTS[event.type];
  if (!kind) return { eventId: event.id, occurredAt, changes: [] };
  const customer = event.data.object as Stripe.Customer;
  if (!customer?.id) throw new WebhookRejectedError(`${event.type} ${event.id} carries no customer`);
  return { eventId: event.id, occurredAt, changes: [toInboundChange(event.id, kind, customer, occurredAt)] };
}

/** The customer's current state in Stripe, as an inbound change replacing `change`. */
export async function refetchStripeCustomer(stripe: Stripe, change: InboundChange): Promise<InboundChange> {
  try {
    const customer = await stripe.customers.retrieve(change.remoteId);
    if ('deleted' in customer && customer.deleted) return { ...change, kind: 'deleted', data: undefined, hash: DELETED_HASH };
    return toInboundChange(change.id, change.kind === 'deleted' ? 'updated' : change.kind, customer as Stripe.Customer, new Date(change.occurredAt));
  } catch (error) {
    if (isMissing(error)) return { ...change, kind: 'deleted', data: undefined, hash: DELETED_HASH };
    throw classifyStripeError(error);
  }
}

function toInboundChange(eventId: string, kind: InboundChange['kind'], customer: Stripe.Customer, occurredAt: Date): InboundChange {
  const localId = localIdOf(customer);
  const base = { id: eventId, integration: 'stripe', catalog: 'customer', kind, remoteId: customer.id, occurredAt: occurredAt.toISOString(), ...(localId ? { localId } : {}) };
  if (kind === 'deleted') return { ...base, hash: DELETED_HASH };
  const fields = fromStripeCustomer(customer);
  return { ...base, data: toCatalogData(fields), hash: hashCustomerFields(fields) };
}

/** The synced fields in the catalog's input shape. */
function toCatalogData(fields: CustomerFields): Record<string, unknown> {
  return { email: fields.email, name: fields.name, phone: fields.phone, address: fields.address, metadata: fields.metadata };
}
