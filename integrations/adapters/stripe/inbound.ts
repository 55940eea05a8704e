import Stripe from 'stripe';
import type { ReceivedChange, VerifiedWebhook, WebhookRequest } from '../../registry/adapter.js';
import { WebhookRejectedError } from '../../registry/errors.js';
import { CUSTOMER_EVENTS, receivedCustomerChange } from './customer.mapping.js';
import { INVOICE_EVENTS, receivedInvoiceChange, type InvoiceMappingOptions } from './invoice.mapping.js';
import { classifyStripeError } from './errors.js';

type Translate = (event: Stripe.Event, occurredAt: Date) => ReceivedChange;

/** Each Stripe event type this adapter syncs, and how it reads as a change of a catalog. */
function eventTable(options: InvoiceMappingOptions): Record<string, Translate> {
  const invoice = receivedInvoiceChange(options);
  return {
    ...Object.fromEntries(Object.keys(CUSTOMER_EVENTS).map((type) => [type, receivedCustomerChange])),
    ...Object.fromEntries(Object.keys(INVOICE_EVENTS).map((type) => [type, invoice])),
  };
}

export const SYNCED_EVENT_TYPES = [...Object.keys(CUSTOMER_EVENTS), ...Object.keys(INVOICE_EVENTS)];
const DEFAULT_OPTIONS: InvoiceMappingOptions = { dueDates: true };

/** Verifies a Stripe webhook's signature over the raw body and translates the events the adapter syncs. */
export function verifyStripeWebhook(stripe: Stripe, webhookSecret: string, request: Pick<WebhookRequest, 'rawBody' | 'headers'>, options = DEFAULT_OPTIONS): VerifiedWebhook {
  const signature = request.headers['stripe-signature'];
  if (typeof signature !== 'string' || signature.length === 0) throw new WebhookRejectedError('missing Stripe-Signature header');
  let event: Stripe.Event;
  try {
    event = stripe.webhooks.constructEvent(request.rawBody, signature, webhookSecret);
  } catch (error) {
    throw new WebhookRejectedError(`bad webhook: ${(error as Error).message}`);
  }
  return translateEvent(event, options);
}

/** A Stripe event in the catalogs' terms (events of other types translate to no change). */
function translateEvent(event: Stripe.Event, options: InvoiceMappingOptions): VerifiedWebhook {
  const occurredAt = new Date(event.created * 1000);
  const translate = eventTable(options)[event.type];
  return { eventId: event.id, occurredAt, changes: translate ? [translate(event, occurredAt)] : [] };
}

/**
 * Synced events created after `since`, oldest first. Each type is listed on its own: the API's
 * `type` filter is an exact match in localstripe (Stripe also takes `types[]`, the emulator not).
 */
export async function listStripeEvents(stripe: Stripe, since: Date, options = DEFAULT_OPTIONS): Promise<VerifiedWebhook[]> {
  const events: Stripe.Event[] = [];
  try {
    for (const type of SYNCED_EVENT_TYPES) {
      for await (const event of stripe.events.list({ type, created: { gt: Math.floor(since.getTime() / 1000) }, limit: 100 })) events.push(event);
    }
  } catch (error) {
    throw classifyStripeError(error);
  }
  events.sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return events.map((event) => translateEvent(event, options));
}

/** @deprecated name kept for callers of the customer-only release; lists every synced event. */
export const listStripeCustomerEvents = listStripeEvents;
