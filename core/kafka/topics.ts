import type { SharedEnv } from '../config/shared-env.js';
import { getLogger } from '../logger.js';
import type { MessageBus, TopicSpec } from './bus.js';
import { TOPIC_MAX_MESSAGE_BYTES } from './limits.js';

const log = getLogger('kafka.topics');

/**
 * The topics of the system. Changes and inbound changes are keyed by entity and spread over
 * partitions (order per entity, parallel across entities); sync events are a low-volume status
 * stream kept in one partition, so every reader sees them in one total order.
 */
export function systemTopics(config: SharedEnv): TopicSpec[] {
  // The same message limit on every topic, whatever the broker's default: producers' batches are
  // sized against it (core/kafka/limits.ts).
  const configs = { 'max.message.bytes': String(TOPIC_MAX_MESSAGE_BYTES) };
  return [
    { name: config.TOPIC_CATALOG_CHANGES, partitions: config.KAFKA_TOPIC_PARTITIONS, configs },
    { name: config.TOPIC_INTEGRATION_INBOUND, partitions: config.KAFKA_TOPIC_PARTITIONS, configs },
    { name: config.TOPIC_CATALOG_CHANGES_BULK, partitions: config.KAFKA_TOPIC_PARTITIONS, configs },
    { name: config.TOPIC_INTEGRATION_INBOUND_BULK, partitions: config.KAFKA_TOPIC_PARTITIONS, configs },
    { name: config.TOPIC_DEAD_LETTER, partitions: config.KAFKA_TOPIC_PARTITIONS, configs },
    { name: config.TOPIC_SYNC_EVENTS, partitions: 1, configs },
  ];
}

/**
 * Creates the topics, retrying in the background while Kafka is down (a process keeps serving
 * meanwhile). Waits at most `waitMs` for the first success, so that when Kafka is up the topics
 * exist (with their partition counts) before anything publishes to them.
 */
export async function ensureTopicsInBackground(bus: MessageBus, topics: TopicSpec[], waitMs = 5_000): Promise<void> {
  const created = new Promise<void>((resolve) => {
    const attempt = (delay: number): void => {
      bus.ensureTopics(topics).then(resolve, (error: unknown) => {
        log.warn({ err: error, retryInMs: delay }, 'could not create Kafka topics yet');
        setTimeout(() => attempt(Math.min(delay * 2, 5_000)), delay).unref();
      });
    };
    attempt(1_000);
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([created, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
  clearTimeout(timer);
}
