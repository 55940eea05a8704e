import { parseEnv } from '../../core/config/parse-env.js';
import { gatewayEnv, type GatewayConfig } from '../../server/config.js';
import { startGateway, type RunningGateway } from '../../server/gateway.js';
import { testApiKeys } from './credentials.js';
import { testStack, uniqueName } from './stack.js';

/** Topic names no other test uses, so each test reads only its own events. */
export function uniqueTopics() {
  return {
    TOPIC_CATALOG_CHANGES: uniqueName('test.catalog.changes'),
    TOPIC_INTEGRATION_INBOUND: uniqueName('test.integration.inbound'),
    TOPIC_SYNC_EVENTS: uniqueName('test.sync.events'),
    TOPIC_CATALOG_CHANGES_BULK: uniqueName('test.catalog.changes.bulk'),
    TOPIC_INTEGRATION_INBOUND_BULK: uniqueName('test.integration.inbound.bulk'),
  };
}

/**
 * A real gateway (Postgres, Kafka, HTTP on a free port) configured like the process would be, with
 * the test API keys (credentials.ts) and no rate limit unless `overrides` say otherwise.
 */
export async function startTestGateway(overrides: Record<string, string> = {}): Promise<RunningGateway & { config: GatewayConfig }> {
  const config = parseEnv(gatewayEnv, {
    DATABASE_URL: testStack.databaseUrl,
    KAFKA_BROKERS: testStack.kafkaBrokers.join(','),
    PORT: '0',
    HOST: '127.0.0.1',
    OUTBOX_POLL_INTERVAL_MS: '500',
    LOG_LEVEL: 'warn',
    KAFKA_TOPIC_PARTITIONS: process.env.KAFKA_TOPIC_PARTITIONS ?? '2',
    KAFKA_GROUP_PREFIX: `${uniqueName('test')}-`,
    API_KEYS: testApiKeys,
    API_RATE_LIMIT: '0',
    ...uniqueTopics(),
    ...overrides,
  });
  const gateway = await startGateway(config);
  return { ...gateway, config };
}
