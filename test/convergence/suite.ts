import { randomBytes } from 'node:crypto';
import type { SyncRig } from '../support/sync-rig.js';
import { checkCanary } from './canary.js';
import { checkInvariants, type Violation } from './invariants.js';
import { checkDeadLetters } from './dead-letters.js';
import { checkInvoiceInvariants } from './invoice-invariants.js';
import { quiesce } from './observe.js';
import type { DeliveryRecord } from '../support/webhook-relay.js';
import { runOperations, type OperationsLog } from './run-operations.js';
import { describeStep, generateScenario, type Scenario } from './scenario.js';

// Runs scenarios by seed on one rig. A failing seed is run again, up to 3 runs in all: failing every
// time it is a failure, failing only sometimes it is reported as flaky. Both fail the run; the
// report says which, with the seed that replays it (CONVERGENCE_SEEDS=<seed>).

export const RUNS_BEFORE_FLAKY = 3;

export interface ScenarioRun {
  seed: number;
  operations: number;
  acknowledged: number;
  conflicts: number;
  unlinkedRemotes: number;
  linkedPairs: number;
  /**
   * Invoices acknowledged, how many were exempt from I6 (their customer was deleted), and how many
   * Stripe-side invoices had their invoice.created accepted before their customer's customer.created.
   */
  invoices: { acknowledged: number; exempt: number; overtook: number };
  violations: Violation[];
  canary?: { outboundMs?: number; inboundMs?: number };
  relay: { received: number; duplicated: number; retried: number; failed: number };
  report: string;
}

export interface SeedResult {
  seed: number;
  verdict: 'passed' | 'failed' | 'flaky';
  runs: ScenarioRun[];
}

/** One run of one seed: operations, quiescence, I1–I4 and I6 (invoices) on the final state, then the I5 canary. */
export async function runScenario(rig: SyncRig, seed: number, runTag: string): Promise<ScenarioRun> {
  const scenario: Scenario = generateScenario(seed, runTag);
  rig.relay.reseed(seed);
  const relayBefore = { ...rig.relay.stats };
  const deliveriesBefore = rig.relay.deliveries.length;
  const deadLettersBefore = rig.deadLetters.length;
  const log = await runOperations(rig, scenario);
  const violations: Violation[] = [];
  let final;
  try {
    final = await quiesce(rig, scenario, log);
  } catch (error) {
    violations.push({ invariant: 'I1', message: (error as Error).message });
  }
  const verdict = final ? checkInvariants(final, log) : undefined;
  if (verdict) violations.push(...verdict.violations);
  const invoiceVerdict = final ? checkInvoiceInvariants(final, log) : undefined;
  if (invoiceVerdict) violations.push(...invoiceVerdict.violations);
  const deadLetters = final ? checkDeadLetters(rig.deadLetters.slice(deadLettersBefore), final, log) : undefined;
  if (deadLetters) violations.push(...deadLetters.violations);
  const canary = final ? await checkCanary(rig, scenario, final) : undefined;
  if (canary) violations.push(...canary.violations);
  const relay = {
    received: rig.relay.stats.received - relayBefore.received,
    duplicated: rig.relay.stats.duplicated - relayBefore.duplicated,
    retried: rig.relay.stats.retried - relayBefore.retried,
    failed: rig.relay.stats.failed - relayBefore.failed,
  };
  const unlinkedRemotes = verdict ? verdict.unlinked.duplicates + verdict.unlinked.withoutEmail + verdict.unlinked.other : 0;
  const lines = [
    `seed ${seed} (replay: CONVERGENCE_SEEDS=${seed}), domain ${scenario.domain}`,
    ...scenario.steps.map((step, index) => {
      const outcome = log.outcomes[index];
      return `  ${describeStep(step, index)} -> ${outcome?.result ?? 'not run'}${outcome?.detail ? ` (${outcome.detail})` : ''}`;
    }),
    `  relay: ${JSON.stringify(relay)}; deliveries: ${rig.relay.deliveries.slice(deliveriesBefore).map((delivery) => `${delivery.type}(${delivery.objectId})+${delivery.delayMs}ms->${delivery.status}`).join(' ')}`,
    ...(verdict ? [`  final: ${verdict.linkedPairs} linked pairs, unlinked Stripe customers ${JSON.stringify(verdict.unlinked)}, conflicts ${final!.conflicts.length}, invoices ${final!.invoices?.locals.length ?? 0} local / ${final!.invoices?.remotes.length ?? 0} Stripe (${invoiceVerdict?.exempt ?? 0} of ${invoiceVerdict?.invoices ?? 0} acknowledged exempt), dead letters ${rig.deadLetters.length - deadLettersBefore} (${deadLetters?.expected ?? 0} expected)`] : []),
    ...violations.map((violation) => `  ${violation.invariant}: ${violation.message}`),
  ];
  return {
    seed,
    operations: scenario.steps.length,
    acknowledged: log.outcomes.filter((outcome) => outcome.result === 'ok').length,
    conflicts: final?.conflicts.length ?? 0,
    unlinkedRemotes,
    linkedPairs: verdict?.linkedPairs ?? 0,
    invoices: { acknowledged: invoiceVerdict?.invoices ?? 0, exempt: invoiceVerdict?.exempt ?? 0, overtook: overtakes(log, rig.relay.deliveries.slice(deliveriesBefore)) },
    violations,
    ...(canary ? { canary: { ...(canary.outboundMs !== undefined ? { outboundMs: canary.outboundMs } : {}), ...(canary.inboundMs !== undefined ? { inboundMs: canary.inboundMs } : {}) } } : {}),
    relay,
    report: lines.join('\n'),
  };
}

