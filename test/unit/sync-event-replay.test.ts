import { describe, expect, it } from 'vitest';
import { newSyncEvent, type SyncEvent } from '../../core/events/sync-event.js';
import { SyncEventHub } from '../../server/sync-events/sync-event-hub.js';
import { SyncEventWindow } from '../../server/sync-events/sync-event-window.js';

const MINUTE = 60_000;
const at = (ms: number, entityId: string, message?: string): SyncEvent => ({
  ...newSyncEvent({ type: 'OUTBOUND_SYNCED', catalog: 'customer', entityId, integration: 'stripe', ...(message ? { message } : {}) }),
  occurredAt: new Date(ms).toISOString(),
});

async function take(stream: AsyncIterator<SyncEvent>, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index += 1) ids.push((await stream.next()).value!.entityId!);
  return ids;
}

describe('sync event replay (window + hub)', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');

  it('replays the kept events at or after since, in order, then live ones, with no duplicate at the switch', async () => {
    const hub = new SyncEventHub(10, new SyncEventWindow(15 * MINUTE, () => now));
    const early = at(now - 10 * MINUTE, 'early');
    hub.publish(early);
    hub.publish(at(now - 5 * MINUTE, 'a'));
    hub.publish(at(now - 4 * MINUTE, 'b'));
    const stream = hub.subscribe({}, { since: new Date(now - 5 * MINUTE) });
    const live = at(now, 'live');
    hub.publish(live);
    hub.publish(live); // redelivered by Kafka: dropped
    hub.publish(early); // a redelivery of a replayed event: dropped too
    hub.publish(at(now, 'after'));
    expect(await take(stream, 4)).toEqual(['a', 'b', 'live', 'after']);
  });

  it('applies the filter to the replay', async () => {
    const hub = new SyncEventHub(10, new SyncEventWindow(15 * MINUTE, () => now));
    hub.publish(at(now - MINUTE, 'x'));
    hub.publish(at(now - MINUTE, 'y'));
    const stream = hub.subscribe({ customerId: 'y' }, { since: new Date(now - 2 * MINUTE) });
    hub.publish(at(now, 'x'));
    hub.publish(at(now, 'y'));
    expect(await take(stream, 2)).toEqual(['y', 'y']);
  });

  it('a since in the future gets live events only', async () => {
    const hub = new SyncEventHub(10, new SyncEventWindow(15 * MINUTE, () => now));
    hub.publish(at(now - MINUTE, 'past'));
    const stream = hub.subscribe({}, { since: new Date(now + MINUTE) });
    hub.publish(at(now, 'live'));
    expect(await take(stream, 1)).toEqual(['live']);
  });

  it('a since older than the window starts at the oldest event kept and says so in its message', async () => {
    let clock = now - 20 * MINUTE;
    const hub = new SyncEventHub(10, new SyncEventWindow(15 * MINUTE, () => clock));
    hub.publish(at(clock, 'dropped'));
    clock = now;
    hub.publish(at(now - 14 * MINUTE, 'oldest', 'card declined'));
    hub.publish(at(now - MINUTE, 'newer'));
    const stream = hub.subscribe({}, { since: new Date(now - 60 * MINUTE) });
    const first = (await stream.next()).value!;
    expect(first.entityId).toBe('oldest');
    expect(first.message).toBe('Replay starts at the oldest event kept (15-minute window), not at since. card declined');
    const second = (await stream.next()).value!;
    expect([second.entityId, second.message]).toEqual(['newer', undefined]);
  });

  it('a since inside the window carries no note', async () => {
    const hub = new SyncEventHub(10, new SyncEventWindow(15 * MINUTE, () => now));
    hub.publish(at(now - MINUTE, 'a', 'plain'));
    const stream = hub.subscribe({}, { since: new Date(now - 2 * MINUTE) });
    expect((await stream.next()).value!.message).toBe('plain');
  });

  it('the replay does not count against the live allowance (SLOW_SUBSCRIBER)', async () => {
    const hub = new SyncEventHub(2, new SyncEventWindow(15 * MINUTE, () => now));
    for (let index = 0; index < 5; index += 1) hub.publish(at(now - MINUTE, `r${index}`));
    const stream = hub.subscribe({}, { since: new Date(now - 2 * MINUTE) });
    hub.publish(at(now, 'l0'));
    hub.publish(at(now, 'l1'));
    expect(await take(stream, 7)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'l0', 'l1']);
  });
});
