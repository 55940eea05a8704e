import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplaySyncEventsSubscription, WatchSyncEventsSubscription } from '../../generated/graphql/graphql.js';
import { CreateCustomer, ReplaySyncEvents, UpdateCustomer, WatchSyncEvents } from '../graphql/operations.js';
import { metrics } from '../../core/metrics/metrics.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, uniqueTopics } from '../support/gateway.js';
import { data } from '../support/graphql-client.js';
import { startTestIntegrations } from '../support/integrations.js';
import { uniqueName } from '../support/stack.js';
import { localstripe } from '../support/stripe-emulators.js';
import { openRawGraphqlWs, openRawSse, subscribeSse, subscribeWs, type Collected } from '../support/subscriptions.js';

// The syncEvents subscription, fed from the sync-events topic, over WebSocket and SSE.

type Event = WatchSyncEventsSubscription['syncEvents'];
const topics = uniqueTopics();
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
let integrations: Awaited<ReturnType<typeof startTestIntegrations>>;
const open: Array<Collected<WatchSyncEventsSubscription> | Collected<ReplaySyncEventsSubscription>> = [];

beforeAll(async () => {
  gateway = await startTestGateway(topics);
  integrations = await startTestIntegrations(topics);
  await gateway.syncEventsReady;
});
afterAll(async () => {
  for (const subscription of open) await subscription.close();
  await integrations?.stop();
  await gateway?.stop();
});

async function track<Data>(subscription: Promise<Collected<Data>>) {
  const opened = await subscription;
  open.push(opened as Collected<WatchSyncEventsSubscription>);
  return opened;
}

async function createLocal() {
  const result = await data(gateway.url, CreateCustomer, { input: { email: `${uniqueName('live')}@example.com` } });
  if (result.createCustomer.__typename !== 'CreateCustomerSuccess') throw new Error(result.createCustomer.__typename);
  return result.createCustomer.customer;
}

const payloadsShared = async () => (await metrics.subscriptionPayloads.get()).values.find((value) => value.labels.result === 'shared')?.value ?? 0;

const typesFor = (items: WatchSyncEventsSubscription[], predicate: (event: Event) => boolean) =>
  items.map((item) => item.syncEvents).filter(predicate).map((event) => event.type);

