// Where the real services of the local stack listen (scripts/stack.sh or docker compose).
export const testStack = {
  databaseUrl: process.env.DATABASE_URL ?? 'postgresql://catalog:catalog@localhost:5432/catalog_test',
  kafkaBrokers: (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(','),
  localstripeUrl: process.env.LOCALSTRIPE_URL ?? 'http://localhost:8420',
  stripeMockUrl: process.env.STRIPE_MOCK_URL ?? 'http://localhost:12111',
};

/** A name no other test run uses: topics, consumer groups, emails. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
