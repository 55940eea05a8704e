import { changeEnvelopeSchema } from '../../core/events/envelope.js';
import type { SyncEventFields, SyncEventPublisher } from '../../core/events/sync-event-publisher.js';
import type { PublishedRow } from './relay.js';

/** One LOCAL_CHANGE_PUBLISHED sync event per catalog change the relay put on Kafka, in one send. */
export function syncEventsForPublished(syncEvents: SyncEventPublisher, rows: PublishedRow[]): Promise<void> {
  const events: SyncEventFields[] = [];
  for (const row of rows) {
    const parsed = changeEnvelopeSchema.safeParse(row.payload);
    if (!parsed.success) continue;
    const change = parsed.data;
    events.push({
      type: 'LOCAL_CHANGE_PUBLISHED',
      catalog: change.catalog,
      entityId: change.entityId,
      causationId: change.id,
      message: `${change.type} v${change.version} (origin ${change.origin})`,
      ...(change.origin !== 'local' ? { integration: change.origin } : {}),
    });
  }
  return syncEvents.publishMany(events);
}
