import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseChangeEnvelope } from '../../core/events/envelope.js';
import { TOPIC_MAX_MESSAGE_BYTES } from '../../core/kafka/limits.js';
import { CreateCustomer, UpdateCustomer } from '../graphql/operations.js';
import { startTestGateway } from '../support/gateway.js';
import { data } from '../support/graphql-client.js';
import { readUntil, testBus } from '../support/kafka.js';
import { restartStack, stopService } from '../support/outage.js';
import { uniqueName } from '../support/stack.js';

// A backlog of large events (queued while Kafka is down) must leave in batches the broker accepts
// (all of one customer's events go to one partition, and the broker refuses a record batch over the
// topic's max.message.bytes for ever). These 40 events exceed the relay's byte budget per batch, so
// they take several batches, and must still arrive complete and in order.

const UPDATES = 40;
const bus = testBus();
let gateway: Awaited<ReturnType<typeof startTestGateway>>;

beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(async () => {
  await gateway?.stop();
  await bus.close();
});

/** Metadata near the input limit (8,192 characters) in 3-byte UTF-8 characters: about 24 KB. */
function largeMetadata(revision: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: 16 }, (_, index) => [`k${index}`, `${revision}:`.padEnd(500, '€')]));
}

describe('outbox relay batches bounded by bytes', () => {
  it('publishes 40 large updates of one customer queued during a Kafka outage, all in order', async () => {
    const created = await data(gateway.url, CreateCustomer, { input: { email: `${uniqueName('large')}@example.com` } });
    if (created.createCustomer.__typename !== 'CreateCustomerSuccess') throw new Error(created.createCustomer.__typename);
    const id = created.createCustomer.customer.id;

    await stopService('kafka');
    try {
      for (let revision = 1; revision <= UPDATES; revision += 1) {
        const updated = await data(gateway.url, UpdateCustomer, { id, input: { metadata: largeMetadata(revision) } });
        expect(updated.updateCustomer.__typename).toBe('UpdateCustomerSuccess');
      }
    } finally {
      await restartStack();
    }

    const topic = gateway.config.TOPIC_CATALOG_CHANGES;
    const messages = await readUntil(bus, topic, (received) => received.filter((message) => message.key === id).length >= UPDATES + 1, 90_000);
    const events = messages.filter((message) => message.key === id);
    const backlogBytes = events.reduce((sum, message) => sum + Buffer.byteLength(message.value), 0);
    expect(backlogBytes).toBeGreaterThan(gateway.config.OUTBOX_BATCH_MAX_BYTES);
    expect(gateway.config.OUTBOX_BATCH_MAX_BYTES).toBeLessThan(TOPIC_MAX_MESSAGE_BYTES);

    const envelopes = events.map((message) => parseChangeEnvelope(message.value));
    expect(envelopes.map((envelope) => envelope.version)).toEqual(Array.from({ length: UPDATES + 1 }, (_, index) => index + 1));
    expect(new Set(envelopes.map((envelope) => envelope.id)).size).toBe(UPDATES + 1);
    expect(envelopes.at(-1)?.data).toMatchObject({ metadata: largeMetadata(UPDATES) });
  }, 180_000);
});
