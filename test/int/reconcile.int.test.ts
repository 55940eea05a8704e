import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as syncCli } from '../../cli/sync.js';
import { CreateCustomer } from '../graphql/operations.js';
import { testCredentials } from '../support/credentials.js';
import { testBus } from '../support/kafka.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, uniqueTopics } from '../support/gateway.js';
import { data } from '../support/graphql-client.js';
import { startTestIntegrations } from '../support/integrations.js';
import { testStack, uniqueName } from '../support/stack.js';
import { localstripe } from '../support/stripe-emulators.js';
import type { DriftSample } from '../../integrations/runs/reconcile-run.js';

// Issue #11: `reconcile` finds drift planted directly in each side's data (Postgres through SQL,
// localstripe through its API with webhooks and catch-up off), reports it by field with a sample,
// repairs it in each direction (local, latest, remote) with the plan in the report, and reports
// orphans on both sides, removing them only with --delete-orphans (a dry run shows the plan).

const topics = uniqueTopics();
const stripe = localstripe();
const sql = new pg.Pool({ connectionString: testStack.databaseUrl, max: 3 });
const prefix = uniqueName('reconcile');
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
let integrations: Awaited<ReturnType<typeof startTestIntegrations>>;
let since: Date;
const pairs: Array<{ id: string; remoteId: string }> = [];
let remoteOrphan: string;
let foreignOrphan: string;

type Sample = DriftSample;

interface Report {
  driftByField: Record<string, number>;
  driftedPairs: number;
  sample: Sample[];
  repair: { direction: string; localTakesRemote: number; remoteTakesLocal: number; byReason: Record<string, number> } | null;
  remoteOrphans: { count: number; byReason: Record<string, number>; sample: Array<{ remoteId: string; localId: string | null; reason: string; action: string }> };
  localOrphans: { count: number; sample: Array<{ customerId: string; remoteId: string; action: string }> };
  repaired: number;
  orphansRemoved: { remote: number; local: number };
}

beforeAll(async () => {
  since = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);
  gateway = await startTestGateway(topics);
  // Webhooks go nowhere and catch-up is off (the test default): drift planted remotely stays unseen.
  integrations = await startTestIntegrations(topics, { INTEGRATIONS_PUBLIC_URL: 'http://127.0.0.1:9', STRIPE_CATCHUP_INTERVAL_S: '0' });
  for (let i = 0; i < 5; i += 1) {
    const result = await data(gateway.url, CreateCustomer, { input: { email: `${prefix}-${i}@example.com`, name: `Pair ${i}`, phone: '+15550100' } });
    if (result.createCustomer.__typename !== 'CreateCustomerSuccess') throw new Error(JSON.stringify(result.createCustomer));
    const id = result.createCustomer.customer.id;
    const remoteId = await eventually(async () => {
      const { rows } = await sql.query<{ remote_id: string }>(`SELECT remote_id FROM id_mapping WHERE local_id = $1 AND status = 'SYNCED' AND remote_id IS NOT NULL`, [id]);
      return rows[0]?.remote_id;
    }, 30_000, 'pair linked');
    pairs.push({ id, remoteId });
  }
  // Drift: pair 0's name changed in Postgres, pair 1's phone in Stripe; pair 2's remote object
  // deleted in Stripe (a local orphan); pair 4's local customer deleted in Postgres (its remote
  // object is an orphan of a deleted customer); a Stripe customer nobody links, and one tagged with
  // a local id this catalog never had (remote orphans that are only reported).
  await sql.query(`UPDATE customer SET name = 'Drifted locally' WHERE id = $1`, [pairs[0]!.id]);
  await stripe.customers.update(pairs[1]!.remoteId, { phone: '+15559999' });
  await stripe.customers.del(pairs[2]!.remoteId);
  await sql.query(`UPDATE customer SET deleted_at = now(), version = version + 1 WHERE id = $1`, [pairs[4]!.id]);
  remoteOrphan = (await stripe.customers.create({ email: `${prefix}-orphan@example.com`, name: 'Orphan' })).id;
  foreignOrphan = (await stripe.customers.create({ email: `${prefix}-foreign@example.com`, name: 'Foreign', metadata: { local_id: randomUUID() } })).id;
}, 120_000);

