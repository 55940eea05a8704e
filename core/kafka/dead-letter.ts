import { metrics } from '../metrics/metrics.js';
import type { IncomingMessage, MessageBus } from './bus.js';

/**
 * Sends a message that cannot be processed to the dead-letter topic, unchanged, with why in its
 * headers; it can be replayed by producing its value back to `dlq-source-topic`. If this publish
 * fails the error propagates, so the message is redelivered rather than lost.
 */
export async function deadLetter(
  bus: MessageBus,
  topic: string,
  message: IncomingMessage,
  reason: { integration: string; error: string; attempts: number },
): Promise<void> {
  await bus.publish(topic, [
    {
      key: message.key ?? '',
      value: message.value,
      headers: {
        ...message.headers,
        'dlq-source-topic': message.topic,
        'dlq-source-partition': String(message.partition),
        'dlq-source-offset': message.offset,
        'dlq-integration': reason.integration,
        'dlq-error': reason.error.slice(0, 1_000),
        'dlq-attempts': String(reason.attempts),
        'dlq-at': new Date().toISOString(),
      },
    },
  ]);
  metrics.deadLetters.inc({ integration: reason.integration });
}
