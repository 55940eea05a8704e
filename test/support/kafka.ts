import { createKafkaBus } from '../../core/kafka/kafkajs-bus.js';
import type { IncomingMessage, MessageBus } from '../../core/kafka/bus.js';
import { testStack, uniqueName } from './stack.js';

export function testBus(): MessageBus {
  return createKafkaBus({ brokers: testStack.kafkaBrokers, clientId: uniqueName('test') });
}

/**
 * Reads `topic` from the beginning with a fresh consumer group until `done(messages)` says so,
 * or fails after `timeoutMs` listing what arrived.
 */
export async function readUntil(
  bus: MessageBus,
  topic: string,
  done: (messages: IncomingMessage[]) => boolean,
  timeoutMs = 20_000,
): Promise<IncomingMessage[]> {
  const messages: IncomingMessage[] = [];
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const subscription = await bus.subscribe({
    groupId: uniqueName('test-reader'),
    topics: [topic],
    handler: async (message) => {
      messages.push(message);
      if (done(messages)) finish();
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const outcome = await Promise.race([finished.then(() => 'done' as const), timeout]);
  clearTimeout(timer);
  await subscription.stop();
  if (outcome === 'timeout') {
    throw new Error(`timed out after ${timeoutMs} ms reading ${topic}; got ${messages.length}: ${messages.map((m) => `${m.key}:${m.value.slice(0, 80)}`).join(' | ')}`);
  }
  return messages;
}
