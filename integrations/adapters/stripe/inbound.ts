import Stripe from 'stripe';
import type { ReceivedChange, RemoteState, VerifiedWebhook, WebhookRequest } from '../../registry/adapter.js';
import { WebhookRejectedError } from '../../registry/errors.js';
import { fromStripeCustomer, localIdOf } from './customer.mapping.js';
import { classifyStripeError, isMissing } from './errors.js';

const CUSTOMER_EVENTS: Record<string, ReceivedChange['kind']> = {
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
  return translateEvent(event);
}

/** A Stripe event in the catalog's terms (customer events only; others translate to no change). */
function translateEvent(event: Stripe.Event): VerifiedWebhook {
  const occurredAt = new Date(event.created * 1000);
  const kind = CUSTOMER_EVENTS[event.type];
  if (!kind) return { eventId: event.id, occurredAt, changes: [] };
  const customer = event.data.object as Stripe.Customer;
  if (!customer?.id) throw new WebhookRejectedError(`${event.type} ${event.id} carries no customer`);
  const localId = localIdOf(customer);
  return {
    eventId: event.id,
    occurredAt,
    changes: [{ catalog: 'customer', kind, remoteId: customer.id, ...(localId ? { localId } : {}), ...(kind === 'deleted' ? {} : { fields: fromStripeCustomer(customer) }) }],
  };
}

/** The customer as it is in Stripe now (a deleted customer reads as gone). */
export async function fetchStripeCustomer(stripe: Stripe, remoteId: string): Promise<RemoteState> {
  try {
    const customer = await stripe.customers.retrieve(remoteId);
    if ('deleted' in customer && customer.deleted) return { exists: false, remoteId };
    const localId = localIdOf(customer as Stripe.Customer);
    return { exists: true, remoteId, ...(localId ? { localId } : {}), fields: fromStripeCustomer(customer as Stripe.Customer) };
  } catch (error) {
    if (isMissing(error)) return { exists: false, remoteId };
    throw classifyStripeError(error);
  }
}

/**
 * Customer events created after `since`, oldest first. Each type is listed on its own: the API's
 * `type` filter is an exact match in localstripe (Stripe also takes `types[]`, the emulator not).
 */
export async function listStripeCustomerEvents(stripe: Stripe, since: Date): Promise<VerifiedWebhook[]> {
  const events: Stripe.Event[] = [];
  try {
    for (const type of Object.keys(CUSTOMER_EVENTS)) {
      for await (const event of stripe.events.list({ type, created: { gt: Math.floor(since.getTime() / 1000) }, limit: 100 })) events.push(event);
    }
  } catch (error) {
    throw classifyStripeError(error);
  }
  events.sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return events.map(translateEvent);
}
