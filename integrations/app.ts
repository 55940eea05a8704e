import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectionLimitsFrom, createDatabase } from '../core/db/prisma.js';
import { createKafkaBus } from '../core/kafka/kafkajs-bus.js';
import { kafkaCredentialsFrom } from '../core/kafka/kafka-credentials.js';
import type { Subscription } from '../core/kafka/bus.js';
import { ensureTopicsInBackground, systemTopics } from '../core/kafka/topics.js';
import { watchConsumerLag } from '../core/metrics/gauges.js';
import { RunExecutor } from '../core/runs/run-executor.js';
import { asBulkAdapter } from './runs/budgeted-adapter.js';
import { runImport } from './runs/import-run.js';
import { runReconcile } from './runs/reconcile-run.js';
import { getLogger } from '../core/logger.js';
import type { IntegrationsConfig } from './config.js';
import { createIntegrationsApp } from './http/app.js';
import { resolveAdapters } from './registry/registry.js';
import { checkLinkAccount, type RemoteAccount } from '../core/sync/link-store.js';
import { startOutboundConsumer } from './sync/outbound-consumer.js';
import { CatchUp } from './sync/catch-up.js';
import { RetryScheduler } from './sync/retry-scheduler.js';
import { SyncEventPublisher } from '../core/events/sync-event-publisher.js';
import pg from 'pg';
import type { AdapterServices } from './registry/adapter.js';
import { PostgresRateBudget, type RateBudget } from './rate-budget/rate-budget.js';

const log = getLogger('integrations');

export interface RunningIntegrations {
  url: string;
  stop(): Promise<void>;
}

/** Wires the integrations process: adapters (from config), outbound consumers, the webhook server. */
export async function startIntegrations(config: IntegrationsConfig, env: Record<string, string | undefined> = process.env): Promise<RunningIntegrations> {
  // A pair's row stays locked across its remote call: room for every outbound partition and webhook.
  const db = createDatabase(config.DATABASE_URL, { poolSize: 2 * config.OUTBOUND_CONCURRENCY + 10, limits: connectionLimitsFrom(config) });
  // Each adapter declares its remote limit; every remote call it makes takes a token from the
  // deployment-wide bucket (integrations/rate-budget). Its own small pool: a token is taken while
  // the caller may hold a pair's row lock on the main pool.
  const budgetPool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 4, keepAlive: true, connectionTimeoutMillis: config.DATABASE_POOL_ACQUIRE_TIMEOUT_MS, statement_timeout: 5_000 });
  budgetPool.on('error', (error) => log.warn({ err: error }, 'idle rate budget connection lost; the pool replaces it'));
  const budgets: RateBudget[] = [];
  const services: AdapterServices = {
    rateBudget(limit) {
      const budget = new PostgresRateBudget(budgetPool, limit);
      budgets.push(budget);
      log.info({ bucket: limit.bucket, requestsPerSecond: limit.requestsPerSecond }, 'remote rate budget');
      return budget;
    },
  };
  let adapters: ReturnType<typeof resolveAdapters>;
  try {
    adapters = resolveAdapters(config.INTEGRATIONS, env, services); // unknown or misconfigured: throws before anything starts
  } catch (error) {
    await db.close();
    await budgetPool.end();
    throw error;
  }
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
    await budgetPool.end();
    throw error;
  }
  const bus = createKafkaBus({ brokers: config.KAFKA_BROKERS, clientId: `${config.KAFKA_CLIENT_ID}-integrations`, credentials: kafkaCredentialsFrom(config) });
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
      rateBudgets: budgets.map((budget) => budget.snapshot()),
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
  // Bulk work: its own topic and consumer group, every remote call taking from the shared rate
  // budget at the bulk priority (only what live changes leave).
  const bulkAdapters = adapters.map(asBulkAdapter);
  for (const bulkAdapter of bulkAdapters) {
    const adapter = adapters.find((candidate) => candidate.name === bulkAdapter.name)!;
    subscriptions.push(
      startOutboundConsumer({
        adapter: bulkAdapter,
        account: accounts.get(adapter.name)!,
        prisma: db.prisma,
        bus,
        syncEvents,
        changesTopic: config.TOPIC_CATALOG_CHANGES_BULK,
        inboundTopic: config.TOPIC_INTEGRATION_INBOUND,
        deadLetterTopic: config.TOPIC_DEAD_LETTER,
        concurrency: config.OUTBOUND_CONCURRENCY,
        groupPrefix: `${config.KAFKA_GROUP_PREFIX}bulk-`,
        partitions: config.KAFKA_TOPIC_PARTITIONS,
      }),
    );
  }
  const runs = new RunExecutor({
    prisma: db.prisma,
    syncEvents,
    integrations: adapters.map((adapter) => adapter.name),
    leaseMs: config.SYNC_RUN_LEASE_S * 1000,
    handlers: {
      import: (run, ctx) => {
        const adapter = bulkAdapters.find((candidate) => candidate.name === run.integration)!;
        const deps = { prisma: db.prisma, bus, adapter, account: accounts.get(adapter.name)!, bulkInboundTopic: config.TOPIC_INTEGRATION_INBOUND_BULK };
        return runImport(deps, run, ctx);
      },
      reconcile: (run, ctx) => {
        const adapter = bulkAdapters.find((candidate) => candidate.name === run.integration)!;
        const deps = { prisma: db.prisma, bus, adapter, account: accounts.get(adapter.name)!, bulkChangesTopic: config.TOPIC_CATALOG_CHANGES_BULK, bulkInboundTopic: config.TOPIC_INTEGRATION_INBOUND_BULK };
        return runReconcile(deps, run, ctx);
      },
    },
  });
  runs.start();
  const unwatchLag = watchConsumerLag(
    'integrations',
    bus,
    adapters.map((adapter) => ({ groupId: `${config.KAFKA_GROUP_PREFIX}integration-${adapter.name}`, topics: [config.TOPIC_CATALOG_CHANGES] })),
  );
  const catchUps = adapters
    .filter((adapter) => adapter.instance.catchUp)
    .map((adapter) => new CatchUp({ ...intake, adapter, account: accounts.get(adapter.name)!, prisma: db.prisma, pool: db.pool }));
  for (const catchUp of catchUps) catchUp.start();
  const budgetReport = reportRateBudgets(budgets);

  return {
    url,
    async stop() {
      unwatchLag();
      await runs.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const catchUp of catchUps) await catchUp.stop();
      for (const scheduler of schedulers) await scheduler.stop();
      for (const subscription of subscriptions) await subscription.stop();
      await bus.close();
      clearInterval(budgetReport);
      await db.close();
      await budgetPool.end();
      log.info('integrations stopped');
    },
  };
}

/** Logs each budget every 30 s while calls had to wait for it (how close the deployment runs to the remote's limit). */
function reportRateBudgets(budgets: RateBudget[]): NodeJS.Timeout {
  const reported = new Map<RateBudget, number>();
  const timer = setInterval(() => {
    for (const budget of budgets) {
      const snapshot = budget.snapshot();
      if (snapshot.waited === (reported.get(budget) ?? 0)) continue;
      reported.set(budget, snapshot.waited);
      log.info(snapshot, 'rate budget: calls waited for their token');
    }
  }, 30_000);
  timer.unref();
  return timer;
}
