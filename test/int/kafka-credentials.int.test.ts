import { afterAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../core/config/parse-env.js';
import { sharedEnv } from '../../core/config/shared-env.js';
import { parseChangeEnvelope } from '../../core/events/envelope.js';
import type { MessageBus } from '../../core/kafka/bus.js';
import { KafkaAuthenticationError, kafkaCredentialsFrom } from '../../core/kafka/kafka-credentials.js';
import { createKafkaBus } from '../../core/kafka/kafkajs-bus.js';
import { CreateCustomer } from '../graphql/operations.js';
import { startTestGateway } from '../support/gateway.js';
import { data } from '../support/graphql-client.js';
import { readUntil } from '../support/kafka.js';
import { kafkaSaslTestUsers, testStack, uniqueName } from '../support/stack.js';

// The broker's SASL_PLAINTEXT listener (scripts/stack.sh) accepts only authenticated clients; the
// buses here are configured from the environment variables a user would set.

const buses: MessageBus[] = [];
afterAll(() => Promise.all(buses.map((bus) => bus.close())));

function saslEnv(mechanism: string, user: { username: string; password: string }) {
  return {
    KAFKA_BROKERS: testStack.kafkaSaslBrokers.join(','),
    KAFKA_SASL_MECHANISM: mechanism,
    KAFKA_SASL_USERNAME: user.username,
    KAFKA_SASL_PASSWORD: user.password,
  };
}

function busFrom(env: Record<string, string>): MessageBus {
  const config = parseEnv(sharedEnv, env);
  const bus = createKafkaBus({ brokers: config.KAFKA_BROKERS, clientId: uniqueName('test-sasl'), credentials: kafkaCredentialsFrom(config) });
  buses.push(bus);
  return bus;
}

const mechanisms = [
  { mechanism: 'plain', user: kafkaSaslTestUsers.plain },
  { mechanism: 'scram-sha-256', user: kafkaSaslTestUsers.scram },
  { mechanism: 'scram-sha-512', user: kafkaSaslTestUsers.scram },
] as const;

describe('Kafka credentials against the SASL listener', () => {
  it.each(mechanisms)('$mechanism: creates a topic, publishes and consumes', async ({ mechanism, user }) => {
    const bus = busFrom(saslEnv(mechanism, user));
    const topic = uniqueName(`test.sasl.${mechanism}`);
    await bus.ensureTopics([{ name: topic, partitions: 2 }]);
    await bus.publish(topic, [
      { key: 'a', value: `${mechanism}-1` },
      { key: 'a', value: `${mechanism}-2` },
    ]);

    const received = await readUntil(bus, topic, (messages) => messages.length === 2);

    expect(received.map((message) => message.value)).toEqual([`${mechanism}-1`, `${mechanism}-2`]);
  });

  it.each(mechanisms)('$mechanism: a wrong password is refused with an error naming the user, not the password', async ({ mechanism, user }) => {
    const wrongPassword = `not-${user.password}`;
    const bus = busFrom(saslEnv(mechanism, { username: user.username, password: wrongPassword }));

    const attempt = bus.ensureTopics([{ name: uniqueName('test.sasl.refused'), partitions: 1 }]);

    await expect(attempt).rejects.toBeInstanceOf(KafkaAuthenticationError);
    const error = (await attempt.catch((caught: unknown) => caught)) as KafkaAuthenticationError;
    expect(error.message).toContain(`refused the SASL ${mechanism.toUpperCase()} credentials of user "${user.username}"`);
    expect(error.message).toContain('KAFKA_SASL_PASSWORD');
    expect(error.message).not.toContain(wrongPassword);
    // Publishing and subscribing are refused the same way.
    await expect(bus.publish('any', [{ key: 'k', value: 'v' }])).rejects.toBeInstanceOf(KafkaAuthenticationError);
    await expect(bus.subscribe({ groupId: uniqueName('test-refused'), topics: ['any'], handler: async () => undefined })).rejects.toBeInstanceOf(KafkaAuthenticationError);
  });

  it('a gateway configured with SCRAM-SHA-512 publishes its outbox through the SASL listener', async () => {
    const env = saslEnv('scram-sha-512', kafkaSaslTestUsers.scram);
    const gateway = await startTestGateway(env);
    try {
      const reader = busFrom(env);
      const email = `${uniqueName('sasl')}@example.com`;
      const created = await data(gateway.url, CreateCustomer, { input: { email, name: 'Over SASL' } });
      if (created.createCustomer.__typename !== 'CreateCustomerSuccess') throw new Error(created.createCustomer.__typename);
      const id = created.createCustomer.customer.id;

      const messages = await readUntil(reader, gateway.config.TOPIC_CATALOG_CHANGES, (all) => all.some((message) => message.key === id));

      const envelope = parseChangeEnvelope(messages.find((message) => message.key === id)!.value);
      expect(envelope.type).toBe('customer.created');
      expect(envelope.entityId).toBe(id);
    } finally {
      await gateway.stop();
    }
  });
});
