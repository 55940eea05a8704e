import { randomUUID } from 'node:crypto';
import { z } from 'zod';

// The adapter-neutral event envelope shared by both processes. It never carries a remote system's
// types: `data` is the catalog's own snapshot of the entity after the change (or before a delete).

export const ORIGIN_LOCAL = 'local';

export const changeKinds = ['created', 'updated', 'deleted'] as const;
export type ChangeKind = (typeof changeKinds)[number];

export const changeEnvelopeSchema = z.object({
  id: z.uuid(),
  /** `<catalog>.<kind>`, e.g. customer.created. */
  type: z.string().regex(/^[a-z][a-z_]*\.(created|updated|deleted)$/, 'expected <catalog>.created|updated|deleted'),
  catalog: z.string().min(1),
  entityId: z.string().min(1),
  /** The entity's version after this change (a delete bumps it too). */
  version: z.number().int().positive(),
  /** `local` for changes made through the gateway, otherwise the integration they came from. */
  origin: z.string().min(1),
  occurredAt: z.iso.datetime({ offset: true }),
  /** Full snapshot, so consumers are order-tolerant and idempotent. */
  data: z.record(z.string(), z.unknown()),
  /** The event (e.g. a webhook's id) that caused this one, when there is one. */
  causationId: z.string().min(1).optional(),
  /**
   * Set by resyncCustomer: only this integration acts on the event, and it re-applies the
   * snapshot even if it already synced this version.
   */
  resyncFor: z.string().min(1).optional(),
});

export type ChangeEnvelope = z.infer<typeof changeEnvelopeSchema>;

export function changeKindOf(envelope: Pick<ChangeEnvelope, 'type'>): ChangeKind {
  return envelope.type.slice(envelope.type.lastIndexOf('.') + 1) as ChangeKind;
}

export function newChangeEnvelope(fields: Omit<ChangeEnvelope, 'id' | 'type' | 'occurredAt'> & { kind: ChangeKind; occurredAt?: Date }): ChangeEnvelope {
  const { kind, occurredAt, ...rest } = fields;
  return {
    id: randomUUID(),
    type: `${fields.catalog}.${kind}`,
    occurredAt: (occurredAt ?? new Date()).toISOString(),
    ...rest,
  };
}

/** Parses a message value; throws a ZodError (or SyntaxError) describing what is wrong. */
export function parseChangeEnvelope(value: string): ChangeEnvelope {
  return changeEnvelopeSchema.parse(JSON.parse(value));
}
