import type { Prisma } from '../../core/db/generated/client.js';
import { toJsonInput } from '../../core/db/json.js';
import type { ChangeEnvelope } from '../../core/events/envelope.js';

/**
 * Records an event in the outbox inside the caller's transaction: it is published if and only if
 * the change commits. Its insert trigger NOTIFYs the relay on commit.
 */
export async function appendToOutbox(tx: Prisma.TransactionClient, topic: string, envelope: ChangeEnvelope): Promise<void> {
  await tx.outboxEvent.create({
    data: { eventId: envelope.id, topic, key: envelope.entityId, payload: toJsonInput(envelope) },
  });
}
