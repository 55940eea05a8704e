import { connectionLimitsFrom, createDatabase } from '../core/db/prisma.js';
import { createKafkaBus } from '../core/kafka/kafkajs-bus.js';
import { kafkaCredentialsFrom } from '../core/kafka/kafka-credentials.js';
import { ensureTopicsInBackground, systemTopics } from '../core/kafka/topics.js';
import { watchConsumerLag, watchOutbox } from '../core/metrics/gauges.js';
import { metrics, onScrape } from '../core/metrics/metrics.js';
import { RunExecutor } from '../core/runs/run-executor.js';
import { runExport } from './runs/export-run.js';
import { startRetention } from './retention/retention.js';
import { integrationNames } from './runs/integrations.js';
import { getLogger } from '../core/logger.js';
import { CustomerStore } from './catalog/customers/customer-store.js';
import { customerInboundPort } from './catalog/customers/customer-inbound-port.js';
import { inboundApplier } from './catalog/apply-inbound.js';
import { InvoiceStore } from './catalog/invoices/invoice-store.js';
import { invoiceInboundPort } from './catalog/invoices/invoice-inbound-port.js';
import type { GatewayConfig } from './config.js';
import { listenGateway } from './http.js';
import { SyncEventPublisher } from '../core/events/sync-event-publisher.js';
import { startInboundConsumer } from './inbound/inbound-consumer.js';
import { OutboxRelay } from './outbox/relay.js';
import { syncEventsForPublished } from './outbox/published-sync-events.js';
import { SyncEventHub } from './sync-events/sync-event-hub.js';
import { startSyncEventFeed } from './sync-events/sync-event-feed.js';
import { SyncEventWindow } from './sync-events/sync-event-window.js';
import { createGatewayYoga } from './yoga.js';
import { createGatewaySecurity } from './auth/gateway-security.js';

const log = getLogger('gateway');


export interface RunningGateway {
  url: string;
  /** Resolves once the syncEvents feed reads from Kafka (tests wait for it). */
  syncEventsReady: Promise<void>;
  /** Set when the gateway runs with the development key (no API_KEYS or JWT settings, outside production). */
  developmentKey?: { token: string; file: string };
  stop(): Promise<void>;
}

