import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateCustomer } from '../graphql/operations.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, uniqueTopics } from '../support/gateway.js';
import { data } from '../support/graphql-client.js';
import { startTestIntegrations } from '../support/integrations.js';
import { testStack, uniqueName } from '../support/stack.js';
import { startStripeProxy, type StripeProxy } from '../support/stripe-proxy.js';

// /metrics on both processes, scraped over HTTP as Prometheus would (no credential), moves with the
// sync: a mutation raises the publish counter; a 429 from the Stripe-behaviour proxy the 429 counter.

const topics = uniqueTopics();
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
let integrations: Awaited<ReturnType<typeof startTestIntegrations>>;
let proxy: StripeProxy;

beforeAll(async () => {
  proxy = await startStripeProxy(testStack.localstripeUrl);
  gateway = await startTestGateway(topics);
  integrations = await startTestIntegrations(topics, { STRIPE_API_BASE: proxy.url });
});
afterAll(async () => {
  await integrations?.stop();
  await gateway?.stop();
  await proxy?.close();
});

async function scrape(url: string): Promise<string> {
  const response = await fetch(url); // no Authorization header
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
}

/** The sum of every sample of `name` whose labels include `labels` (0 when there is none). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-z_:][a-z0-9_:]*)(\{[^}]*\})? (\S+)$/i.exec(line);
    if (!match || match[1] !== name) continue;
    const has = Object.entries(labels).every(([key, value]) => (match[2] ?? '').includes(`${key}="${value}"`));
    if (has) sum += Number(match[3]);
  }
  return sum;
}

const gatewayMetrics = () => scrape(gateway.url.replace(/\/graphql$/, '/metrics'));
const integrationsMetrics = () => scrape(`${integrations.url}/metrics`);

describe('/metrics', () => {
  it('serves default process metrics and catalog metrics, without a credential or personal data', async () => {
    const email = `${uniqueName('metrics-pii')}@example.com`;
    await data(gateway.url, CreateCustomer, { input: { email, name: 'Metrics Person' } });
    for (const text of [await gatewayMetrics(), await integrationsMetrics()]) {
      expect(text).toContain('catalog_process_cpu_seconds_total');
      expect(text).toContain('# TYPE catalog_outbox_backlog gauge');
      expect(text).not.toContain(email);
      expect(text).not.toContain('Metrics Person');
    }
  });

  it('a mutation raises the publish counter and the outbound latency count', async () => {
    // Earlier tests' events published first, so exactly this mutation's event is counted.
    const before = await eventually(async () => {
      const text = await gatewayMetrics();
      return sample(text, 'catalog_outbox_backlog') === 0 ? text : undefined;
    }, 10_000, 'outbox drained');
    const published = sample(before, 'catalog_outbox_published_total', { topic: topics.TOPIC_CATALOG_CHANGES });
    const outbound = sample(before, 'catalog_sync_latency_seconds_count', { integration: 'stripe', direction: 'outbound' });
    await data(gateway.url, CreateCustomer, { input: { email: `${uniqueName('metrics')}@example.com` } });
    await eventually(async () => {
      const text = await gatewayMetrics();
      return sample(text, 'catalog_outbox_published_total', { topic: topics.TOPIC_CATALOG_CHANGES }) === published + 1 || undefined;
    }, 10_000, 'publish counter +1');
    await eventually(async () => {
      const text = await integrationsMetrics();
      return sample(text, 'catalog_sync_latency_seconds_count', { integration: 'stripe', direction: 'outbound' }) > outbound || undefined;
    }, 15_000, 'outbound latency observed');
  });

  it('a 429 from Stripe raises the 429 counter and the request counter by status', async () => {
    const before = await integrationsMetrics();
    const limited = sample(before, 'catalog_remote_rate_limited_total', { integration: 'stripe' });
    const limitedRequests = sample(before, 'catalog_remote_requests_total', { integration: 'stripe', status: '429' });
    proxy.configure({ rateLimitPerSecond: 0 }); // every request answered 429
    await data(gateway.url, CreateCustomer, { input: { email: `${uniqueName('metrics-429')}@example.com` } });
    const after = await eventually(async () => {
      const text = await integrationsMetrics();
      return sample(text, 'catalog_remote_rate_limited_total', { integration: 'stripe' }) > limited ? text : undefined;
    }, 10_000, '429 counter raised');
    proxy.configure({ rateLimitPerSecond: null });
    expect(proxy.counts.rateLimited).toBeGreaterThan(0);
    expect(sample(after, 'catalog_remote_requests_total', { integration: 'stripe', status: '429' })).toBeGreaterThan(limitedRequests);
    expect(after).toMatch(/catalog_remote_requests_total\{[^}]*endpoint="POST \/v1\/customers"/);
  });
});
