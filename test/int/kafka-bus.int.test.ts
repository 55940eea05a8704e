import { afterAll, describe, expect, it } from 'vitest';
import { createKafkaBus } from '../../core/kafka/kafkajs-bus.js';
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

  it('answers ping while the broker is up', async () => {
    expect(await bus.ping()).toBe(true);
  });
});
