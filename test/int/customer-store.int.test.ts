import { readFile } from 'node:fs/promises';
import internals from '@prisma/internals';
import { afterAll, describe, expect, it } from 'vitest';
import { customerFields } from '../../core/catalogs/customer.js';
import { createDatabase } from '../../core/db/prisma.js';
import { parseChangeEnvelope } from '../../core/events/envelope.js';
import { customerColumns } from '../../server/catalog/customers/customer-columns.js';
import { customerSnapshot } from '../../server/catalog/customers/customer-snapshot.js';
import { CustomerStore } from '../../server/catalog/customers/customer-store.js';
import { EmailTakenError, NotFoundError } from '../../server/errors.js';
import { testStack, uniqueName } from '../support/stack.js';

// The one-statement writes of CustomerStore against the real Postgres: the outbox event Postgres
// builds from the updated row must be the envelope the TypeScript side would have built.

const db = createDatabase(testStack.databaseUrl);
const topic = uniqueName('test.store.changes');
const store = new CustomerStore(db.prisma, topic);
afterAll(() => db.close());

async function eventsOf(id: string) {
  const rows = await db.prisma.outboxEvent.findMany({ where: { topic, key: id }, orderBy: { seq: 'asc' } });
  return rows.map((row) => parseChangeEnvelope(JSON.stringify(row.payload)));
}

describe('CustomerStore one-statement update and delete', () => {
  it('records an event whose data is exactly customerSnapshot of the returned row', async () => {
    const created = await store.create({ email: `${uniqueName('store')}@example.com`, name: 'Ada', address: { city: 'London' }, metadata: { tier: 'gold' } });
    const updated = await store.update(created.id, { name: null, phone: '+44 20 7946 0000', metadata: { tier: 'platinum', n: 2 } }, { origin: 'stripe', causationId: 'evt_1' });
    expect(updated).toMatchObject({ name: null, phone: '+44 20 7946 0000', address: { city: 'London' }, metadata: { tier: 'platinum', n: 2 }, version: 2, deletedAt: null });
    expect(updated.createdAt.getTime()).toBe(created.createdAt.getTime());
    const stored = await db.prisma.customer.findUniqueOrThrow({ where: { id: created.id } });
    expect(updated).toEqual(stored);

    const deleted = await store.delete(created.id);
    expect(deleted.version).toBe(3);
    expect(deleted.deletedAt).toEqual(deleted.updatedAt);

    const [, onUpdate, onDelete] = await eventsOf(created.id);
    expect(onUpdate).toMatchObject({ type: 'customer.updated', entityId: created.id, version: 2, origin: 'stripe', causationId: 'evt_1', occurredAt: updated.updatedAt.toISOString() });
    expect(onUpdate!.data).toEqual(customerSnapshot(updated));
    expect(onDelete).toMatchObject({ type: 'customer.deleted', version: 3, origin: 'local', occurredAt: deleted.updatedAt.toISOString() });
    expect(onDelete).not.toHaveProperty('causationId');
    expect(onDelete!.data).toEqual(customerSnapshot(deleted));
  });

  it('throws NotFoundError for a missing or deleted customer, and EmailTakenError for a live email, recording nothing', async () => {
    const taken = await store.create({ email: `${uniqueName('taken')}@example.com` });
    const other = await store.create({ email: `${uniqueName('other')}@example.com` });
    await expect(store.update(other.id, { email: taken.email })).rejects.toBeInstanceOf(EmailTakenError);
    await store.delete(other.id);
    await expect(store.update(other.id, { name: 'x' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.delete(other.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.update('00000000-0000-4000-8000-000000000000', { name: 'x' })).rejects.toBeInstanceOf(NotFoundError);
    expect((await eventsOf(other.id)).map((event) => event.type)).toEqual(['customer.created', 'customer.deleted']);
    expect((await db.prisma.customer.findUniqueOrThrow({ where: { id: other.id } })).version).toBe(2);
  });

  it('runs inside a caller transaction (updateIn), rolled back with it', async () => {
    const created = await store.create({ email: `${uniqueName('tx')}@example.com` });
    await expect(
      store.inTransaction(async (tx) => {
        await store.updateIn(tx, created.id, { name: 'rolled back' }, { origin: 'local' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await db.prisma.customer.findUniqueOrThrow({ where: { id: created.id } })).toMatchObject({ name: null, version: 1 });
    expect(await eventsOf(created.id)).toHaveLength(1);
  });
});

describe('the store\'s columns, derived from the contract', () => {
  it('are, for every synced field, the Customer model\'s column (Prisma\'s @map) with the type and nullability Postgres has', async () => {
    const dmmf = await internals.getDMMF({ datamodel: await readFile('prisma/schema.prisma', 'utf8') });
    const model = dmmf.datamodel.models.find((candidate) => candidate.name === 'Customer')!;
    const live = await db.prisma.$queryRaw<Array<{ column_name: string; udt_name: string; is_nullable: string }>>`
      SELECT column_name, udt_name, is_nullable FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'customer'`;
    const udt: Record<string, string> = { text: 'text', jsonb: 'jsonb', integer: 'int4', boolean: 'bool' };
    expect(customerColumns.map(({ field }) => field)).toEqual(Object.keys(customerFields));
    for (const column of customerColumns) {
      const prismaField = model.fields.find((field) => field.name === column.field)!;
      expect(column.column, column.field).toBe(prismaField.dbName ?? prismaField.name);
      expect(live.find((row) => row.column_name === column.column), column.field).toEqual({ column_name: column.column, udt_name: udt[column.sqlType], is_nullable: column.nullable ? 'YES' : 'NO' });
    }
  });
});
