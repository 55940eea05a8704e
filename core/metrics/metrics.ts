import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

// Every Prometheus metric of both processes, defined once (prom-client refuses a name twice in one
// registry, and tests run both processes in one Node process). Names start with `catalog_`;
// adapters, catalogs and groups are labels, never part of a name. Labels carry no personal data:
// no emails, names or ids of customers.

export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'catalog_' });

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

/** Live sources of gauges (set by whichever process owns them; the last registered wins). */
type GaugeSource = () => Promise<void> | void;
const gaugeSources = new Map<string, GaugeSource>();

/** Registers a function that refreshes some gauges right before each scrape. */
export function onScrape(name: string, refresh: GaugeSource): () => void {
  gaugeSources.set(name, refresh);
  return () => {
    if (gaugeSources.get(name) === refresh) gaugeSources.delete(name);
  };
}

/** The text exposition of every metric, refreshed. A failing source leaves its gauges as they were. */
export async function renderMetrics(): Promise<{ contentType: string; body: string }> {
  await Promise.all([...gaugeSources.values()].map((refresh) => Promise.resolve().then(refresh).catch(() => undefined)));
  return { contentType: metricsRegistry.contentType, body: await metricsRegistry.metrics() };
}

const registers = [metricsRegistry];

export const metrics = {
  outboxBacklog: new Gauge({ name: 'catalog_outbox_backlog', help: 'Outbox rows not yet published to Kafka', registers }),
  outboxOldestAge: new Gauge({ name: 'catalog_outbox_oldest_age_seconds', help: 'Age of the oldest unpublished outbox row', registers }),
  outboxPublished: new Counter({ name: 'catalog_outbox_published_total', help: 'Outbox events published to Kafka', labelNames: ['topic'], registers }),
  publishLatency: new Histogram({
    name: 'catalog_outbox_publish_latency_seconds',
    help: 'From a change committing to its event being on Kafka',
    buckets: LATENCY_BUCKETS,
    registers,
  }),
  consumerLag: new Gauge({ name: 'catalog_consumer_lag', help: 'Messages a consumer group has yet to read', labelNames: ['group', 'topic', 'partition'], registers }),
  syncLatency: new Histogram({
    name: 'catalog_sync_latency_seconds',
    help: 'From a change happening on one side to it being applied on the other',
    labelNames: ['integration', 'direction'],
    buckets: LATENCY_BUCKETS,
    registers,
  }),
  remoteRequests: new Counter({
    name: 'catalog_remote_requests_total',
    help: 'Requests to remote APIs by endpoint (ids replaced by :id) and HTTP status',
    labelNames: ['integration', 'endpoint', 'status'],
    registers,
  }),
  remoteRateLimited: new Counter({ name: 'catalog_remote_rate_limited_total', help: 'Remote API answers 429 (rate limited)', labelNames: ['integration'], registers }),
  remoteBudgetTokens: new Gauge({ name: 'catalog_remote_budget_tokens', help: 'Requests left in the shared remote rate budget at the last call (negative: live calls queued)', labelNames: ['integration'], registers }),
  subscriptionPayloads: new Counter({
    name: 'catalog_subscription_payloads_total',
    help: 'Subscription events delivered: executed (and serialised) once per distinct selection, or shared with an earlier subscriber of the same selection',
    labelNames: ['result'],
    registers,
  }),
  webhooks: new Counter({ name: 'catalog_webhooks_total', help: 'Webhooks received, by outcome', labelNames: ['integration', 'outcome'], registers }),
  conflicts: new Counter({ name: 'catalog_conflicts_total', help: 'Sync conflicts recorded, by kind and field', labelNames: ['catalog', 'integration', 'kind', 'field'], registers }),
  deadLetters: new Counter({ name: 'catalog_dead_letters_total', help: 'Messages sent to the dead-letter topic', labelNames: ['integration'], registers }),
  openSubscriptions: new Gauge({ name: 'catalog_open_subscriptions', help: 'Open GraphQL subscriptions on this gateway', registers }),
  runItems: new Gauge({
    name: 'catalog_sync_run_items',
    help: 'Items of the newest run of each kind, by count (seen, created, updated, linked, skipped, failed)',
    labelNames: ['integration', 'kind', 'count'],
    registers,
  }),
  runsActive: new Gauge({ name: 'catalog_sync_runs_active', help: 'Backfill and reconcile runs executing in this process', labelNames: ['integration', 'kind'], registers }),
};

/** Every metric name the code exports (the dashboard test checks the dashboard against it). */
export function exportedMetricNames(): string[] {
  return metricsRegistry.getMetricsAsArray().map((metric) => metric.name);
}
