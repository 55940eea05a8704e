import { setTimeout as sleep } from 'node:timers/promises';
import Stripe from 'stripe';
import { CreateCustomer, CreateInvoice, DeleteCustomer, GetCustomer, UpdateCustomer } from '../graphql/operations.js';
import { eventually } from '../support/eventually.js';
import { data } from '../support/graphql-client.js';
import { giveLocalstripeSubscription } from '../support/localstripe-subscription.js';
import type { SyncRig } from '../support/sync-rig.js';
import { stripeMappingOf, stripeMappings } from '../support/sync-tables.js';
import { canonicalAddress, fieldsOf, METADATA_KEYS, type CustomerLike } from './fields.js';
import type { AddressValue, InvoiceLineValue, Operation, Scenario, Side, Step, Write } from './scenario.js';

// Runs a scenario's steps one after another (with their pauses) through GraphQL and localstripe,
// and records what each side acknowledged: the writes I4 checks against the final state.

export interface Entity {
  index: number;
  createdOn: Side;
  localId?: string;
  remoteId?: string;
  /** A delete of it was acknowledged (by either side). */
  deleted?: Side;
  /** Made in Stripe without an email: the catalog cannot take it (dead-lettered, never linked). */
  withoutEmail?: boolean;
  /** Its Stripe customer got the subscription fixture: the plan's line is on each of its Stripe invoices. */
  planName?: string;
}

/** An invoice one side acknowledged creating. */
export interface AcknowledgedInvoice {
  step: number;
  invoice: number;
  entity: number;
  side: Side;
  currency: string;
  lines: InvoiceLineValue[];
  /** The id on the side that made it. */
  localId?: string;
  remoteId?: string;
}

export interface AcknowledgedWrite {
  step: number;
  entity: number;
  side: Side;
  field: string;
  /** In the comparable shape of fields.ts. */
  value: string | null;
  acknowledgedAt: number;
  /** A key a whole-metadata write carried along without meaning to change it. */
  incidental?: boolean;
}

export interface StepOutcome {
  step: number;
  result: 'ok' | 'skipped' | 'rejected';
  detail?: string;
}

export interface OperationsLog {
  entities: Entity[];
  writes: AcknowledgedWrite[];
  outcomes: StepOutcome[];
  /** The invoices acknowledged (absent where a log is made by hand with customers only). */
  invoices?: AcknowledgedInvoice[];
}

const toStripeAddress = (address: AddressValue | null): Stripe.AddressParam =>
  address ? { line1: address.line1, line2: '', city: address.city, state: '', postal_code: address.postalCode, country: address.country } : { line1: '', line2: '', city: '', state: '', postal_code: '', country: '' };

function canonicalWrite(write: Write): string | null {
  if (write.field === 'address') return canonicalAddress(write.value);
  return write.value;
}

/** A Stripe create or update's parameters for these writes (metadata per key; '' unsets). */
function stripeParams(writes: Write[]): Stripe.CustomerUpdateParams {
  const params: Stripe.CustomerUpdateParams = {};
  for (const write of writes) {
    if (write.field === 'address') params.address = toStripeAddress(write.value);
    else if (write.field === 'email') params.email = write.value;
    else if (write.field === 'name' || write.field === 'phone') params[write.field] = write.value ?? '';
    else params.metadata = { ...(params.metadata || {}), [write.field.slice('metadata.'.length)]: write.value ?? '' };
  }
  return params;
}

/** Catalog input for the writes of a create (metadata as one object). */
function localCreateInput(email: string, writes: Write[]) {
  const input: { email: string; name?: string | null; phone?: string | null; address?: AddressValue | null; metadata?: Record<string, string> } = { email };
  for (const write of writes) {
    if (write.field === 'address') input.address = write.value;
    else if (write.field === 'name' || write.field === 'phone') input[write.field] = write.value;
    else if (write.field.startsWith('metadata.') && write.value !== null) input.metadata = { ...input.metadata, [write.field.slice('metadata.'.length)]: write.value };
  }
  return input;
}

function isStripeNotFound(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeError && (error.statusCode === 404 || error.code === 'resource_missing');
}