/** Stripe-side invoices whose invoice.created reached the integrations process before their customer's customer.created did. */
function overtakes(log: OperationsLog, deliveries: DeliveryRecord[]): number {
  const firstAccepted = (type: string, objectId: string) =>
    Math.min(...deliveries.filter((delivery) => delivery.type === type && delivery.objectId === objectId && delivery.deliveredAt !== undefined).map((delivery) => delivery.deliveredAt!));
  return (log.invoices ?? []).filter((invoice) => {
    const customer = log.entities[invoice.entity];
    if (!invoice.remoteId || customer?.createdOn !== 'stripe' || !customer.remoteId) return false;
    return firstAccepted('invoice.created', invoice.remoteId) < firstAccepted('customer.created', customer.remoteId);
  }).length;
}

/** A seed, re-run up to RUNS_BEFORE_FLAKY times when it fails. */
export async function runSeed(rig: SyncRig, seed: number, runTag: string, print: (text: string) => void): Promise<SeedResult> {
  const runs: ScenarioRun[] = [];
  for (let attempt = 1; attempt <= RUNS_BEFORE_FLAKY; attempt++) {
    const run = await runScenario(rig, seed, `${runTag}r${attempt}`);
    runs.push(run);
    if (run.violations.length === 0) {
      print(`seed ${seed}: ${attempt === 1 ? 'passed' : `passed on run ${attempt}`} (${run.operations} operations, ${run.acknowledged} acknowledged, ${run.conflicts} conflicts, ${run.unlinkedRemotes} unlinked Stripe customers, ${run.invoices.acknowledged} invoices (${run.invoices.exempt} exempt, ${run.invoices.overtook} ahead of their customer's webhook), canary ${run.canary?.outboundMs ?? '-'} ms out / ${run.canary?.inboundMs ?? '-'} ms in)`);
      if (process.env.CONVERGENCE_VERBOSE) print(run.report);
      return { seed, verdict: attempt === 1 ? 'passed' : 'flaky', runs };
    }
    print(`seed ${seed}: run ${attempt} of ${RUNS_BEFORE_FLAKY} FAILED\n${run.report}`);
  }
  return { seed, verdict: 'failed', runs };
}

export interface SuiteSummary {
  line: string;
  failed: SeedResult[];
  flaky: SeedResult[];
}

export async function runSeeds(rig: SyncRig, seeds: number[], print: (text: string) => void): Promise<SuiteSummary> {
  const runTag = randomBytes(3).toString('hex');
  const results: SeedResult[] = [];
  for (const seed of seeds) {
    // A seed listed twice gets its own domain the second time, or it would see the first run's customers and invoices.
    const earlier = results.filter((result) => result.seed === seed).length;
    results.push(await runSeed(rig, seed, earlier === 0 ? runTag : `${runTag}x${earlier}`, print));
  }
  const firstRuns = results.map((result) => result.runs[0]!);
  const sum = (pick: (run: ScenarioRun) => number) => firstRuns.reduce((total, run) => total + pick(run), 0);
  const failed = results.filter((result) => result.verdict === 'failed');
  const flaky = results.filter((result) => result.verdict === 'flaky');
  const line =
    `convergence: ${results.length} scenarios, ${results.length - failed.length - flaky.length} passed, ${failed.length} failed, ${flaky.length} flaky; ` +
    `${sum((run) => run.operations)} operations (${sum((run) => run.acknowledged)} acknowledged), ${sum((run) => run.conflicts)} conflicts, ` +
    `${sum((run) => run.unlinkedRemotes)} unlinked Stripe customers, ${sum((run) => run.invoices.acknowledged)} invoices (${sum((run) => run.invoices.exempt)} exempt, ${sum((run) => run.invoices.overtook)} ahead of their customer's webhook), ${sum((run) => run.relay.received)} webhooks (${sum((run) => run.relay.duplicated)} duplicated, ${sum((run) => run.relay.retried)} retried)` +
    (failed.length + flaky.length > 0 ? `; replay: CONVERGENCE_SEEDS=${[...failed, ...flaky].map((result) => result.seed).join(',')}` : '');
  return { line, failed, flaky };
}

/** Seeds from CONVERGENCE_SEEDS (comma-separated, a replay) or CONVERGENCE_SCENARIOS random ones (default 20). */
export function seedsFromEnv(env: Record<string, string | undefined> = process.env): number[] {
  if (env.CONVERGENCE_SEEDS) return env.CONVERGENCE_SEEDS.split(',').map((seed) => Number(seed.trim())).filter((seed) => Number.isInteger(seed));
  const count = Number(env.CONVERGENCE_SCENARIOS ?? 20);
  return Array.from({ length: count }, () => randomBytes(4).readUInt32BE(0) >>> 1);
}
