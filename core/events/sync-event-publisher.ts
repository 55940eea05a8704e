import type { MessageBus, TopicMessages } from '../kafka/bus.js';
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

  /** The events as messages for the sync-events topic, to send along with other messages. */
  toMessages(many: SyncEventFields[]): TopicMessages {
    return {
      topic: this.topic,
      messages: many.map(newSyncEvent).map((event) => ({ key: event.entityId ?? event.remoteId ?? event.id, value: JSON.stringify(event) })),
    };
  }

  async publishMany(many: SyncEventFields[]): Promise<void> {
    if (many.length === 0) return;
    const batch = this.toMessages(many);
    try {
      await this.bus.publish(batch.topic, batch.messages);
    } catch (error) {
      const first = many[0]!;
      log.warn({ err: error, count: many.length, type: first.type, entityId: first.entityId, integration: first.integration }, 'could not publish sync events');
    }
  }
}
