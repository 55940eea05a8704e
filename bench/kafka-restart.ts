// npm run bench:kafka-restart: restarts the Kafka broker of this stack (STACK_PORT_OFFSET) N times
// (BENCH_RESTARTS, default 5) and prints, as JSON lines, how long after the broker was reachable
// again a long-lived consumer and a long-lived producer (both through core/kafka, as the processes
// use it) worked again. One summary line follows.
//
// "Reachable" is when a brand-new client first gets an answer to a metadata request, so the figures
// are the time our reconnect logic adds, not the broker's own start-up. The consumer's figure is the
// first probe message (produced by a fresh client after the restart) that it receives.
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import type { MessageBus } from '../core/kafka/bus.js';
import { createKafkaBus } from '../core/kafka/kafkajs-bus.js';
import { subscribeWhenReady } from '../core/kafka/subscribe-when-ready.js';
import { setLogLevel } from '../core/logger.js';
import { testStack } from '../test/support/stack.js';
import { percentile } from './stats.js';

const RESTARTS = Number(process.env.BENCH_RESTARTS ?? 5);
/** How long the broker stays down: long enough for every client to see connections refused. */
const DOWN_MS = Number(process.env.BENCH_DOWN_MS ?? 3_000);
const GIVE_UP_MS = 90_000;
const run = Date.now().toString(36);
const topic = `bench.kafka-restart.${run}`;
const brokers = testStack.kafkaBrokers;
const runScript = promisify(execFile);

setLogLevel(process.env.LOG_LEVEL ?? 'error');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => performance.now();

async function portOpen(): Promise<boolean> {
  const [host, port] = brokers[0]!.split(':');
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(port) }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Time at which a fresh client first got a metadata answer. */
async function waitReachable(): Promise<number> {
  const deadline = now() + GIVE_UP_MS;
  while (now() < deadline) {
    if (await portOpen()) {
      const fresh = createKafkaBus({ brokers, clientId: `bench-probe-${run}` });
      const ok = await fresh.ping();
      await fresh.close();
      if (ok) return now();
    }
    await sleep(50);
  }
  throw new Error('the broker did not come back');
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([work, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)))]);
  clearTimeout(timer);
  return result;
}

/** Publishes through the long-lived producer until one publish succeeds; returns when it did. */
async function producerResumed(producer: MessageBus, round: number): Promise<number> {
  const deadline = now() + GIVE_UP_MS;
  while (now() < deadline) {
    const outcome = await withTimeout(
      producer.publish(topic, [{ key: `producer-${round}`, value: JSON.stringify({ round, kind: 'producer' }) }]).then(() => 'ok' as const, () => 'failed' as const),
      5_000,
    );
    if (outcome === 'ok') return now();
    await sleep(100);
  }
  throw new Error('the producer did not resume');
}

const consumerBus = createKafkaBus({ brokers, clientId: `bench-consumer-${run}` });
const producerBus = createKafkaBus({ brokers, clientId: `bench-producer-${run}` });
let currentRound = -1;
let roundReceived: ((at: number) => void) | undefined;
const subscription = subscribeWhenReady(consumerBus, [{ name: topic, partitions: 3 }], {
  groupId: `bench-kafka-restart-${run}`,
  topics: [topic],
  fromBeginning: false,
  concurrency: 3,
  handler: async (message) => {
    const body = JSON.parse(message.value) as { round: number; kind: string };
    if (body.kind === 'probe' && body.round === currentRound) roundReceived?.(now());
  },
});
await subscription.ready;
await producerBus.publish(topic, [{ key: 'warm-up', value: JSON.stringify({ round: -1, kind: 'warm-up' }) }]);
await sleep(2_000);

const results: { round: number; down_ms: number; broker_start_ms: number; consumer_resume_ms: number; producer_resume_ms: number }[] = [];
for (let round = 0; round < RESTARTS; round += 1) {
  currentRound = round;
  const consumed = new Promise<number>((resolve) => (roundReceived = resolve));
  const stoppedAt = now();
  await runScript('bash', ['scripts/stack.sh', 'stop', 'kafka']);
  await sleep(DOWN_MS);
  const startAt = now();
  const started = runScript('bash', ['scripts/stack.sh', 'up'], { timeout: 120_000 });
  const reachableAt = await waitReachable();
  await started;

  // Probes from a fresh client (no reconnection state of its own), every 100 ms until consumed.
  const prober = createKafkaBus({ brokers, clientId: `bench-prober-${run}` });
  let probing = true;
  const probesDone = (async () => {
    while (probing) {
      await prober.publish(topic, [{ key: `probe-${round}-${Math.random()}`, value: JSON.stringify({ round, kind: 'probe' }) }]).catch(() => undefined);
      await sleep(100);
    }
  })();
  const [consumerAt, producerAt] = await Promise.all([withTimeout(consumed, GIVE_UP_MS), producerResumed(producerBus, round)]);
  probing = false;
  await probesDone;
  await prober.close();
  if (consumerAt === 'timeout') throw new Error(`round ${round}: the consumer did not resume within ${GIVE_UP_MS} ms`);
  const result = {
    round,
    down_ms: Math.round(startAt - stoppedAt),
    broker_start_ms: Math.round(reachableAt - startAt),
    consumer_resume_ms: Math.round(consumerAt - reachableAt),
    producer_resume_ms: Math.round(producerAt - reachableAt),
  };
  results.push(result);
  console.log(JSON.stringify(result));
  await sleep(1_000);
}

const consumerTimes = results.map((result) => result.consumer_resume_ms);
const producerTimes = results.map((result) => result.producer_resume_ms);
console.log(
  JSON.stringify({
    restarts: results.length,
    consumer_resume_max_ms: Math.max(...consumerTimes),
    consumer_resume_p50_ms: percentile(consumerTimes, 50),
    producer_resume_max_ms: Math.max(...producerTimes),
    producer_resume_p50_ms: percentile(producerTimes, 50),
  }),
);
await subscription.stop();
await Promise.all([consumerBus.close(), producerBus.close()]);
// kafkajs can leave a timer of a client that went through restarts behind; the figures are out.
process.exit(0);
