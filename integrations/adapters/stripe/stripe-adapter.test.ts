import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { classifyStripeError } from './errors.js';
import { verifyStripeWebhook } from './inbound.js';
import { fromStripeCustomer, stripeLimitViolations, toStripeCreateParams, toStripePatchParams } from './customer.mapping.js';
import { syncedCustomerOf } from '../../../core/catalogs/customer.js';
import { PermanentError, RetryableError, WebhookRejectedError } from '../../registry/errors.js';
import { resolveAdapters } from '../../registry/registry.js';
import type { AdapterServices } from '../../registry/adapter.js';
import type { RemoteRateLimit } from '../../rate-budget/rate-budget.js';

/** Records what each adapter declares about its remote limit; these tests make no remote call. */
function declaringServices(declared: RemoteRateLimit[] = []): AdapterServices {
  return {
    rateBudget(limit) {
      declared.push(limit);
      let bucket = limit.bucket;
      return {
        acquire: () => Promise.reject(new Error('no remote calls in unit tests')),
        rebind: (next) => void (bucket = next),
        snapshot: () => ({ bucket, requestsPerSecond: limit.requestsPerSecond, tokens: null, granted: { live: 0, bulk: 0 }, waited: 0, longestWaitMs: 0 }),
      };
    },
  };
}

const localId = '6f1c7f5e-8a53-4b3c-9a51-0f5b3c1e2d11';
const snapshot = {
  id: localId,
  email: 'ada@example.com',
  name: 'Ada',
  phone: null,
  address: { line1: '1 Main St', city: 'London', country: 'GB', line2: null, state: null, postalCode: null },
  metadata: { plan: 'pro', seats: 3 },
  version: 2,
};

/** What Stripe holds after a create or update with `params`: the same fields, Stripe's shape. */
function asStripeCustomer(params: Stripe.CustomerCreateParams, previous?: Stripe.Customer): Stripe.Customer {
  const address = params.address as Stripe.AddressParam | undefined;
  const orNull = (value: string | undefined) => (value ? value : null);
  const metadata = { ...(previous?.metadata ?? {}), ...(params.metadata as Record<string, string>) };
  for (const [key, value] of Object.entries(metadata)) if (value === '') delete metadata[key];
  return {
    ...previous,
    id: 'cus_1',
    object: 'customer',
    email: params.email !== undefined ? orNull(params.email) : (previous?.email ?? null),
    name: params.name !== undefined ? orNull(params.name) : (previous?.name ?? null),
    phone: params.phone !== undefined ? orNull(params.phone) : (previous?.phone ?? null),
    address: address
      ? { line1: orNull(address.line1), line2: orNull(address.line2), city: orNull(address.city), state: orNull(address.state), postal_code: orNull(address.postal_code), country: orNull(address.country) }
      : (previous?.address ?? null),
    metadata,
  } as Stripe.Customer;
}

describe('Stripe customer mapping (customer.mapping.ts)', () => {
  it('round-trip: what Stripe sends back after a create equals the synced fields sent', () => {
    const fields = syncedCustomerOf(snapshot);
    const params = toStripeCreateParams(fields, localId);
    expect(params.metadata).toEqual({ plan: 'pro', seats: '3', local_id: localId });
    expect(fromStripeCustomer(asStripeCustomer(params))).toEqual(fields);
  });

  it('a patch sends only the changed fields, unsets removed metadata keys, and round-trips', () => {
    const before = asStripeCustomer(toStripeCreateParams(syncedCustomerOf(snapshot), localId));
    const patch = { name: null, 'metadata.seats': null, 'metadata.tier': 'gold' };
    const params = toStripePatchParams(patch, localId);
    expect(params).toEqual({ name: '', metadata: { seats: '', tier: 'gold', local_id: localId } });
    expect(fromStripeCustomer(asStripeCustomer(params, before))).toEqual({ ...syncedCustomerOf(snapshot), name: null, metadata: { plan: 'pro', tier: 'gold' } });
    expect(toStripePatchParams({ phone: '+44 20 7946 0000' }, localId)).toEqual({ phone: '+44 20 7946 0000' });
  });

  it('treats an address with no line set, and empty metadata values, as absent', () => {
    expect(syncedCustomerOf({ ...snapshot, address: { line1: null, country: null } }).address).toBeNull();
    const customer = asStripeCustomer(toStripeCreateParams(syncedCustomerOf({ ...snapshot, address: null }), localId));
    expect(fromStripeCustomer({ ...customer, metadata: { plan: '', local_id: localId } } as Stripe.Customer)).toMatchObject({ address: null, metadata: {} });
  });

  it('knows Stripe\'s field limits', () => {
    expect(stripeLimitViolations(syncedCustomerOf(snapshot))).toEqual([]);
    const tooMany = Object.fromEntries(Array.from({ length: 50 }, (_, index) => [`k${index}`, 'v']));
    expect(stripeLimitViolations(syncedCustomerOf({ ...snapshot, metadata: tooMany, phone: '+1 555 555 555 555 555' }))).toEqual([
      'metadata has 51 keys (with local_id); Stripe allows 50',
      'phone is over 20 characters',
    ]);
  });
});

