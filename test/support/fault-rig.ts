import net from 'node:net';
import pg from 'pg';
import type Stripe from 'stripe';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkInvariants, type Verdict } from '../convergence/invariants.js';
import { snapshot, type Snapshot } from '../convergence/observe.js';
import type { AcknowledgedWrite, Entity, OperationsLog } from '../convergence/run-operations.js';
import { CreateCustomer, UpdateCustomer } from '../graphql/operations.js';
import { startChildService, type ChildService } from './child-service.js';
import { testApiKeys } from './credentials.js';
import { uniqueTopics } from './gateway.js';
import { execute } from './graphql-client.js';
import { testWebhookSecret } from './integrations.js';
import { testStack, uniqueName } from './stack.js';
import { startStripeProxy, type StripeProxy } from './stripe-proxy.js';
import { localstripe } from './stripe-emulators.js';
import { unpublishedOutbox } from './sync-tables.js';

// Both processes as child processes (as in production), Stripe = localstripe behind the
// Stripe-behaviour proxy, and what the fault suite needs around them: acknowledged writes logged
// in the convergence suite's shape, quiescence, and issue #8's invariants over the run's customers.

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface FaultRig {
  domain: string;
  proxy: StripeProxy;
  /** localstripe itself (not through the proxy): what Stripe holds. */
  stripe: Stripe;
  sql: pg.Pool;
  gateway: ChildService;
  integrations: ChildService;
  log: OperationsLog;
  startGateway(): Promise<ChildService>;
  startIntegrations(extraEnv?: Record<string, string>): Promise<ChildService>;
  /** createCustomer through GraphQL; logged as acknowledged only when the gateway answered success. */
  create(label: string): Promise<string | undefined>;
  update(id: string, input: { name?: string; metadata?: Record<string, string> }): Promise<boolean>;
  /** Waits until nothing is in flight for the run's customers and the state is stable, then checks the invariants. */
  converge(timeoutMs?: number): Promise<{ snapshot: Snapshot; verdict: Verdict; statuses: Record<string, number> }>;
  stop(): Promise<void>;
}

export async function startFaultRig(options: { stripeRateLimit: number; proxyRateLimit: number }): Promise<FaultRig> {
  const run = uniqueName('faults');
  const domain = `${run}.example.com`;
  const proxy = await startStripeProxy(testStack.localstripeUrl, { seed: 10, faults: { rateLimitPerSecond: options.proxyRateLimit } });
  const sql = new pg.Pool({ connectionString: testStack.databaseUrl, max: 3 });
  sql.on('error', () => undefined); // a Postgres restart breaks idle connections; the pool replaces them
  const [gatewayPort, integrationsPort] = [await freePort(), await freePort()];
  const env: Record<string, string> = {
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DATABASE_URL: testStack.databaseUrl,
    KAFKA_BROKERS: testStack.kafkaBrokers.join(','),
    ...uniqueTopics(),
    TOPIC_DEAD_LETTER: `${run}.dead-letter`,
    // The same groups across restarts: a restarted process resumes from the committed offsets.
    KAFKA_GROUP_PREFIX: `${run}-`,
    API_KEYS: testApiKeys,
    API_RATE_LIMIT: '0',
    OUTBOX_POLL_INTERVAL_MS: '500',
    HOST: '127.0.0.1',
    PORT: String(gatewayPort),
    INTEGRATIONS_HOST: '127.0.0.1',
    INTEGRATIONS_PORT: String(integrationsPort),
    STRIPE_API_BASE: proxy.url,
    STRIPE_WEBHOOK_SECRET: testWebhookSecret,
    STRIPE_RATE_LIMIT: String(options.stripeRateLimit),
    STRIPE_CATCHUP_INTERVAL_S: '0',
  };
  const log: OperationsLog = { entities: [], writes: [], outcomes: [] };
  let step = 0;
  let emails = 0;
  let gateway: ChildService | undefined;
  let integrations: ChildService | undefined;
  const started = (service: ChildService | undefined, name: string) => {
    if (!service) throw new Error(`the ${name} process has not been started`);
    return service;
  };

  const rig: FaultRig = {
    domain,
    proxy,
    stripe: localstripe(),
    sql,
    get gateway() {
      return started(gateway, 'gateway');
    },
    get integrations() {
      return started(integrations, 'integrations');
    },
    log,
    async startGateway() {
      gateway = await startChildService('gateway', env);
      return gateway;
    },
    async startIntegrations(extraEnv = {}) {
      integrations = await startChildService('integrations', { ...env, ...extraEnv });
      return integrations;
    },
    async create(label) {
      const n = (emails += 1);
      const email = `${label}-${n}@${domain}`;
      const result = await execute(rig.gateway.url, CreateCustomer, { input: { email, name: `${label} ${n}` } }).catch(() => undefined);
      const created = result?.data?.createCustomer;
      if (created?.__typename !== 'CreateCustomerSuccess') return undefined;
      const entity: Entity = { index: log.entities.length, createdOn: 'local', localId: created.customer.id };
      log.entities.push(entity);
      const acknowledgedAt = Date.now();
      const writes: AcknowledgedWrite[] = [
        { step: step++, entity: entity.index, side: 'local', field: 'email', value: email, acknowledgedAt },
        { step: step++, entity: entity.index, side: 'local', field: 'name', value: created.customer.name ?? null, acknowledgedAt },
      ];
      log.writes.push(...writes);
      return created.customer.id;
    },
    async update(id, input) {
      const result = await execute(rig.gateway.url, UpdateCustomer, { id, input }).catch(() => undefined);
      if (result?.data?.updateCustomer.__typename !== 'UpdateCustomerSuccess') return false;
      const entity = log.entities.find((candidate) => candidate.localId === id);
      if (!entity) return true;
      const acknowledgedAt = Date.now();
      if (input.name !== undefined) log.writes.push({ step: step++, entity: entity.index, side: 'local', field: 'name', value: input.name, acknowledgedAt });
      for (const [key, value] of Object.entries(input.metadata ?? {})) {
        log.writes.push({ step: step++, entity: entity.index, side: 'local', field: `metadata.${key}`, value, acknowledgedAt });
      }
      return true;
    },
    async converge(timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      let last: { key: string; since: number } | undefined;
      for (;;) {
        const current = await snapshot(rig, { domain }, log);
        const pending = await unpublishedOutbox(sql, current.knownLocalIds);
        const statuses: Record<string, number> = {};
        for (const mapping of current.mappings) statuses[mapping.status] = (statuses[mapping.status] ?? 0) + 1;
        const inFlight = current.mappings.some((mapping) => mapping.status !== 'SYNCED' && mapping.status !== 'FAILED');
        const key = JSON.stringify([current.locals, current.remotes, current.mappings, current.conflicts.length]);
        if (pending > 0 || inFlight || last?.key !== key) last = { key, since: Date.now() };
        // 3 s covers localstripe's ~1 s webhook delay and the inbound round trip.
        else if (Date.now() - last.since >= 3_000) return { snapshot: current, verdict: checkInvariants(current, log), statuses };
        if (Date.now() > deadline) throw new Error(`no quiescence within ${timeoutMs} ms (unpublished outbox rows: ${pending}, mappings: ${JSON.stringify(statuses)})`);
        await sleep(500);
      }
    },
    async stop() {
      await integrations?.stop();
      await gateway?.stop();
      await proxy.close();
      await sql.end();
    },
  };
  return rig;
}
