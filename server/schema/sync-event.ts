import { syncEventTypes, type SyncEvent } from '../../core/events/sync-event.js';
import { builder } from './builder.js';
import { safeSummary } from './safe-summary.js';
import { SyncStatusEnum } from './sync-state.js';

// Live sync activity: the syncEvents subscription (graphql-ws and SSE).

const SyncEventTypeEnum = builder.enumType('SyncEventType', { values: syncEventTypes });

const SyncEventRef = builder.objectRef<SyncEvent>('SyncEvent').implement({
  description: 'One step of a sync: a local change published, a remote write done or failed, a webhook received or applied, an echo dropped, a dead letter.',
  fields: (t) => ({
    id: t.exposeID('id'),
    type: t.expose('type', { type: SyncEventTypeEnum }),
    catalog: t.exposeString('catalog', { description: 'The catalog the entity belongs to (customer), or sync_run for run progress.' }),
    entityId: t.exposeID('entityId', { nullable: true, description: 'The local entity (a customer id, or a run id for SYNC_RUN_PROGRESS).' }),
    customerId: t.id({ nullable: true, resolve: (event) => (event.catalog === 'customer' ? (event.entityId ?? null) : null) }),
    integration: t.exposeString('integration', { nullable: true }),
    remoteId: t.exposeString('remoteId', { nullable: true }),
    status: t.expose('status', { type: SyncStatusEnum, nullable: true }),
    message: t.string({ nullable: true, resolve: (event) => safeSummary(event.message) }),
    causationId: t.exposeString('causationId', { nullable: true, description: 'The change event or remote event this step is about.' }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
  }),
});

const SyncEventFilterInput = builder.inputType('SyncEventFilter', {
  fields: (t) => ({
    customerId: t.id(),
    integration: t.string(),
    types: t.field({ type: [SyncEventTypeEnum] }),
  }),
});

builder.subscriptionFields((t) => ({
  syncEvents: t.field({
    authScopes: { scope: 'sync.read' },
    type: SyncEventRef,
    description:
      'Sync activity as it happens, from every gateway instance. With since: the events at or after it first (from the last SYNC_EVENTS_REPLAY_MINUTES, default 15; an older since starts at the oldest event kept, and the first event\'s message says so), then live ones, with no gap or duplicate. A client that falls 1,000 events behind is disconnected with SLOW_SUBSCRIBER.',
    args: { filter: t.arg({ type: SyncEventFilterInput }), since: t.arg({ type: 'DateTime' }) },
    subscribe: (_root, { filter, since }, ctx) =>
      ctx.syncEvents.subscribe(
        {
          customerId: filter?.customerId ? String(filter.customerId) : null,
          integration: filter?.integration ?? null,
          types: filter?.types ?? null,
        },
        { since: since ?? null },
      ),
    resolve: (event) => event,
  }),
}));
