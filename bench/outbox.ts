// npm run bench:outbox: commits 1,000 createCustomer mutations through GraphQL over HTTP against a
// real gateway process (server/main.ts, started here), Postgres and Kafka, and prints as JSON how
// long each event took from its commit to its arrival on Kafka (the broker's LogAppendTime), plus
// mutations per second. The load and the Kafka reader run in this process, not in the gateway's.
//
// Commit time is taken when the mutation's HTTP response arrives, which is after the commit: the
// figures are therefore a slight underestimate (by the response's own time on loopback, well under
// a millisecond). `publish_from_request_*` measures from the request's start instead: an upper bound.
import { benchStack } from './bench-database.js';
import { benchGatewayEnv, benchHeaders } from './credentials.js';
import os from 'node:os';
import { parseEnv } from '../core/config/parse-env.js';
import { createKafkaBus } from '../core/kafka/kafkajs-bus.js';
import { setLogLevel } from '../core/logger.js';
import { gatewayEnv } from '../server/config.js';
import { startProcess } from './process.js';
import { percentile, runPool } from './stats.js';

const MUTATIONS = Number(process.env.BENCH_MUTATIONS ?? 1_000);
// Four clients keep the gateway busy without saturating it on a 2-core machine (where Postgres and
// Kafka share the cores); BENCH_CONCURRENCY=8 shows the saturated case.
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const run = `${Date.now().toString(36)}`;

setLogLevel('warn');
const topic = `bench.catalog.changes.${run}`;
// This stack's services (STACK_PORT_OFFSET-aware), never another stack's defaults.
const gatewayVariables = {
  PORT: process.env.BENCH_GATEWAY_PORT ?? '4900',
  HOST: '127.0.0.1',
  TOPIC_CATALOG_CHANGES: topic,
  LOG_LEVEL: 'warn',
  DATABASE_URL: benchStack.mainDatabaseUrl,
  KAFKA_BROKERS: benchStack.kafkaBrokers,
  ...benchGatewayEnv,
};
const config = parseEnv(gatewayEnv, { ...process.env, ...gatewayVariables });
const bus = createKafkaBus({ brokers: config.KAFKA_BROKERS, clientId: 'bench-outbox' });
await bus.ensureTopics([{ name: topic, partitions: config.KAFKA_TOPIC_PARTITIONS, configs: { 'message.timestamp.type': 'LogAppendTime' } }]);

const arrivals = new Map<string, number>();
let allArrived!: () => void;
const arrived = new Promise<void>((resolve) => (allArrived = resolve));
const subscription = await bus.subscribe({
  groupId: `bench-${run}`,
  topics: [topic],
  handler: async (message) => {
    if (message.key) arrivals.set(message.key, message.timestamp);
    if (arrivals.size >= MUTATIONS) allArrived();
  },
});

const gateway = await startProcess('server/main.ts', gatewayVariables, /GraphiQL: (\S+)/);
const mutation = `mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { __typename ... on CreateCustomerSuccess { customer { id } } } }`;
const committed = new Map<string, { requested: number; responded: number }>();
let errors = 0;

const started = performance.now();
await runPool(MUTATIONS, CONCURRENCY, async (index) => {
  const requested = Date.now();
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: benchHeaders,
    body: JSON.stringify({ query: mutation, variables: { input: { email: `bench-${run}-${index}@example.com`, name: `Bench ${index}` } } }),
  });
  const responded = Date.now();
  const body = (await response.json()) as { data?: { createCustomer: { __typename: string; customer?: { id: string } } } };
  const id = body.data?.createCustomer.customer?.id;
  if (id) committed.set(id, { requested, responded });
  else errors += 1;
});
const elapsedSeconds = (performance.now() - started) / 1000;

const timeout = setTimeout(() => allArrived(), 30_000);
await arrived;
clearTimeout(timeout);

const fromCommit: number[] = [];
const fromRequest: number[] = [];
let missing = 0;
for (const [id, times] of committed) {
  const at = arrivals.get(id);
  if (at === undefined) {
    missing += 1;
    continue;
  }
  fromCommit.push(Math.max(0, at - times.responded));
  fromRequest.push(at - times.requested);
}

await subscription.stop();
await gateway.stop();
await bus.close();

console.log(
  JSON.stringify(
    {
      benchmark: 'outbox',
      mutations: MUTATIONS,
      concurrency: CONCURRENCY,
      publish_p50_ms: percentile(fromCommit, 50),
      publish_p99_ms: percentile(fromCommit, 99),
      publish_max_ms: percentile(fromCommit, 100),
      publish_from_request_p50_ms: percentile(fromRequest, 50),
      publish_from_request_p99_ms: percentile(fromRequest, 99),
      mutations_per_second: Math.round(MUTATIONS / elapsedSeconds),
      errors,
      missing_events: missing,
      cores: os.cpus().length,
      load_average: os.loadavg().map((value) => Math.round(value * 100) / 100),
    },
    null,
    2,
  ),
);
process.exitCode = errors + missing > 0 ? 1 : 0;
