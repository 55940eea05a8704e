import type { z } from 'zod';
import { parseEnv } from '../../core/config/parse-env.js';
import type { ChangeEnvelope } from '../../core/events/envelope.js';
import type { InboundChange } from '../../core/events/inbound-change.js';

// The contract every integration implements. The core (consumers, webhook route, registry) only
// sees these types: catalog envelopes in, adapter-neutral inbound changes out.

/** What the integrations process knows of an entity's counterpart when a change goes out. */
export interface MappingState {
  remoteId: string | null;
  lastSyncedHash: string | null;
  /** The fields last synced, as the catalog names them (null if never synced). */
  lastSyncedFields: Record<string, unknown> | null;
}

export interface OutboundResult {
  /** The remote object's id (kept after a delete, for the record); null if it never existed. */
  remoteId: string | null;
  /** Hash of the mapped fields as written; a webhook carrying the same hash is our own echo. */
  hash: string;
  /** The fields as written, in the catalog's names (stored for the next change). */
  fields: Record<string, unknown> | null;
}

/** A verified webhook: its id and time, and what it means for the catalog. */
export interface VerifiedWebhook {
  eventId: string;
  occurredAt: Date;
  /** Empty when the event is of a kind this adapter does not sync. */
  changes: InboundChange[];
}

export interface WebhookRequest {
  rawBody: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

export interface AdapterInstance {
  /** Catalogs this adapter syncs (e.g. ['customer']). */
  catalogs: readonly string[];
  outbound: {
    /** Makes the remote object match the change. Throws RetryableError or PermanentError. */
    apply(change: ChangeEnvelope, mapping: MappingState | null): Promise<OutboundResult>;
  };
  inbound?: {
    /** Checks the signature and translates; throws WebhookRejectedError for a bad request. */
    verify(request: WebhookRequest): VerifiedWebhook;
    /** The remote object's current state, for events too close in time to order (same second). */
    refetch(change: InboundChange): Promise<InboundChange>;
  };
  /** Attempts per change before it is dead-lettered. */
  maxAttempts: number;
  /** Runs once at start (e.g. registers the webhook endpoint with an emulator). */
  start?(context: { webhookUrl: string }): Promise<void>;
}

export interface AdapterSpec<Config> {
  name: string;
  /** Validated against the environment at start-up; a bad value stops the process. */
  configSchema: z.ZodType<Config>;
  create(config: Config): AdapterInstance;
}

/** A registered adapter: its name and how to configure it from the environment. */
export interface IntegrationAdapter {
  name: string;
  configure(env: Record<string, string | undefined>): AdapterInstance;
}

/** Turns an adapter's spec into a registry entry (its config type stays inside). */
export function defineAdapter<Config>(spec: AdapterSpec<Config>): IntegrationAdapter {
  return { name: spec.name, configure: (env) => spec.create(parseEnv(spec.configSchema, env)) };
}
