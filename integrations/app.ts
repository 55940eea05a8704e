import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectionLimitsFrom, createDatabase } from '../core/db/prisma.js';
import { createKafkaBus } from '../core/kafka/kafkajs-bus.js';
import type { Subscription } from '../core/kafka/bus.js';
import { ensureTopicsInBackground, systemTopics } from '../core/kafka/topics.js';
import { getLogger } from '../core/logger.js';
import type { IntegrationsConfig } from './config.js';
import { createIntegrationsApp } from './http/app.js';
import { resolveAdapters } from './registry/registry.js';
import { MappingStore } from './sync/mapping-store.js';
import { startOutboundConsumer } from './sync/outbound-consumer.js';
import { SyncEventPublisher } from '../core/events/sync-event-publisher.js';

const log = getLogger('integrations');

export interface RunningIntegrations {
  url: string;
  stop(): Promise<void>;
}

/** Wires the integrations process: adapters (from config), outbound consumers, the webhook server. */
export async function startIntegrations(config: IntegrationsConfig, env: Record<string, string | undefined> = process.env): Promise<RunningIntegrations> {
  const adapters = resolveAdapters(config.INTEGRATIONS, env); // unknown or misconfigured: throws before anything starts
  const db = createDatabase(config.DATABASE_URL, { limits: connectionLimitsFrom(config) });
  const bus = createKafkaBus({ brokers: config.KAFKA_BROKERS, clientId: `${config.KAFKA_CLIENT_ID}-integrations` });
  await ensureTopicsInBackground(bus, systemTopics(config));
  const mappings = new MappingStore(db.prisma);
  const syncEvents = new SyncEventPublisher(bus, config.TOPIC_SYNC_EVENTS);

  const app = createIntegrationsApp({
    adapters,
    prisma: db.prisma,
    bus,
    mappings,
    syncEvents,
    inboundTopic: config.TOPIC_INTEGRATION_INBOUND,
    ready: async () => ({
      kafka: await bus.ping(),
      postgres: await db.pool.query('SELECT 1').then(() => true, () => false),
    }),
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(config.INTEGRATIONS_PORT, config.INTEGRATIONS_HOST, resolve));
  const { port } = server.address() as AddressInfo;
  const url = config.INTEGRATIONS_PUBLIC_URL ?? `http://${config.INTEGRATIONS_HOST}:${port}`;

  const subscriptions: Subscription[] = [];
  for (const adapter of adapters) {
    await adapter.instance.start?.({ webhookUrl: `${url}/webhooks/${adapter.name}` });
    subscriptions.push(
      startOutboundConsumer({
        adapter,
        bus,
        mappings,
        syncEvents,
        changesTopic: config.TOPIC_CATALOG_CHANGES,
        deadLetterTopic: config.TOPIC_DEAD_LETTER,
        concurrency: config.OUTBOUND_CONCURRENCY,
        groupPrefix: config.KAFKA_GROUP_PREFIX,
        partitions: config.KAFKA_TOPIC_PARTITIONS,
      }),
    );
    log.info({ integration: adapter.name, webhook: `${url}/webhooks/${adapter.name}` }, 'integration running');
  }

  return {
    url,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const subscription of subscriptions) await subscription.stop();
      await bus.close();
      await db.close();
      log.info('integrations stopped');
    },
  };
}
