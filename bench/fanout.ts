// npm run bench:fanout (through bench/fanout.sh, which raises ulimit -n): syncEvents fan-out.
// Phase 1 (the mix): BENCH_FANOUT_SUBSCRIBERS graphql-ws subscribers (default 10,000): 100
// unfiltered, the rest each filtered to one customer (a UI watching its own record), spread over
// BENCH_FANOUT_PROCESSES client processes. Then BENCH_FANOUT_RATE updateCustomer mutations/s
// (default 20) for BENCH_FANOUT_SECONDS (default 30), each on a watched customer; each commit's
// LOCAL_CHANGE_PUBLISHED event goes to the 100 unfiltered subscribers and that customer's one.
// Phase 2 (the ceiling): BENCH_FANOUT_CEILING_SUBSCRIBERS unfiltered subscribers (default 2,000),
// mutations at BENCH_FANOUT_CEILING_RATE/s for 10 s: frames delivered per second.
// Prints JSON (events per client, delivery p50/p99, gateway RSS, mutation p99 and errors) and
// writes it with an SVG chart to bench/results/.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { prepareBenchDatabase, benchStack } from './bench-database.js';
import { latencyChartSvg } from './chart.js';
import { benchGatewayEnv, benchHeaders } from './credentials.js';
import { startProcess } from './process.js';
import { percentile, runPaced } from './stats.js';

const SUBSCRIBERS = Number(process.env.BENCH_FANOUT_SUBSCRIBERS ?? 10_000);
const UNFILTERED = Math.min(SUBSCRIBERS, Number(process.env.BENCH_FANOUT_UNFILTERED ?? 100));
const PROCESSES = Number(process.env.BENCH_FANOUT_PROCESSES ?? 4);
const RATE = Number(process.env.BENCH_FANOUT_RATE ?? 20);
const SECONDS = Number(process.env.BENCH_FANOUT_SECONDS ?? 30);
const CEILING_SUBSCRIBERS = Number(process.env.BENCH_FANOUT_CEILING_SUBSCRIBERS ?? 2_000);
const CEILING_RATE = Number(process.env.BENCH_FANOUT_CEILING_RATE ?? 50);
const run = Date.now().toString(36);

const filtered = SUBSCRIBERS - UNFILTERED;
const { ids } = await prepareBenchDatabase(Math.max(10_000, filtered), filtered);
const gateway = await startProcess(
  'server/main.ts',
  {
    ...benchGatewayEnv,
    DATABASE_URL: benchStack.databaseUrl,
    KAFKA_BROKERS: benchStack.kafkaBrokers,
    PORT: process.env.BENCH_GATEWAY_PORT ?? '4900',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    TOPIC_CATALOG_CHANGES: `bench.${run}.changes`,
    TOPIC_SYNC_EVENTS: `bench.${run}.sync-events`,
    KAFKA_GROUP_PREFIX: `bench-${run}-`,
    MAX_SUBSCRIPTIONS: String(SUBSCRIBERS + CEILING_SUBSCRIBERS + 100),
    MAX_SUBSCRIPTIONS_PER_CREDENTIAL: String(SUBSCRIBERS + CEILING_SUBSCRIBERS + 100),
  },
  /GraphiQL: (\S+)/,
);
const authorization = benchHeaders.authorization;
/** Where the RSS goes (prom-client's default metrics on /metrics): V8 heap used, and memory outside it (Buffers, native). */
async function memoryMb() {
  const text = await (await fetch(new URL('/metrics', gateway.url))).text();
  const value = (name: string) => Math.round(Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? 0) / 1_048_576);
  return { heap_used: value('catalog_nodejs_heap_size_used_bytes'), heap_total: value('catalog_nodejs_heap_size_total_bytes'), external: value('catalog_nodejs_external_memory_bytes') };
}
const rssMb = () => Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${gateway.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);

function ask<T>(child: ChildProcess, message: object, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: Record<string, unknown>) => {
      if (!(key in reply)) return;
      child.off('message', onMessage);
      resolve(reply as T);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`subscriber process exited with ${code}`)));
    child.send(message);
  });
}

