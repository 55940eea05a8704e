// npm run bench:sync: two-way sync latency with the real stack and both processes running.
//
// Starts a gateway and an integrations process (own topics and consumer groups for this run, Stripe
// = localstripe), then:
// - outbound: BENCH_CUSTOMERS createCustomer mutations over GraphQL; latency from the mutation's
//   response to the customer existing in the Stripe emulator (the OUTBOUND_SYNCED event, stamped
//   after Stripe answered the create; each customer is then fetched from the emulator to check its
//   metadata.local_id);
// - inbound: BENCH_CUSTOMERS customers created in the emulator; latency from the webhook's receipt
//   by the integrations process (INBOUND_RECEIVED) to the change committed in the catalog
//   (INBOUND_APPLIED; each is then checked through GraphQL), and from the emulator's create call
//   returning (includes localstripe's own ~1 s delay before it sends a webhook).
// All timestamps come from this machine's one clock. Prints one JSON object; writes an SVG chart
// to bench/results/.
import { benchGatewayEnv, benchHeaders } from './credentials.js';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import Stripe from 'stripe';
import { parseSyncEvent, type SyncEvent } from '../core/events/sync-event.js';
import { createKafkaBus } from '../core/kafka/kafkajs-bus.js';
import { setLogLevel } from '../core/logger.js';
import { startProcess } from './process.js';
import { percentile, runPaced } from './stats.js';
import { benchStack } from './bench-database.js';
import { latencyChartSvg } from './chart.js';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 200);
// Changes are offered at a fixed rate (open loop), below Stripe's test-mode limit of 25 requests/s:
// the figures are latencies of a system keeping up, not queueing in front of a saturated one.
const RATE_PER_SECOND = Number(process.env.BENCH_RATE ?? 20);
const LOCALSTRIPE_URL = benchStack.localstripeUrl;
const run = Date.now().toString(36);

setLogLevel('warn');
const env = {
  LOG_LEVEL: 'warn',
  TOPIC_CATALOG_CHANGES: `bench.${run}.changes`,
  TOPIC_INTEGRATION_INBOUND: `bench.${run}.inbound`,
  TOPIC_SYNC_EVENTS: `bench.${run}.sync-events`,
  TOPIC_DEAD_LETTER: `bench.${run}.dead-letter`,
  KAFKA_GROUP_PREFIX: `bench-${run}-`,
  PORT: process.env.BENCH_GATEWAY_PORT ?? '4900',
  HOST: '127.0.0.1',
  INTEGRATIONS_PORT: process.env.BENCH_INTEGRATIONS_PORT ?? '4901',
  INTEGRATIONS_HOST: '127.0.0.1',
  STRIPE_API_BASE: LOCALSTRIPE_URL,
  // This stack's services (STACK_PORT_OFFSET-aware), never another stack's defaults.
  DATABASE_URL: benchStack.mainDatabaseUrl,
  KAFKA_BROKERS: benchStack.kafkaBrokers,
  ...benchGatewayEnv,
};

// localstripe rewrites its whole store to disk on every write (O(stored objects) per call), so
// leftovers from earlier runs would make the emulator, not the pipeline, the thing measured.
// Start from an empty store (localstripe's own DELETE /_config/data).
await fetch(new URL('/_config/data', LOCALSTRIPE_URL), { method: 'DELETE' });

const bus = createKafkaBus({ brokers: benchStack.kafkaBrokers.split(','), clientId: 'bench-sync' });
const events: Array<SyncEvent & { receivedAt: number }> = [];
const gateway = await startProcess('server/main.ts', env, /GraphiQL: (\S+)/);
const integrations = await startProcess('integrations/main.ts', env, /Integrations: (\S+)/);
const reader = await bus.subscribe({
  groupId: `bench-${run}-reader`,
  topics: [env.TOPIC_SYNC_EVENTS],
  fromBeginning: true,
  handler: async (message) => {
    events.push({ ...parseSyncEvent(message.value), receivedAt: Date.now() });
  },
});

