// Where the real services of the local stack listen (scripts/stack.sh or docker compose).
// STACK_PORT_OFFSET moves every default port, as it does in scripts/stack.sh, so a second stack can
// run beside the first; each variable below still overrides its own service.
const offset = Number(process.env.STACK_PORT_OFFSET ?? 0);
const port = (base: number) => base + offset;

export const testStack = {
  databaseUrl: process.env.DATABASE_URL ?? `postgresql://catalog:catalog@localhost:${port(5432)}/catalog_test`,
  kafkaBrokers: (process.env.KAFKA_BROKERS ?? `localhost:${port(9092)}`).split(','),
  /** The broker's SASL_PLAINTEXT listener, for the tests of Kafka credentials. */
  kafkaSaslBrokers: (process.env.KAFKA_SASL_TEST_BROKERS ?? `localhost:${port(9094)}`).split(','),
  localstripeUrl: process.env.LOCALSTRIPE_URL ?? `http://localhost:${port(8420)}`,
  stripeMockUrl: process.env.STRIPE_MOCK_URL ?? `http://localhost:${port(12111)}`,
};

/**
 * The SASL listener's test users: PLAIN in scripts/stack/kafka-server.properties, SCRAM (both
 * SHA-256 and SHA-512) added by scripts/stack.sh. Local test credentials, like Postgres's.
 */
export const kafkaSaslTestUsers = {
  plain: { username: 'catalog-plain', password: 'catalog-plain-secret' },
  scram: { username: 'catalog-scram', password: 'catalog-scram-secret' },
} as const;

/** A name no other test run uses: topics, consumer groups, emails. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
