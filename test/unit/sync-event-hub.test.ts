import { describe, expect, it } from 'vitest';
import { newSyncEvent } from '../../core/events/sync-event.js';
import { SyncEventHub } from '../../server/sync-events/sync-event-hub.js';

const event = (entityId: string, type: 'OUTBOUND_SYNCED' | 'LOCAL_CHANGE_PUBLISHED' = 'OUTBOUND_SYNCED') =>
  newSyncEvent({ type, catalog: 'customer', entityId, integration: 'stripe' });

describe('SyncEventHub', () => {
  it('delivers in order to every subscriber whose filter matches', async () => {
    const hub = new SyncEventHub();
    const all = hub.subscribe();
    const onlyB = hub.subscribe({ customerId: 'b' });
    const onlyPublished = hub.subscribe({ types: ['LOCAL_CHANGE_PUBLISHED'] });
    hub.publish(event('a'));
    hub.publish(event('b'));
    hub.publish(event('a', 'LOCAL_CHANGE_PUBLISHED'));
    expect([(await all.next()).value?.entityId, (await all.next()).value?.entityId, (await all.next()).value?.type]).toEqual(['a', 'b', 'LOCAL_CHANGE_PUBLISHED']);
    expect((await onlyB.next()).value?.entityId).toBe('b');
    expect((await onlyPublished.next()).value).toMatchObject({ entityId: 'a', type: 'LOCAL_CHANGE_PUBLISHED' });
  });

  it('ends a subscriber that falls behind with SLOW_SUBSCRIBER, without affecting the others', async () => {
    const hub = new SyncEventHub(3);
    const slow = hub.subscribe();
    const fast = hub.subscribe();
    const received: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      hub.publish(event(`c${index}`));
      received.push((await fast.next()).value!.entityId!);
    }
    expect(received).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    await expect(slow.next()).rejects.toMatchObject({ extensions: { code: 'SLOW_SUBSCRIBER' } });
    expect(hub.subscriberCount).toBe(1);
    expect((await slow.next()).done).toBe(true);
  });

  it('forgets a subscriber that returns (client went away)', async () => {
    const hub = new SyncEventHub();
    const subscriber = hub.subscribe();
    const pending = subscriber.next();
    await subscriber.return();
    expect((await pending).done).toBe(true);
    expect(hub.subscriberCount).toBe(0);
  });

  it('matches through its index: customer, integration, one type, several types and no filter', async () => {
    const hub = new SyncEventHub();
    const received = new Map<string, string[]>();
    const watch = (name: string, filter: Parameters<SyncEventHub['subscribe']>[0]) => {
      const stream = hub.subscribe(filter);
      received.set(name, []);
      void (async () => {
        for await (const value of stream) received.get(name)!.push(`${value.entityId}:${value.type}:${value.integration}`);
      })();
      return stream;
    };
    watch('customerA', { customerId: 'a' });
    watch('customerAStripePublished', { customerId: 'a', integration: 'stripe', types: ['LOCAL_CHANGE_PUBLISHED'] });
    watch('hubspot', { integration: 'hubspot' });
    watch('published', { types: ['LOCAL_CHANGE_PUBLISHED'] });
    watch('publishedOrSynced', { types: ['LOCAL_CHANGE_PUBLISHED', 'OUTBOUND_SYNCED'] });
    const all = watch('all', {});
    hub.publish(event('a'));
    hub.publish(event('b', 'LOCAL_CHANGE_PUBLISHED'));
    hub.publish(newSyncEvent({ type: 'INBOUND_APPLIED', catalog: 'customer', entityId: 'a', integration: 'hubspot' }));
    hub.publish(event('a', 'LOCAL_CHANGE_PUBLISHED'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(Object.fromEntries(received)).toEqual({
      customerA: ['a:OUTBOUND_SYNCED:stripe', 'a:INBOUND_APPLIED:hubspot', 'a:LOCAL_CHANGE_PUBLISHED:stripe'],
      customerAStripePublished: ['a:LOCAL_CHANGE_PUBLISHED:stripe'],
      hubspot: ['a:INBOUND_APPLIED:hubspot'],
      published: ['b:LOCAL_CHANGE_PUBLISHED:stripe', 'a:LOCAL_CHANGE_PUBLISHED:stripe'],
      publishedOrSynced: ['a:OUTBOUND_SYNCED:stripe', 'b:LOCAL_CHANGE_PUBLISHED:stripe', 'a:LOCAL_CHANGE_PUBLISHED:stripe'],
      all: ['a:OUTBOUND_SYNCED:stripe', 'b:LOCAL_CHANGE_PUBLISHED:stripe', 'a:INBOUND_APPLIED:hubspot', 'a:LOCAL_CHANGE_PUBLISHED:stripe'],
    });
    expect(hub.subscriberCount).toBe(6);
    await all.return();
    expect(hub.subscriberCount).toBe(5);
    hub.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(hub.subscriberCount).toBe(0);
  });
});

describe('SyncEventHub fan-out in chunks', () => {
  it('offers an event to at most yieldEvery subscribers per macrotask, the rest after I/O, in order', async () => {
    const hub = new SyncEventHub(1_000, undefined, 10);
    const received: string[][] = [];
    const streams = Array.from({ length: 35 }, (_, index) => {
      received.push([]);
      const stream = hub.subscribe();
      void (async () => {
        for await (const value of stream) received[index]!.push(value.entityId!);
      })();
      return stream;
    });
    hub.publish(event('first'));
    hub.publish(event('second'));
    await Promise.resolve();
    await Promise.resolve();
    // Only the first chunk ran before the event loop got a turn.
    expect(received.filter((events) => events.length > 0)).toHaveLength(10);
    let turns = 0;
    while (received.some((events) => events.length < 2)) {
      await new Promise((resolve) => setImmediate(resolve));
      turns += 1;
    }
    // 70 offers in chunks of 10: 6 more macrotasks, every subscriber in publish order.
    expect(turns).toBeGreaterThanOrEqual(6);
    expect(received.every((events) => events.join() === 'first,second')).toBe(true);
    for (const stream of streams) await stream.return();
    expect(hub.subscriberCount).toBe(0);
  });
});
