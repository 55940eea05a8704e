import { getLogger } from '../logger.js';
import type { MessageBus, SubscribeOptions, Subscription, TopicSpec } from './bus.js';

const log = getLogger('kafka.subscribe');

/**
 * Short: a failed attempt already spends seconds in the client's own connection retries, and a
 * longer pause would add up to its length to the time a process needs once Kafka is back.
 */
const MAX_RETRY_DELAY_MS = 2_000;

/**
 * Creates the topics (if missing) and subscribes, retrying in the background until the broker
 * answers: a process starts, and serves what it can, while Kafka is still down. The returned
 * subscription stops the retries or the running consumer.
 */
export function subscribeWhenReady(bus: MessageBus, topics: TopicSpec[], options: SubscribeOptions): Subscription & { ready: Promise<void> } {
  let stopped = false;
  let active: Subscription | undefined;
  let timer: NodeJS.Timeout | undefined;

  const ready = new Promise<void>((resolve) => {
    const attempt = async (delayMs: number): Promise<void> => {
      if (stopped) return;
      try {
        await bus.ensureTopics(topics);
        const subscription = await bus.subscribe(options);
        if (stopped) await subscription.stop();
        else active = subscription;
        resolve();
      } catch (error) {
        log.warn({ err: error, groupId: options.groupId, retryInMs: delayMs }, 'could not subscribe yet; retrying');
        timer = setTimeout(() => void attempt(Math.min(delayMs * 2, MAX_RETRY_DELAY_MS)), delayMs);
      }
    };
    void attempt(500);
  });

  return {
    ready,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await active?.stop();
    },
  };
}
