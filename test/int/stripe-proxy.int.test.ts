import { afterEach, describe, expect, it } from 'vitest';
import { testStack, uniqueName } from '../support/stack.js';
import { startStripeProxy, type StripeProxy } from '../support/stripe-proxy.js';

// The Stripe-behaviour proxy in front of the real localstripe: what the fault tests rely on.

const auth = { authorization: 'Bearer sk_test_proxy', 'content-type': 'application/x-www-form-urlencoded' };
let proxy: StripeProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

function createCustomer(url: string, email: string, key?: string) {
  return fetch(`${url}/v1/customers`, {
    method: 'POST',
    headers: { ...auth, ...(key ? { 'idempotency-key': key } : {}) },
    body: new URLSearchParams({ email }).toString(),
  });
}

describe('Stripe-behaviour proxy', () => {
  it('answers 429 with Stripe’s error body and headers over its rate limit, and counts them', async () => {
    proxy = await startStripeProxy(testStack.localstripeUrl, { faults: { rateLimitPerSecond: 5 } });
    const responses = await Promise.all(Array.from({ length: 20 }, () => fetch(`${proxy!.url}/v1/customers?limit=1`, { headers: auth })));
    const limited = responses.filter((response) => response.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(10);
    expect(responses.filter((response) => response.status === 200).length).toBeGreaterThanOrEqual(5);
    expect(proxy.counts.rateLimited).toBe(limited.length);
    expect(limited[0]!.headers.get('stripe-should-retry')).toBe('true');
    expect(limited[0]!.headers.get('request-id')).toMatch(/^req_/);
    expect(await limited[0]!.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'rate_limit' } });
  });

  it('replays the stored response for a repeated Idempotency-Key, and one in flight waits for the first', async () => {
    proxy = await startStripeProxy(testStack.localstripeUrl, { faults: { latencyMs: [200, 200] } });
    const key = uniqueName('idem');
    const email = `${uniqueName('idem')}@example.com`;
    const [first, concurrent] = await Promise.all([createCustomer(proxy.url, email, key), createCustomer(proxy.url, email, key)]);
    const again = await createCustomer(proxy.url, email, key);
    const bodies = await Promise.all([first, concurrent, again].map((response) => response.json() as Promise<{ id: string }>));
    expect([first.status, concurrent.status, again.status]).toEqual([200, 200, 200]);
    expect(new Set(bodies.map((body) => body.id)).size).toBe(1);
    expect(proxy.counts).toMatchObject({ forwarded: 1, replays: 2 });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('answers 400 idempotency_error for a reused key with other parameters', async () => {
    proxy = await startStripeProxy(testStack.localstripeUrl);
    const key = uniqueName('idem');
    expect((await createCustomer(proxy.url, `${uniqueName('a')}@example.com`, key)).status).toBe(200);
    const reused = await createCustomer(proxy.url, `${uniqueName('b')}@example.com`, key);
    expect(reused.status).toBe(400);
    expect(await reused.json()).toMatchObject({ error: { type: 'idempotency_error' } });
    expect(proxy.counts).toMatchObject({ forwarded: 1, idempotencyErrors: 1 });
  });

  it('injects 500s without reaching localstripe, and resets the connection after a write (a retry with the key gets the result)', async () => {
    proxy = await startStripeProxy(testStack.localstripeUrl, { faults: { errorRate: 1 } });
    const failed = await createCustomer(proxy.url, `${uniqueName('err')}@example.com`, uniqueName('idem'));
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ error: { type: 'api_error' } });
    expect(proxy.counts).toMatchObject({ injectedErrors: 1, forwarded: 0 });

    proxy.configure({ errorRate: 0, resetRate: 1 });
    const key = uniqueName('idem');
    const email = `${uniqueName('reset')}@example.com`;
    await expect(createCustomer(proxy.url, email, key)).rejects.toThrow();
    proxy.configure({ resetRate: 0 });
    const retried = await createCustomer(proxy.url, email, key);
    expect(retried.status).toBe(200);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect(proxy.counts).toMatchObject({ resets: 1, forwarded: 1, replays: 1 });
  });

  it('draws its faults from the seed: the same seed fails the same requests', async () => {
    const pattern = async (seed: number) => {
      const seeded = await startStripeProxy(testStack.localstripeUrl, { seed, faults: { errorRate: 0.5 } });
      const statuses: number[] = [];
      for (let index = 0; index < 12; index += 1) statuses.push((await createCustomer(seeded.url, `${uniqueName('seed')}@example.com`)).status);
      await seeded.close();
      return statuses;
    };
    const first = await pattern(7);
    expect(first).toContain(500);
    expect(first).toContain(200);
    expect(await pattern(7)).toEqual(first);
  });
});