describe('Stripe errors', () => {
  const error = (statusCode: number, headers: Record<string, string> = {}) =>
    Stripe.errors.StripeError.generate({ type: statusCode === 429 ? 'rate_limit_error' : statusCode >= 500 ? 'api_error' : 'invalid_request_error', message: 'x', statusCode, headers } as never);

  it('retries 429 (honouring Retry-After), 5xx and network errors; gives up on other 4xx', () => {
    const limited = classifyStripeError(error(429, { 'retry-after': '2' }));
    expect(limited).toBeInstanceOf(RetryableError);
    expect((limited as RetryableError).retryAfterMs).toBe(2_000);
    expect(classifyStripeError(error(503))).toBeInstanceOf(RetryableError);
    expect(classifyStripeError(new Stripe.errors.StripeConnectionError({ message: 'ECONNREFUSED' } as never))).toBeInstanceOf(RetryableError);
    expect(classifyStripeError(error(400))).toBeInstanceOf(PermanentError);
    expect(classifyStripeError(error(402))).toBeInstanceOf(PermanentError);
    expect(classifyStripeError(error(409))).toBeInstanceOf(RetryableError); // lock_timeout
  });

  it('lets Stripe-Should-Retry override the status either way', () => {
    expect(classifyStripeError(error(400, { 'stripe-should-retry': 'true' }))).toBeInstanceOf(RetryableError);
    expect(classifyStripeError(error(503, { 'stripe-should-retry': 'false' }))).toBeInstanceOf(PermanentError);
  });
});

describe('Stripe webhook verification (real HMAC signatures)', () => {
  const stripe = new Stripe('sk_test_123');
  const secret = 'whsec_unit';
  const event = (type: string) =>
    JSON.stringify({ id: 'evt_1', object: 'event', type, created: 1_700_000_000, data: { object: { id: 'cus_9', object: 'customer', email: 'a@b.co', metadata: { local_id: localId } } } });

  it('translates a signed customer event into an adapter-neutral received change', () => {
    const payload = event('customer.updated');
    const verified = verifyStripeWebhook(stripe, secret, { rawBody: Buffer.from(payload), headers: { 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: Math.floor(Date.now() / 1000) }) } });
    expect(verified.eventId).toBe('evt_1');
    expect(verified.changes).toEqual([
      { catalog: 'customer', kind: 'updated', remoteId: 'cus_9', localId, occurredAt: new Date(1_700_000_000_000), fields: expect.objectContaining({ email: 'a@b.co', metadata: {} }) },
    ]);
  });

  it('rejects a wrong signature, a missing one, and ignores event types it does not sync', () => {
    const payload = event('customer.created');
    const wrong = stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_other' });
    expect(() => verifyStripeWebhook(stripe, secret, { rawBody: Buffer.from(payload), headers: { 'stripe-signature': wrong } })).toThrow(WebhookRejectedError);
    expect(() => verifyStripeWebhook(stripe, secret, { rawBody: Buffer.from(payload), headers: {} })).toThrow(WebhookRejectedError);
    const other = event('charge.succeeded');
    const signed = stripe.webhooks.generateTestHeaderString({ payload: other, secret });
    expect(verifyStripeWebhook(stripe, secret, { rawBody: Buffer.from(other), headers: { 'stripe-signature': signed } }).changes).toEqual([]);
  });
});

describe('adapter registry', () => {
  it('refuses an unknown integration at start-up, naming where to register it', () => {
    expect(() => resolveAdapters(['salesforce'], {}, declaringServices())).toThrow(/integration "salesforce" not found. Register it in integrations\/registry\/registry.ts/);
  });

  it('refuses a misconfigured adapter, naming the variable', () => {
    expect(() => resolveAdapters(['stripe'], { STRIPE_SECRET_KEY: 'pk_test_public' }, declaringServices())).toThrow(/STRIPE_SECRET_KEY/);
  });

  it('requires the webhook signing secret with a real key (the emulator default would be forgeable)', () => {
    expect(() => resolveAdapters(['stripe'], { STRIPE_SECRET_KEY: 'sk_test_abc' }, declaringServices())).toThrow(/STRIPE_WEBHOOK_SECRET: required when STRIPE_SECRET_KEY is set/);
    expect(resolveAdapters(['stripe'], { STRIPE_SECRET_KEY: 'sk_test_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc' }, declaringServices())).toHaveLength(1);
  });

  it('defaults Stripe to localstripe when no key is set', () => {
    const [stripe] = resolveAdapters(['stripe'], {}, declaringServices());
    expect(stripe?.name).toBe('stripe');
    expect(Object.keys(stripe?.instance.catalogs ?? {})).toContain('customer');
  });

  it('declares Stripe\'s rate limit: 20/s for test keys and emulators, 80/s live, STRIPE_RATE_LIMIT overrides; a bucket per account or emulator, never naming the key', () => {
    const declared: RemoteRateLimit[] = [];
    const services = declaringServices(declared);
    resolveAdapters(['stripe'], { STRIPE_API_BASE: 'http://localhost:8420' }, services);
    resolveAdapters(['stripe'], { STRIPE_SECRET_KEY: 'sk_test_abcdefgh', STRIPE_WEBHOOK_SECRET: 'whsec_abc' }, services);
    resolveAdapters(['stripe'], { STRIPE_SECRET_KEY: 'sk_live_abcdefgh', STRIPE_WEBHOOK_SECRET: 'whsec_abc' }, services);
    resolveAdapters(['stripe'], { STRIPE_SECRET_KEY: 'sk_live_abcdefgh', STRIPE_WEBHOOK_SECRET: 'whsec_abc', STRIPE_RATE_LIMIT: '50' }, services);
    expect(declared.map((limit) => limit.requestsPerSecond)).toEqual([20, 20, 80, 50]);
    expect(declared[0]!.bucket).toBe('stripe:emulator@http://localhost:8420');
    expect(declared[1]!.bucket).toMatch(/^stripe:key-[0-9a-f]{16}$/);
    expect(declared[1]!.bucket).not.toContain('abcdefgh');
    expect(() => resolveAdapters(['stripe'], { STRIPE_RATE_LIMIT: '0' }, services)).toThrow(/STRIPE_RATE_LIMIT/);
  });
});