/** Forks the client processes and subscribes `filters` (spread over them); resolves when all are live. */
async function subscribe(filters: Array<string | null>): Promise<ChildProcess[]> {
  const children = Array.from({ length: PROCESSES }, () => fork('bench/fanout-client.ts', [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  await Promise.all(children.map((child, index) => ask(child, { start: { url: gateway.url, authorization, filters: filters.filter((_, at) => at % PROCESSES === index) } }, 'subscribed')));
  return children;
}

interface Report {
  counts: number[];
  latencies: number[];
  closedEarly: number;
}
const collect = async (children: ChildProcess[]) => {
  const reports = await Promise.all(children.map((child) => ask<Report>(child, { report: true }, 'counts')));
  // Process p holds subscribers p, p + PROCESSES, …: back to the order of `filters`.
  const counts: number[] = [];
  reports.forEach((report, process) => report.counts.forEach((count, k) => (counts[process + k * PROCESSES] = count)));
  return { counts, latencies: reports.flatMap((report) => report.latencies), closedEarly: reports.reduce((sum, report) => sum + report.closedEarly, 0) };
};
const stopAll = (children: ChildProcess[]) => Promise.all(children.map((child) => new Promise((done) => (child.once('exit', done), child.send({ stop: true })))));

/** updateCustomer at `rate`/s for `seconds` on `targets` (round-robin); latencies and errors. */
async function mutate(targets: string[], rate: number, seconds: number) {
  const latencies: number[] = [];
  let errors = 0;
  await runPaced(rate * seconds, rate, async (index) => {
    const started = performance.now();
    try {
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: benchHeaders,
        body: JSON.stringify({
          query: 'mutation($id: ID!, $input: UpdateCustomerInput!) { updateCustomer(id: $id, input: $input) { __typename } }',
          variables: { id: targets[index % targets.length], input: { name: `Fanout ${run} ${index}` } },
        }),
      });
      const body = (await response.json()) as { data?: { updateCustomer?: { __typename: string } } };
      if (body.data?.updateCustomer?.__typename !== 'UpdateCustomerSuccess') errors += 1;
    } catch {
      errors += 1;
    }
    latencies.push(performance.now() - started);
  });
  return { latencies, errors };
}

/** Polls the clients until `expected` frames arrived or 30 s passed without progress. */
async function awaitDelivery(children: ChildProcess[], expected: number) {
  let last = -1;
  let since = Date.now();
  for (;;) {
    const report = await collect(children);
    const total = report.counts.reduce((sum, count) => sum + count, 0);
    if (total >= expected || Date.now() - since > 30_000) return report;
    if (total !== last) [last, since] = [total, Date.now()];
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

// Phase 1: the mix.
const filters = [...Array.from({ length: UNFILTERED }, () => null), ...ids.slice(0, filtered)];
const loadAtStart = os.loadavg().map((value) => Math.round(value * 100) / 100);
const connectStarted = performance.now();
const mixClients = await subscribe(filters);
const connectSeconds = (performance.now() - connectStarted) / 1000;
const rssSubscribed = rssMb();
const memorySubscribed = await memoryMb();
const mutations = RATE * SECONDS;
const targets = ids.slice(0, Math.min(filtered, mutations));
const mix = await mutate(targets, RATE, SECONDS);
const expectedPerUnfiltered = mutations - mix.errors;
const expectedTotal = expectedPerUnfiltered * UNFILTERED + Math.min(mutations, filtered) - mix.errors;
const mixReport = await awaitDelivery(mixClients, expectedTotal);
const rssAfter = rssMb();
await stopAll(mixClients);
const delivered = mixReport.counts.reduce((sum, count) => sum + count, 0);
const unfilteredCounts = mixReport.counts.slice(0, UNFILTERED);
const watchedCounts = mixReport.counts.slice(UNFILTERED, UNFILTERED + targets.length);

// Phase 2: the unfiltered ceiling.
const ceilingClients = await subscribe(Array.from({ length: CEILING_SUBSCRIBERS }, () => null));
const ceilingStarted = performance.now();
const ceilingMutations = await mutate(ids.slice(0, 500), CEILING_RATE, 10);
const ceilingReport = await awaitDelivery(ceilingClients, (CEILING_RATE * 10 - ceilingMutations.errors) * CEILING_SUBSCRIBERS);
const ceilingSeconds = (performance.now() - ceilingStarted) / 1000;
const ceilingFrames = ceilingReport.counts.reduce((sum, count) => sum + count, 0);
const ceilingRss = rssMb();
await stopAll(ceilingClients);
await gateway.stop();

const report = {
  benchmark: 'fanout',
  mix: {
    subscribers: SUBSCRIBERS,
    unfiltered: UNFILTERED,
    client_processes: PROCESSES,
    connect_seconds: Math.round(connectSeconds * 10) / 10,
    mutations,
    mutations_per_second: RATE,
    events_expected: expectedTotal,
    events_delivered: delivered,
    every_event_delivered: delivered === expectedTotal,
    events_per_unfiltered_client: { expected: expectedPerUnfiltered, min: Math.min(...unfilteredCounts), max: Math.max(...unfilteredCounts) },
    events_per_updated_customer_client: { expected: 1, min: Math.min(...watchedCounts), max: Math.max(...watchedCounts) },
    subscribers_closed_early: mixReport.closedEarly,
    delivery_p50_ms: percentile(mixReport.latencies, 50),
    delivery_p99_ms: percentile(mixReport.latencies, 99),
    delivery_max_ms: percentile(mixReport.latencies, 100),
    gateway_rss_mb_subscribed: rssSubscribed,
    gateway_rss_mb_after: rssAfter,
    gateway_memory_mb_subscribed: memorySubscribed,
    mutation_p99_ms: Math.round(percentile(mix.latencies, 99)),
    mutation_errors: mix.errors,
  },
  ceiling_unfiltered: {
    subscribers: CEILING_SUBSCRIBERS,
    mutations: CEILING_RATE * 10,
    frames_expected: (CEILING_RATE * 10 - ceilingMutations.errors) * CEILING_SUBSCRIBERS,
    frames_delivered: ceilingFrames,
    frames_per_second: Math.round(ceilingFrames / ceilingSeconds),
    delivery_p50_ms: percentile(ceilingReport.latencies, 50),
    delivery_p99_ms: percentile(ceilingReport.latencies, 99),
    mutation_p99_ms: Math.round(percentile(ceilingMutations.latencies, 99)),
    mutation_errors: ceilingMutations.errors,
    gateway_rss_mb: ceilingRss,
  },
  cores: os.cpus().length,
  load_average_at_start: loadAtStart,
  load_average: os.loadavg().map((value) => Math.round(value * 100) / 100),
};
const json = JSON.stringify(report, null, 2);
console.log(json);
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/fanout.json', `${json}\n`);
await writeFile('bench/results/fanout.svg', latencyChartSvg({ mix: mixReport.latencies, ceiling_unfiltered: ceilingReport.latencies }, 'syncEvents delivery latency (cumulative share of frames)'));
process.exitCode = report.mix.every_event_delivered && mix.errors === 0 ? 0 : 1;
