import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../core/db/prisma.js';
import { CreateCustomer } from '../graphql/operations.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway } from '../support/gateway.js';
import { execute } from '../support/graphql-client.js';
import { readUntil, testBus } from '../support/kafka.js';
import { restartStack, stopService } from '../support/outage.js';
import { testStack, uniqueName } from '../support/stack.js';

// A Postgres restart closes every connection, the relay's (and with it the leader lock) included.
// Afterwards mutations must be accepted again and the relay must lead and publish again, without a
// restart of the gateway. The recovery times are printed (this machine's figures are in the README).

const bus = testBus();
let gateway: Awaited<ReturnType<typeof startTestGateway>>;

beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(async () => {
  await gateway?.stop();
  await bus.close();
});

async function tryCreate(label: string) {
  const result = await execute(gateway.url, CreateCustomer, { input: { email: `${uniqueName(label)}@example.com` } });
  return result.data?.createCustomer.__typename === 'CreateCustomerSuccess' ? result.data.createCustomer.customer : undefined;
}

describe('Postgres restart', () => {
  it('accepts mutations again and the relay publishes again, without restarting the gateway', async () => {
    expect(await tryCreate('before-pg-restart')).toBeDefined();

    await stopService('postgres');
    try {
      expect(await tryCreate('during-pg-outage')).toBeUndefined();
    } finally {
      await restartStack();
    }
    const upAt = performance.now();

    const accepted = await eventually(() => tryCreate('after-pg-restart'), 60_000, 'a mutation to be accepted again');
    const acceptedAt = performance.now();
    const db = createDatabase(testStack.databaseUrl);
    try {
      await eventually(async () => (await db.prisma.outboxEvent.findFirst({ where: { key: accepted.id, publishedAt: { not: null } } })) ?? undefined, 60_000, 'the relay to publish again');
    } finally {
      await db.close();
    }
    const publishedAt = performance.now();
    const topic = gateway.config.TOPIC_CATALOG_CHANGES;
    await readUntil(bus, topic, (messages) => messages.some((message) => message.key === accepted.id), 60_000);

    console.log(
      JSON.stringify({
        fault: 'postgres-restart',
        mutations_accepted_after_ms: Math.round(acceptedAt - upAt),
        relay_published_after_ms: Math.round(publishedAt - upAt),
      }),
    );
  }, 180_000);
});
