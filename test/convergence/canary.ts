import { CreateCustomer, GetCustomer, UpdateCustomer } from '../graphql/operations.js';
import { eventually } from '../support/eventually.js';
import { data } from '../support/graphql-client.js';
import type { SyncRig } from '../support/sync-rig.js';
import { stripeMappingOf } from '../support/sync-tables.js';
import type { Violation } from './invariants.js';
import type { Snapshot } from './observe.js';
import type { Scenario } from './scenario.js';

/** I5's bound, from issue #8: a canary change each way still propagates within 5 s. */
export const CANARY_BOUND_MS = 5000;

export interface CanaryResult {
  violations: Violation[];
  outboundMs?: number;
  inboundMs?: number;
}

/**
 * I5: after the scenario, one change each way on a linked pair (a fresh one when none is left)
 * must arrive within 5 s, i.e. nothing is stuck (a blocked partition, a wedged consumer). The relay
 * forwards without injected delay meanwhile, so the bound measures the system, not the chaos.
 */
export async function checkCanary(rig: SyncRig, scenario: Scenario, final: Snapshot): Promise<CanaryResult> {
  const violations: Violation[] = [];
  const live = new Set(final.remotes.map((remote) => remote.id));
  let pair = final.mappings.find((mapping) => mapping.remoteId && live.has(mapping.remoteId) && final.locals.some((local) => local.id === mapping.localId));
  const chaos = rig.relay.setChaos({ maxDelayMs: 0, duplicateRate: 0 });
  try {
    if (!pair) {
      const created = (await data(rig.gateway.url, CreateCustomer, { input: { email: `canary@${scenario.domain}`, name: 'Canary' } })).createCustomer;
      if (created.__typename !== 'CreateCustomerSuccess') return { violations: [{ invariant: 'I5', message: `canary create refused: ${created.__typename}` }] };
      const localId = created.customer.id;
      pair = await eventually(async () => {
        const mapping = await stripeMappingOf(rig.sql, localId);
        return mapping?.remoteId ? mapping : undefined;
      }, 15_000, 'the canary customer to reach Stripe').catch(() => undefined);
      if (!pair) return { violations: [{ invariant: 'I5', message: `a new customer ${localId} did not reach Stripe within 15 s` }] };
    }
    const { localId, remoteId } = pair as { localId: string; remoteId: string };

    const outboundName = `Canary out ${scenario.seed}`;
    let started = Date.now();
    await data(rig.gateway.url, UpdateCustomer, { id: localId, input: { name: outboundName } });
    const outboundMs = await eventually(async () => {
      const customer = await rig.stripe.customers.retrieve(remoteId);
      return !customer.deleted && customer.name === outboundName ? Date.now() - started : undefined;
    }, CANARY_BOUND_MS, 'the outbound canary').catch(() => undefined);
    if (outboundMs === undefined) violations.push({ invariant: 'I5', message: `local name change on ${localId} did not reach Stripe ${remoteId} within ${CANARY_BOUND_MS} ms` });

    const inboundPhone = `+1 556 ${String(Date.now() % 10_000).padStart(4, '0')}` // 556: no scenario writes it;
    started = Date.now();
    await rig.stripe.customers.update(remoteId, { phone: inboundPhone });
    const inboundMs = await eventually(async () => {
      const customer = (await data(rig.gateway.url, GetCustomer, { id: localId })).customer;
      return customer?.phone === inboundPhone ? Date.now() - started : undefined;
    }, CANARY_BOUND_MS, 'the inbound canary').catch(() => undefined);
    if (inboundMs === undefined) violations.push({ invariant: 'I5', message: `Stripe phone change on ${remoteId} did not reach local ${localId} within ${CANARY_BOUND_MS} ms` });
    return { violations, ...(outboundMs !== undefined ? { outboundMs } : {}), ...(inboundMs !== undefined ? { inboundMs } : {}) };
  } finally {
    rig.relay.setChaos(chaos);
  }
}