afterAll(async () => {
  await integrations?.stop();
  await gateway?.stop();
  await sql.end();
});

async function reconcile(args: string[]): Promise<{ run: { status: string; updated: number }; report: Report }> {
  process.env.CATALOG_GATEWAY_URL = gateway.url;
  process.env.CATALOG_API_KEY = testCredentials.admin;
  const lines: string[] = [];
  await syncCli(['reconcile', 'stripe', '--since', since.toISOString(), '--no-follow', ...args], (line) => lines.push(line));
  const runId = /started reconcile run ([0-9a-f-]{36})/.exec(lines.join('\n'))?.[1];
  expect(runId, lines.join('\n')).toBeDefined();
  return eventually(async () => {
    const { rows } = await sql.query<{ status: string; updated: number; report: Report; error: string | null }>('SELECT status, updated, report, error FROM sync_run WHERE id = $1', [runId]);
    const run = rows[0]!;
    if (run.status === 'FAILED') throw new Error(`reconcile failed: ${run.error}`);
    return run.status === 'SUCCEEDED' ? { run, report: run.report } : undefined;
  }, 60_000, 'reconcile run finished');
}

async function customerRow(id: string): Promise<{ name: string; phone: string; deleted_at: Date | null }> {
  const { rows } = await sql.query<{ name: string; phone: string; deleted_at: Date | null }>('SELECT name, phone, deleted_at FROM customer WHERE id = $1', [id]);
  return rows[0]!;
}

async function remoteCustomer(id: string): Promise<{ name: string; phone: string; deleted?: boolean }> {
  return (await stripe.customers.retrieve(id)) as unknown as { name: string; phone: string; deleted?: boolean };
}

/** Whether the Stripe customer is gone (localstripe answers 404 for a deleted one, Stripe `deleted: true`). */
async function remoteGone(id: string): Promise<boolean> {
  try {
    return (await remoteCustomer(id)).deleted === true;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return true;
    throw error;
  }
}

/** How many reconcile repairs are on record for a customer (each repaired field is a conflict). */
async function reconcileConflicts(id: string): Promise<number> {
  const { rows } = await sql.query<{ n: string }>(`SELECT count(*) AS n FROM sync_conflict WHERE entity_id = $1 AND policy LIKE 'reconcile-%'`, [id]);
  return Number(rows[0]!.n);
}

/** Waits until every drift the gateway and the integration settle is gone (a report run finds none). */
async function noDriftLeft(): Promise<Report> {
  return eventually(async () => {
    const { report } = await reconcile([]);
    return report.driftedPairs === 0 ? report : undefined;
  }, 60_000, 'no drift left');
}

