import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships both ESM and CJS entry points; without one canonical path vitest can load it
    // twice and schema checks fail with "from another module or realm".
    alias: { graphql: require.resolve('graphql/index.js') },
  },
  test: {
    setupFiles: ['test/support/setup-logging.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    env: {
      DATABASE_URL: process.env.TEST_DATABASE_URL ?? `postgresql://catalog:catalog@localhost:${5432 + Number(process.env.STACK_PORT_OFFSET ?? 0)}/catalog_test`,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      // Every test makes topics of its own: few partitions each keep the broker's restarts (outage
      // tests) quick, since a broker replays every partition it holds on start.
      KAFKA_TOPIC_PARTITIONS: '2',
    },
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    projects: [
      // Pure logic: no services needed. Adapter tests live beside their adapter.
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'integrations/adapters/**/*.test.ts'], exclude: ['**/*.int.test.ts', '**/node_modules/**'] } },
      // Real Kafka, Postgres, localstripe and stripe-mock. The files share one database and one
      // broker (and some stop a service), so they run one at a time.
      {
        extends: true,
        test: {
          name: 'int',
          include: ['test/int/**/*.int.test.ts', 'test/contract/**/*.int.test.ts', 'integrations/adapters/**/*.int.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          fileParallelism: false,
        },
      },
    ],
  },
});
