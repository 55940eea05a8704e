import pg from 'pg';
import { testStack, uniqueName } from './stack.js';

/** Creates an empty database for one test (the catalog role has CREATEDB) and drops it afterwards. */
export async function createScratchDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = uniqueName('scratch').replace(/-/g, '_');
  const admin = new pg.Client({ connectionString: testStack.databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(testStack.databaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: testStack.databaseUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
