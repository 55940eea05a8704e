import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../core/db/prisma.js';
import { testStack, uniqueName } from '../support/stack.js';

const db = createDatabase(testStack.databaseUrl);
const { prisma } = db;
afterAll(() => db.close());

describe('Prisma 7 over @prisma/adapter-pg against the real Postgres', () => {
  it('creates, reads, updates and deletes a customer', async () => {
    const email = `${uniqueName('crud')}@example.com`;
    const created = await prisma.customer.create({
      data: { email, name: 'Ada', address: { city: 'London' }, metadata: { tier: 'gold' } },
    });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.version).toBe(1);

    const read = await prisma.customer.findUniqueOrThrow({ where: { id: created.id } });
    expect(read).toMatchObject({ email, name: 'Ada', address: { city: 'London' }, metadata: { tier: 'gold' } });

    const updated = await prisma.customer.update({
      where: { id: created.id },
      data: { name: 'Ada Lovelace', version: { increment: 1 } },
    });
    expect(updated).toMatchObject({ name: 'Ada Lovelace', version: 2 });

    await prisma.customer.delete({ where: { id: created.id } });
    expect(await prisma.customer.findUnique({ where: { id: created.id } })).toBeNull();
  });

  it('rejects a second live customer with the same email (partial unique index)', async () => {
    const email = `${uniqueName('dup')}@example.com`;
    const first = await prisma.customer.create({ data: { email } });
    await expect(prisma.customer.create({ data: { email } })).rejects.toThrow();
    await prisma.customer.update({ where: { id: first.id }, data: { deletedAt: new Date() } });
    await expect(prisma.customer.create({ data: { email } })).resolves.toMatchObject({ email });
  });
});