describe('reconcile stripe', () => {
  it('reports drift by field with a sample and orphans on both sides, changing nothing', async () => {
    const found = await reconcile([]);
    expect(found.report.driftByField).toEqual({ name: 1, phone: 1 });
    expect(found.report.driftedPairs).toBe(2);
    expect(found.report.sample).toEqual(
      expect.arrayContaining([
        { customerId: pairs[0]!.id, remoteId: pairs[0]!.remoteId, field: 'name', local: 'Drifted locally', remote: 'Pair 0' },
        { customerId: pairs[1]!.id, remoteId: pairs[1]!.remoteId, field: 'phone', local: '+15550100', remote: '+15559999' },
      ]),
    );
    expect(found.report.repair).toBeNull();
    expect(found.report.remoteOrphans.sample).toEqual(
      expect.arrayContaining([
        { remoteId: remoteOrphan, localId: null, reason: 'unlinked', action: 'none' },
        { remoteId: foreignOrphan, localId: expect.any(String), reason: 'unknown-local-id', action: 'none' },
        { remoteId: pairs[4]!.remoteId, localId: pairs[4]!.id, reason: 'deleted-locally', action: 'none' },
      ]),
    );
    expect(found.report.localOrphans.sample).toEqual([{ customerId: pairs[2]!.id, remoteId: pairs[2]!.remoteId, action: 'none' }]);
    expect(found.report.repaired).toBe(0);
    // Nothing was changed by the report: Stripe and Postgres still hold the drift.
    expect(await remoteCustomer(pairs[0]!.remoteId)).toMatchObject({ name: 'Pair 0' });
    expect(await customerRow(pairs[1]!.id)).toMatchObject({ phone: '+15550100' });
  }, 120_000);

  it('--repair local: the local customers take the Stripe values through the inbound merge, recorded as conflicts', async () => {
    const dry = await reconcile(['--repair', 'local', '--dry-run']);
    expect(dry.report.sample).toEqual(
      expect.arrayContaining([
        { customerId: pairs[0]!.id, remoteId: pairs[0]!.remoteId, field: 'name', local: 'Drifted locally', remote: 'Pair 0', winner: 'remote', reason: 'repair-local' },
        { customerId: pairs[1]!.id, remoteId: pairs[1]!.remoteId, field: 'phone', local: '+15550100', remote: '+15559999', winner: 'remote', reason: 'repair-local' },
      ]),
    );
    expect(dry.report.repair).toEqual({ direction: 'local', localTakesRemote: 2, remoteTakesLocal: 0, byReason: { 'repair-local': 2 } });
    expect(dry.report.repaired).toBe(0);
    expect(await customerRow(pairs[0]!.id)).toMatchObject({ name: 'Drifted locally' });

    const repaired = await reconcile(['--repair', 'local']);
    expect(repaired.report.repaired).toBe(2);
    expect(repaired.run.updated).toBe(2);
    await eventually(async () => {
      const [first, second] = await Promise.all([customerRow(pairs[0]!.id), customerRow(pairs[1]!.id)]);
      return first.name === 'Pair 0' && second.phone === '+15559999' ? true : undefined;
    }, 30_000, 'local side repaired');
    // Stripe kept its values; each repaired field is a recorded conflict the remote side won.
    expect(await remoteCustomer(pairs[0]!.remoteId)).toMatchObject({ name: 'Pair 0' });
    expect(await remoteCustomer(pairs[1]!.remoteId)).toMatchObject({ phone: '+15559999' });
    const { rows } = await sql.query<{ entity_id: string; field: string; winner: string; policy: string }>(
      `SELECT entity_id::text, field, winner, policy FROM sync_conflict WHERE entity_id = ANY($1::uuid[]) AND policy LIKE 'reconcile-%' ORDER BY field`,
      [[pairs[0]!.id, pairs[1]!.id]],
    );
    expect(rows).toEqual([
      { entity_id: pairs[0]!.id, field: 'name', winner: 'remote', policy: 'reconcile-local:repair-local' },
      { entity_id: pairs[1]!.id, field: 'phone', winner: 'remote', policy: 'reconcile-local:repair-local' },
    ]);
    await noDriftLeft();
  }, 180_000);

  it('--repair latest: per field the side changed last wins (the side that left the base, else the later time)', async () => {
    // Pair 0: only Postgres changed (the base still holds Stripe's value). Pair 1: only Stripe.
    // Pair 3: both, Postgres an hour ago, Stripe now (its customer.updated event is the newest).
    await sql.query(`UPDATE customer SET name = 'Local edit' WHERE id = $1`, [pairs[0]!.id]);
    await stripe.customers.update(pairs[1]!.remoteId, { phone: '+15558888' });
    await sql.query(`UPDATE customer SET name = 'Local earlier', updated_at = now() - interval '1 hour' WHERE id = $1`, [pairs[3]!.id]);
    await stripe.customers.update(pairs[3]!.remoteId, { name: 'Remote later' });

    const dry = await reconcile(['--repair', 'latest', '--dry-run']);
    expect(dry.report.sample).toEqual(
      expect.arrayContaining([
        { customerId: pairs[0]!.id, remoteId: pairs[0]!.remoteId, field: 'name', local: 'Local edit', remote: 'Pair 0', winner: 'local', reason: 'only-local-changed' },
        { customerId: pairs[1]!.id, remoteId: pairs[1]!.remoteId, field: 'phone', local: '+15559999', remote: '+15558888', winner: 'remote', reason: 'only-remote-changed' },
        { customerId: pairs[3]!.id, remoteId: pairs[3]!.remoteId, field: 'name', local: 'Local earlier', remote: 'Remote later', winner: 'remote', reason: 'remote-newer' },
      ]),
    );
    expect(dry.report.repair).toEqual({ direction: 'latest', localTakesRemote: 2, remoteTakesLocal: 1, byReason: { 'only-local-changed': 1, 'only-remote-changed': 1, 'remote-newer': 1 } });
    expect(await remoteCustomer(pairs[0]!.remoteId)).toMatchObject({ name: 'Pair 0' });

    const repaired = await reconcile(['--repair', 'latest']);
    expect(repaired.report.repaired).toBe(3);
    await eventually(async () => {
      const [zero, one, three] = await Promise.all([remoteCustomer(pairs[0]!.remoteId), customerRow(pairs[1]!.id), customerRow(pairs[3]!.id)]);
      return zero.name === 'Local edit' && one.phone === '+15558888' && three.name === 'Remote later' ? true : undefined;
    }, 30_000, 'latest repaired both ways');
    expect(await customerRow(pairs[0]!.id)).toMatchObject({ name: 'Local edit' });
    expect(await remoteCustomer(pairs[3]!.remoteId)).toMatchObject({ name: 'Remote later' });
    await noDriftLeft();
  }, 180_000);

  it('--repair remote: Stripe takes the local values', async () => {
    await sql.query(`UPDATE customer SET name = 'Drifted locally' WHERE id = $1`, [pairs[0]!.id]);
    await stripe.customers.update(pairs[1]!.remoteId, { phone: '+15557777' });
    const dry = await reconcile(['--repair', 'remote', '--dry-run']);
    expect(dry.report.sample).toEqual(
      expect.arrayContaining([
        { customerId: pairs[0]!.id, remoteId: pairs[0]!.remoteId, field: 'name', local: 'Drifted locally', remote: 'Local edit', winner: 'local', reason: 'repair-remote' },
        { customerId: pairs[1]!.id, remoteId: pairs[1]!.remoteId, field: 'phone', local: '+15558888', remote: '+15557777', winner: 'local', reason: 'repair-remote' },
      ]),
    );
    const repaired = await reconcile(['--repair', 'remote']);
    expect(repaired.report.repaired).toBe(2);
    expect(repaired.run.updated).toBe(2);
    await eventually(async () => {
      const [first, second] = await Promise.all([remoteCustomer(pairs[0]!.remoteId), remoteCustomer(pairs[1]!.remoteId)]);
      return first.name === 'Drifted locally' && second.phone === '+15558888' ? true : undefined;
    }, 30_000, 'Stripe repaired');
    expect(await customerRow(pairs[1]!.id)).toMatchObject({ phone: '+15558888' });
    // Nothing deleted without --delete-orphans: every orphan is still reported.
    const after = await noDriftLeft();
    expect(after.remoteOrphans.byReason).toEqual({ unlinked: 1, 'unknown-local-id': 1, 'deleted-locally': 1 });
    expect(after.localOrphans.count).toBe(1);
  }, 180_000);

  it('--delete-orphans: deletes the Stripe customer of a deleted customer, unlinks and re-exports a customer whose Stripe side vanished, leaves the rest', async () => {
    const dry = await reconcile(['--delete-orphans', '--dry-run']);
    expect(dry.report.remoteOrphans.sample).toEqual(
      expect.arrayContaining([
        { remoteId: remoteOrphan, localId: null, reason: 'unlinked', action: 'none' },
        { remoteId: foreignOrphan, localId: expect.any(String), reason: 'unknown-local-id', action: 'none' },
        { remoteId: pairs[4]!.remoteId, localId: pairs[4]!.id, reason: 'deleted-locally', action: 'delete-remote' },
      ]),
    );
    expect(dry.report.localOrphans.sample).toEqual([{ customerId: pairs[2]!.id, remoteId: pairs[2]!.remoteId, action: 'unlink-and-export' }]);
    expect(dry.report.orphansRemoved).toEqual({ remote: 0, local: 0 });
    expect(await remoteGone(pairs[4]!.remoteId)).toBe(false);

    const removed = await reconcile(['--delete-orphans']);
    expect(removed.report.orphansRemoved).toEqual({ remote: 1, local: 1 });
    expect(await remoteGone(pairs[4]!.remoteId)).toBe(true);
    // Pair 2 keeps its local customer and gets a new Stripe customer with its values.
    const newRemoteId = await eventually(async () => {
      const { rows } = await sql.query<{ remote_id: string | null; status: string }>(`SELECT remote_id, status FROM id_mapping WHERE local_id = $1`, [pairs[2]!.id]);
      return rows[0]?.remote_id && rows[0].remote_id !== pairs[2]!.remoteId && rows[0].status === 'SYNCED' ? rows[0].remote_id : undefined;
    }, 30_000, 'pair 2 exported again');
    expect(await customerRow(pairs[2]!.id)).toMatchObject({ name: 'Pair 2', deleted_at: null });
    expect(await remoteCustomer(newRemoteId)).toMatchObject({ name: 'Pair 2', email: `${prefix}-2@example.com`, metadata: { local_id: pairs[2]!.id } });
    // The deleted customer stays deleted (the delete's webhook would find nothing to do), and the
    // orphans that may hold someone's only copy are still there.
    expect(await customerRow(pairs[4]!.id)).toMatchObject({ deleted_at: expect.any(Date) });
    expect(await remoteGone(remoteOrphan)).toBe(false);
    expect(await remoteGone(foreignOrphan)).toBe(false);
    const after = await reconcile([]);
    expect(after.report.localOrphans.count).toBe(0);
    expect(after.report.remoteOrphans.byReason).toEqual({ unlinked: 1, 'unknown-local-id': 1 });
    expect(after.report.driftedPairs).toBe(0);
  }, 180_000);

  it('a repair of a pair changed locally since the run compared it is merged as a live change: the local edit stays', async () => {
    // Pair 3 as the run saw it (version v), then a local edit committed (v + 1) whose change has not
    // reached Stripe yet (planted with SQL, so it never does here), and a phone changed in Stripe.
    const { rows: [seen] } = await sql.query<{ version: number; email: string }>('SELECT version, email FROM customer WHERE id = $1', [pairs[3]!.id]);
    await stripe.customers.update(pairs[3]!.remoteId, { phone: '+15556666' });
    await sql.query(`UPDATE customer SET name = 'Live edit', version = version + 1, updated_at = now() WHERE id = $1`, [pairs[3]!.id]);
    const { rows: [link] } = await sql.query<{ remote_account: string; remote_mode: 'emulator' | 'test' | 'live' }>('SELECT remote_account, remote_mode FROM id_mapping WHERE local_id = $1', [pairs[3]!.id]);
    const { rows: [mark] } = await sql.query<{ mark: string }>(`SELECT nextval('sync_mark_seq')::text AS mark`);
    // The snapshot the run publishes for --repair local (read after the edit, before its outbound write).
    const change = {
      id: `reconcile:test:${randomUUID()}`,
      integration: 'stripe',
      catalog: 'customer',
      kind: 'updated',
      remoteId: pairs[3]!.remoteId,
      localId: pairs[3]!.id,
      occurredAt: new Date().toISOString(),
      data: { email: seen!.email, name: 'Remote later', phone: '+15556666', address: null, metadata: {} },
      mark: mark!.mark,
      remoteAccount: link!.remote_account,
      remoteMode: link!.remote_mode,
      reconcile: { repair: 'local', localVersion: seen!.version },
    };
    const conflictsBefore = await reconcileConflicts(pairs[3]!.id);
    const bus = testBus();
    try {
      await bus.publish(topics.TOPIC_INTEGRATION_INBOUND_BULK, [{ key: change.remoteId, value: JSON.stringify(change), headers: { 'event-id': change.id } }]);
    } finally {
      await bus.close();
    }
    // Merged as a live change: Stripe's phone (changed there only) is applied, the local edit kept.
    await eventually(async () => ((await customerRow(pairs[3]!.id)).phone === '+15556666' ? true : undefined), 30_000, 'snapshot applied');
    expect(await customerRow(pairs[3]!.id)).toMatchObject({ name: 'Live edit' });
    expect(await reconcileConflicts(pairs[3]!.id)).toBe(conflictsBefore);
  }, 120_000);
});
