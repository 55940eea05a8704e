import type pg from 'pg';
import type { MessageBus } from '../kafka/bus.js';
import { metrics, onScrape } from './metrics.js';

/** Refreshes catalog_consumer_lag for these groups on each scrape. */
export function watchConsumerLag(name: string, bus: MessageBus, groups: Array<{ groupId: string; topics: string[] }>): () => void {
  return onScrape(`consumer-lag:${name}`, async () => {
    for (const { groupId, topics } of groups) {
      for (const { topic, partition, lag } of await bus.consumerLag(groupId, topics)) {
        metrics.consumerLag.set({ group: groupId, topic, partition: String(partition) }, lag);
      }
    }
  });
}

/** Refreshes the outbox backlog and the age of its oldest unpublished row on each scrape. */
export function watchOutbox(pool: pg.Pool): () => void {
  return onScrape('outbox', async () => {
    const { rows } = await pool.query<{ backlog: string; oldest: Date | null }>(
      'SELECT count(*) AS backlog, min(created_at) AS oldest FROM outbox_event WHERE published_at IS NULL',
    );
    const row = rows[0]!;
    metrics.outboxBacklog.set(Number(row.backlog));
    metrics.outboxOldestAge.set(row.oldest ? Math.max(Date.now() - row.oldest.getTime(), 0) / 1000 : 0);
  });
}