/** Wires one gateway instance: Postgres, Kafka, the outbox relay and the HTTP/WebSocket server. */
export async function startGateway(config: GatewayConfig): Promise<RunningGateway> {
  const security = await createGatewaySecurity(config);
  const db = createDatabase(config.DATABASE_URL, { limits: connectionLimitsFrom(config) });
  const bus = createKafkaBus({ brokers: config.KAFKA_BROKERS, clientId: `${config.KAFKA_CLIENT_ID}-gateway`, credentials: kafkaCredentialsFrom(config) });
  await ensureTopicsInBackground(bus, systemTopics(config));

  const syncEvents = new SyncEventPublisher(bus, config.TOPIC_SYNC_EVENTS);
  const relay = new OutboxRelay({
    pool: db.pool,
    bus,
    batchSize: config.OUTBOX_BATCH_SIZE,
    batchMaxBytes: config.OUTBOX_BATCH_MAX_BYTES,
    pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
    retentionMs: config.OUTBOX_RETENTION_HOURS * 3_600_000,
    companions: (rows) => syncEventsForPublished(syncEvents, rows),
  });
  await relay.start();

  const customers = new CustomerStore(db.prisma, config.TOPIC_CATALOG_CHANGES);
  const invoices = new InvoiceStore(db.prisma, config.TOPIC_CATALOG_CHANGES);
  const inbound = startInboundConsumer({
    bus,
    prisma: db.prisma,
    catalogs: { customer: inboundApplier(customerInboundPort(customers)), invoice: inboundApplier(invoiceInboundPort(invoices)) },
    syncEvents,
    inboundTopic: config.TOPIC_INTEGRATION_INBOUND,
    deadLetterTopic: config.TOPIC_DEAD_LETTER,
    groupId: `${config.KAFKA_GROUP_PREFIX}catalog-gateway-inbound`,
    partitions: config.KAFKA_TOPIC_PARTITIONS,
    conflictPolicy: config.SYNC_CONFLICT_POLICY,
  });
  // Bulk work (backfill import) arrives on its own topic and consumer group, applied by the same code.
  const bulkInbound = startInboundConsumer({
    bus,
    prisma: db.prisma,
    catalogs: { customer: inboundApplier(customerInboundPort(customers)), invoice: inboundApplier(invoiceInboundPort(invoices)) },
    syncEvents,
    inboundTopic: config.TOPIC_INTEGRATION_INBOUND_BULK,
    deadLetterTopic: config.TOPIC_DEAD_LETTER,
    groupId: `${config.KAFKA_GROUP_PREFIX}catalog-gateway-inbound-bulk`,
    partitions: config.KAFKA_TOPIC_PARTITIONS,
    conflictPolicy: config.SYNC_CONFLICT_POLICY,
  });
  const bulkCustomers = new CustomerStore(db.prisma, config.TOPIC_CATALOG_CHANGES_BULK);
  const runs = new RunExecutor({
    prisma: db.prisma,
    syncEvents,
    integrations: [...integrationNames],
    leaseMs: config.SYNC_RUN_LEASE_S * 1000,
    handlers: { export: (run, ctx) => runExport(bulkCustomers, run, ctx) },
  });
  runs.start();
  const replayMs = config.SYNC_EVENTS_REPLAY_MINUTES * 60_000;
  const hub = new SyncEventHub(config.SYNC_EVENTS_MAX_BUFFERED, replayMs > 0 ? new SyncEventWindow(replayMs) : undefined);
  const unwatch = [
    watchOutbox(db.pool),
    watchConsumerLag('gateway', bus, [{ groupId: `${config.KAFKA_GROUP_PREFIX}catalog-gateway-inbound`, topics: [config.TOPIC_INTEGRATION_INBOUND] }]),
    onScrape('subscriptions', () => metrics.openSubscriptions.set(hub.subscriberCount)),
    startRetention(db.pool, config.RETENTION_DAYS),
  ];
  const feed = startSyncEventFeed({ bus, hub, topic: config.TOPIC_SYNC_EVENTS, partitions: 1, groupPrefix: config.KAFKA_GROUP_PREFIX, replayMs });
  const groups = [
    { group: `${config.KAFKA_GROUP_PREFIX}catalog-gateway-inbound`, topic: config.TOPIC_INTEGRATION_INBOUND },
    { group: `${config.KAFKA_GROUP_PREFIX}catalog-gateway-inbound-bulk`, topic: config.TOPIC_INTEGRATION_INBOUND_BULK },
    ...integrationNames.flatMap((name) => [
      { group: `${config.KAFKA_GROUP_PREFIX}integration-${name}`, topic: config.TOPIC_CATALOG_CHANGES },
      { group: `${config.KAFKA_GROUP_PREFIX}bulk-integration-${name}`, topic: config.TOPIC_CATALOG_CHANGES_BULK },
    ]),
  ];
  const consumerLag = async () =>
    Promise.all(groups.map(async ({ group, topic }) => ({ group, topic, lag: (await bus.consumerLag(group, [topic])).reduce((sum, part) => sum + part.lag, 0) })));
  const yoga = createGatewayYoga({ prisma: db.prisma, customers, invoices, syncEvents: hub, consumerLag }, security);
  const http = await listenGateway(yoga, security, { port: config.PORT, host: config.HOST, maxBodyBytes: config.GRAPHQL_MAX_BODY_BYTES });
  log.info({ url: http.url }, 'gateway listening');

  return {
    url: http.url,
    syncEventsReady: feed.ready,
    ...(security.developmentKey ? { developmentKey: security.developmentKey } : {}),
    async stop() {
      for (const stopWatching of unwatch) stopWatching();
      hub.close();
      await http.close(); // no new mutations
      await feed.stop();
      await runs.stop();
      await bulkInbound.stop();
      await inbound.stop();
      await relay.stop(); // the batch in flight commits
      await bus.close();
      await db.close();
      log.info('gateway stopped');
    },
  };
}
