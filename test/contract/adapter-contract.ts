import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { catalogOf, type CatalogName, type FlatFields, type SyncedOf } from '../../core/catalogs/index.js';
import type { CatalogHandler, VerifiedWebhook } from '../../integrations/registry/adapter.js';
import { PermanentError } from '../../integrations/registry/errors.js';
import { diffFields } from '../../core/sync/merge.js';

// The adapter contract-test kit: one suite any adapter and catalog pair runs against its emulator,
// parameterised by the catalog's lifecycle (create, update, end). What an emulator cannot do is
// declared, not skipped silently: `stateful: false` (stripe-mock answers fixtures) limits the suite
// to request shapes, and each part left out says why in the test name.

export interface AdapterContractSpec<C extends CatalogName> {
  adapter: string;
  catalog: C;
  emulator: string;
  handler: CatalogHandler<C>;
  /** The emulator keeps state: what is written can be read back (round trip, echo, 404). */
  stateful: boolean;
  /** A new entity's fields (remote terms: references hold remote ids). */
  create(): Promise<SyncedOf<C>> | SyncedOf<C>;
  /** A change to a created entity: its patch and the fields after it. */
  update(fields: SyncedOf<C>): { patch: FlatFields; after: SyncedOf<C> };
  /** Fields the remote side would refuse (checked before anything is sent). */
  overLimit(fields: SyncedOf<C>): SyncedOf<C>;
  /** A remote id no object has (for the 404 checks); stateful emulators only. */
  unknownRemoteId: string;
  /** Signs an event about the object as the remote system would, and verifies it with the adapter. */
  webhook?: { roundTrip(remoteId: string): Promise<VerifiedWebhook> };
  /** The adapter's catch-up listing. */
  catchUp?: { listEvents(since: Date): Promise<VerifiedWebhook[]> };
}

export function describeAdapterContract<C extends CatalogName>(spec: AdapterContractSpec<C>): void {
  const contract = catalogOf(spec.catalog);
  const key = () => `contract:${spec.catalog}:${randomUUID()}`;
  const remoteView = (fields: Partial<SyncedOf<C>>) => contract.remoteView({}, fields);
  const carried = (fields: SyncedOf<C>, read: Partial<SyncedOf<C>>) => {
    const flat = contract.flatten(fields);
    return Object.fromEntries(Object.entries(flat).filter(([field]) => contract.fieldOf(field) in read));
  };

  describe(`${spec.adapter} x ${spec.catalog} adapter contract (${spec.emulator})`, () => {
    it('runs the lifecycle: create, update, end', async () => {
      const localId = randomUUID();
      const fields = await spec.create();
      const { remoteId } = await spec.handler.create({ catalog: spec.catalog, localId, fields, idempotencyKey: key() });
      expect(remoteId).toEqual(expect.any(String));
      const { patch, after } = spec.update(fields);
      expect(await spec.handler.update({ catalog: spec.catalog, localId, remoteId, patch, before: fields, after, idempotencyKey: key() })).toBe('updated');
      await spec.handler.delete({ localId, remoteId, idempotencyKey: key() });
    });

    it('refuses fields over the remote limits before sending (a permanent failure)', async () => {
      const fields = spec.overLimit(await spec.create());
      await expect(spec.handler.create({ catalog: spec.catalog, localId: randomUUID(), fields, idempotencyKey: key() })).rejects.toThrow(PermanentError);
    });

    if (!spec.stateful) {
      it.skip(`round trip, retries, echoes, 404s: ${spec.emulator} is stateless (request shapes only)`, () => {});
      return;
    }

    it('round-trips: the object as read back carries exactly the fields written, and after an update the update', async () => {
      const localId = randomUUID();
      const fields = await spec.create();
      const { remoteId } = await spec.handler.create({ catalog: spec.catalog, localId, fields, idempotencyKey: key() });
      const read = await spec.handler.fetch!(remoteId);
      if (!read.exists) throw new Error('created object not found');
      expect(read.localId).toBe(localId);
      expect(remoteView(read.fields)).toEqual(carried(fields, read.fields));
      const { patch, after } = spec.update(fields);
      await spec.handler.update({ catalog: spec.catalog, localId, remoteId, patch, before: fields, after, idempotencyKey: key() });
      const again = await spec.handler.fetch!(remoteId);
      if (!again.exists) throw new Error('updated object not found');
      expect(remoteView(again.fields)).toEqual(carried(after, again.fields));
    });

    it('retries find what an earlier attempt created (by the local id), so a retry never makes a second object', async () => {
      const localId = randomUUID();
      const fields = await spec.create();
      const { remoteId } = await spec.handler.create({ catalog: spec.catalog, localId, fields, idempotencyKey: key() });
      expect(await spec.handler.findByLocalId({ localId, fields })).toBe(remoteId);
      expect(await spec.handler.findByLocalId({ localId: randomUUID(), fields })).toBeNull();
    });

    it('an echo changes nothing: the event our own write causes shows no change against the agreed fields', async () => {
      const localId = randomUUID();
      const fields = await spec.create();
      const { remoteId } = await spec.handler.create({ catalog: spec.catalog, localId, fields, idempotencyKey: key() });
      const base = contract.flatten(fields);
      const echoed = spec.webhook ? (await spec.webhook.roundTrip(remoteId)).changes[0]?.fields : await spec.handler.fetch!(remoteId).then((state) => (state.exists ? state.fields : undefined));
      expect(echoed).toBeDefined();
      expect(diffFields(base, contract.remoteView(base, echoed as Partial<SyncedOf<C>>))).toEqual({});
    });

    it('a remote 404 reads as gone, an update of it as missing, and ending it again is fine', async () => {
      const fields = await spec.create();
      expect(await spec.handler.fetch!(spec.unknownRemoteId)).toEqual({ exists: false, remoteId: spec.unknownRemoteId });
      expect(await spec.handler.update({ catalog: spec.catalog, localId: randomUUID(), remoteId: spec.unknownRemoteId, patch: contract.flatten(fields), before: fields, after: fields, idempotencyKey: key() })).toBe('missing');
      await spec.handler.delete({ localId: randomUUID(), remoteId: spec.unknownRemoteId, idempotencyKey: key() });
    });

    if (spec.webhook) {
      const webhook = spec.webhook;
      it('verifies a signed webhook into a change of the catalog, with its own time', async () => {
        const localId = randomUUID();
        const { remoteId } = await spec.handler.create({ catalog: spec.catalog, localId, fields: await spec.create(), idempotencyKey: key() });
        const verified = await webhook.roundTrip(remoteId);
        expect(verified.changes).toEqual([expect.objectContaining({ catalog: spec.catalog, remoteId, localId, occurredAt: expect.any(Date) })]);
      });
    }

    if (spec.catchUp) {
      const catchUp = spec.catchUp;
      it("catches up: the remote event list has the create, translated as its webhook would be", async () => {
        const since = new Date(Date.now() - 2_000);
        const localId = randomUUID();
        const { remoteId } = await spec.handler.create({ catalog: spec.catalog, localId, fields: await spec.create(), idempotencyKey: key() });
        const listed = (await catchUp.listEvents(since)).flatMap((event) => event.changes);
        expect(listed).toContainEqual(expect.objectContaining({ catalog: spec.catalog, kind: 'created', remoteId }));
      });
    }
  });
}
