import net from 'node:net';
import tls from 'node:tls';
import { Kafka, logLevel, Partitioners, type Consumer, type ISocketFactory, type LogEntry, type Producer } from 'kafkajs';
import { getLogger } from '../logger.js';
import type { ConsumerLag, IncomingMessage, MessageBus, SubscribeOptions, Subscription, TopicSpec } from './bus.js';
import { explainKafkaError, kafkajsSecurityOptions, type KafkaCredentials } from './kafka-credentials.js';

export interface KafkaBusConfig {
  brokers: string[];
  clientId: string;
  /** TLS and SASL (kafkaCredentialsFrom(config)); none: plaintext, as the local stack's port 9092. */
  credentials?: KafkaCredentials;
}

const log = getLogger('kafka');

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** kafkajs logs routed to pino; its per-request ERROR lines during broker restarts are debug noise. */
function logCreator() {
  return ({ level, log: entry }: LogEntry) => {
    const { message, ...extra } = entry;
    // Bounded retries are deliberate: the outbox relay wants a publish to fail within seconds and
    // retries the whole batch itself, so the idempotent producer's warning about them is noise.
    if (message.startsWith('Limiting retries for the idempotent producer')) return;
    // kafkajs logs every failed attempt it is about to retry as ERROR; what finally fails reaches
    // our code as an exception and is logged there, with context.
    const pinoLevel = level === logLevel.ERROR ? 'warn' : (LEVELS[level] ?? 'info');
    log[pinoLevel]({ ...extra, timestamp: undefined }, message);
  };
}

function headersOf(raw: Record<string, unknown> | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    if (value !== undefined) headers[name] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
  return headers;
}

/**
 * kafkajs's default socket leaves Nagle's algorithm on, which with delayed ACKs adds ~40 ms to some
 * small produce and fetch requests: fatal to millisecond publish latency. Same as its default
 * otherwise: plain TCP, or TLS (with SNI for host names) when the client has `ssl` options.
 */
const noDelaySocketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
  const socket = ssl
    ? tls.connect({ host, port, ...(net.isIP(host) ? {} : { servername: host }), ...ssl }, onConnect)
    : net.connect({ host, port }, onConnect);
  socket.setNoDelay(true);
  socket.setKeepAlive(true, 60_000);
  return socket;
};

/** About a minute of retries, one a second once backed off: a broker restart takes a few seconds. */
const CONSUMER_CONNECTION_RETRY = { initialRetryTime: 100, maxRetryTime: 1_000, retries: 60 };
/**
 * How long stop() and close() wait for a consumer to leave its group. While the broker is down,
 * kafkajs finishes its connection retries (up to about a minute) before a disconnect completes, and
 * it cannot be interrupted; stopping must not hang on that, so the rest finishes in the background.
 */
const DISCONNECT_WAIT_MS = 5_000;
/** Backoff between attempts to replace a consumer kafkajs gave up on (see onCrash in subscribe). */
const REPLACEMENT_RETRY = { initialMs: 500, maxMs: 5_000 };

async function disconnectWithin(consumer: Consumer, groupId: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), DISCONNECT_WAIT_MS)));
  const outcome = await Promise.race([consumer.disconnect().then(() => 'done' as const, () => 'done' as const), waited]);
  clearTimeout(timer);
  if (outcome === 'timeout') log.warn({ groupId, waitedMs: DISCONNECT_WAIT_MS }, 'consumer still disconnecting (broker unreachable); finishing in the background');
}

