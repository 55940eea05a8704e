import { cp, mkdtemp, appendFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { applyMigrations, readMigrations } from '../../core/db/migrate.js';
import { createScratchDatabase } from '../support/scratch-database.js';

const migrationsDir = path.resolve('prisma/migrations');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function scratch() {
  const db = await createScratchDatabase();
  cleanups.push(db.drop);
  return db.url;
}

async function schemaSnapshot(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const columns = await client.query(
    `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2`,
  );
  const migrations = await client.query(`SELECT id, checksum, migration_name, finished_at FROM "_prisma_migrations" ORDER BY migration_name`);
  await client.end();
  return { columns: columns.rows, migrations: migrations.rows };
}

describe('migration applier (prisma/migrations, recorded in _prisma_migrations)', () => {
  it('applies every migration once, and a second run changes nothing', async () => {
    const url = await scratch();
    const first = await applyMigrations(url, migrationsDir);
    const expected = (await readMigrations(migrationsDir)).map((migration) => migration.name);
    expect(first.applied).toEqual(expected);
    const afterFirst = await schemaSnapshot(url);

    const second = await applyMigrations(url, migrationsDir);
    expect(second).toEqual({ applied: [], alreadyApplied: expected });
    expect(await schemaSnapshot(url)).toEqual(afterFirst);
  });

  it('records migrations the way Prisma does (sha256 checksum, finished, one step)', async () => {
    const url = await scratch();
    await applyMigrations(url, migrationsDir);
    const { migrations } = await schemaSnapshot(url);
    const files = await readMigrations(migrationsDir);
    expect(migrations.map((row) => [row.migration_name, row.checksum])).toEqual(files.map((file) => [file.name, file.checksum]));
    for (const row of migrations) {
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('fails loudly when an applied migration file has been edited', async () => {
    const url = await scratch();
    await applyMigrations(url, migrationsDir);
    const edited = await mkdtemp(path.join(os.tmpdir(), 'migrations-'));
    await cp(migrationsDir, edited, { recursive: true });
    const [first] = await readMigrations(edited);
    await appendFile(path.join(edited, first!.name, 'migration.sql'), '\n-- edited after the fact\n');
    await expect(applyMigrations(url, edited)).rejects.toThrow(/was modified after it was applied/);
  });

  it('rolls a failing migration back and records nothing for it', async () => {
    const url = await scratch();
    const broken = await mkdtemp(path.join(os.tmpdir(), 'migrations-'));
    await cp(migrationsDir, broken, { recursive: true });
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(path.join(broken, '99990101000000_broken'));
    await writeFile(path.join(broken, '99990101000000_broken', 'migration.sql'), 'CREATE TABLE half_done (id int);\nSELECT no_such_function();\n');
    await expect(applyMigrations(url, broken)).rejects.toThrow(/99990101000000_broken failed and was rolled back/);
    const { columns, migrations } = await schemaSnapshot(url);
    expect(columns.some((column) => column.table_name === 'half_done')).toBe(false);
    expect(migrations.map((row) => row.migration_name)).not.toContain('99990101000000_broken');
  });
});
