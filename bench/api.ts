// npm run bench:api: read and write throughput of the gateway beside PostGraphile v5, on the same
// database (catalog_bench, BENCH_SEED_CUSTOMERS customers), in the same run, never both at once.
//
// 1. The gateway (server/main.ts, NODE_ENV=production, an API key, one process unless
//    GATEWAY_WORKERS is set) runs every workload below with autocannon, then stops; once per Node
//    major in BENCH_GATEWAY_NODES (default 20,22,24: this Node if it is that major, else installed
//    on demand by scripts/node-runtime.sh, as PostGraphile's runtime is; one that cannot be
//    installed is reported as unavailable).
// 2. PostGraphile v5 (installed on demand, with a Node 22+ runtime from the npm registry: see
//    bench/postgraphile/install.sh and scripts/node-runtime.sh) runs the workloads it has an
//    equivalent for, then stops.
// Prints one JSON object (req/s and p99 of each side, and the ratios) and writes it with an SVG
// chart to bench/results/. Each workload checks one response for GraphQL errors first.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import autocannon from 'autocannon';
import { prepareBenchDatabase, benchStack } from './bench-database.js';
import { barChartSvg } from './chart.js';
import { benchGatewayEnv, benchHeaders } from './credentials.js';
import { startProcess, type ChildProcessHandle } from './process.js';
import { sampleResources, type ResourceSample } from './resource-sampler.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const READ_CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const WRITE_CONNECTIONS = Number(process.env.BENCH_WRITE_CONNECTIONS ?? 32);
const SEED = Number(process.env.BENCH_SEED_CUSTOMERS ?? 10_000);
const ONLY = process.env.BENCH_ONLY?.split(',');
const SIDES = (process.env.BENCH_SIDES ?? 'gateway,postgraphile').split(',');
const GATEWAY_NODES = (process.env.BENCH_GATEWAY_NODES ?? '20,22,24').split(',');
const run = Date.now().toString(36);

interface Workload {
  name: string;
  connections: number;
  /** GraphQL request body per request (called for every request, so ids and emails vary). */
  gateway: () => object;
  postgraphile?: () => object;
}

const { ids } = await prepareBenchDatabase(SEED);
const anyId = () => ids[Math.floor(Math.random() * ids.length)]!;
let sequence = 0;
const newEmail = () => `bench-${run}-${(sequence += 1)}-${Math.random().toString(36).slice(2, 8)}@example.com`;

const workloads: Workload[] = [
  {
    name: 'customers_first_50',
    connections: READ_CONNECTIONS,
    gateway: () => ({ query: '{ customers(first: 50) { edges { node { id email name } } } }' }),
    postgraphile: () => ({ query: '{ allCustomers(first: 50, orderBy: [CREATED_AT_ASC, PRIMARY_KEY_ASC]) { edges { node { rowId email name } } } }' }),
  },
  {
    name: 'customer_by_id',
    connections: READ_CONNECTIONS,
    gateway: () => ({ query: 'query($id: ID!) { customer(id: $id) { id email name } }', variables: { id: anyId() } }),
    postgraphile: () => ({ query: 'query($id: UUID!) { customerByRowId(rowId: $id) { rowId email name } }', variables: { id: anyId() } }),
  },
  {
    name: 'create_customer',
    connections: WRITE_CONNECTIONS,
    gateway: () => ({
      query: 'mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { __typename ... on CreateCustomerSuccess { customer { id } } } }',
      variables: { input: { email: newEmail(), name: 'Bench' } },
    }),
    // A plain insert (no outbox): what PostGraphile offers.
    postgraphile: () => ({
      query: 'mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { customer { rowId } } }',
      variables: { input: { customer: { rowId: randomUUID(), email: newEmail(), name: 'Bench', updatedAt: new Date().toISOString() } } },
    }),
  },
  {
    name: 'customers_with_sync_states_and_total',
    connections: READ_CONNECTIONS,
    gateway: () => ({ query: '{ customers(first: 50) { totalCount edges { node { id email name syncStates { integration status remoteId } } } } }' }),
  },
  {
    name: 'customers_search',
    connections: READ_CONNECTIONS,
    gateway: () => ({ query: '{ customers(first: 20, filter: { search: "customer 12" }) { edges { node { id email name } } } }' }),
  },
].filter((workload) => !ONLY || ONLY.includes(workload.name));

interface Figures {
  requests_per_second: number;
  p50_ms: number;
  p99_ms: number;
  non_2xx: number;
  errors: number;
  /** CPU of the server, Postgres and autocannon, and the backends' wait events, while it ran. */
  resources?: ResourceSample;
}

