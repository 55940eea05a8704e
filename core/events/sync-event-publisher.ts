import type { MessageBus } from '../kafka/bus.js';
import { getLogger } from '../logger.js';
import { newSyncEvent, type SyncEvent } from './sync-event.js';

const log = getLogger('sync.events');

export type SyncEventFields = Omit<SyncEvent, 'id' | 'occurredAt'>;

/** Publishes sync status. Best effort: a status that cannot be published is logged, never retried into the sync path. */
export class SyncEventPublisher {
  constructor(
    private readonly bus: MessageBus,
    private readonly topic: string,
  ) {}

  publish(fields: SyncEventFields): Promise<void> {
    return this.publishMany([fields]);
  }

  async publishMany(many: SyncEventFields[]): Promise<void> {
    if (many.length === 0) return;
    const events = many.map(newSyncEvent);
    try {
      await this.bus.publish(
        this.topic,
        events.map((event) => ({ key: event.entityId ?? event.remoteId ?? event.id, value: JSON.stringify(event) })),
      );
    } catch (error) {
      const first = events[0]!;
      log.warn({ err: error, count: events.length, type: first.type, entityId: first.entityId, integration: first.integration }, 'could not publish sync events');
    }
  }
}
