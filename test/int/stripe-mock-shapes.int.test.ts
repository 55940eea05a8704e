import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncedCustomerOf } from '../../core/catalogs/customer.js';
import { createDatabase } from '../../core/db/prisma.js';
import { randomUUID } from 'node:crypto';
import { fetchStripeCustomer, stripeCustomers } from '../../integrations/adapters/stripe/customers.js';
import { stripeMock } from '../support/stripe-emulators.js';
import { CreateCustomer, DeleteCustomer } from '../graphql/operations.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, uniqueTopics } from '../support/gateway.js';
import { data } from '../support/graphql-client.js';
import { startTestIntegrations } from '../support/integrations.js';
import { testStack, uniqueName } from '../support/stack.js';
import { createScratchDatabase } from '../support/scratch-database.js';
import { applyMigrations } from '../../core/db/migrate.js';
import path from 'node:path';

// stripe-mock validates every request against Stripe's OpenAPI spec (unknown or mistyped
// parameters are a 400): the outbound create, update and delete must all pass it.

const topics = uniqueTopics();
let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let db: ReturnType<typeof createDatabase>;
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
let integrations: Awaited<ReturnType<typeof startTestIntegrations>>;

beforeAll(async () => {
  // A database of its own: stripe-mock is another Stripe account (its key is a test key, not the
  // emulator), and links are scoped to one account, so it must not share the emulator's links. It
  // also answers every create with the same fixture id.
  scratch = await createScratchDatabase();
  await applyMigrations(scratch.url, path.resolve('prisma/migrations'));
  db = createDatabase(scratch.url);
  gateway = await startTestGateway({ ...topics, DATABASE_URL: scratch.url });
  integrations = await startTestIntegrations(topics, { DATABASE_URL: scratch.url, STRIPE_SECRET_KEY: 'sk_test_123', STRIPE_WEBHOOK_SECRET: 'whsec_stripe_mock_unused', STRIPE_API_BASE: testStack.stripeMockUrl });
});
afterAll(async () => {
  await integrations?.stop();
  await gateway?.stop();
  await db?.close();
  await scratch?.drop();
});

async function mappingAt(localId: string, version: number) {
  return eventually(async () => {
    const mapping = await db.prisma.idMapping.findUnique({ where: { catalog_localId_remoteSystem: { catalog: 'customer', localId, remoteSystem: 'stripe' } } });
    if (mapping?.status === 'FAILED') throw new Error(`stripe-mock rejected the request: ${mapping.lastError}`);
    return mapping && mapping.status === 'SYNCED' && (mapping.lastSyncedVersion ?? 0) >= version ? mapping : undefined;
  }, 15_000, `v${version} accepted by stripe-mock`);
}

describe('outbound requests have the shape Stripe\'s API accepts (stripe-mock)', () => {
  it('create with every field and delete, through the whole pipeline', async () => {
    const created = await data(gateway.url, CreateCustomer, {
      input: {
        email: `${uniqueName('shape')}@example.com`,
        name: 'Shape',
        phone: '+1 555 0100',
        address: { line1: '1 Main St', line2: 'Floor 2', city: 'Springfield', state: 'IL', postalCode: '62701', country: 'US' },
        metadata: { plan: 'pro', seats: 3, trial: false },
      },
    });
    if (created.createCustomer.__typename !== 'CreateCustomerSuccess') throw new Error(created.createCustomer.__typename);
    const id = created.createCustomer.customer.id;
    expect((await mappingAt(id, 1)).remoteId).toMatch(/^cus_/);

    await data(gateway.url, DeleteCustomer, { id });
    const deleted = await mappingAt(id, 2);
    expect(deleted.base).toBeNull(); // the pair no longer agrees on anything: it is gone on both sides
  });

  // stripe-mock is stateless (every read returns the same fixture), so the pipeline's read before a
  // patch always sees "changed remotely": the update's request shapes are checked on the adapter.
  it('patches that set and clear every field, the read, the lookup by local id and the delete', async () => {
    const stripe = stripeMock();
    const outbound = stripeCustomers(stripe);
    const localId = randomUUID();
    const fields = syncedCustomerOf({ email: 'shape@example.com', name: 'Shape', phone: '+1 555 0100', address: { line1: '1 Main St', line2: null, city: 'Springfield', state: 'IL', postalCode: '62701', country: 'US' }, metadata: { plan: 'pro' } });
    const { remoteId } = await outbound.create({ catalog: 'customer', localId, fields, idempotencyKey: `shape-create-${localId}` });
    const after = { ...fields, name: null, phone: null, address: null, metadata: { tier: 'gold' } };
    const patch = { email: 'shape2@example.com', name: null, phone: null, address: null, 'metadata.plan': null, 'metadata.tier': 'gold' };
    expect(await outbound.update({ catalog: 'customer', localId, remoteId, patch, before: fields, after: { ...after, email: 'shape2@example.com' }, idempotencyKey: `shape-update-${localId}` })).toBe('updated');
    expect(await outbound.update({ catalog: 'customer', localId, remoteId, patch: { address: fields.address }, before: after, after: fields, idempotencyKey: `shape-address-${localId}` })).toBe('updated');
    expect(await fetchStripeCustomer(stripe, remoteId)).toMatchObject({ exists: true, remoteId });
    await outbound.findByLocalId({ localId, fields });
    await outbound.delete({ localId, remoteId, idempotencyKey: `shape-delete-${localId}` });
  });
});