async function measure(url: string, headers: Record<string, string>, connections: number, body: () => object, seconds: number): Promise<Figures> {
  const result = await autocannon({
    url,
    method: 'POST',
    headers,
    connections,
    duration: seconds,
    requests: [{ setupRequest: (request) => ({ ...request, body: JSON.stringify(body()) }) }],
  });
  return {
    requests_per_second: Math.round(result.requests.average),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    non_2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** One request first: a workload that answers with GraphQL errors would measure nothing. */
async function check(url: string, headers: Record<string, string>, body: object, side: string, name: string): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  const json = (await response.json()) as { errors?: unknown[]; data?: Record<string, { __typename?: string } | null> };
  const typename = Object.values(json.data ?? {})[0]?.__typename;
  if (!response.ok || json.errors || (typename && !typename.endsWith('Success'))) {
    throw new Error(`${side} ${name}: ${response.status} ${JSON.stringify(json).slice(0, 500)}`);
  }
}

async function runSide(side: string, server: ChildProcessHandle, headers: Record<string, string>) {
  const figures: Record<string, Figures> = {};
  try {
    for (const workload of workloads) {
      const body = side.startsWith('gateway') ? workload.gateway : workload.postgraphile;
      if (!body) continue;
      await check(server.url, headers, body(), side, workload.name);
      await measure(server.url, headers, workload.connections, body, WARMUP_SECONDS);
      const sampler = await sampleResources(server.pid, benchStack.databaseUrl);
      const measured = await measure(server.url, headers, workload.connections, body, SECONDS);
      figures[workload.name] = { ...measured, resources: await sampler.stop() };
      console.error(`${side} ${workload.name}: ${JSON.stringify(figures[workload.name])}`);
    }
  } finally {
    await server.stop();
  }
  return figures;
}

const database = { DATABASE_URL: benchStack.databaseUrl, KAFKA_BROKERS: benchStack.kafkaBrokers };
const results: Record<string, Record<string, Figures>> = {};
const runtimes: Record<string, string> = {};
const loadAverages: Record<string, number[]> = {};
const loadAverage = () => os.loadavg().map((value) => Math.round(value * 100) / 100);

/** A Node binary of that major version: this one if it is, else installed on demand like PostGraphile's. */
function nodeBinary(major: string): string {
  if (process.versions.node.split('.')[0] === major) return process.execPath;
  return execFileSync('bash', ['scripts/node-runtime.sh', major], { stdio: ['ignore', 'pipe', 'inherit'] }).toString().trim();
}

if (SIDES.includes('gateway')) {
  const env = {
    ...database,
    ...benchGatewayEnv,
    PORT: process.env.BENCH_GATEWAY_PORT ?? '4900',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    TOPIC_CATALOG_CHANGES: `bench.${run}.changes`,
    TOPIC_SYNC_EVENTS: `bench.${run}.sync-events`,
    KAFKA_GROUP_PREFIX: `bench-${run}-`,
    ...(process.env.GATEWAY_WORKERS ? { GATEWAY_WORKERS: process.env.GATEWAY_WORKERS } : {}),
  };
  // The gateway on each Node major in turn (BENCH_GATEWAY_NODES, default 20,22,24), one at a time.
  for (const major of GATEWAY_NODES) {
    const side = `gateway_node${major}`;
    let node: string;
    try {
      node = nodeBinary(major);
    } catch (error) {
      runtimes[side] = `unavailable: ${(error as Error).message.split('\n')[0]}`;
      continue;
    }
    loadAverages[side] = loadAverage();
    const gateway = await startProcess('server/main.ts', env, /GraphiQL: (\S+)/, 60_000, { node });
    runtimes[side] = execFileSync(node, ['--version']).toString().trim();
    results[side] = await runSide(side, gateway, benchHeaders);
  }
}

if (SIDES.includes('postgraphile')) {
  const node = execFileSync('bash', ['scripts/node-runtime.sh', process.env.BENCH_POSTGRAPHILE_NODE ?? '22'], { stdio: ['ignore', 'pipe', 'inherit'] }).toString().trim();
  const dir = execFileSync('bash', ['bench/postgraphile/install.sh'], { stdio: ['ignore', 'pipe', 'inherit'] }).toString().trim();
  loadAverages.postgraphile = loadAverage();
  const server = await startProcess(
    'server.mjs',
    { DATABASE_URL: benchStack.databaseUrl, NODE_ENV: 'production', PORT: process.env.BENCH_POSTGRAPHILE_PORT ?? '4910' },
    /PostGraphile: (\S+)/,
    60_000,
    { node, cwd: dir, typescript: false },
  );
  runtimes.postgraphile = execFileSync(node, ['--version']).toString().trim();
  results.postgraphile = await runSide('postgraphile', server, { 'content-type': 'application/json' });
}

const ratios: Record<string, Record<string, number>> = {};
for (const side of Object.keys(results).filter((name) => name.startsWith('gateway'))) {
  for (const workload of workloads) {
    const ours = results[side]?.[workload.name];
    const theirs = results.postgraphile?.[workload.name];
    if (ours && theirs) (ratios[side] ??= {})[workload.name] = Math.round((ours.requests_per_second / theirs.requests_per_second) * 100) / 100;
  }
}

const report = {
  benchmark: 'api',
  seconds: SECONDS,
  read_connections: READ_CONNECTIONS,
  write_connections: WRITE_CONNECTIONS,
  seeded_customers: SEED,
  gateway_workers: process.env.GATEWAY_WORKERS ?? '1',
  runtimes,
  ...results,
  ratio_gateway_to_postgraphile: ratios,
  cores: os.cpus().length,
  /** 1, 5 and 15-minute load averages as each side started, and at the end (the machine is shared). */
  load_average_at_start: loadAverages,
  load_average: loadAverage(),
};
const json = JSON.stringify(report, null, 2);
console.log(json);
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/api.json', `${json}\n`);
await writeFile(
  'bench/results/api.svg',
  barChartSvg(
    workloads.map((workload) => workload.name),
    Object.fromEntries(Object.entries(results).map(([side, figures]) => [side, workloads.map((workload) => figures[workload.name]?.requests_per_second ?? 0)])),
    'Requests per second (higher is better)',
  ),
);
const failures = Object.values(results).flatMap((figures) => Object.values(figures)).reduce((sum, figures) => sum + figures.non_2xx + figures.errors, 0);
process.exitCode = failures > 0 ? 1 : 0;