export function createKafkaBus(config: KafkaBusConfig): MessageBus {
  const security = kafkajsSecurityOptions(config.credentials);
  const explain = (error: unknown) => explainKafkaError(error, config.credentials, config.brokers);
  const kafka = new Kafka({
    ...security,
    clientId: config.clientId,
    brokers: config.brokers,
    logLevel: logLevel.WARN,
    logCreator,
    retry: { initialRetryTime: 100, maxRetryTime: 2_000, retries: 5 },
    connectionTimeout: 3_000,
    socketFactory: noDelaySocketFactory,
  });
  // Consumers get a client of their own whose connection-level retries outlast a broker restart.
  // With the short retries above, kafkajs gives up on ECONNREFUSED after ~5 s
  // (KafkaJSNumberOfRetriesExceeded), "crashes" the consumer and restarts it as a new group member.
  // The restarted broker reloads the group with the old member in it, so the new member's join
  // waits until that member's session (10 s) expires: resume took 10-15 s after the broker was back.
  // A consumer that keeps retrying instead keeps its member id and rejoins at once (0.4-0.8 s
  // measured, bench/kafka-restart.ts). An outage longer than CONSUMER_CONNECTION_RETRY still ends
  // in a crash and a restart as a new member.
  const consumerKafka = new Kafka({
    ...security,
    clientId: config.clientId,
    brokers: config.brokers,
    logLevel: logLevel.WARN,
    logCreator,
    retry: CONSUMER_CONNECTION_RETRY,
    connectionTimeout: 3_000,
    socketFactory: noDelaySocketFactory,
  });
  const admin = kafka.admin();
  let producer: Producer | undefined;
  let producerReady: Promise<Producer> | undefined;
  const consumers = new Map<Consumer, string>();

  function getProducer(): Promise<Producer> {
    producerReady ??= (async () => {
      const created = kafka.producer({
        idempotent: true, // with one request in flight, retries can neither duplicate nor reorder
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 3 },
      });
      try {
        await created.connect();
      } catch (error) {
        producerReady = undefined;
        throw explain(error);
      }
      producer = created;
      return created;
    })();
    return producerReady;
  }

  let adminConnected = false;
  async function withAdmin<T>(work: () => Promise<T>): Promise<T> {
    if (!adminConnected) {
      await admin.connect().catch((error: unknown) => Promise.reject(explain(error)));
      adminConnected = true;
    }
    return work();
  }

  return {
    async ensureTopics(topics: TopicSpec[]) {
      await withAdmin(async () => {
        const existing = new Set(await admin.listTopics());
        const missing = topics.filter((topic) => !existing.has(topic.name));
        if (missing.length === 0) return;
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((topic) => ({
            topic: topic.name,
            numPartitions: topic.partitions,
            configEntries: Object.entries(topic.configs ?? {}).map(([name, value]) => ({ name, value })),
          })),
        });
      });
    },

    async publish(topic, messages) {
      if (messages.length === 0) return;
      const ready = await getProducer();
      await ready.send({ topic, acks: -1, messages });
    },

    async publishMany(batches) {
      const topicMessages = batches.filter((batch) => batch.messages.length > 0);
      if (topicMessages.length === 0) return;
      const ready = await getProducer();
      await ready.sendBatch({ acks: -1, topicMessages });
    },

    async subscribe(options: SubscribeOptions): Promise<Subscription> {
      // kafkajs has no manual assignment; a group with no members yet takes committed offsets,
      // so seeking by time is: find each partition's offset for the time, commit it, then join.
      async function seekGroupToTime(groupId: string, topics: string[], timestamp: number): Promise<void> {
        await withAdmin(async () => {
          for (const topic of topics) {
            const partitions = await admin.fetchTopicOffsetsByTimestamp(topic, timestamp);
            await admin.setOffsets({ groupId, topic, partitions });
          }
        });
      }

      const { groupId } = options;
      if (options.startAtTimestamp !== undefined) await seekGroupToTime(groupId, options.topics, options.startAtTimestamp);
      let stopped = false;
      let replacementTimer: NodeJS.Timeout | undefined;

      async function startConsumer(): Promise<Consumer> {
        const consumer = consumerKafka.consumer({
          groupId,
          sessionTimeout: 10_000,
          heartbeatInterval: 1_000,
          maxWaitTimeInMs: 100, // the broker answers a fetch within 100 ms even when few bytes wait
          retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: Number.MAX_SAFE_INTEGER },
        });
        consumers.set(consumer, groupId);
        consumer.on(consumer.events.CRASH, ({ payload }) => onCrash(consumer, payload.error, payload.restart));
        try {
          await consumer.connect();
          await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning ?? true });
          await consumer.run({
            partitionsConsumedConcurrently: options.concurrency ?? 1,
            eachMessage: async ({ topic, partition, message }) => {
              const incoming: IncomingMessage = {
                topic,
                partition,
                offset: message.offset,
                key: message.key ? message.key.toString('utf8') : null,
                value: message.value ? message.value.toString('utf8') : '',
                headers: headersOf(message.headers),
                timestamp: Number(message.timestamp),
              };
              await options.handler(incoming);
            },
          });
        } catch (error) {
          consumers.delete(consumer);
          await disconnectWithin(consumer, groupId);
          throw explain(error);
        }
        return consumer;
      }

      // kafkajs restarts a crashed consumer only when it deems the error retriable. Some errors a
      // broker restart produces are not (KafkaJSGroupCoordinatorNotFound while the restarted broker
      // still loads its group metadata, KafkaJSTimeout, a handler's error marked non-retriable): the
      // consumer then stops for good, silently, and sync with it. A sync consumer must never stop
      // while its process runs, so such a crash is answered by a new consumer in the same group.
      function onCrash(consumer: Consumer, error: Error, restart: boolean): void {
        const context = { groupId, err: error, errorName: error.name };
        if (restart) {
          log.warn(context, 'consumer crashed; kafkajs restarts it');
          return;
        }
        if (stopped || !consumers.has(consumer)) return;
        log.error(context, 'consumer crashed on an error kafkajs does not retry; starting a new consumer in its place');
        consumers.delete(consumer);
        replace(REPLACEMENT_RETRY.initialMs); // kafkajs disconnected the crashed one before emitting CRASH
      }

      function replace(delayMs: number): void {
        replacementTimer = setTimeout(() => {
          void (async () => {
            if (stopped) return;
            try {
              current = await startConsumer();
              if (stopped) await disconnectWithin(current, groupId);
              else log.info({ groupId }, 'replacement consumer running');
            } catch (error) {
              log.warn({ groupId, err: error, retryInMs: delayMs }, 'could not start a replacement consumer yet; retrying');
              replace(Math.min(delayMs * 2, REPLACEMENT_RETRY.maxMs));
            }
          })();
        }, delayMs);
      }

      let current = await startConsumer();
      return {
        async stop() {
          stopped = true;
          clearTimeout(replacementTimer);
          consumers.delete(current);
          await disconnectWithin(current, groupId);
        },
      };
    },

    async consumerLag(groupId, topics) {
      return withAdmin(async () => {
        const lags: ConsumerLag[] = [];
        const committed = await admin.fetchOffsets({ groupId, topics });
        for (const { topic, partitions } of committed) {
          const ends = new Map((await admin.fetchTopicOffsets(topic)).map((end) => [end.partition, Number(end.high)]));
          for (const { partition, offset } of partitions) {
            const end = ends.get(partition) ?? 0;
            // -1: nothing committed yet; the group starts from the beginning, so all is lag.
            const at = Number(offset) < 0 ? 0 : Number(offset);
            lags.push({ topic, partition, lag: Math.max(end - at, 0) });
          }
        }
        return lags;
      });
    },

    async ping() {
      try {
        await withAdmin(() => admin.describeCluster());
        return true;
      } catch {
        return false;
      }
    },

    async close() {
      await Promise.allSettled([...consumers].map(([consumer, groupId]) => disconnectWithin(consumer, groupId)));
      consumers.clear();
      if (producer) await producer.disconnect().catch(() => undefined);
      producer = undefined;
      producerReady = undefined;
      if (adminConnected) await admin.disconnect().catch(() => undefined);
      adminConnected = false;
    },
  };
}
