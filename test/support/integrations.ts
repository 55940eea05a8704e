import { parseEnv } from '../../core/config/parse-env.js';
import { startIntegrations, type RunningIntegrations } from '../../integrations/app.js';
import { integrationsEnv, type IntegrationsConfig } from '../../integrations/config.js';
import { randomBytes } from 'node:crypto';
import { testStack, uniqueName } from './stack.js';

/** The webhook signing secret of test integrations processes (registered on localstripe), fresh per run. */
export const testWebhookSecret = `whsec_test_${randomBytes(18).toString('base64url')}`;

/**
 * A real integrations process (in this process): HTTP on a free port, its consumer groups
 * prefixed so they start fresh, Stripe = localstripe unless overridden, webhooks signed with
 * testWebhookSecret.
 */
export async function startTestIntegrations(
  topics: { TOPIC_CATALOG_CHANGES: string; TOPIC_INTEGRATION_INBOUND: string; TOPIC_SYNC_EVENTS: string; TOPIC_CATALOG_CHANGES_BULK?: string; TOPIC_INTEGRATION_INBOUND_BULK?: string },
  overrides: Record<string, string> = {},
): Promise<RunningIntegrations & { config: IntegrationsConfig }> {
  const given: Record<string, string> = {
    DATABASE_URL: testStack.databaseUrl,
    KAFKA_BROKERS: testStack.kafkaBrokers.join(','),
    INTEGRATIONS_PORT: '0',
    INTEGRATIONS_HOST: '127.0.0.1',
    KAFKA_GROUP_PREFIX: `${uniqueName('test')}-`,
    TOPIC_DEAD_LETTER: uniqueName('test.dead-letter'),
    STRIPE_API_BASE: testStack.localstripeUrl,
    // Off unless a test is about it: test processes share one database and one localstripe.
    STRIPE_CATCHUP_INTERVAL_S: '0',
    STRIPE_WEBHOOK_SECRET: testWebhookSecret,
    LOG_LEVEL: 'warn',
    KAFKA_TOPIC_PARTITIONS: process.env.KAFKA_TOPIC_PARTITIONS ?? '2',
    ...topics,
    ...overrides,
  };
  // An empty override means unset (e.g. STRIPE_WEBHOOK_SECRET: '' for the emulator's own secret).
  const env = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== ''));
  const config = parseEnv(integrationsEnv, env);
  const running = await startIntegrations(config, env);
  return { ...running, config };
}
