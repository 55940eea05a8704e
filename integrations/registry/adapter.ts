import type { z } from 'zod';
import { parseEnv } from '../../core/config/parse-env.js';
import type { FlatFields, SyncedCustomer } from '../../core/catalogs/customer.js';
import type { RemoteAccount } from '../../core/sync/link-store.js';
import type { RateBudget, RemoteRateLimit } from '../rate-budget/rate-budget.js';

// The contract every integration implements. The core (consumers, webhook route, registry, merge)
// only sees these types: the catalog's synced fields in both directions, never a remote type.
// An adapter is stateless about sync: bases, locks and ordering are the core's job.

export type { RemoteAccount } from '../../core/sync/link-store.js';

export interface CreateRequest {
  catalog: string;
  localId: string;
  /** Every synced field of the new object. */
  fields: SyncedCustomer;
  /** Derived from the local id: every attempt to create one entity must return the same object. */
  idempotencyKey: string;
}

export interface UpdateRequest {
  catalog: string;
  localId: string;
  remoteId: string;
  /** Only the fields that changed locally since the base (`metadata.<key>`: null removes the key). */
  patch: FlatFields;
  /** The whole object after the patch, for limits that depend on more than the patch. */
  after: SyncedCustomer;
  idempotencyKey: string;
}

/** A remote object as read now: its synced fields, or gone. */
export type RemoteState =
  | { exists: true; remoteId: string; localId?: string; fields: SyncedCustomer }
  | { exists: false; remoteId: string };

/** What one remote event says happened; the core re-reads the object before acting on it. */
export interface ReceivedChange {
  catalog: string;
  kind: 'created' | 'updated' | 'deleted';
  remoteId: string;
  /** The local id the remote object carries, if any. */
  localId?: string;
  /** The object's fields as the event carried them (absent for deletes). */
  fields?: SyncedCustomer;
}

/** A verified webhook: its id and time, and what it means for the catalog. */
export interface VerifiedWebhook {
  eventId: string;
  occurredAt: Date;
  /** Empty when the event is of a kind this adapter does not sync. */
  changes: ReceivedChange[];
}

export interface WebhookRequest {
  rawBody: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

/** A page of remote objects as they are now, and the cursor of the next page. */
export interface RemotePage {
  items: Array<{ remoteId: string; localId?: string; fields: SyncedCustomer }>;
  next: string | null;
}

export interface AdapterInstance {
  /** Catalogs this adapter syncs (e.g. ['customer']). */
  catalogs: readonly string[];
  /** The remote account and mode this configuration talks to (links are scoped to it). */
  account(): Promise<RemoteAccount>;
  outbound: {
    /** Creates the remote object. Throws RetryableError or PermanentError. */
    create(request: CreateRequest): Promise<{ remoteId: string }>;
    /** Writes the patch; 'missing' when the remote object no longer exists. */
    update(request: UpdateRequest): Promise<'updated' | 'missing'>;
    /** Deletes the remote object (already gone is fine). */
    delete(request: { catalog: string; remoteId: string; idempotencyKey: string }): Promise<void>;
    /**
     * A remote object already tagged with this local id, for a create whose idempotency key may
     * have expired (read-after-write lists, not an eventually consistent search).
     */
    findByLocalId(request: { catalog: string; localId: string; fields: SyncedCustomer }): Promise<string | null>;
  };
  inbound?: {
    /** Checks the signature and translates; throws WebhookRejectedError for a bad request. */
    verify(request: WebhookRequest): VerifiedWebhook;
    /** The remote object as it is now. */
    fetch(catalog: string, remoteId: string): Promise<RemoteState>;
  };
  /**
   * Reads the remote system's own event list, so changes whose webhook never arrived (the process
   * was down, the sender gave up) are still taken. `intervalMs` 0 turns it off.
   */
  catchUp?: {
    intervalMs: number;
    /** Events created after `since`, oldest first, translated as their webhooks would be. */
    listEvents(since: Date): Promise<VerifiedWebhook[]>;
  };
  /** Pages through every remote object of a catalog, for backfill and reconcile runs. */
  bulk?: {
    /** One page after `cursor` (null: from the start), oldest filter `since`; `next` null at the end. */
    listPage(catalog: string, request: { cursor: string | null; limit: number; since?: Date }): Promise<RemotePage>;
  };
  /** Runs once at start (e.g. registers the webhook endpoint with an emulator). */
  start?(context: { webhookUrl: string }): Promise<void>;
}

/** What the process gives each adapter it configures. */
export interface AdapterServices {
  /**
   * The shared budget of the remote system's request limit, which the adapter declares (bucket and
   * requests per second); every remote call must take a token from it first.
   */
  rateBudget(limit: RemoteRateLimit): RateBudget;
}

export interface AdapterSpec<Config> {
  name: string;
  /** Validated against the environment at start-up; a bad value stops the process. */
  configSchema: z.ZodType<Config>;
  create(config: Config, services: AdapterServices): AdapterInstance;
}

/** A registered adapter: its name and how to configure it from the environment. */
export interface IntegrationAdapter {
  name: string;
  configure(env: Record<string, string | undefined>, services: AdapterServices): AdapterInstance;
}

/** Turns an adapter's spec into a registry entry (its config type stays inside). */
export function defineAdapter<Config>(spec: AdapterSpec<Config>): IntegrationAdapter {
  return { name: spec.name, configure: (env, services) => spec.create(parseEnv(spec.configSchema, env), services) };
}
