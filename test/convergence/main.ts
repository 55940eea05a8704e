import path from 'node:path';
import { applyMigrations } from '../../core/db/migrate.js';
import { setLogLevel } from '../../core/logger.js';
import { testStack } from '../support/stack.js';
import { startSyncRig } from '../support/sync-rig.js';
import { runSeeds, seedsFromEnv } from './suite.js';

// npm run test:convergence: CONVERGENCE_SCENARIOS random seeds (default 20), or CONVERGENCE_SEEDS=a,b
// to replay. Prints each seed as it goes and one summary line; exits 1 on any failed or flaky seed.

setLogLevel(process.env.LOG_LEVEL ?? 'error'); // kafkajs warns on every consumer-group join; failures print anyway
const seeds = seedsFromEnv();
await applyMigrations(testStack.databaseUrl, path.resolve('prisma/migrations'));
const rig = await startSyncRig({ relay: { seed: seeds[0] ?? 1 } });
let exitCode = 1;
try {
  console.log(`convergence: ${seeds.length} scenarios, seeds ${seeds.join(',')}`);
  const summary = await runSeeds(rig, seeds, (text) => console.log(text));
  console.log(summary.line);
  exitCode = summary.failed.length + summary.flaky.length === 0 ? 0 : 1;
} finally {
  await rig.stop();
}
process.exit(exitCode);