describe('syncEvents subscription', () => {
  for (const [transport, subscribe] of [['WebSocket (graphql-ws)', subscribeWs], ['SSE', subscribeSse]] as const) {
    it(`over ${transport}: a local create shows LOCAL_CHANGE_PUBLISHED then OUTBOUND_SYNCED`, async () => {
      const subscription = await track(subscribe(gateway.url, WatchSyncEvents, {}));
      const customer = await createLocal();
      const forCustomer = (event: Event) => event.customerId === customer.id;
      await subscription.until((items) => typesFor(items, forCustomer).includes('OUTBOUND_SYNCED'));
      expect(typesFor(subscription.items, forCustomer).slice(0, 2)).toEqual(['LOCAL_CHANGE_PUBLISHED', 'OUTBOUND_SYNCED']);
      const synced = subscription.items.map((item) => item.syncEvents).find((event) => forCustomer(event) && event.type === 'OUTBOUND_SYNCED');
      expect(synced).toMatchObject({ integration: 'stripe', status: 'SYNCED', remoteId: expect.stringMatching(/^cus_/) });
    });
  }

  it('a Stripe-side create shows INBOUND_RECEIVED then INBOUND_APPLIED', async () => {
    const subscription = await track(subscribeWs(gateway.url, WatchSyncEvents, { filter: { integration: 'stripe' } }));
    const remote = await localstripe().customers.create({ email: `${uniqueName('remote')}@example.com` });
    const forRemote = (event: Event) => event.remoteId === remote.id && event.type.startsWith('INBOUND');
    await subscription.until((items) => typesFor(items, forRemote).includes('INBOUND_APPLIED'));
    expect(typesFor(subscription.items, forRemote)).toEqual(['INBOUND_RECEIVED', 'INBOUND_APPLIED']);
    expect(subscription.items.every((item) => item.syncEvents.integration === 'stripe')).toBe(true);
  });

  it('filters by customerId and by types', async () => {
    const first = await createLocal();
    const byCustomer = await track(subscribeWs(gateway.url, WatchSyncEvents, { filter: { customerId: first.id } }));
    const byType = await track(subscribeWs(gateway.url, WatchSyncEvents, { filter: { types: ['OUTBOUND_SYNCED'] } }));
    const other = await createLocal();
    // Touch the first customer again so it has fresh events after the subscriptions started.
    await data(gateway.url, UpdateCustomer, { id: first.id, input: { name: 'Filtered' } });
    await byType.until((items) => items.some((item) => item.syncEvents.customerId === other.id));
    await byCustomer.until((items) => items.some((item) => item.syncEvents.type === 'OUTBOUND_SYNCED'));
    expect(byCustomer.items.every((item) => item.syncEvents.customerId === first.id)).toBe(true);
    expect(byType.items.every((item) => item.syncEvents.type === 'OUTBOUND_SYNCED')).toBe(true);
  });

  it('sends subscribers of the same selection the same payload text (WebSocket frames and SSE), each frame with its own id; another selection gets its own', async () => {
    // With since before the create, each subscriber gets the create's events whether it registers
    // before or after they arrive (replay then live, no gap), so nothing races the subscribe frames.
    const since = new Date(Date.now() - 1_000).toISOString();
    const sharedBefore = await payloadsShared();
    const customer = await createLocal();
    const selection = '{ id type customerId integration status message occurredAt }';
    const socket = await openRawGraphqlWs(gateway.url);
    // Same selection, the filter written two ways (arguments pick events, they do not shape them).
    socket.subscribe('same-1', `subscription($filter: SyncEventFilter, $since: DateTime) { syncEvents(filter: $filter, since: $since) ${selection} }`, { filter: { customerId: customer.id }, since });
    socket.subscribe('same-2', `subscription { syncEvents(filter: { customerId: "${customer.id}" }, since: "${since}") ${selection} }`);
    socket.subscribe('narrow', `subscription { syncEvents(filter: { customerId: "${customer.id}" }, since: "${since}") { kind: type id } }`);
    const sse = await openRawSse(gateway.url, `subscription { syncEvents(filter: { customerId: "${customer.id}" }, since: "${since}") ${selection} }`);
    open.push({ items: [], until: async () => [], close: async () => (await socket.frames.close(), await sse.close()) });

    const framesOf = (id: string) => socket.frames.items.map((text) => ({ text, frame: JSON.parse(text) as { id: string; type: string; payload: { data: { syncEvents: Record<string, unknown> } } } })).filter(({ frame }) => frame.id === id);
    const published = (id: string) => framesOf(id).find(({ frame }) => frame.payload.data.syncEvents[id === 'narrow' ? 'kind' : 'type'] === 'LOCAL_CHANGE_PUBLISHED');
    await socket.frames.until(() => ['same-1', 'same-2', 'narrow'].every((id) => published(id)));
    await sse.until((items) => items.some((text) => text.includes('LOCAL_CHANGE_PUBLISHED')));
    const [first, second, narrow] = ['same-1', 'same-2', 'narrow'].map((id) => published(id)!);
    const payloadText = (text: string) => text.slice(text.indexOf('"payload":') + '"payload":'.length, -1);
    expect(first!.frame).toMatchObject({ id: 'same-1', type: 'next' });
    expect(second!.frame).toMatchObject({ id: 'same-2', type: 'next' });
    expect(payloadText(second!.text)).toBe(payloadText(first!.text));
    expect(sse.items.find((text) => text.includes('LOCAL_CHANGE_PUBLISHED'))).toBe(payloadText(first!.text));
    expect(first!.frame.payload.data.syncEvents).toMatchObject({ type: 'LOCAL_CHANGE_PUBLISHED', customerId: customer.id, occurredAt: expect.any(String) });
    // The gateway runs in this process: its counter shows the result was reused, not re-executed.
    expect((await payloadsShared()) - sharedBefore).toBeGreaterThanOrEqual(2);
    expect(narrow!.frame.payload).toEqual({ data: { syncEvents: { kind: 'LOCAL_CHANGE_PUBLISHED', id: first!.frame.payload.data.syncEvents.id } } });
  });

  it('is delivered by every gateway instance', async () => {
    const second = await startTestGateway(topics);
    try {
      await second.syncEventsReady;
      const onFirst = await track(subscribeWs(gateway.url, WatchSyncEvents, { filter: { types: ['LOCAL_CHANGE_PUBLISHED'] } }));
      const onSecond = await subscribeWs(second.url, WatchSyncEvents, { filter: { types: ['LOCAL_CHANGE_PUBLISHED'] } });
      const customer = await createLocal();
      const seen = (items: WatchSyncEventsSubscription[]) => items.find((item) => item.syncEvents.customerId === customer.id)?.syncEvents;
      const [a, b] = await Promise.all([
        eventually(async () => seen(onFirst.items), 15_000, 'the event on the first instance'),
        eventually(async () => seen(onSecond.items), 15_000, 'the event on the second instance'),
      ]);
      expect(a.id).toBe(b.id);
      await onSecond.close();
    } finally {
      await second.stop();
    }
  });
});

