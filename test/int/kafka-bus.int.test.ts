import { afterAll, describe, expect, it } from 'vitest';
import { createKafkaBus } from '../../core/kafka/kafkajs-bus.js';
import type { IncomingMessage } from '../../core/kafka/bus.js';
import { eventually } from '../support/eventually.js';
import { readUntil } from '../support/kafka.js';
import { testStack, uniqueName } from '../support/stack.js';

const bus = createKafkaBus({ brokers: testStack.kafkaBrokers, clientId: 'test-kafka-bus' });
afterAll(() => bus.close());

describe('Kafka bus against the real broker', () => {
  it('delivers keyed messages in order per key, with their headers', async () => {
    const topic = uniqueName('test.bus');
    await bus.ensureTopics([{ name: topic, partitions: 3 }]);
    await bus.publish(topic, [
      { key: 'customer-a', value: 'a1', headers: { 'event-id': 'e1' } },
      { key: 'customer-b', value: 'b1' },
      { key: 'customer-a', value: 'a2' },
      { key: 'customer-a', value: 'a3' },
    ]);

    const received = await readUntil(bus, topic, (messages) => messages.length === 4);

    const forA = received.filter((message) => message.key === 'customer-a');
    expect(forA.map((message) => message.value)).toEqual(['a1', 'a2', 'a3']);
    expect(new Set(forA.map((message) => message.partition)).size).toBe(1);
    expect(forA[0]?.headers['event-id']).toBe('e1');
    expect(received.find((message) => message.key === 'customer-b')?.value).toBe('b1');
  });

  it('keeps consuming after a crash kafkajs would not restart (an error it deems non-retriable)', async () => {
    const topic = uniqueName('test.bus.crash');
    await bus.ensureTopics([{ name: topic, partitions: 1 }]);
    const delivered: IncomingMessage[] = [];
    let crashed = false;
    const subscription = await bus.subscribe({
      groupId: uniqueName('test-bus-crash'),
      topics: [topic],
      handler: async (message) => {
        delivered.push(message);
        if (!crashed) {
          crashed = true;
          // What kafkajs's own non-retriable errors carry (KafkaJSGroupCoordinatorNotFound, …):
          // without the bus's replacement consumer, nothing after this is ever consumed.
          throw Object.assign(new Error('injected non-retriable failure'), { retriable: false });
        }
      },
    });
    try {
      await bus.publish(topic, [{ key: 'k', value: 'first' }]);
      await eventually(async () => (crashed ? true : undefined), 30_000, 'the injected crash');
      await bus.publish(topic, [{ key: 'k', value: 'second' }]);
      await eventually(async () => (delivered.some((message) => message.value === 'second') ? true : undefined), 30_000, 'a message after the crash');
      // The crashed message was not committed, so the replacement consumer gets it again first.
      expect(delivered.map((message) => message.value)).toEqual(['first', 'first', 'second']);
    } finally {
      await subscription.stop();
    }
  }, 90_000);

  it('answers ping while the broker is up', async () => {
    expect(await bus.ping()).toBe(true);
  });
});
