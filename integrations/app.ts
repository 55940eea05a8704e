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
import { checkLinkAccount, type RemoteAccount } from '../core/sync/link-store.js';
import { startOutboundConsumer } from './sync/outbound-consumer.js';
import { CatchUp } from './sync/catch-up.js';
import { RetryScheduler } from './sync/retry-scheduler.js';
import { SyncEventPublisher } from '../core/events/sync-event-publisher.js';

const log = getLogger('integrations');

export interface RunningIntegrations {
  url: string;
  stop(): Promise<void>;
}

/** Wires the integrations process: adapters (from config), outbound consumers, the webhook server. */
export async function startIntegrations(config: IntegrationsConfig, env: Record<string, string | undefined> = process.env): Promise<RunningIntegrations> {
  const adapters = resolveAdapters(config.INTEGRATIONS, env); // unknown or misconfigured: throws before anything starts
  // A pair's row stays locked across its remote call: room for every outbound partition and webhook.
  const db = createDatabase(config.DATABASE_URL, { poolSize: 2 * config.OUTBOUND_CONCURRENCY + 10, limits: connectionLimitsFrom(config) });
  // Links are scoped to one remote account: refuse to start against another (a 404 there would
  // delete local customers). Each adapter's account is read once, at start.
  const accounts = new Map<string, RemoteAccount>();
  try {
    for (const adapter of adapters) {
      const account = await adapter.instance.account();
      await checkLinkAccount(db.prisma, adapter.name, account);
      accounts.set(adapter.name, account);
    }
  } catch (error) {
    await db.close();
    throw error;
  }
  const bus = createKafkaBus({ brokers: config.KAFKA_BROKERS, clientId: `${config.KAFKA_CLIENT_ID}-integrations` });
  await ensureTopicsInBackground(bus, systemTopics(config));
  const syncEvents = new SyncEventPublisher(bus, config.TOPIC_SYNC_EVENTS);

  const intake = { prisma: db.prisma, bus, accounts, syncEvents, inboundTopic: config.TOPIC_INTEGRATION_INBOUND };
  let publicUrl = config.INTEGRATIONS_PUBLIC_URL ?? `http://${config.INTEGRATIONS_HOST}:${config.INTEGRATIONS_PORT}`;
  const app = createIntegrationsApp({
    adapters,
    ...intake,
    publicUrl: () => publicUrl,
    ready: async () => ({
      kafka: await bus.ping(),
      postgres: await db.pool.query('SELECT 1').then(() => true, () => false),
    }),
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(config.INTEGRATIONS_PORT, config.INTEGRATIONS_HOST, resolve));
  const { port } = server.address() as AddressInfo;
  const url = config.INTEGRATIONS_PUBLIC_URL ?? `http://${config.INTEGRATIONS_HOST}:${port}`;
  publicUrl = url;

  const subscriptions: Subscription[] = [];
  const schedulers: RetryScheduler[] = [];
  for (const adapter of adapters) {
    await adapter.instance.start?.({ webhookUrl: `${url}/webhooks/${adapter.name}` });
    const outbound = {
      adapter,
      account: accounts.get(adapter.name)!,
      prisma: db.prisma,
      bus,
      syncEvents,
      changesTopic: config.TOPIC_CATALOG_CHANGES,
      inboundTopic: config.TOPIC_INTEGRATION_INBOUND,
      deadLetterTopic: config.TOPIC_DEAD_LETTER,
    };
    subscriptions.push(
      startOutboundConsumer({ ...outbound, concurrency: config.OUTBOUND_CONCURRENCY, groupPrefix: config.KAFKA_GROUP_PREFIX, partitions: config.KAFKA_TOPIC_PARTITIONS }),
    );
    const scheduler = new RetryScheduler(outbound);
    scheduler.start();
    schedulers.push(scheduler);
    log.info({ integration: adapter.name, webhook: `${url}/webhooks/${adapter.name}` }, 'integration running');
  }
  const catchUps = adapters
    .filter((adapter) => adapter.instance.catchUp)
    .map((adapter) => new CatchUp({ ...intake, adapter, account: accounts.get(adapter.name)!, prisma: db.prisma, pool: db.pool }));
  for (const catchUp of catchUps) catchUp.start();

  return {
    url,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const catchUp of catchUps) await catchUp.stop();
      for (const scheduler of schedulers) await scheduler.stop();
      for (const subscription of subscriptions) await subscription.stop();
      await bus.close();
      await db.close();
      log.info('integrations stopped');
    },
  };
}
