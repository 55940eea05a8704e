import type Stripe from 'stripe';
import { uniqueName } from './stack.js';

/**
 * A test fixture, not adapter behaviour: localstripe builds an invoice (`POST /v1/invoices`) only
 * for a customer with a subscription (`Invoice._get_next_invoice` answers 404 "No upcoming invoices
 * for customer" otherwise). This gives the Stripe customer one: a free monthly plan on a 30-day
 * trial, so localstripe neither charges (no payment method needed) nor makes an invoice for it.
 * Its invoices then carry the subscription's line (the plan's name, amount 0) beside the pending
 * invoice items, which real Stripe does not do for a one-off invoice.
 */
export async function giveLocalstripeSubscription(stripe: Stripe, customerId: string): Promise<{ planName: string; subscriptionId: string }> {
  const planName = uniqueName('free-plan');
  const plan = await stripe.plans.create({ amount: 0, currency: 'usd', interval: 'month', product: { name: planName } });
  const subscription = await stripe.subscriptions.create({ customer: customerId, items: [{ plan: plan.id }], trial_period_days: 30 });
  return { planName, subscriptionId: subscription.id };
}
