import Stripe from 'stripe';
import { testStack } from './stack.js';

/** stripe-node pointed at an emulator URL (localstripe or stripe-mock); no request leaves the machine. */
export function stripeClientFor(baseUrl: string): Stripe {
  const url = new URL(baseUrl);
  return new Stripe('sk_test_123', {
    host: url.hostname,
    port: Number(url.port),
    protocol: url.protocol.replace(':', '') as 'http' | 'https',
    maxNetworkRetries: 0,
  });
}

export const localstripe = () => stripeClientFor(testStack.localstripeUrl);
export const stripeMock = () => stripeClientFor(testStack.stripeMockUrl);

/** Registers (or replaces) a webhook endpoint on localstripe: POST /_config/webhooks/<id>. */
export async function registerLocalstripeWebhook(id: string, url: string, secret: string, events?: string[]): Promise<void> {
  const body = new URLSearchParams({ url, secret });
  for (const event of events ?? []) body.append('events[]', event);
  const response = await fetch(`${testStack.localstripeUrl}/_config/webhooks/${encodeURIComponent(id)}`, {
    method: 'POST',
    body,
  });
  if (!response.ok) throw new Error(`localstripe refused webhook ${id}: HTTP ${response.status} ${await response.text()}`);
}
