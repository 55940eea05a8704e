import net from 'node:net';
import pg from 'pg';
import type Stripe from 'stripe';
import { startTestGateway, uniqueTopics } from './gateway.js';
import { startTestIntegrations } from './integrations.js';
import { testBus } from './kafka.js';
import { testStack, uniqueName } from './stack.js';
import { localstripe } from './stripe-emulators.js';
import { WebhookRelay, type RelayOptions } from './webhook-relay.js';

/**
 * Both processes, with localstripe's webhooks going through a WebhookRelay: the relay listens
 * first, the integrations process registers the relay's URL on localstripe (INTEGRATIONS_PUBLIC_URL),
 * and the relay forwards to the port the integrations process really listens on.
 */
export interface SyncRig {
  gateway: Awaited<ReturnType<typeof startTestGateway>>;
  integrations: Awaited<ReturnType<typeof startTestIntegrations>>;
  relay: WebhookRelay;
  stripe: Stripe;
  /** SQL reads of the sync tables (id_mapping, sync_conflict, outbox_event). */
  sql: pg.Pool;
  /** Every message either process sent to the rig's own dead-letter topic, in arrival order. */
  deadLetters: DeadLetter[];
  stop(): Promise<void>;
}

export interface DeadLetter {
  key: string | null;
  value: string;
  /** Which process sent it and why (the dlq-* headers). */
  integration: string;
  error: string;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startSyncRig(options: { relay?: RelayOptions; env?: Record<string, string> } = {}): Promise<SyncRig> {
  // One dead-letter topic for both processes, read from its start, so a test can see what was given up on.
  const topics = { ...uniqueTopics(), TOPIC_DEAD_LETTER: uniqueName('test.dead-letter') };
  const relay = await WebhookRelay.start(options.relay);
  const gateway = await startTestGateway({ ...topics, ...options.env });
  const port = await freePort();
  const integrations = await startTestIntegrations(topics, { INTEGRATIONS_PORT: String(port), INTEGRATIONS_PUBLIC_URL: relay.url, TOPIC_DEAD_LETTER: topics.TOPIC_DEAD_LETTER, ...options.env });
  relay.setTarget(`http://127.0.0.1:${port}`);
  const sql = new pg.Pool({ connectionString: testStack.databaseUrl, max: 3 });
  const deadLetters: DeadLetter[] = [];
  const bus = testBus();
  const deadLetterReader = await bus.subscribe({
    groupId: uniqueName('test-dead-letters'),
    topics: [topics.TOPIC_DEAD_LETTER],
    handler: async (message) => {
      deadLetters.push({ key: message.key, value: message.value, integration: message.headers['dlq-integration'] ?? '', error: message.headers['dlq-error'] ?? '' });
    },
  });
  return {
    gateway,
    integrations,
    relay,
    stripe: localstripe(),
    sql,
    deadLetters,
    async stop() {
      await deadLetterReader.stop();
      await bus.close();
      await integrations.stop();
      await gateway.stop();
      await relay.stop();
      await sql.end();
    },
  };
}
