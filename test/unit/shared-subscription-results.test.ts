import { parse, type ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { newSyncEvent } from '../../core/events/sync-event.js';
import { gatewaySchema } from '../../server/schema/index.js';
import { SharedResultCache, sharedSelectionKey, subscribeShared, isSharedResult } from '../../server/sync-events/shared-results.js';
import { spliceFrame, SplicedPayload, splicingReplacer } from '../../server/sync-events/spliced-frames.js';
import { SyncEventHub } from '../../server/sync-events/sync-event-hub.js';

// One execution and one JSON text per event and distinct selection (server/sync-events/shared-results.ts),
// with the scope check and filters still per subscriber.

const full = 'subscription Watch($filter: SyncEventFilter) { syncEvents(filter: $filter) { id type customerId occurredAt } }';

function subscriber(hub: SyncEventHub, cache: SharedResultCache, query: string, variables: Record<string, unknown> = {}, scopes = ['sync.read']) {
  const document = parse(query);
  const key = sharedSelectionKey(document, undefined, variables);
  if (key === undefined) throw new Error('not shareable');
  const contextValue = { principal: { id: 'p', scopes: new Set(scopes) }, syncEvents: hub };
  return subscribeShared({ schema: gatewaySchema(), document, variableValues: variables, contextValue }, key, cache);
}

async function nextResult(stream: Awaited<ReturnType<typeof subscriber>>): Promise<ExecutionResult> {
  if (!(Symbol.asyncIterator in stream)) throw new Error(`not a stream: ${JSON.stringify(stream)}`);
  return (await stream.next()).value as ExecutionResult;
}

describe('shared subscription results', () => {
  it('two subscribers of the same selection get the very same result and JSON text; another selection gets its own', async () => {
    const hub = new SyncEventHub();
    const cache = new SharedResultCache();
    const a = await subscriber(hub, cache, full, {});
    // Same selection, different filter (an argument: it picks events, not their shape).
    const b = await subscriber(hub, cache, 'subscription { syncEvents(filter: { customerId: "c1" }) { id type customerId occurredAt } }');
    const narrow = await subscriber(hub, cache, 'subscription { syncEvents { kind: type } }');
    const event = newSyncEvent({ type: 'OUTBOUND_SYNCED', catalog: 'customer', entityId: 'c1', integration: 'stripe' });
    hub.publish(event);
    const [first, second, third] = await Promise.all([nextResult(a), nextResult(b), nextResult(narrow)]);
    expect(second).toBe(first);
    expect(first).toEqual({ data: { syncEvents: { id: event.id, type: 'OUTBOUND_SYNCED', customerId: 'c1', occurredAt: expect.anything() } } });
    expect(third).not.toBe(first);
    expect(third).toEqual({ data: { syncEvents: { kind: 'OUTBOUND_SYNCED' } } });
    expect(isSharedResult(first)).toBe(true);
    if (!isSharedResult(first)) return;
    expect(first.stringify(first)).toBe(JSON.stringify(first));
    expect(first.stringify(first)).toBe(first.stringify(first));
  });

  it('keeps each subscriber\'s filter and scope check', async () => {
    const hub = new SyncEventHub();
    const cache = new SharedResultCache();
    const forbidden = await subscriber(hub, cache, full, {}, ['customers.read']);
    expect(Symbol.asyncIterator in forbidden).toBe(false);
    expect((forbidden as ExecutionResult).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const onlyC2 = await subscriber(hub, cache, full, { filter: { customerId: 'c2' } });
    const all = await subscriber(hub, cache, full, {});
    hub.publish(newSyncEvent({ type: 'OUTBOUND_SYNCED', catalog: 'customer', entityId: 'c1', integration: 'stripe' }));
    hub.publish(newSyncEvent({ type: 'OUTBOUND_SYNCED', catalog: 'customer', entityId: 'c2', integration: 'stripe' }));
    const seenByAll = [await nextResult(all), await nextResult(all)];
    const seenByC2 = await nextResult(onlyC2);
    expect(seenByAll.map((result) => (result.data?.syncEvents as { customerId: string }).customerId)).toEqual(['c1', 'c2']);
    expect((seenByC2.data?.syncEvents as { customerId: string }).customerId).toBe('c2');
    expect(seenByC2).toBe(seenByAll[1]);
  });

  it('keys a selection by its shape and the variables it uses, not by the root field\'s arguments', () => {
    const key = (query: string, variables: Record<string, unknown> = {}) => sharedSelectionKey(parse(query), undefined, variables);
    const base = key('subscription { syncEvents { id type } }');
    expect(key('subscription($f: SyncEventFilter) { syncEvents(filter: $f) { id type } }', { f: { customerId: 'x' } })).toBe(base);
    expect(key('subscription { syncEvents { type id } }')).not.toBe(base);
    expect(key('subscription { events: syncEvents { id type } }')).not.toBe(base);
    const withSkip = 'subscription($skip: Boolean!) { syncEvents { id type @skip(if: $skip) } }';
    expect(key(withSkip, { skip: true })).not.toBe(key(withSkip, { skip: false }));
    const withFragment = (fields: string) => key(`subscription { syncEvents { ...F } } fragment F on SyncEvent { ${fields} }`);
    expect(withFragment('id')).not.toBe(withFragment('type'));
    expect(key('query { __typename }')).toBeUndefined();
  });

  it('splices the cached text into a graphql-ws frame behind the frame\'s own id', () => {
    const result = { data: { syncEvents: { id: 'e1' } } };
    const cache = new SharedResultCache();
    const shared = cache.resultFor({}, 'k', () => result);
    if (shared instanceof Promise || !isSharedResult(shared)) throw new Error('expected a shared result');
    const frame = (id: string) => spliceFrame(JSON.stringify({ id, type: 'next', payload: new SplicedPayload(shared) }, splicingReplacer));
    expect(JSON.parse(frame('1'))).toEqual({ id: '1', type: 'next', payload: result });
    expect(JSON.parse(frame('"tricky"}'))).toEqual({ id: '"tricky"}', type: 'next', payload: result });
    const other = JSON.stringify({ id: '2', type: 'complete' });
    expect(spliceFrame(other)).toBe(other);
  });
});
