import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSyncRig, type SyncRig } from '../support/sync-rig.js';
import { RUNS_BEFORE_FLAKY, runSeed } from '../convergence/suite.js';

// A fixed set of seeds of the randomized convergence suite (test/convergence/), so every npm test
// runs the same scenarios: random local and Stripe-side creates, updates and deletes of customers,
// draft invoices made on either side among them (issue #12), webhooks delayed, duplicated and
// reordered by the relay, then invariants I1–I5 of issue #8 and the invoices' I6 after quiescence,
// with no dead letter but those the scenario expects. More seeds: npm run test:convergence (CONVERGENCE_SCENARIOS=N, CONVERGENCE_SEEDS=a,b).

// 146891897: eight invoices on both sides, one made in Stripe right after its customer, whose
// invoice.created reached the integrations process first in 6 of the 7 runs seen (timing decides;
// the other seeds had none).
const FIXED_SEEDS = [1, 7, 42, 2024, 146891897];
const runTag = `int${Date.now().toString(36)}`;
let rig: SyncRig;

beforeAll(async () => {
  rig = await startSyncRig({ relay: { seed: FIXED_SEEDS[0] } });
});
afterAll(async () => {
  await rig?.stop();
});

describe('sync converges under delayed, duplicated and reordered webhooks', () => {
  for (const seed of FIXED_SEEDS) {
    // Up to RUNS_BEFORE_FLAKY runs of about 20 s each when the seed fails.
    it(`seed ${seed}: I1–I6 hold after quiescence`, { timeout: RUNS_BEFORE_FLAKY * 100_000 }, async () => {
      const result = await runSeed(rig, seed, runTag, (text) => console.log(text));
      const reports = result.runs.filter((run) => run.violations.length > 0).map((run) => run.report).join('\n');
      expect(result.verdict, result.verdict === 'flaky' ? `FLAKY (failed ${result.runs.length - 1} of ${result.runs.length} runs):\n${reports}` : reports).toBe('passed');
    });
  }
});
