import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { catalogNames, catalogs, type CatalogName, type SnapshotOf } from '../catalogs/index.js';

// The adapter-neutral event envelope shared by both processes. It never carries a remote system's
// types: `data` is the catalog's own snapshot of the entity after the change (or before a delete),
// typed by the catalog's contract (core/catalogs/).

export const ORIGIN_LOCAL = 'local';

export const changeKinds = ['created', 'updated', 'deleted'] as const;
export type ChangeKind = (typeof changeKinds)[number];

/**
 * The envelope's schema version. Consumers accept this one and the previous one, so an upgrade
 * never strands messages already in topics, the outbox, parked pairs or the dead-letter topic.
 * Version 1 (no `schemaVersion` field) had the same fields with `data` unchecked; it is read as
 * version 2 when its data fits the catalog's snapshot (it always did: the same snapshot function
 * wrote it).
 */
export const ENVELOPE_SCHEMA_VERSION = 2;
export const ACCEPTED_ENVELOPE_VERSIONS = [1, 2] as const;

const envelopeFields = {
  schemaVersion: z.literal(ENVELOPE_SCHEMA_VERSION),
  id: z.uuid(),
  /** `<catalog>.<kind>`, e.g. customer.created. */
  type: z.string().regex(/^[a-z][a-z_]*\.(created|updated|deleted)$/, 'expected <catalog>.created|updated|deleted'),
  entityId: z.string().min(1),
  /** The entity's version after this change (a delete bumps it too). */
  version: z.number().int().positive(),
  /** `local` for changes made through the gateway, otherwise the integration they came from. */
  origin: z.string().min(1),
  occurredAt: z.iso.datetime({ offset: true }),
  /** The event (e.g. a webhook's id) that caused this one, when there is one. */
  causationId: z.string().min(1).optional(),
  /**
   * Set by a resync: only this integration acts on the event, and it re-applies the snapshot even
   * if it already synced this version.
   */
  resyncFor: z.string().min(1).optional(),
};

function envelopeOf<C extends CatalogName>(catalog: C) {
  return z.object({ ...envelopeFields, catalog: z.literal(catalog), data: catalogs[catalog].snapshotSchema as z.ZodType<SnapshotOf<C>> });
}

const [firstCatalog, ...otherCatalogs] = catalogNames;
/** One envelope schema per registered catalog, told apart by `catalog`. */
export const changeEnvelopeSchema = z
  .discriminatedUnion('catalog', [envelopeOf(firstCatalog!), ...otherCatalogs.map(envelopeOf)])
  .refine((envelope) => envelope.type.startsWith(`${envelope.catalog}.`), { message: 'type must start with the catalog', path: ['type'] });

/** A change of one catalog's entity. */
export type ChangeEnvelopeOf<C extends CatalogName> = z.infer<typeof envelopeFieldsSchema> & { catalog: C; data: SnapshotOf<C> };
const envelopeFieldsSchema = z.object(envelopeFields);
/** A change of any catalog's entity (discriminated by `catalog`). */
export type ChangeEnvelope = { [C in CatalogName]: ChangeEnvelopeOf<C> }[CatalogName];

export function changeKindOf(envelope: Pick<ChangeEnvelope, 'type'>): ChangeKind {
  return envelope.type.slice(envelope.type.lastIndexOf('.') + 1) as ChangeKind;
}

export function newChangeEnvelope<C extends CatalogName>(
  fields: Omit<ChangeEnvelopeOf<C>, 'id' | 'type' | 'occurredAt' | 'schemaVersion'> & { kind: ChangeKind; occurredAt?: Date },
): ChangeEnvelopeOf<C> {
  const { kind, occurredAt, ...rest } = fields;
  return {
    schemaVersion: ENVELOPE_SCHEMA_VERSION,
    id: randomUUID(),
    type: `${fields.catalog}.${kind}`,
    occurredAt: (occurredAt ?? new Date()).toISOString(),
    ...rest,
  } as ChangeEnvelopeOf<C>;
}

export class UnsupportedSchemaVersionError extends Error {
  override name = 'UnsupportedSchemaVersionError';
}

/** Reads an envelope of this or the previous schema version; throws a ZodError describing what is wrong. */
export function readChangeEnvelope(value: unknown): ChangeEnvelope {
  const version = value && typeof value === 'object' ? ((value as { schemaVersion?: unknown }).schemaVersion ?? 1) : undefined;
  if (version !== undefined && !(ACCEPTED_ENVELOPE_VERSIONS as readonly unknown[]).includes(version)) {
    throw new UnsupportedSchemaVersionError(`change envelope schemaVersion ${String(version)} is not one this release reads (${ACCEPTED_ENVELOPE_VERSIONS.join(', ')})`);
  }
  const upgraded = version === 1 ? { ...(value as object), schemaVersion: ENVELOPE_SCHEMA_VERSION } : value;
  return changeEnvelopeSchema.parse(upgraded) as ChangeEnvelope;
}

/** Parses a message value; throws a ZodError (or SyntaxError) describing what is wrong. */
export function parseChangeEnvelope(value: string): ChangeEnvelope {
  return readChangeEnvelope(JSON.parse(value));
}

/** The Kafka key of a change: its catalog's partition key (the entity's id, or e.g. an invoice's customer id). */
export function partitionKeyOf<C extends CatalogName>(envelope: ChangeEnvelopeOf<C>): string {
  return catalogs[envelope.catalog].partitionKeyOf(envelope.data);
}
