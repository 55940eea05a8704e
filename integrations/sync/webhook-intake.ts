import type { PrismaClient } from '../../core/db/prisma.js';
import type { InboundChange } from '../../core/events/inbound-change.js';
import type { MessageBus } from '../../core/kafka/bus.js';
import { getLogger } from '../../core/logger.js';
import type { WebhookRequest } from '../registry/adapter.js';
import type { ResolvedAdapter } from '../registry/registry.js';
import type { MappingStore } from './mapping-store.js';
import type { SyncEventPublisher } from '../../core/events/sync-event-publisher.js';

export interface WebhookIntakeDeps {
  prisma: PrismaClient;
  bus: MessageBus;
  mappings: MappingStore;
  syncEvents: SyncEventPublisher;
  inboundTopic: string;
}

export type IntakeOutcome =
  | { status: 'accepted'; published: number; suppressed: number }
  | { status: 'duplicate' };

/**
 * A verified webhook, deduplicated by event id, filtered (stale events, our own echoes) and
 * published to the inbound topic. Resolves only once what must be published is on Kafka; a Kafka
 * failure rejects, and the route answers 503 so the sender retries.
 */
export async function takeWebhook(adapter: ResolvedAdapter, request: WebhookRequest, deps: WebhookIntakeDeps): Promise<IntakeOutcome> {
  const log = getLogger(`webhook.${adapter.name}`);
  const inbound = adapter.instance.inbound;
  if (!inbound) throw new Error(`integration ${adapter.name} takes no webhooks`);
  const webhook = inbound.verify(request); // throws WebhookRejectedError -> 400
  const consumer = `webhook.${adapter.name}`;

  const seen = await deps.prisma.processedEvent.findUnique({ where: { consumer_eventId: { consumer, eventId: webhook.eventId } } });
  if (seen) {
    log.info({ eventId: webhook.eventId }, 'duplicate webhook ignored');
    return { status: 'duplicate' };
  }

  let published = 0;
  let suppressed = 0;
  for (const received of webhook.changes) {
    const context = { eventId: webhook.eventId, remoteId: received.remoteId, integration: adapter.name, kind: received.kind };
    const mapping =
      (received.localId ? await deps.mappings.find(received.catalog, received.localId, adapter.name) : null) ??
      (await deps.mappings.findByRemoteId(adapter.name, received.remoteId));
    const localId = received.localId ?? mapping?.localId;
    const report = { catalog: received.catalog, integration: adapter.name, remoteId: received.remoteId, causationId: webhook.eventId, ...(localId ? { entityId: localId } : {}) };
    await deps.syncEvents.publish({ ...report, type: 'INBOUND_RECEIVED', message: `${received.catalog}.${received.kind}` });

    let change: InboundChange = received;
    const last = mapping?.lastRemoteEventAt?.getTime();
    const at = webhook.occurredAt.getTime();
    if (last !== undefined && at < last) {
      log.info(context, 'older than the last applied event for this object; ignored');
      suppressed += 1;
      continue;
    }
    if (last !== undefined && at === last) {
      // Same second as the last event: their order is unknowable, so take the object as it is now.
      change = await inbound.refetch(received);
    }
    if (mapping?.lastSyncedHash && change.hash === mapping.lastSyncedHash) {
      log.info(context, 'echo of our own write; dropped');
      await deps.syncEvents.publish({ ...report, type: 'ECHO_SUPPRESSED', message: `${received.catalog}.${received.kind} matches the last synced state` });
      await deps.mappings.noteRemoteEvent(adapter.name, received.remoteId, webhook.occurredAt);
      suppressed += 1;
      continue;
    }

    await deps.bus.publish(deps.inboundTopic, [
      { key: change.remoteId, value: JSON.stringify({ ...change, ...(localId ? { localId } : {}) }), headers: { 'event-id': webhook.eventId } },
    ]);
    await deps.mappings.noteRemoteEvent(adapter.name, received.remoteId, webhook.occurredAt);
    published += 1;
    log.info(context, 'published inbound change');
  }

  // A concurrent delivery of the same event may have got here first: that is fine.
  await deps.prisma.processedEvent.createMany({ data: [{ consumer, eventId: webhook.eventId }], skipDuplicates: true });
  return { status: 'accepted', published, suppressed };
}
