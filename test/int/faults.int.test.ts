import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RateBudgetSnapshot } from '../../integrations/rate-budget/rate-budget.js';
import { GetCustomer, ListCustomers } from '../graphql/operations.js';
import { eventually } from '../support/eventually.js';
import { startFaultRig, type FaultRig } from '../support/fault-rig.js';
import { data } from '../support/graphql-client.js';
import { restartStack, stopService } from '../support/outage.js';

// Issue #10's fault suite: both processes as child processes, Stripe = localstripe behind the
// Stripe-behaviour proxy (Stripe's 429s, Idempotency-Key replay, injected latency and 500s), and
// issue #8's invariants checked after each fault. Recovery times are printed as JSON lines
// ({"fault": …}); the README's Reliability section quotes them. One rig for all scenarios, in order.

const BURST = 200;
const PROXY_RATE_LIMIT = 10;
/** A deployment sets its budget below the remote's limit, as the defaults do (20 for Stripe's 25). */
const STRIPE_RATE_LIMIT = 9;

let rig: FaultRig;

beforeAll(async () => {
  rig = await startFaultRig({ stripeRateLimit: STRIPE_RATE_LIMIT, proxyRateLimit: PROXY_RATE_LIMIT });
  await rig.startGateway();
  await rig.startIntegrations();
}, 120_000);
afterAll(async () => {
  await rig?.stop();
});

const report = (fields: Record<string, unknown>) => console.log(JSON.stringify(fields));
const since = (start: number) => Math.round(performance.now() - start);

/** Runs `count` creates over `clients` concurrent GraphQL clients; the ids acknowledged. */
async function createMany(label: string, count: number, clients = 4): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < count) {
        next += 1;
        const id = await rig.create(label);
        if (id) ids.push(id);
      }
    }),
  );
  return ids;
}

async function convergedWithoutViolations(timeoutMs?: number) {
  const result = await rig.converge(timeoutMs);
  expect(result.verdict.violations).toEqual([]);
  expect(result.statuses.FAILED ?? 0).toBe(0);
  return result;
}

const syncState = async (id: string) => (await data(rig.gateway.url, GetCustomer, { id })).customer?.syncStates[0];

describe('fault suite', () => {
  it(`a burst of ${BURST} creates against a ${PROXY_RATE_LIMIT}/s Stripe limit: all SYNCED, none FAILED, under 5% rate-limited`, async () => {
    const before = { ...rig.proxy.counts };
    const started = performance.now();
    const ids = await createMany('burst', BURST, 8);
    expect(ids).toHaveLength(BURST);
    const { statuses } = await convergedWithoutViolations(180_000);
    expect(statuses).toEqual({ SYNCED: BURST });
    const requests = rig.proxy.counts.requests - before.requests;
    const rateLimited = rig.proxy.counts.rateLimited - before.rateLimited;
    expect(rateLimited / requests).toBeLessThan(0.05);
    const ready = (await (await fetch(`${rig.integrations.url}/ready`)).json()) as { rateBudgets: RateBudgetSnapshot[] };
    expect(ready.rateBudgets).toEqual([expect.objectContaining({ bucket: `stripe:emulator@${rig.proxy.url}`, requestsPerSecond: STRIPE_RATE_LIMIT })]);
    expect(ready.rateBudgets[0]!.granted.live).toBeGreaterThanOrEqual(BURST);
    report({ fault: 'burst', creates: BURST, stripe_requests: requests, rate_limited: rateLimited, rate_limited_share: Number((rateLimited / requests).toFixed(4)), all_synced_after_ms: since(started), longest_budget_wait_ms: ready.rateBudgets[0]!.longestWaitMs });
  }, 240_000);
});
