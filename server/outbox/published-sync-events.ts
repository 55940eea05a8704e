import { readChangeEnvelope, type ChangeEnvelope } from '../../core/events/envelope.js';
import type { SyncEventFields, SyncEventPublisher } from '../../core/events/sync-event-publisher.js';
import type { TopicMessages } from '../../core/kafka/bus.js';
import type { PublishedRow } from './relay.js';

/** One LOCAL_CHANGE_PUBLISHED sync event per catalog change, sent in the same request as the changes. */
export function syncEventsForPublished(syncEvents: SyncEventPublisher, rows: PublishedRow[]): TopicMessages[] {
  const events: SyncEventFields[] = [];
  for (const row of rows) {
    let change: ChangeEnvelope;
    try {
      change = readChangeEnvelope(row.payload);
    } catch {
      continue; // not a catalog change (the relay publishes whatever the outbox holds)
    }
    events.push({
      type: 'LOCAL_CHANGE_PUBLISHED',
      catalog: change.catalog,
      entityId: change.entityId,
      causationId: change.id,
      message: `${change.type} v${change.version} (origin ${change.origin})`,
      ...(change.origin !== 'local' ? { integration: change.origin } : {}),
    });
  }
  return [syncEvents.toMessages(events)];
}