export async function runOperations(rig: SyncRig, scenario: Scenario): Promise<OperationsLog> {
  const log: OperationsLog = { entities: [], writes: [], outcomes: [], invoices: [] };
  const gql = rig.gateway.url;
  const acknowledge = (step: number, entity: number, side: Side, writes: Array<{ field: string; value: string | null; incidental?: boolean }>) => {
    const acknowledgedAt = Date.now();
    for (const write of writes) log.writes.push({ step, entity, side, acknowledgedAt, ...write });
  };

  async function localIdOf(entity: Entity): Promise<string | undefined> {
    if (entity.localId) return entity.localId;
    if (!entity.remoteId) return undefined;
    const mapping = (await stripeMappings(rig.sql, [], [entity.remoteId]))[0];
    return mapping?.localId;
  }
  async function remoteIdOf(entity: Entity): Promise<string | undefined> {
    if (entity.remoteId) return entity.remoteId;
    if (!entity.localId) return undefined;
    return (await stripeMappingOf(rig.sql, entity.localId))?.remoteId ?? undefined;
  }
  async function currentEmail(entity: Entity): Promise<string | undefined> {
    const localId = await localIdOf(entity);
    if (localId) return (await data(gql, GetCustomer, { id: localId })).customer?.email;
    const remoteId = await remoteIdOf(entity);
    if (!remoteId) return undefined;
    const customer = await rig.stripe.customers.retrieve(remoteId).catch(() => undefined);
    return customer && !customer.deleted ? (customer.email ?? undefined) : undefined;
  }

  async function run(step: Step, index: number): Promise<StepOutcome> {
    const outcome = (result: StepOutcome['result'], detail?: string): StepOutcome => ({ step: index, result, ...(detail ? { detail } : {}) });
    if (step.op === 'create' || step.op === 'create-duplicate' || step.op === 'create-without-email') {
      const entity: Entity = { index: step.entity, createdOn: step.side, ...(step.op === 'create-without-email' ? { withoutEmail: true } : {}) };
      log.entities[step.entity] = entity;
      const writes = step.writes.map((write) => ({ field: write.field, value: canonicalWrite(write) }));
      if (step.op === 'create' && step.side === 'local') {
        const result = (await data(gql, CreateCustomer, { input: localCreateInput(step.email, step.writes) })).createCustomer;
        if (result.__typename !== 'CreateCustomerSuccess') return outcome('rejected', result.__typename);
        entity.localId = result.customer.id;
        acknowledge(index, step.entity, 'local', [{ field: 'email', value: step.email }, ...writes]);
        return outcome('ok', entity.localId);
      }
      let email: string | undefined;
      if (step.op === 'create') email = step.email;
      if (step.op === 'create-duplicate') {
        const original = log.entities[step.duplicateOf];
        email = original ? await currentEmail(original) : undefined;
        if (!email) return outcome('skipped', `e${step.duplicateOf} has no email to duplicate yet`);
      }
      const customer = await rig.stripe.customers.create({ ...(email ? { email } : {}), ...stripeParams(step.writes) } as Stripe.CustomerCreateParams);
      entity.remoteId = customer.id;
      acknowledge(index, step.entity, 'stripe', [...(email ? [{ field: 'email', value: email }] : []), ...writes]);
      return outcome('ok', customer.id);
    }

    const entity = log.entities[step.entity];
    if (!entity) return outcome('skipped', 'entity was never created');
    if (step.op === 'subscribe') return subscribe(entity, outcome);
    if (step.op === 'invoice') return invoice(step, index, entity, outcome);
    if (step.side === 'local') {
      const localId = await localIdOf(entity);
      if (!localId) return outcome('skipped', 'not in the catalog (yet)');
      if (step.op === 'delete') {
        const result = (await data(gql, DeleteCustomer, { id: localId })).deleteCustomer;
        if (result.__typename !== 'DeleteCustomerSuccess') return outcome('rejected', result.__typename);
        entity.deleted ??= 'local';
        acknowledge(index, step.entity, 'local', []);
        return outcome('ok');
      }
      const write = step.write;
      let input: Record<string, unknown>;
      let written: Array<{ field: string; value: string | null; incidental?: boolean }>;
      const current = (await data(gql, GetCustomer, { id: localId })).customer;
      if (!current) return outcome('skipped', 'deleted locally');
      // A write that leaves the writer's own copy as it was (clearing what is not there yet) changes
      // nothing: it is recorded as incidental, accepted in the final state but not required there.
      const noop = (fieldsOf(current as CustomerLike)[write.field] ?? null) === canonicalWrite(write);
      if (write.field.startsWith('metadata.')) {
        // The catalog's metadata is one JSON value: read it, change one key, write the whole object.
        // The other keys go along as incidental writes (a stale value written back is the client's doing).
        const metadata: Record<string, unknown> = { ...((current.metadata as Record<string, unknown> | null) ?? {}) };
        const key = write.field.slice('metadata.'.length);
        if (write.value === null) delete metadata[key];
        else metadata[key] = write.value;
        input = { metadata };
        written = [...new Set([...METADATA_KEYS, ...Object.keys(metadata)])].map((name) => ({
          field: `metadata.${name}`,
          value: metadata[name] === undefined || metadata[name] === null ? null : String(metadata[name]),
          ...(name === key && !noop ? {} : { incidental: true }),
        }));
      } else {
        input = { [write.field]: write.value };
        written = [{ field: write.field, value: canonicalWrite(write), ...(noop ? { incidental: true } : {}) }];
      }
      const result = (await data(gql, UpdateCustomer, { id: localId, input })).updateCustomer;
      if (result.__typename !== 'UpdateCustomerSuccess') return outcome('rejected', result.__typename);
      acknowledge(index, step.entity, 'local', written);
      return outcome('ok');
    }

    const remoteId = await remoteIdOf(entity);
    if (!remoteId) return outcome('skipped', 'not in Stripe (yet)');
    try {
      if (step.op === 'delete') {
        await rig.stripe.customers.del(remoteId);
        entity.deleted ??= 'stripe';
        acknowledge(index, step.entity, 'stripe', []);
        return outcome('ok');
      }
      const before = await rig.stripe.customers.retrieve(remoteId);
      const noop = !before.deleted && (fieldsOf(before as CustomerLike)[step.write.field] ?? null) === canonicalWrite(step.write);
      await rig.stripe.customers.update(remoteId, stripeParams([step.write]));
      acknowledge(index, step.entity, 'stripe', [{ field: step.write.field, value: canonicalWrite(step.write), ...(noop ? { incidental: true } : {}) }]);
      return outcome('ok');
    } catch (error) {
      if (isStripeNotFound(error)) return outcome('rejected', 'Stripe: no such customer');
      throw error;
    }
  }

  type Outcome = (result: StepOutcome['result'], detail?: string) => StepOutcome;

  /** The subscription fixture on the entity's Stripe customer, once it has one (a local create is waited for). */
  async function subscribe(entity: Entity, outcome: Outcome): Promise<StepOutcome> {
    if (entity.planName) return outcome('skipped', 'subscribed already');
    if (entity.deleted) return outcome('skipped', 'deleted');
    const remoteId =
      (await remoteIdOf(entity)) ??
      (await eventually(async () => (entity.deleted ? 'deleted' : await remoteIdOf(entity)), 15_000, `e${entity.index}'s Stripe customer`).catch(() => undefined));
    if (!remoteId || remoteId === 'deleted') return outcome('skipped', 'not in Stripe');
    try {
      entity.planName = (await giveLocalstripeSubscription(rig.stripe, remoteId)).planName;
      return outcome('ok', entity.planName);
    } catch (error) {
      if (isStripeNotFound(error)) return outcome('rejected', 'Stripe: no such customer');
      throw error;
    }
  }

  async function invoice(step: Extract<Operation, { op: 'invoice' }>, index: number, entity: Entity, outcome: Outcome): Promise<StepOutcome> {
    if (!entity.planName) return outcome('skipped', 'no subscription fixture');
    const acknowledged: AcknowledgedInvoice = { step: index, invoice: step.invoice, entity: entity.index, side: step.side, currency: step.currency, lines: step.lines };
    if (step.side === 'local') {
      const customerId = await localIdOf(entity);
      if (!customerId) return outcome('skipped', 'not in the catalog (yet)');
      const result = (await data(gql, CreateInvoice, { input: { customerId, currency: step.currency, lines: step.lines } })).createInvoice;
      if (result.__typename !== 'CreateInvoiceSuccess') return outcome('rejected', result.__typename);
      (log.invoices ??= []).push({ ...acknowledged, localId: result.invoice.id });
      return outcome('ok', result.invoice.id);
    }
    const customer = await remoteIdOf(entity);
    if (!customer) return outcome('skipped', 'not in Stripe (yet)');
    try {
      // What a Stripe user does for a one-off invoice: pending items, then the draft that takes them.
      for (const line of step.lines) {
        await rig.stripe.invoiceItems.create({
          customer,
          currency: step.currency,
          description: line.description,
          amount: line.quantity * line.unitAmount,
          metadata: { quantity: String(line.quantity), unit_amount: String(line.unitAmount) },
        });
      }
      const created = await rig.stripe.invoices.create({ customer });
      (log.invoices ??= []).push({ ...acknowledged, remoteId: created.id });
      return outcome('ok', created.id);
    } catch (error) {
      if (isStripeNotFound(error)) return outcome('rejected', 'Stripe: no such customer');
      throw error;
    }
  }

  for (const [index, step] of scenario.steps.entries()) {
    await sleep(step.pauseMs);
    log.outcomes.push(await run(step, index));
  }
  return log;
}
