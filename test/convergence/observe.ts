import { setTimeout as sleep } from 'node:timers/promises';
import type Stripe from 'stripe';
import { GetCustomer, ListCustomers } from '../graphql/operations.js';
import { data } from '../support/graphql-client.js';
import type { SyncRig } from '../support/sync-rig.js';
import { conflictsFor, stripeMappings, unpublishedOutbox, type ConflictRow, type MappingRow } from '../support/sync-tables.js';
import { fieldsOf, type FieldValues } from './fields.js';
import { snapshotInvoices, type InvoiceSnapshot } from './observe-invoices.js';
import type { OperationsLog } from './run-operations.js';
import type { Scenario } from './scenario.js';

// What both sides hold for one scenario: its live local customers (GraphQL), its live Stripe
// customers (localstripe's list; a deleted customer is a 404 there and is not listed), the
// mappings and conflicts that touch them (SQL).

export interface LiveCustomer {
  id: string;
  fields: FieldValues;
  /** Stripe only: metadata.local_id. */
  localIdTag?: string;
}

export interface Snapshot {
  locals: LiveCustomer[];
  remotes: LiveCustomer[];
  mappings: MappingRow[];
  conflicts: ConflictRow[];
  /** Every local and remote id the scenario has seen, live or not. */
  knownLocalIds: string[];
  knownRemoteIds: string[];
  /** The invoices of all those customers (absent in hand-made snapshots of customers only). */
  invoices?: InvoiceSnapshot;
}

/** What a snapshot reads: the gateway (GraphQL), Stripe, and the sync tables (the fault suite passes its own processes). */
export type Observable = Pick<SyncRig, 'stripe' | 'sql'> & { gateway: { url: string } };

async function liveLocals(rig: Observable, domain: string, extraIds: string[]): Promise<LiveCustomer[]> {
  const found = new Map<string, LiveCustomer>();
  let after: string | null | undefined;
  do {
    const page = (await data(rig.gateway.url, ListCustomers, { first: 100, after, filter: { search: domain } })).customers;
    for (const { node } of page.edges) found.set(node.id, { id: node.id, fields: fieldsOf(node as Parameters<typeof fieldsOf>[0]) });
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : undefined;
  } while (after);
  // Customers whose email left the domain cannot be, but ask for every id seen anyway.
  for (const id of extraIds) {
    if (found.has(id)) continue;
    const customer = (await data(rig.gateway.url, GetCustomer, { id })).customer;
    if (customer) found.set(id, { id, fields: fieldsOf(customer as Parameters<typeof fieldsOf>[0]) });
  }
  return [...found.values()];
}

async function liveRemotes(rig: Observable, domain: string, knownIds: Set<string>, localIds: Set<string>): Promise<LiveCustomer[]> {
  const found: LiveCustomer[] = [];
  let startingAfter: string | undefined;
  for (;;) {
    const page: Stripe.ApiList<Stripe.Customer> = await rig.stripe.customers.list({ limit: 100, ...(startingAfter ? { starting_after: startingAfter } : {}) });
    for (const customer of page.data) {
      const localIdTag = customer.metadata?.local_id || undefined;
      const ours = customer.email?.endsWith(`@${domain}`) || knownIds.has(customer.id) || (localIdTag !== undefined && localIds.has(localIdTag));
      if (ours) found.push({ id: customer.id, fields: fieldsOf(customer as Parameters<typeof fieldsOf>[0]), ...(localIdTag ? { localIdTag } : {}) });
    }
    if (!page.has_more || page.data.length === 0) break;
    startingAfter = page.data.at(-1)!.id;
  }
  return found;
}

export async function snapshot(rig: Observable, scenario: Pick<Scenario, 'domain'>, log: OperationsLog): Promise<Snapshot> {
  const localIds = new Set(log.entities.flatMap((entity) => (entity?.localId ? [entity.localId] : [])));
  const remoteIds = new Set(log.entities.flatMap((entity) => (entity?.remoteId ? [entity.remoteId] : [])));
  const locals = await liveLocals(rig, scenario.domain, [...localIds]);
  for (const local of locals) localIds.add(local.id);
  let mappings = await stripeMappings(rig.sql, [...localIds], [...remoteIds]);
  for (const mapping of mappings) {
    localIds.add(mapping.localId);
    if (mapping.remoteId) remoteIds.add(mapping.remoteId);
  }
  const remotes = await liveRemotes(rig, scenario.domain, remoteIds, localIds);
  for (const remote of remotes) remoteIds.add(remote.id);
  mappings = await stripeMappings(rig.sql, [...localIds], [...remoteIds]);
  const conflicts = await conflictsFor(rig.sql, [...localIds], [...remoteIds]);
  // Invoices only for logs that have them (the fault suite's logs have customers only).
  const invoices = log.invoices ? await snapshotInvoices(rig, log, { localIds: [...localIds], remoteIds: [...remoteIds] }) : undefined;
  return { locals, remotes, mappings, conflicts, knownLocalIds: [...localIds], knownRemoteIds: [...remoteIds], ...(invoices ? { invoices } : {}) };
}

export interface QuiescenceOptions {
  /** The state must not change for this long (default 3 s), with the relay idle throughout. */
  stableForMs?: number;
  /** Give up (a flip-flop, or a stuck pipeline) after this long (default 60 s). */
  timeoutMs?: number;
}

/**
 * Waits until the relay has nothing in flight, the scenario's outbox rows are on Kafka, and the
 * whole snapshot stayed the same for `stableForMs` (which covers localstripe's own ~1 s webhook
 * delay). Returns the final snapshot, or throws saying what kept changing.
 */
export async function quiesce(rig: SyncRig, scenario: Scenario, log: OperationsLog, options: QuiescenceOptions = {}): Promise<Snapshot> {
  const stableForMs = options.stableForMs ?? 3000;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let last: { key: string; since: number } | undefined;
  for (;;) {
    const current = await snapshot(rig, scenario, log);
    const pending = await unpublishedOutbox(rig.sql, current.knownLocalIds);
    const key = JSON.stringify([current.locals, current.remotes, current.mappings, current.conflicts.length, current.invoices, rig.deadLetters.length]);
    // A parked pair (RETRYING: a transient failure, or a conflict waiting for its remote event) is work
    // in progress; so is an invoice waiting for its customer's link.
    const parked = [...current.mappings, ...(current.invoices?.mappings ?? [])].filter((mapping) => mapping.status === 'RETRYING').length;
    const calm = rig.relay.idle() && pending === 0 && parked === 0;
    if (!calm || last?.key !== key) last = { key, since: Date.now() };
    else if (Date.now() - last.since >= stableForMs && rig.relay.quietForMs() >= stableForMs) return current;
    if (Date.now() > deadline) {
      throw new Error(`no quiescence within ${options.timeoutMs ?? 60_000} ms (relay idle: ${rig.relay.idle()}, unpublished outbox rows: ${pending}, parked pairs: ${parked}; the state kept changing)`);
    }
    await sleep(500);
  }
}
