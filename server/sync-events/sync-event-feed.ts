import { randomUUID } from 'node:crypto';
import { parseSyncEvent } from '../../core/events/sync-event.js';
import type { MessageBus, Subscription } from '../../core/kafka/bus.js';
import { subscribeWhenReady } from '../../core/kafka/subscribe-when-ready.js';
import { getLogger } from '../../core/logger.js';
import type { SyncEventHub } from './sync-event-hub.js';

const log = getLogger('sync.events.feed');

/**
 * Feeds the hub from the sync-events topic. Every gateway instance reads with a consumer group of
 * its own, so a client connected to any instance sees every event. The group starts `replayMs`
 * back in time, which fills the hub's replay window on start (0: from the newest offset).
 */
export function startSyncEventFeed(options: {
  bus: MessageBus;
  hub: SyncEventHub;
  topic: string;
  partitions: number;
  groupPrefix: string;
  replayMs?: number;
}): Subscription & { ready: Promise<void> } {
  return subscribeWhenReady(options.bus, [{ name: options.topic, partitions: options.partitions }], {
    groupId: `${options.groupPrefix}catalog-gateway-sync-events-${randomUUID()}`,
    topics: [options.topic],
    fromBeginning: false,
    ...(options.replayMs ? { startAtTimestamp: Date.now() - options.replayMs } : {}),
    concurrency: options.partitions,
    handler: async (message) => {
      try {
        options.hub.publish(parseSyncEvent(message.value));
      } catch (error) {
        log.warn({ err: error, offset: message.offset }, 'malformed sync event skipped');
      }
    },
  });
}
