import type { Prisma } from '../../core/db/generated/client.js';
import { toJsonInput } from '../../core/db/json.js';
import { partitionKeyOf, type ChangeEnvelope } from '../../core/events/envelope.js';
import { MAX_EVENT_BYTES, messageBytes } from '../../core/kafka/limits.js';
import { ValidationError } from '../errors.js';

/**
 * Records an event in the outbox inside the caller's transaction: it is published if and only if
 * the change commits. Its insert trigger NOTIFYs the relay on commit.
 *
 * An event over MAX_EVENT_BYTES is refused (the transaction rolls back): the relay could never
 * publish it, and every later event would wait behind it.
 */
export async function appendToOutbox(tx: Prisma.TransactionClient, topic: string, envelope: ChangeEnvelope): Promise<void> {
  // The catalog's partition key (an invoice's customer), so dependent changes stay in order.
  const record = outboxRecord(topic, envelope);
  await tx.outboxEvent.create({
    data: { eventId: record.eventId, topic, key: record.key, payload: toJsonInput(envelope) },
  });
}

/** An outbox row's values, the payload as JSON text, for writes that insert it themselves (one statement). */
export interface OutboxRecord {
  eventId: string;
  topic: string;
  key: string;
  payload: string;
}

/** The outbox row of `envelope`; refuses one over MAX_EVENT_BYTES (ValidationError), as appendToOutbox does. */
export function outboxRecord(topic: string, envelope: ChangeEnvelope): OutboxRecord {
  const payload = JSON.stringify(envelope);
  // The catalog's partition key (an invoice's customer), so dependent changes stay in order.
  const key = partitionKeyOf(envelope);
  const bytes = messageBytes({ key, value: payload, headers: { 'event-id': envelope.id } });
  if (bytes > MAX_EVENT_BYTES) {
    throw new ValidationError([{ field: 'input', message: `the change is too large to publish (${bytes} bytes serialized; at most ${MAX_EVENT_BYTES})` }]);
  }
  return { eventId: envelope.id, topic, key, payload };
}
