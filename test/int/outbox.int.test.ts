import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseChangeEnvelope, type ChangeEnvelope } from '../../core/events/envelope.js';
import type { IncomingMessage } from '../../core/kafka/bus.js';
import { CreateCustomer, DeleteCustomer, UpdateCustomer } from '../graphql/operations.js';
import { startTestGateway } from '../support/gateway.js';
import { data } from '../support/graphql-client.js';
import { readUntil, testBus } from '../support/kafka.js';
import { restartStack, stopService } from '../support/outage.js';
import { uniqueName } from '../support/stack.js';

const bus = testBus();
afterAll(() => bus.close());

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;

async function createCustomer(gateway: Gateway, label = 'outbox') {
  const result = await data(gateway.url, CreateCustomer, { input: { email: `${uniqueName(label)}@example.com`, name: 'Start' } });
  if (result.createCustomer.__typename !== 'CreateCustomerSuccess') throw new Error(result.createCustomer.__typename);
  return result.createCustomer.customer;
}

async function rename(gateway: Gateway, id: string, name: string) {
  const result = await data(gateway.url, UpdateCustomer, { id, input: { name } });
  if (result.updateCustomer.__typename !== 'UpdateCustomerSuccess') throw new Error(result.updateCustomer.__typename);
  return result.updateCustomer.customer;
}

const envelopes = (messages: IncomingMessage[]) => messages.map((message) => ({ message, envelope: parseChangeEnvelope(message.value) }));

/** Asserts that, per key, versions only go up, and a repeated version is the same event re-sent. */
function expectInOrderPerCustomer(events: Array<{ envelope: ChangeEnvelope }>) {
  const last = new Map<string, ChangeEnvelope>();
  for (const { envelope } of events) {
    const previous = last.get(envelope.entityId);
    if (previous) {
      if (envelope.version === previous.version) expect(envelope.id).toBe(previous.id);
      else expect(envelope.version).toBeGreaterThan(previous.version);
    }
    last.set(envelope.entityId, envelope);
  }
}

describe('transactional outbox to Kafka', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(() => gateway.stop());

  it('publishes one event per mutation, keyed by customer id, with version and full snapshot', async () => {
    const created = await createCustomer(gateway);
    const updated = await rename(gateway, created.id, 'Renamed');
    const deleted = await data(gateway.url, DeleteCustomer, { id: created.id });
    expect(deleted.deleteCustomer.__typename).toBe('DeleteCustomerSuccess');

    const topic = gateway.config.TOPIC_CATALOG_CHANGES;
    const events = envelopes(await readUntil(bus, topic, (messages) => messages.length >= 3));
    expect(events.map(({ message }) => message.key)).toEqual([created.id, created.id, created.id]);
    expect(events.map(({ envelope }) => [envelope.type, envelope.version, envelope.origin])).toEqual([
      ['customer.created', 1, 'local'],
      ['customer.updated', 2, 'local'],
      ['customer.deleted', 3, 'local'],
    ]);
    const [onCreate, onUpdate, onDelete] = events.map(({ envelope }) => envelope);
    expect(onCreate!.data).toMatchObject({ id: created.id, email: created.email, name: 'Start', version: 1, deletedAt: null });
    expect(onUpdate!.data).toMatchObject({ name: 'Renamed', version: 2, updatedAt: updated.updatedAt });
    expect(onDelete!.data).toMatchObject({ email: created.email, version: 3 });
    expect(onDelete!.data.deletedAt).toEqual(expect.any(String));
    expect(events[0]!.message.headers['event-id']).toBe(onCreate!.id);
    expect(new Set(events.map(({ envelope }) => envelope.id)).size).toBe(3);
  });

  it('keeps accepting mutations while Kafka is down and publishes all of them, in order, once it is back', async () => {
    const customers = [await createCustomer(gateway, 'outage'), await createCustomer(gateway, 'outage')];
    await stopService('kafka');
    let expectedPerCustomer: Record<string, number>;
    try {
      for (let round = 1; round <= 5; round += 1) {
        for (const customer of customers) await rename(gateway, customer.id, `Round ${round}`);
      }
      expectedPerCustomer = Object.fromEntries(customers.map((customer) => [customer.id, 6]));
    } finally {
      await restartStack();
    }

    const topic = gateway.config.TOPIC_CATALOG_CHANGES;
    const lastVersion = (events: ReturnType<typeof envelopes>, id: string) =>
      Math.max(0, ...events.filter(({ envelope }) => envelope.entityId === id).map(({ envelope }) => envelope.version));
    const events = envelopes(
      await readUntil(bus, topic, (messages) => {
        const parsed = envelopes(messages);
        return customers.every((customer) => lastVersion(parsed, customer.id) === expectedPerCustomer[customer.id]);
      }, 60_000),
    );
    for (const customer of customers) {
      const versions = events.filter(({ envelope }) => envelope.entityId === customer.id).map(({ envelope }) => envelope.version);
      expect(new Set(versions)).toEqual(new Set([1, 2, 3, 4, 5, 6]));
    }
    expectInOrderPerCustomer(events);
  }, 120_000); // stopping and restarting the broker is part of the test's time
});

describe('two gateway instances sharing one database', () => {
  it('never reorder one customer\'s events, and any duplicate carries the same event id', async () => {
    const first = await startTestGateway();
    const second = await startTestGateway({ TOPIC_CATALOG_CHANGES: first.config.TOPIC_CATALOG_CHANGES });
    try {
      const customers = await Promise.all([createCustomer(first, 'pair'), createCustomer(second, 'pair'), createCustomer(first, 'pair')]);
      // Each customer is updated through both instances alternately, customers in parallel.
      await Promise.all(
        customers.map(async (customer) => {
          for (let round = 0; round < 8; round += 1) await rename(round % 2 === 0 ? first : second, customer.id, `R${round}`);
        }),
      );
      const topic = first.config.TOPIC_CATALOG_CHANGES;
      const events = envelopes(
        await readUntil(bus, topic, (messages) => {
          const parsed = envelopes(messages);
          return customers.every((customer) => parsed.some(({ envelope }) => envelope.entityId === customer.id && envelope.version === 9));
        }),
      );
      expectInOrderPerCustomer(events);
      for (const customer of customers) {
        const versions = events.filter(({ envelope }) => envelope.entityId === customer.id).map(({ envelope }) => envelope.version);
        expect([...new Set(versions)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      }
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });
});
