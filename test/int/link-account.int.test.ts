import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../../core/db/migrate.js';
import { createDatabase } from '../../core/db/prisma.js';
import { uniqueTopics } from '../support/gateway.js';
import { startTestIntegrations } from '../support/integrations.js';
import { createScratchDatabase } from '../support/scratch-database.js';

// Links are scoped to the remote account and mode they were made with: pointing a database at other
// keys must never let that account's 404s delete local customers.

let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let db: ReturnType<typeof createDatabase>;

beforeAll(async () => {
  scratch = await createScratchDatabase();
  await applyMigrations(scratch.url, path.resolve('prisma/migrations'));
  db = createDatabase(scratch.url);
});
afterAll(async () => {
  await db?.close();
  await scratch?.drop();
});

describe('links know their account', () => {
  it('adopts links recorded before accounts were, then refuses to start against another account or mode', async () => {
    const legacy = await db.prisma.idMapping.create({ data: { catalog: 'customer', localId: randomUUID(), remoteSystem: 'stripe', remoteId: 'cus_legacy', status: 'SYNCED' } });
    const integrations = await startTestIntegrations(uniqueTopics(), { DATABASE_URL: scratch.url });
    await integrations.stop();
    expect(await db.prisma.idMapping.findUnique({ where: { id: legacy.id } })).toMatchObject({ remoteAccount: 'emulator', remoteMode: 'emulator' });

    await db.prisma.idMapping.create({ data: { catalog: 'customer', localId: randomUUID(), remoteSystem: 'stripe', remoteId: 'cus_live', remoteAccount: 'acct_1Live', remoteMode: 'live', status: 'SYNCED' } });
    await expect(startTestIntegrations(uniqueTopics(), { DATABASE_URL: scratch.url })).rejects.toThrow(
      /belong to account acct_1Live \(live\), but this process is configured for emulator \(emulator\)\. Refusing to start/,
    );
  });
});
