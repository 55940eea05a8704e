import { readFile } from 'node:fs/promises';
import internals from '@prisma/internals';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { testStack } from '../support/stack.js';

// Guards against drift between prisma/schema.prisma and the SQL migrations: every scalar field of
// Prisma's datamodel (DMMF) must exist in the migrated database with a matching type and
// nullability, and every column of a mapped table must be known to the datamodel.

const SCALAR_TO_PG: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  BigInt: 'bigint',
  Boolean: 'boolean',
  DateTime: 'timestamp with time zone',
  Json: 'jsonb',
  Float: 'double precision',
};
const NATIVE_TO_PG: Record<string, string> = { Uuid: 'uuid', Timestamptz: 'timestamp with time zone', Date: 'date' };

interface Column {
  table: string;
  column: string;
  type: string;
  nullable: boolean;
}

async function datamodelColumns(): Promise<Column[]> {
  const dmmf = await internals.getDMMF({ datamodel: await readFile('prisma/schema.prisma', 'utf8') });
  const enumDbNames = new Map(dmmf.datamodel.enums.map((item) => [item.name, item.dbName ?? item.name]));
  return dmmf.datamodel.models.flatMap((model) =>
    model.fields
      .filter((field) => field.kind === 'scalar' || field.kind === 'enum')
      .map((field) => {
        const native = Array.isArray(field.nativeType) ? NATIVE_TO_PG[field.nativeType[0] as string] : undefined;
        const type = field.kind === 'enum' ? `USER-DEFINED:${enumDbNames.get(field.type)}` : (native ?? SCALAR_TO_PG[field.type] ?? `?${field.type}`);
        return { table: model.dbName ?? model.name, column: field.dbName ?? field.name, type, nullable: !field.isRequired };
      }),
  );
}

async function databaseColumns(tables: string[]): Promise<Column[]> {
  const client = new pg.Client({ connectionString: testStack.databaseUrl });
  await client.connect();
  const { rows } = await client.query<{ table_name: string; column_name: string; data_type: string; udt_name: string; is_nullable: string }>(
    `SELECT table_name, column_name, data_type, udt_name, is_nullable FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name = ANY($1)`,
    [tables],
  );
  await client.end();
  return rows.map((row) => ({
    table: row.table_name,
    column: row.column_name,
    type: row.data_type === 'USER-DEFINED' ? `USER-DEFINED:${row.udt_name}` : row.data_type,
    nullable: row.is_nullable === 'YES',
  }));
}

const byName = (a: Column, b: Column) => `${a.table}.${a.column}`.localeCompare(`${b.table}.${b.column}`);

describe('schema drift between prisma/schema.prisma and the migrated database', () => {
  it('has the same tables, columns, types and nullability on both sides', async () => {
    const expected = (await datamodelColumns()).sort(byName);
    const actual = (await databaseColumns([...new Set(expected.map((column) => column.table))])).sort(byName);
    expect(actual).toEqual(expected);
  });
});
