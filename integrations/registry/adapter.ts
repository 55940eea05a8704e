import type { z } from 'zod';
import { parseEnv, secretVariablesOf, variablesOf } from '../../core/config/parse-env.js';
import type { CatalogName, FlatFields, SyncedOf } from '../../core/catalogs/index.js';
import type { RemoteAccount } from '../../core/sync/link-store.js';
import type { RateBudget, RemoteRateLimit } from '../rate-budget/rate-budget.js';

// The contract every integration implements. The core (consumers, webhook route, registry, merge)
// only sees these types: each catalog's synced fields (its contract in core/catalogs/) in both
// directions, never a remote type. An adapter is stateless about sync: bases, locks, ordering and
// the translation of references (e.g. an invoice's customer) between local and remote ids are the
// core's job. In reference fields an adapter always sees and returns the remote system's ids.

export type { RemoteAccount } from '../../core/sync/link-store.js';

export interface CreateRequest<C extends CatalogName> {
  catalog: C;
  localId: string;
  /** Every synced field of the new object (reference fields hold remote ids). */
  fields: SyncedOf<C>;
  /** Derived from the local id: every attempt to create one entity must return the same object. */
  idempotencyKey: string;
}

export interface UpdateRequest<C extends CatalogName> {
  catalog: C;
  localId: string;
  remoteId: string;
  /** Only the fields that changed locally since the base (`<field>.<key>` of a per-key field: null removes the key). */
  patch: FlatFields;
  /** The object as both sides agreed before the patch (e.g. an invoice's status it moves from). */
  before: SyncedOf<C>;
  /** The whole object after the patch, for limits that depend on more than the patch. */
  after: SyncedOf<C>;
  idempotencyKey: string;
}

/** A remote object as read now: the synced fields it carries, or gone. */
export type RemoteState<C extends CatalogName> =
  | { exists: true; remoteId: string; localId?: string; fields: Partial<SyncedOf<C>> }
  | { exists: false; remoteId: string };

/** What one remote event says happened; the core re-reads the object before acting on it. */
export type ReceivedChange = {
  [C in CatalogName]: {
    catalog: C;
    kind: 'created' | 'updated' | 'deleted';
    remoteId: string;
    /** The local id the remote object carries, if any. */
    localId?: string;
    /** When this change happened remotely (one request may batch events of different times). */
    occurredAt: Date;
    /** The fields the event carried (absent for deletes); fields it does not carry are left out. */
    fields?: Partial<SyncedOf<C>>;
  };
}[CatalogName];

/** A verified webhook: its id, and what it means for the catalogs (each change with its own time). */
export interface VerifiedWebhook {
  eventId: string;
  /** Empty when the event is of a kind this adapter does not sync. */
  changes: ReceivedChange[];
  /** The delivery's time (catch-up cursors move by it); each change carries its own. */
  occurredAt: Date;
}

export interface WebhookRequest {
  /** The HTTP method, e.g. POST (HubSpot v3 signs it). */
  method: string;
  /** The public URL the sender called, with its query string (HubSpot v3 signs it). */
  url: string;
  rawBody: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

/** A page of remote objects as they are now, and the cursor of the next page. */
export interface RemotePage {
  items: Array<{ remoteId: string; localId?: string; fields: SyncedOf<'customer'> }>;
  next: string | null;
}

/** One catalog's half of an adapter: how its entities are written to and read from the remote side. */
export interface CatalogHandler<C extends CatalogName> {
  /** Creates the remote object. Throws RetryableError or PermanentError. */
  create(request: CreateRequest<C>): Promise<{ remoteId: string }>;
  /** Writes the patch; 'missing' when the remote object no longer exists. */
  update(request: UpdateRequest<C>): Promise<'updated' | 'missing'>;
  /** Deletes the remote object (already gone is fine), or whatever ends its life remotely (an invoice is voided). */
  delete(request: { localId: string; remoteId: string; idempotencyKey: string }): Promise<void>;
  /**
   * A remote object already tagged with this local id, for a create whose idempotency key may
   * have expired (read-after-write lists, not an eventually consistent search).
   */
  findByLocalId(request: { localId: string; fields: SyncedOf<C> }): Promise<string | null>;
  /** The remote object as it is now (needed for webhooks, catch-up and the read before a patch). */
  fetch?(remoteId: string): Promise<RemoteState<C>>;
}

/** The catalogs an adapter syncs, each with its handler. */
export type CatalogHandlers = { [C in CatalogName]?: CatalogHandler<C> };

export interface AdapterInstance {
  /** The catalogs this adapter syncs (e.g. { customer, invoice }); other catalogs' changes are skipped. */
  catalogs: CatalogHandlers;
  /** The remote account and mode this configuration talks to (links are scoped to it). */
  account(): Promise<RemoteAccount>;
  inbound?: {
    /** Checks the signature and translates; throws WebhookRejectedError for a bad request. */
    verify(request: WebhookRequest): VerifiedWebhook | Promise<VerifiedWebhook>;
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

/** The handler of one catalog, if the adapter syncs it. */
export function handlerOf<C extends CatalogName>(instance: AdapterInstance, catalog: C): CatalogHandler<C> | undefined {
  return instance.catalogs[catalog];
}

export interface AdapterSpec<Config> {
  name: string;
  /** Its environment variables: validated at start-up (a bad value stops the process, named); secrets marked with secret(). */
  configSchema: z.ZodType<Config>;
  create(config: Config, services: AdapterServices): AdapterInstance;
}

/**
 * A registered adapter: its name, its environment (the .env.example check and the README table are
 * checked against it), the variables it holds secret (redacted from every log line), and how to
 * configure it from the environment.
 */
export interface IntegrationAdapter {
  name: string;
  configSchema: z.ZodType;
  /** Every environment variable it reads. */
  envVariables: readonly string[];
  /** The variables whose values are secret (declared with secret() in its config schema). */
  secretKeys: readonly string[];
  configure(env: Record<string, string | undefined>, services: AdapterServices): AdapterInstance;
}

/** Turns an adapter's spec into a registry entry (its config type stays inside). */
export function defineAdapter<Config>(spec: AdapterSpec<Config>): IntegrationAdapter {
  return {
    name: spec.name,
    configSchema: spec.configSchema,
    envVariables: variablesOf(spec.configSchema),
    secretKeys: secretVariablesOf(spec.configSchema),
    configure: (env, services) => spec.create(parseEnv(spec.configSchema, env), services),
  };
}