const url = new URL(LOCALSTRIPE_URL);
const stripe = new Stripe('sk_test_bench', { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 2 });
const at = (event: SyncEvent | undefined) => (event ? Date.parse(event.occurredAt) : undefined);
const find = (type: SyncEvent['type'], match: (event: SyncEvent) => boolean) => events.find((event) => event.type === type && match(event));
let errors = 0;

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      console.error(`bench: timed out waiting for ${what}`);
      return undefined;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// ---- warm-up (not measured): first connections, JIT, consumer groups settling
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
for (let index = 0; index < WARMUP; index += 1) {
  const created = await stripe.customers.create({ email: `bench-warm-${run}-${index}@example.com` });
  await waitFor('warm-up inbound', () => find('INBOUND_APPLIED', (event) => event.remoteId === created.id));
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: benchHeaders,
    body: JSON.stringify({ query: `mutation { createCustomer(input: { email: "bench-warm-out-${run}-${index}@example.com" }) { __typename ... on CreateCustomerSuccess { customer { id } } } }` }),
  });
  const id = ((await response.json()) as { data?: { createCustomer: { customer?: { id: string } } } }).data?.createCustomer.customer?.id;
  await waitFor('warm-up outbound', () => find('OUTBOUND_SYNCED', (event) => event.entityId === id));
}

// ---- outbound
const mutation = `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { __typename ... on CreateCustomerSuccess { customer { id } } } }`;
const accepted = new Map<string, number>();
await runPaced(CUSTOMERS, RATE_PER_SECOND, async (index) => {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: benchHeaders,
    body: JSON.stringify({ query: mutation, variables: { input: { email: `bench-out-${run}-${index}@example.com`, name: `Out ${index}` } } }),
  });
  const body = (await response.json()) as { data?: { createCustomer: { customer?: { id: string } } } };
  const id = body.data?.createCustomer.customer?.id;
  if (id) accepted.set(id, Date.now());
  else errors += 1;
});
const outbound: number[] = [];
for (const [id, acceptedAt] of accepted) {
  const synced = await waitFor(`OUTBOUND_SYNCED for ${id}`, () => find('OUTBOUND_SYNCED', (event) => event.entityId === id));
  if (!synced?.remoteId) {
    errors += 1;
    continue;
  }
  const remote = await stripe.customers.retrieve(synced.remoteId);
  if ((remote as Stripe.Customer).metadata?.local_id !== id) errors += 1;
  outbound.push(at(synced)! - acceptedAt);
}

// ---- inbound
const written = new Map<string, { email: string; at: number }>();
await runPaced(CUSTOMERS, RATE_PER_SECOND, async (index) => {
  const email = `bench-in-${run}-${index}@example.com`;
  const created = await stripe.customers.create({ email, name: `In ${index}` });
  written.set(created.id, { email, at: Date.now() });
});
const inbound: number[] = [];
const fromRemote: number[] = [];
const query = `query($email: String) { customers(first: 1, filter: { email: $email }) { edges { node { id } } } }`;
for (const [remoteId, write] of written) {
  const applied = await waitFor(`INBOUND_APPLIED for ${remoteId}`, () => find('INBOUND_APPLIED', (event) => event.remoteId === remoteId));
  const received = find('INBOUND_RECEIVED', (event) => event.remoteId === remoteId);
  if (!applied || !received) {
    errors += 1;
    continue;
  }
  const visible = (await (await fetch(gateway.url, { method: 'POST', headers: benchHeaders, body: JSON.stringify({ query, variables: { email: write.email } }) })).json()) as {
    data?: { customers: { edges: unknown[] } };
  };
  if (visible.data?.customers.edges.length !== 1) errors += 1;
  inbound.push(at(applied)! - at(received)!);
  fromRemote.push(at(applied)! - write.at);
}

await reader.stop();
await bus.close();
await integrations.stop();
await gateway.stop();

const result = {
  benchmark: 'sync',
  customers: CUSTOMERS,
  rate_per_second: RATE_PER_SECOND,
  outbound_p50_ms: percentile(outbound, 50),
  outbound_p99_ms: percentile(outbound, 99),
  inbound_p50_ms: percentile(inbound, 50),
  inbound_p99_ms: percentile(inbound, 99),
  inbound_from_remote_p50_ms: percentile(fromRemote, 50),
  inbound_from_remote_p99_ms: percentile(fromRemote, 99),
  errors,
  cores: os.cpus().length,
  load_average: os.loadavg().map((value) => Math.round(value * 100) / 100),
};
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/sync-latency.svg', latencyChartSvg({ outbound, inbound, 'inbound from remote': fromRemote }));
await writeFile('bench/results/sync-latency.json', `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
process.exitCode = errors > 0 ? 1 : 0;