describe('syncEvents(since:) replay', () => {
  type Replayed = ReplaySyncEventsSubscription['syncEvents'];
  const events = (items: ReplaySyncEventsSubscription[]) => items.map((item) => item.syncEvents);
  const customerSteps = (list: Replayed[]) => list.filter((event) => event.type === 'LOCAL_CHANGE_PUBLISHED' || event.type === 'OUTBOUND_SYNCED').map((event) => event.type);

  /** A customer created and synced before any replaying subscription starts. */
  async function syncedBefore() {
    const watch = await track(subscribeWs(gateway.url, WatchSyncEvents, { filter: { types: ['OUTBOUND_SYNCED'] } }));
    const since = new Date(Date.now() - 1_000);
    const customer = await createLocal();
    await watch.until((items) => items.some((item) => item.syncEvents.customerId === customer.id));
    await watch.close();
    return { customer, since };
  }

  it('replays events published before the subscription, in order, then live ones, with no duplicate at the switch', async () => {
    const { customer, since } = await syncedBefore();
    const replay = await track(subscribeWs(gateway.url, ReplaySyncEvents, { filter: { customerId: customer.id }, since: since.toISOString() }));
    await replay.until((items) => customerSteps(events(items)).length >= 2);
    await data(gateway.url, UpdateCustomer, { id: customer.id, input: { name: 'After the switch' } });
    await replay.until((items) => customerSteps(events(items)).length >= 4);
    const received = events(replay.items);
    expect(customerSteps(received)).toEqual(['LOCAL_CHANGE_PUBLISHED', 'OUTBOUND_SYNCED', 'LOCAL_CHANGE_PUBLISHED', 'OUTBOUND_SYNCED']);
    expect(new Set(received.map((event) => event.id)).size).toBe(received.length);
    expect(received[0]).toMatchObject({ catalog: 'customer', entityId: customer.id, customerId: customer.id, causationId: expect.any(String) });
    expect(received.map((event) => event.occurredAt)).toEqual([...received.map((event) => event.occurredAt)].sort());
  });

  it('a since in the future gets only live events', async () => {
    const { customer: before } = await syncedBefore();
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const live = await track(subscribeWs(gateway.url, ReplaySyncEvents, { filter: { types: ['OUTBOUND_SYNCED'] }, since: future }));
    const after = await createLocal();
    await live.until((items) => items.some((item) => item.syncEvents.customerId === after.id));
    expect(events(live.items).map((event) => event.customerId)).not.toContain(before.id);
  });

  it('a gateway started later fills its window by seeking its reader back in time', async () => {
    const { customer, since } = await syncedBefore();
    const later = await startTestGateway(topics);
    try {
      await later.syncEventsReady;
      const replay = await subscribeWs(later.url, ReplaySyncEvents, { filter: { customerId: customer.id }, since: since.toISOString() });
      await replay.until((items) => customerSteps(events(items)).length >= 2);
      expect(customerSteps(events(replay.items))).toEqual(['LOCAL_CHANGE_PUBLISHED', 'OUTBOUND_SYNCED']);
      await replay.close();
    } finally {
      await later.stop();
    }
  });
});
